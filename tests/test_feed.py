"""The durable statement feed never skips a row whose transaction commits after a higher-numbered one."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg
import pytest

from lrs.store import feed
from tests.conftest import StoreContext

INSERT = """
INSERT INTO statements (store_id, id, payload, verb_id, actor_ifi, object_type, "timestamp", stored, version)
VALUES ($1, $2, $3::jsonb, 'http://adlnet.gov/expapi/verbs/experienced', 'mbox:mailto:a@example.com',
        'Activity', now(), now(), '1.0.0')
"""


async def _insert(conn: asyncpg.Connection, store_id: int) -> str:
    statement_id = str(uuid.uuid4())
    await conn.execute(INSERT, store_id, statement_id, f'{{"id": "{statement_id}"}}')
    return statement_id


async def test_late_commit_is_not_skipped(pool: asyncpg.Pool, store: StoreContext) -> None:
    seen: list[str] = []

    async def collect(_: asyncpg.Connection, __: int, statements: list[dict[str, Any]]) -> None:
        seen.extend(s["id"] for s in statements)

    slow = await pool.acquire()
    try:
        slow_tx = slow.transaction()
        await slow_tx.start()
        late_id = await _insert(slow, store.id)  # lower seq, commits last
        async with pool.acquire() as fast:
            early_id = await _insert(fast, store.id)  # higher seq, commits first

        assert await feed.consume(pool, store.id, "test", collect) == 0  # the open transaction holds the horizon
        await slow_tx.commit()
    finally:
        await pool.release(slow)

    assert await feed.consume(pool, store.id, "test", collect) == 2
    assert sorted(seen) == sorted([late_id, early_id])
    assert await feed.consume(pool, store.id, "test", collect) == 0  # nothing delivered twice


async def test_a_failing_handler_loses_nothing(pool: asyncpg.Pool, store: StoreContext) -> None:
    async with pool.acquire() as conn:
        ids = [await _insert(conn, store.id) for _ in range(3)]

    async def fail(*_: Any) -> None:
        raise RuntimeError("worker died mid-batch")

    with pytest.raises(RuntimeError):
        await feed.consume(pool, store.id, "test", fail)
    seen: list[str] = []

    async def collect(_: asyncpg.Connection, __: int, statements: list[dict[str, Any]]) -> None:
        seen.extend(s["id"] for s in statements)

    assert await feed.consume(pool, store.id, "test", collect) == 3
    assert seen == ids


async def test_concurrent_readers_deliver_each_row_once(pool: asyncpg.Pool, store: StoreContext) -> None:
    async with pool.acquire() as conn:
        for _ in range(20):
            await _insert(conn, store.id)
    seen: list[str] = []

    async def collect(_: asyncpg.Connection, __: int, statements: list[dict[str, Any]]) -> None:
        seen.extend(s["id"] for s in statements)

    counts = await asyncio.gather(*(feed.consume(pool, store.id, "test", collect, batch_size=3) for _ in range(3)))
    assert sum(counts) == 20
    assert len(seen) == len(set(seen)) == 20
