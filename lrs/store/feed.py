"""A durable, commit-safe feed of new statements for background readers (the analytics workers).

Rows are read in (inserting transaction id, seq) order and only below `pg_snapshot_xmin`, so a row whose
transaction commits after a higher-numbered one is never skipped, and a reader that dies re-reads from its
last committed position: at-least-once delivery, which the readers make idempotent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import msgspec

from lrs.store.sql import q

Handler = Callable[[asyncpg.Connection, int, list[dict[str, Any]]], Awaitable[None]]


async def consume(pool: asyncpg.Pool, store_id: int, name: str, handler: Handler, *, batch_size: int = 5000) -> int:
    """Feed every finished-but-unread statement of `store_id` to `handler`, batch by batch; returns the count.

    Each batch is handled and the cursor advanced in one transaction, under the cursor row's lock, so two
    workers never handle the same batch and a crash loses nothing.
    """
    total = 0
    while True:
        async with pool.acquire() as conn, conn.transaction():
            tx, seq = await conn.fetchrow(q("feed", "lock_cursor"), store_id, name)
            horizon = await conn.fetchval(q("feed", "snapshot_xmin"))
            rows = await conn.fetch(q("feed", "read_after"), store_id, tx, seq, horizon, batch_size)
            if not rows:
                return total
            statements = [msgspec.json.decode(r["payload"]) for r in rows]
            await handler(conn, store_id, statements)
            last = rows[-1]
            await conn.execute(q("feed", "advance_cursor"), store_id, name, last["tx"], last["seq"])
        total += len(rows)
        if len(rows) < batch_size:
            return total


async def store_ids(pool: asyncpg.Pool) -> list[int]:
    async with pool.acquire() as conn:
        return [r[0] for r in await conn.fetch(q("feed", "all_store_ids"))]
