"""The asyncpg pool and transaction helpers; one place decides how connections are made."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

import asyncpg

from lrs.errors import ServiceUnavailable

log = logging.getLogger("lrs.store")

T = TypeVar("T")


class Retry(Exception):
    """Raised by a transaction's work when a concurrent transaction invalidated what it checked (e.g. stored a
    statement id this one found free): `in_transaction` rolls back and runs the work again from the start."""


# Errors after which running the whole transaction again is safe and usually succeeds.
RETRYABLE = (
    asyncpg.exceptions.SerializationError,
    asyncpg.exceptions.DeadlockDetectedError,
    Retry,
)
MAX_ATTEMPTS = 5


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Connections return to the pool without asyncpg's default reset query (one more round trip per request):
    no code here changes session state (no SET, LISTEN or advisory locks). asyncpg still rolls back a
    transaction left open before this runs."""


async def create_pool(database_url: str, *, min_size: int = 2, max_size: int = 10) -> asyncpg.Pool:
    """A pool whose connections speak UTC; JSON columns stay text so payloads pass through without re-parsing."""
    return await asyncpg.create_pool(
        database_url,
        min_size=min_size,
        max_size=max_size,
        reset=_keep_session,
        # Custom plans fold the optional filters (`$2 IS NULL OR ...`) away, so each query gets its index.
        server_settings={"timezone": "UTC", "application_name": "lrs", "plan_cache_mode": "force_custom_plan"},
        command_timeout=60,
    )


async def in_transaction(
    pool: asyncpg.Pool,
    work: Callable[[asyncpg.Connection], Awaitable[T]],
    *,
    isolation: str = "read_committed",
) -> T:
    """Run `work` in one transaction, retrying it whole on deadlocks and serialization failures.

    A statement must never be lost to a retryable database error: either a retry commits it, or the
    request fails as a whole with 503.
    """
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            async with pool.acquire() as conn, conn.transaction(isolation=isolation):
                return await work(conn)
        except RETRYABLE as exc:
            if attempt == MAX_ATTEMPTS:
                raise ServiceUnavailable("the database is busy; retry the request") from exc
            log.info("retrying transaction after %s (attempt %d)", type(exc).__name__, attempt)
            await asyncio.sleep(0.01 * 2**attempt)
    raise AssertionError("unreachable")


@asynccontextmanager
async def connection(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    async with pool.acquire() as conn:
        yield conn
