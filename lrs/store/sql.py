"""SQL lives in `.sql` files as named blocks; this loads them.

A block starts with a header line `-- name: block_name` and runs to the next header. Parameters are `$n`.
Optional filters are written as `($2::text IS NULL OR col = $2)` rather than built as strings.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

_HEADER = re.compile(r"^--\s*name:\s*([a-z_][a-z0-9_]*)\s*$", re.MULTILINE)


def parse_blocks(text: str) -> dict[str, str]:
    """Split a .sql file into {name: sql}; a duplicate name is a programming error."""
    blocks: dict[str, str] = {}
    matches = list(_HEADER.finditer(text))
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        name = match.group(1)
        if name in blocks:
            raise ValueError(f"duplicate SQL block name {name!r}")
        body = text[match.end() : end].strip()
        if not body:
            raise ValueError(f"SQL block {name!r} is empty")
        blocks[name] = body
    return blocks


@cache
def queries(file: str) -> dict[str, str]:
    """The named blocks of `lrs/store/sql/<file>.sql`, read once."""
    text = resources.files("lrs.store").joinpath("sql", f"{file}.sql").read_text(encoding="utf-8")
    return parse_blocks(text)


def q(file: str, name: str) -> str:
    """One named block; a missing name raises KeyError at the first call (tests load every block)."""
    return queries(file)[name]
