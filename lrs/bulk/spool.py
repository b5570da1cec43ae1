"""A temporary file of checked chunks between the two passes of an import: validated once, written after.

Each entry is one chunk's encoded rows with the ordinal and line of the chunk's last record (so progress can
advance past records that were rejected or already stored). The file is removed when closed.
"""

from __future__ import annotations

import struct
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

_HEADER = struct.Struct("<QQQ")


@dataclass(frozen=True, slots=True)
class SpooledChunk:
    rows: bytes
    last_ordinal: int
    last_line: int


class Spool:
    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="lrs-import-")  # noqa: SIM115 (closed by close())
        self.chunks = 0

    def append(self, rows: bytes, last_ordinal: int, last_line: int) -> None:
        self._file.write(_HEADER.pack(len(rows), last_ordinal, last_line))
        self._file.write(rows)
        self.chunks += 1

    def __iter__(self) -> Iterator[SpooledChunk]:
        self._file.flush()
        self._file.seek(0)
        for _ in range(self.chunks):
            size, last_ordinal, last_line = _HEADER.unpack(self._file.read(_HEADER.size))
            yield SpooledChunk(self._file.read(size), last_ordinal, last_line)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
