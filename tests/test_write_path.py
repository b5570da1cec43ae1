"""The statements write path's own mechanics: a raced id is retried, voiding decided before the insert, the
store reference checked once per batch, and "new statements" hints folded per store."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg
import msgspec
import pytest

from lrs import queue
from lrs.errors import Unauthorized
from lrs.queue import Hinter
from lrs.store import statements as writes
from lrs.store.db import in_transaction
from lrs.xapi import parse_statements
from tests.conftest import StoreContext

AUTHORITY = {"objectType": "Agent", "account": {"homePage": "https://lrs.example.com", "name": "writer"}}
VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def statement(statement_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": statement_id,
        "actor": {"mbox": "mailto:writer@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
        "object": {"id": "http://example.com/activities/a"},
        **extra,
    }


def voiding(target: str) -> dict[str, Any]:
    return statement(str(uuid.uuid4()), verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": target})


async def write(
    pool: asyncpg.Pool, store_id: int, docs: list[dict[str, Any]], attempts: list[int] | None = None
) -> writes.StoredBatch:
    parsed = parse_statements(msgspec.json.encode(docs), "1.0.3")

    async def work(conn: asyncpg.Connection) -> writes.StoredBatch:
        if attempts is not None:
            attempts.append(1)
        return await writes.store_statements(
            conn, store_id=store_id, statements=parsed, version="1.0.3", authority=AUTHORITY, may_define=True
        )

    return await in_transaction(pool, work)


async def voided_flags(pool: asyncpg.Pool, store_id: int) -> dict[str, bool]:
    rows = await pool.fetch("SELECT id::text, voided FROM statements WHERE store_id = $1", store_id)
    return {r["id"]: r["voided"] for r in rows}


async def test_a_batch_that_lost_the_race_for_its_ids_is_retried_and_stores_nothing_twice(
    pool: asyncpg.Pool, store: StoreContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = [statement(str(uuid.uuid4())) for _ in range(5)]
    both_checked = asyncio.Barrier(2)
    inserts = 0
    original = writes._insert

    async def insert_after_both_checked(*args: Any) -> Any:
        nonlocal inserts
        inserts += 1
        if inserts <= 2:  # both first attempts found the ids free before either inserted
            await both_checked.wait()
        return await original(*args)

    monkeypatch.setattr(writes, "_insert", insert_after_both_checked)
    attempts: list[int] = []
    first, second = await asyncio.wait_for(
        asyncio.gather(write(pool, store.id, docs, attempts), write(pool, store.id, docs, attempts)), timeout=30
    )
    assert len(attempts) == 3, "the batch that lost the race should have run again"
    assert sorted([first.inserted, second.inserted]) == [0, 5]
    assert first.ids == second.ids == [d["id"] for d in docs]
    count = await pool.fetchval("SELECT count(*) FROM statements WHERE store_id = $1", store.id)
    agents = await pool.fetchval("SELECT count(*) FROM statement_agents WHERE store_id = $1", store.id)
    assert count == 5
    assert agents == 10  # actor and authority of each statement, once


async def test_a_target_voided_in_its_own_batch_is_stored_voided(pool: asyncpg.Pool, store: StoreContext) -> None:
    target = str(uuid.uuid4())
    void = voiding(target)
    await write(pool, store.id, [statement(target), void])
    assert await voided_flags(pool, store.id) == {target: True, void["id"]: False}


async def test_a_target_that_arrives_after_its_voiding_statement_is_stored_voided(
    pool: asyncpg.Pool, store: StoreContext
) -> None:
    target, other = str(uuid.uuid4()), str(uuid.uuid4())
    void = voiding(target)
    await write(pool, store.id, [void])
    await write(pool, store.id, [statement(target), statement(other)])
    assert await voided_flags(pool, store.id) == {target: True, other: False, void["id"]: False}


async def test_a_voiding_statement_voids_an_earlier_target(pool: asyncpg.Pool, store: StoreContext) -> None:
    target = str(uuid.uuid4())
    await write(pool, store.id, [statement(target)])
    void = voiding(target)
    await write(pool, store.id, [void])
    assert await voided_flags(pool, store.id) == {target: True, void["id"]: False}


async def test_writing_to_a_store_that_does_not_exist_is_refused(pool: asyncpg.Pool) -> None:
    missing = await pool.fetchval("SELECT coalesce(max(id), 0) + 1000 FROM stores")
    with pytest.raises(Unauthorized):
        await write(pool, missing, [statement(str(uuid.uuid4()))])
    assert await pool.fetchval("SELECT count(*) FROM statements WHERE store_id = $1", missing) == 0


class RecordingHinter(Hinter):
    """A Hinter whose enqueue records (time, store) instead of talking to Redis."""

    def __init__(self) -> None:
        super().__init__(None)
        self.sent: list[tuple[float, int]] = []

    async def enqueue(self, function: str, *args: Any, job_id: str | None = None) -> bool:
        assert function == queue.NEW_STATEMENTS_JOB
        self.sent.append((asyncio.get_running_loop().time(), args[0]))
        return True


async def test_a_burst_of_hints_for_one_store_sends_one_at_once_and_one_trailing() -> None:
    hinter = RecordingHinter()
    started = asyncio.get_running_loop().time()
    for _ in range(20):
        assert await hinter.new_statements(7)
    assert [store_id for _, store_id in hinter.sent] == [7]
    await asyncio.sleep(queue.HINT_INTERVAL_SECONDS * 2)
    assert [store_id for _, store_id in hinter.sent] == [7, 7]
    assert hinter.sent[1][0] - started >= queue.HINT_INTERVAL_SECONDS * 0.9
    await hinter.close()


async def test_hints_for_different_stores_are_not_folded_and_close_sends_the_trailing_one() -> None:
    hinter = RecordingHinter()
    await hinter.new_statements(1)
    await hinter.new_statements(2)
    await hinter.new_statements(1)  # within the interval: folded into a trailing hint
    assert sorted(store_id for _, store_id in hinter.sent) == [1, 2]
    await hinter.close()
    assert sorted(store_id for _, store_id in hinter.sent) == [1, 1, 2]


async def test_a_commit_after_the_trailing_hint_left_gets_a_hint_of_its_own() -> None:
    hinter = RecordingHinter()
    await hinter.new_statements(3)
    await hinter.new_statements(3)
    await asyncio.sleep(queue.HINT_INTERVAL_SECONDS * 1.5)  # the trailing hint has been sent
    await hinter.new_statements(3)
    await hinter.close()
    assert [store_id for _, store_id in hinter.sent] == [3, 3, 3]
