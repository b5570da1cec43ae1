"""A temporary file of checked chunks between the two passes of an import: validated once, written after.

Each entry is one chunk's encoded rows with the ordinal and line of the chunk's last record (so progress can
advance past records that were rejected or already stored). The file is removed when closed. The second pass
handles chunks several at a time (`process_chunks`) and tracks how far they are all done (`CommittedPrefix`).
"""

from __future__ import annotations

import asyncio
import struct
import tempfile
from collections.abc import Awaitable, Callable, Iterator
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


class CommittedPrefix:
    """Chunks finish out of order when several are in flight; the committed prefix ends at the last chunk that
    is done along with every chunk before it. Resuming from there never skips a statement."""

    def __init__(self, last_ordinal: int = 0, last_line: int = 0) -> None:
        self.last_ordinal = last_ordinal
        self.last_line = last_line
        self._done: dict[int, SpooledChunk] = {}
        self._next = 0

    def follows(self, index: int) -> bool:
        """True when every chunk before `index` is done."""
        return self._next == index

    def complete(self, index: int, chunk: SpooledChunk) -> bool:
        """Record chunk `index` (0-based, spool order) as done; True when the prefix advanced."""
        self._done[index] = chunk
        advanced = False
        while self._next in self._done:
            done = self._done.pop(self._next)
            self.last_ordinal, self.last_line = done.last_ordinal, done.last_line
            self._next += 1
            advanced = True
        return advanced


async def process_chunks(spool: Spool, workers: int, handle: Callable[[int, SpooledChunk], Awaitable[None]]) -> None:
    """`handle(index, chunk)` for every spooled chunk, `workers` at a time, started in spool order. The first
    failure cancels the others and is raised."""
    queue: asyncio.Queue[tuple[int, SpooledChunk] | None] = asyncio.Queue(maxsize=workers * 2)

    async def produce() -> None:
        for item in enumerate(spool):
            await queue.put(item)
        for _ in range(workers):
            await queue.put(None)

    async def consume() -> None:
        while (item := await queue.get()) is not None:
            await handle(*item)

    tasks = [asyncio.create_task(produce())] + [asyncio.create_task(consume()) for _ in range(workers)]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
