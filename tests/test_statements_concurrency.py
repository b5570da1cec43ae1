"""Concurrent writers (DESIGN "Concurrency"): batches that share activities neither deadlock nor lose statements."""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid

import asyncpg

from lrs.app import create_app
from lrs.settings import Settings
from tests.conftest import StoreContext
from tests.statement_factory import Client, activity, agent, count_rows, live_server, post, statement

CLIENTS = 8
BATCH = 100
SHARED_ACTIVITIES = [f"http://example.com/activities/shared-{i}" for i in range(10)]


def batch_for(writer: int) -> list[dict[str, object]]:
    """100 statements that define every shared activity, each writer adding its own language, in its own order
    (so every batch changes the canonical definitions and must lock them)."""
    rng = random.Random(writer)
    order = [SHARED_ACTIVITIES[i % len(SHARED_ACTIVITIES)] for i in range(BATCH)]
    rng.shuffle(order)
    statements = []
    for i, activity_id in enumerate(order):
        name = {f"x-w{writer}": f"activity by writer {writer}", "en-US": f"shared {activity_id[-1]}"}
        parent = [activity(a, name={f"x-w{writer}": a}) for a in rng.sample(SHARED_ACTIVITIES, 3)]
        statements.append(
            statement(
                agent(f"w{writer}-l{i}"),
                obj=activity(activity_id, name=name),
                context={"contextActivities": {"parent": parent}},
            )
        )
    return statements


async def warm_up(client: Client, store: StoreContext) -> str:
    """One write first, so the app's lazily made Redis connection exists before the burst (a fresh
    `lrs.queue.Hinter` hit by concurrent first writes makes one connection pool per request and leaks all but one)."""
    response = await post(client, store, statement(agent("warm-up")))
    assert response.status_code == 200
    statement_id: str = response.json()[0]
    return statement_id


async def test_eight_concurrent_batches_sharing_activities_all_succeed_exactly_once(
    settings: Settings, store: StoreContext, pool: asyncpg.Pool
) -> None:
    batches = [batch_for(w) for w in range(CLIENTS)]
    async with live_server(create_app(settings), CLIENTS) as (client, in_flight):
        warm = await warm_up(client, store)
        started = time.perf_counter()
        pending = asyncio.gather(*(post(client, store, batch) for batch in batches))
        responses = await asyncio.wait_for(pending, timeout=90)
        elapsed = time.perf_counter() - started
    assert in_flight.most > 1, "the batches must really have been handled at the same time"
    assert [r.status_code for r in responses] == [200] * CLIENTS, [r.text for r in responses if r.status_code != 200]

    ids = [i for r in responses for i in r.json()]
    assert len(ids) == len(set(ids)) == CLIENTS * BATCH
    counts = await count_rows(pool, store.id)
    assert counts["statements"] == CLIENTS * BATCH + 1
    assert counts["definitions"] == len(SHARED_ACTIVITIES)
    async with pool.acquire() as conn:
        stored_ids = {str(r["id"]) for r in await conn.fetch("SELECT id FROM statements WHERE store_id = $1", store.id)}
        names = await conn.fetch("SELECT definition->'name' AS name FROM activities WHERE store_id = $1", store.id)
    assert stored_ids == {*ids, warm}
    for row in names:
        languages = set(json.loads(row["name"]))
        assert {f"x-w{w}" for w in range(CLIENTS)} <= languages, "every writer's definition was merged"
    print(f"\n{CLIENTS} concurrent batches of {BATCH}: {elapsed:.2f} s, {in_flight.most} at once")


async def test_the_same_statements_posted_at_once_in_different_orders_are_stored_once(
    settings: Settings, store: StoreContext, pool: asyncpg.Pool
) -> None:
    shared = [statement(agent(f"l{i}"), statement_id=str(uuid.uuid4())) for i in range(50)]
    orders = [random.Random(w).sample(shared, len(shared)) for w in range(CLIENTS)]
    async with live_server(create_app(settings), CLIENTS) as (client, in_flight):
        await warm_up(client, store)
        pending = asyncio.gather(*(post(client, store, batch) for batch in orders))
        responses = await asyncio.wait_for(pending, timeout=90)
    assert in_flight.most > 1
    assert [r.status_code for r in responses] == [200] * CLIENTS, [r.text for r in responses if r.status_code != 200]
    for batch, response in zip(orders, responses, strict=True):
        assert response.json() == [s["id"] for s in batch]
    counts = await count_rows(pool, store.id)
    assert counts["statements"] == len(shared) + 1
    assert counts["agents"] == 2 * (len(shared) + 1), "one actor and one authority row per statement"
