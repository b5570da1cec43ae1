"""Transactions on one connection (the CLI and the worker hold a connection, the API a pool's): retried whole on
deadlocks and serialization failures, and optionally rolled back at the end (dry runs of erasure)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg

from lrs.errors import ServiceUnavailable
from lrs.store.db import MAX_ATTEMPTS, RETRYABLE

T = TypeVar("T")


class _RollBack(Exception):
    def __init__(self, result: object) -> None:
        super().__init__("dry run")
        self.result = result


async def run(
    conn: asyncpg.Connection,
    work: Callable[[asyncpg.Connection], Awaitable[T]],
    *,
    isolation: str = "read_committed",
    roll_back: bool = False,
) -> T:
    """`work(conn)` in one transaction; with `roll_back`, its result is returned and its writes undone."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            async with conn.transaction(isolation=isolation):
                result = await work(conn)
                if roll_back:
                    raise _RollBack(result)
                return result
        except _RollBack as done:
            return done.result  # type: ignore[return-value]
        except RETRYABLE as exc:
            if attempt == MAX_ATTEMPTS:
                raise ServiceUnavailable("the database is busy; retry the request") from exc
            await asyncio.sleep(0.01 * 2**attempt)
    raise AssertionError("unreachable")
