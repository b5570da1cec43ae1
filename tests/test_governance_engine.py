"""The analytics engine and learner data rights together, on a simulated cohort: a learner opted out through the
admin API (or a store opted out as a whole) gets no new insight row or insight statement, and an erased
learner is neither scored again nor brought back by the engine's next runs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from analytics.events import agent_from_key
from analytics.simulator import SimulationConfig, plan_offerings, simulate
from lrs.settings import Settings
from tests.conftest import StoreContext, make_store
from tests.governance_world import everything_stored
from tests.test_engine_common import SOFT_GATE, configure, count, load, present, worker_ctx
from workers import jobs

Client = AsyncTestClient[Any]
DAY = 86400.0


@dataclass
class Cohort:
    store: StoreContext
    running: str
    ctx: dict[str, Any]
    learners: list[str]
    """Learners of the running course with an insight."""


@pytest.fixture(scope="module")
async def cohort(pool: asyncpg.Pool, settings: Settings) -> Cohort:
    """Two ended offerings and a running one, fed, trained and scored once."""
    store = await make_store(pool)
    await configure(pool, store.id, SOFT_GATE)
    config = SimulationConfig(learners=30, courses=3, weeks=6, seed=11, now=present(), progress=0.5)
    statements = list(simulate(config))
    await load(pool, store, statements)
    ctx = worker_ctx(pool, settings)
    await jobs.process_new_statements(ctx, store.id)
    offerings = plan_offerings(config)
    await jobs.train_models(ctx, store.id, str(uuid.uuid4()))
    running = offerings[-1].course_id
    await jobs.score_courses(ctx, store.id, course_id=running)
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT DISTINCT learner FROM analytics_insights WHERE store_id = $1 AND course_id = $2", store.id, running
        )
    learners = sorted(r[0] for r in rows)
    assert len(learners) >= 3
    return Cohort(store, running, ctx, learners)


async def score_at(cohort: Cohort, days_ago: float) -> tuple[float, datetime]:
    """Score the running course as of a moment in the past; returns (that moment, when scoring started)."""
    moment = present().timestamp() - days_ago * DAY
    started = datetime.now().astimezone()
    result = await jobs.score_courses(cohort.ctx, cohort.store.id, course_id=cohort.running, as_of=moment)
    assert result["courses"][0]["course"] == cohort.running
    return moment, started


async def insights_about(pool: asyncpg.Pool, cohort: Cohort, learner: str | None, moment: float) -> int:
    query = """SELECT count(*) FROM analytics_insights
               WHERE store_id = $1 AND ($2::text IS NULL OR learner = $2) AND as_of = to_timestamp($3)"""
    return await count(pool, query, cohort.store.id, learner, moment)


async def statements_about(pool: asyncpg.Pool, cohort: Cohort, learner: str, since: datetime) -> int:
    query = "SELECT count(*) FROM statements WHERE store_id = $1 AND object_agent_ifi = $2 AND stored >= $3"
    return await count(pool, query, cohort.store.id, learner, since)


async def test_an_opted_out_learner_gets_no_new_insight_or_insight_statement(
    client: Client, pool: asyncpg.Pool, cohort: Cohort
) -> None:
    store, learner = cohort.store, cohort.learners[0]
    agent = agent_from_key(learner)
    base = f"/admin/stores/{store.name}/opt-outs"
    assert (await client.post(base, json={"agent": agent}, headers=store.headers())).status_code == 200
    try:
        moment, started = await score_at(cohort, 3)
        assert await insights_about(pool, cohort, None, moment) > 0  # the others are scored
        assert await insights_about(pool, cohort, learner, moment) == 0
        assert await statements_about(pool, cohort, learner, started) == 0
    finally:
        await client.post(f"{base}/remove", json={"agent": agent}, headers=store.headers())
    moment, _ = await score_at(cohort, 2.5)
    assert await insights_about(pool, cohort, learner, moment) == 1  # opted in again: scored again


async def test_a_store_wide_opt_out_stops_all_insights(client: Client, pool: asyncpg.Pool, cohort: Cohort) -> None:
    url = f"/admin/stores/{cohort.store.name}/governance"
    assert (
        await client.patch(url, json={"analytics_opt_out": True}, headers=cohort.store.headers())
    ).status_code == 200
    try:
        moment, started = await score_at(cohort, 2)
        assert await insights_about(pool, cohort, None, moment) == 0
        for learner in cohort.learners:
            assert await statements_about(pool, cohort, learner, started) == 0
    finally:
        await client.patch(url, json={"analytics_opt_out": False}, headers=cohort.store.headers())


async def test_the_engine_does_not_bring_an_erased_learner_back(
    client: Client, pool: asyncpg.Pool, cohort: Cohort
) -> None:
    store, learner = cohort.store, cohort.learners[-1]
    response = await client.post(
        f"/admin/stores/{store.name}/learners/erase", json={"agent": agent_from_key(learner)}, headers=store.headers()
    )
    assert response.status_code == 200, response.text
    assert response.json()["statements_deleted"] > 0
    await jobs.process_new_statements(cohort.ctx, store.id)
    await jobs.sweep_all_stores(cohort.ctx)
    moment, started = await score_at(cohort, 1)
    assert await insights_about(pool, cohort, None, moment) > 0
    assert await insights_about(pool, cohort, learner, moment) == 0
    assert await statements_about(pool, cohort, learner, started) == 0
    name = learner.rpartition("|")[2]
    texts = await everything_stored(pool, store.id)
    assert [t for t, text in texts.items() if learner in text or f'"name": "{name}"' in text] == []
