"""`python -m bench NAME [options]`: run one benchmark; each module `bench/NAME.py` has `main(argv) -> int`.

Every benchmark prints a readable table and ends with one JSON line of its figures.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def available() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if not m.name.startswith("_"))


def main(argv: list[str]) -> int:
    names = available()
    if not argv or argv[0] not in names:
        print(f"usage: python -m bench NAME [options]\nbenchmarks: {', '.join(names) or '(none yet)'}")
        return 2
    module = importlib.import_module(f"bench.{argv[0]}")
    result: int = module.main(argv[1:])
    return result


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
