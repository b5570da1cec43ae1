"""The named SQL blocks of `lrs/bulk/sql/bulk.sql` (same file format as `lrs/store/sql`)."""

from __future__ import annotations

from functools import cache
from importlib import resources

from lrs.store.sql import parse_blocks


@cache
def _blocks() -> dict[str, str]:
    return parse_blocks(resources.files("lrs.bulk").joinpath("sql", "bulk.sql").read_text(encoding="utf-8"))


def bq(name: str) -> str:
    """One named block of the bulk SQL."""
    return _blocks()[name]
