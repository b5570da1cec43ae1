"""The engine's jobs against real PostgreSQL: feed -> events -> courses -> training -> scoring -> insight rows
and statements, run as plain function calls with a worker context (no arq)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg
import msgspec
import pytest

from analytics.simulator import SimulationConfig, plan_offerings, simulate
from lrs.settings import Settings
from lrs.store import analytics_write as db
from lrs.xapi import parse_statements
from tests.conftest import StoreContext, make_store
from tests.test_engine_common import SOFT_GATE, configure, count, load, present, worker_ctx
from workers import jobs
from workers.ingest import engine_key


@dataclass
class Cohort:
    store: StoreContext
    config: SimulationConfig
    statements: list[dict[str, Any]]
    running: str
    ctx: dict[str, Any]
    trained: dict[str, Any]
    first: dict[str, Any]


@pytest.fixture(scope="module")
async def cohort(pool: asyncpg.Pool, settings: Settings) -> Cohort:
    """Two ended offerings and a running one (half-way), fed, scored once (no models yet) and trained."""
    store = await make_store(pool)
    await configure(pool, store.id, SOFT_GATE)
    config = SimulationConfig(learners=40, courses=3, weeks=6, seed=3, now=present(), progress=0.5)
    statements = list(simulate(config))
    await load(pool, store, statements)
    ctx = worker_ctx(pool, settings)
    assert await jobs.process_new_statements(ctx, store.id) == len(statements)
    offerings = plan_offerings(config)
    for offering in offerings:
        await jobs.score_courses(ctx, store.id, course_id=offering.course_id)
    job = str(uuid.uuid4())
    trained = await jobs.train_models(ctx, store.id, job)
    first = await jobs.score_courses(ctx, store.id, course_id=offerings[-1].course_id)
    return Cohort(store, config, statements, offerings[-1].course_id, ctx, trained, first)


async def test_the_feed_turns_statements_into_events_and_courses(cohort: Cohort, pool: asyncpg.Pool) -> None:
    store_id = cohort.store.id
    events = await count(pool, "SELECT count(*) FROM analytics_events WHERE store_id = $1", store_id)
    assert events > 0.9 * len(cohort.statements)
    async with pool.acquire() as conn:
        courses = await db.course_rows(conn, store_id)
    assert sorted(c.course_id for c in courses) == sorted(o.course_id for o in plan_offerings(cohort.config))
    assert all(c.name and c.inferred_start for c in courses)
    assert sum(1 for c in courses if c.inferred_end is not None) == 2  # the running course has no outcomes yet


async def test_training_labels_ended_courses_and_activates_models(cohort: Cohort, pool: asyncpg.Pool) -> None:
    assert cohort.trained["ended_courses"] == 2 and cohort.trained["activated"] >= 1, cohort.trained
    store_id = cohort.store.id
    labels = await count(pool, "SELECT count(*) FROM analytics_labels WHERE store_id = $1", store_id)
    assert labels == 2 * cohort.config.learners
    async with pool.acquire() as conn:
        active = await db.active_models(conn, store_id)
        job = await db.last_job(conn, store_id, "train_models")
    assert len({m.cut_key for m in active}) == len(active) == cohort.trained["activated"]
    assert job is not None and job.status == "done"


async def test_scoring_writes_insights_and_valid_statements(cohort: Cohort, pool: asyncpg.Pool) -> None:
    first = cohort.first
    assert first["scored"] > 0 and first["statements"] == first["insights"] == first["scored"], first
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT s.payload::text FROM statements s JOIN analytics_insights i"
            " ON i.store_id = s.store_id AND i.statement_id = s.id WHERE s.store_id = $1",
            cohort.store.id,
        )
    assert len(rows) == first["statements"]
    payloads = [msgspec.json.decode(r[0]) for r in rows]
    parse_statements(msgspec.json.encode(payloads), "2.0.0")  # each passes our statement validation
    assert all(p["authority"]["account"]["name"] == "analytics" for p in payloads)


async def test_rescoring_without_change_says_nothing_new(cohort: Cohort, pool: asyncpg.Pool) -> None:
    again = await jobs.score_courses(cohort.ctx, cohort.store.id, course_id=cohort.running)
    assert again["scored"] == cohort.first["scored"]
    assert again["statements"] == 0


async def test_engine_statements_never_become_events(cohort: Cohort, pool: asyncpg.Pool) -> None:
    await jobs.process_new_statements(cohort.ctx, cohort.store.id)
    key = engine_key(cohort.ctx["settings"].base_url)
    assert (
        await count(
            pool, "SELECT count(*) FROM analytics_events WHERE store_id = $1 AND learner = $2", cohort.store.id, key
        )
        == 0
    )
