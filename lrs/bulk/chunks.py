"""Running `prepare_chunk` over a file's records, in worker processes or in this one, results in file order.

Worker processes are spawned (not forked: the parent holds database connections) and ignore Ctrl-C, which the
parent handles. At most a few chunks per worker are in flight, so memory stays bounded on any file size.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import gc
import multiprocessing
import signal
from collections.abc import AsyncIterator, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice

from lrs.bulk.preparing import ChunkJob, ChunkResult, prepare_chunk
from lrs.bulk.sources import Record

IN_FLIGHT_PER_WORKER = 3
# Validating and preparing builds many short-lived, acyclic objects; the default threshold (700) runs the
# cyclic collector so often that it costs about as much as the work itself.
RELAXED_GC_THRESHOLD = (100_000, 50, 100)


@contextlib.contextmanager
def relaxed_gc() -> Iterator[None]:
    """Collect cycles rarely (and never scan what exists already) for the duration of a bulk job."""
    previous = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*RELAXED_GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        gc.unfreeze()


def _worker_init() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and shuts us down
    gc.freeze()
    gc.set_threshold(*RELAXED_GC_THRESHOLD)


def batched(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    iterator = iter(records)
    while chunk := list(islice(iterator, size)):
        yield chunk


class ChunkRunner:
    """`jobs` worker processes (0: work in this process, between awaits)."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self._executor: ProcessPoolExecutor | None = None
        if jobs > 0:
            self._executor = ProcessPoolExecutor(
                max_workers=jobs, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_init
            )

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def __enter__(self) -> ChunkRunner:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    async def results(self, jobs: Iterable[ChunkJob]) -> AsyncIterator[ChunkResult]:
        if self._executor is None:
            for local in jobs:
                yield prepare_chunk(local)
                await asyncio.sleep(0)
            return
        pending: collections.deque[Future[ChunkResult]] = collections.deque()
        iterator = iter(jobs)
        limit = self.jobs * IN_FLIGHT_PER_WORKER
        while True:
            while len(pending) < limit and (job := next(iterator, None)) is not None:
                pending.append(self._executor.submit(prepare_chunk, job))
            if not pending:
                return
            yield await asyncio.wrap_future(pending.popleft())
