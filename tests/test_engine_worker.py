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
from lrs.store import governance
from lrs.store.statements import store_statements
from lrs.xapi import parse_statements
from tests.conftest import StoreContext, make_store
from tests.test_engine_common import SOFT_GATE, configure, count, load, present, worker_ctx
from workers import jobs, scoring
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
    first_levels: dict[str, str]


@pytest.fixture(scope="module")
async def cohort(pool: asyncpg.Pool, settings: Settings) -> Cohort:
    """Two ended offerings and a running one (half-way), fed, scored once (no models yet) and trained."""
    store = await make_store(pool)
    await configure(pool, store.id, SOFT_GATE)
    config = SimulationConfig(learners=30, courses=3, weeks=5, seed=3, now=present(), progress=0.6)
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
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT learner, level FROM analytics_insights WHERE store_id = $1", store.id)
    levels = {r["learner"]: r["level"] for r in rows}
    return Cohort(store, config, statements, offerings[-1].course_id, ctx, trained, first, levels)


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


async def _counts(pool: asyncpg.Pool, store_id: int) -> dict[str, int]:
    tables = ("analytics_insights", "analytics_interventions", "analytics_alerts", "statements")
    return {t: await count(pool, f"SELECT count(*) FROM {t} WHERE store_id = $1", store_id) for t in tables}


async def _set_course_settings(pool: asyncpg.Pool, store_id: int, course: str, settings: dict[str, Any]) -> None:
    async with pool.acquire() as conn:
        await conn.execute(
            "UPDATE analytics_courses SET settings = $3::jsonb WHERE store_id = $1 AND course_id = $2",
            store_id,
            course,
            msgspec.json.encode(settings).decode(),
        )


async def test_a_worker_killed_mid_scoring_writes_nothing_and_its_rerun_everything_once(
    cohort: Cohort, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_id = cohort.store.id
    # Bands that put every learner at high risk: each level that was not high changes, and must be said.
    await _set_course_settings(
        pool, store_id, cohort.running, {"bands": {"moderate": 0.001, "high": 0.002}, "holdout_share": 0.5}
    )
    before = await _counts(pool, store_id)
    real = store_statements

    async def dies_before_commit(*args: Any, **kwargs: Any) -> Any:
        await real(*args, **kwargs)
        raise RuntimeError("worker killed")

    monkeypatch.setattr(scoring, "store_statements", dies_before_commit)
    with pytest.raises(RuntimeError, match="killed"):
        await jobs.score_courses(cohort.ctx, store_id, course_id=cohort.running)
    assert await _counts(pool, store_id) == before
    monkeypatch.setattr(scoring, "store_statements", real)

    rerun = await jobs.score_courses(cohort.ctx, store_id, course_id=cohort.running)
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT learner, level FROM analytics_insights WHERE store_id = $1 AND as_of = to_timestamp($2)",
            store_id,
            rerun["as_of"],
        )
    changed = sum(1 for r in rows if r["level"] != cohort.first_levels[r["learner"]])
    assert changed > 0 and rerun["statements"] == changed, rerun
    after = await _counts(pool, store_id)
    assert after["statements"] == before["statements"] + changed
    assert after["analytics_interventions"] > before["analytics_interventions"]
    again = await jobs.score_courses(cohort.ctx, store_id, course_id=cohort.running)
    assert again["statements"] == 0 and await _counts(pool, store_id) == after

    async with pool.acquire() as conn:
        sources = await conn.fetch(
            "SELECT source, count(DISTINCT learner) AS n FROM analytics_interventions"
            " WHERE store_id = $1 GROUP BY source",
            store_id,
        )
    by_source = {r["source"]: r["n"] for r in sources}
    assert by_source.get("automated", 0) > 0 and by_source.get("holdout", 0) > 0
    await _set_course_settings(pool, store_id, cohort.running, {})


async def test_a_reread_feed_adds_no_event_twice(cohort: Cohort, pool: asyncpg.Pool) -> None:
    store_id = cohort.store.id
    query = "SELECT count(*) FROM analytics_events WHERE store_id = $1"
    events = await count(pool, query, store_id)
    async with pool.acquire() as conn:
        await conn.execute(
            "UPDATE worker_cursors SET tx = 0, seq = 0 WHERE store_id = $1 AND name = $2", store_id, jobs.FEED_NAME
        )
    assert await jobs.process_new_statements(cohort.ctx, store_id) >= len(cohort.statements)
    assert await count(pool, query, store_id) == events


async def test_voiding_removes_the_events_of_a_statement(
    pool: asyncpg.Pool, store: StoreContext, settings: Settings
) -> None:
    config = SimulationConfig(learners=3, courses=1, weeks=3, seed=5, now=present(), progress=0.5)
    statements = list(simulate(config))
    await load(pool, store, statements)
    ctx = worker_ctx(pool, settings)
    await jobs.process_new_statements(ctx, store.id)
    query = "SELECT count(*) FROM analytics_events WHERE store_id = $1"
    events = await count(pool, query, store.id)
    target = statements[5]
    async with pool.acquire() as conn:
        changed_before = await conn.fetchval("SELECT changed_at FROM analytics_courses WHERE store_id = $1", store.id)
    voiding = {
        "actor": target["actor"],
        "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"},
        "object": {"objectType": "StatementRef", "id": target["id"]},
    }
    await load(pool, store, [voiding])
    await jobs.process_new_statements(ctx, store.id)
    assert await count(pool, query, store.id) == events - 1
    async with pool.acquire() as conn:
        changed_after = await conn.fetchval("SELECT changed_at FROM analytics_courses WHERE store_id = $1", store.id)
    assert changed_after > changed_before


class Queue:
    """Collects what the jobs enqueue, with arq's rule that a pending job id is not enqueued again."""

    def __init__(self) -> None:
        self.jobs: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        self.ids: set[str] = set()

    async def enqueue_job(
        self, function: str, *args: Any, _job_id: str, _defer_by: float | None = None, **kwargs: Any
    ) -> object | None:
        if _job_id in self.ids:
            return None
        self.ids.add(_job_id)
        self.jobs.append((function, args, kwargs))
        return object()


async def test_a_fresh_store_trains_by_itself_once_courses_have_ended(
    pool: asyncpg.Pool, store: StoreContext, settings: Settings
) -> None:
    await configure(pool, store.id, SOFT_GATE)
    config = SimulationConfig(learners=30, courses=3, weeks=4, seed=11, now=present(), progress=0.5)
    await load(pool, store, list(simulate(config)))
    queue = Queue()
    ctx = worker_ctx(pool, settings, queue)
    await jobs.sweep_all_stores(ctx)
    scorings = [j for j in queue.jobs if j[0] == "score_courses" and j[1] == (store.id,)]
    assert len(scorings) == 3  # one debounced scoring per changed course, however many statements
    for _, args, kwargs in scorings:
        await jobs.score_courses(ctx, *args, **kwargs)  # infers the courses' dates
    queue.ids.clear()
    await jobs.sweep_all_stores(ctx)
    trainings = [j for j in queue.jobs if j[0] == "train_models" and j[1][0] == store.id]
    assert len(trainings) == 1
    await jobs.sweep_all_stores(ctx)  # queued already: not again
    assert len([j for j in queue.jobs if j[0] == "train_models" and j[1][0] == store.id]) == 1

    queue.ids.clear()
    enqueued = len(queue.jobs)
    result = await jobs.train_models(ctx, *trainings[0][1])
    assert result["activated"] >= 1
    rescored = [j for j in queue.jobs[enqueued:] if j[0] == "score_courses" and j[1] == (store.id,)]
    assert [j[2]["course_id"] for j in rescored] == [plan_offerings(config)[-1].course_id]
    async with pool.acquire() as conn:
        job = await db.last_job(conn, store.id, "train_models")
    assert job is not None and job.status == "done" and job.params["trigger"] == "auto"
    queue.ids.clear()
    await jobs.sweep_all_stores(ctx)  # a model is active now
    assert len([j for j in queue.jobs if j[0] == "train_models" and j[1][0] == store.id]) == 1


async def test_an_api_scoring_job_as_of_a_past_time_runs_once(cohort: Cohort, pool: asyncpg.Pool) -> None:
    store_id = cohort.store.id
    past = present().timestamp() - 3 * 86400
    job = uuid.uuid4()
    async with pool.acquire() as conn:
        await db.queue_job(conn, store_id, job, "score_courses", {"course_id": cohort.running, "as_of": past})
    result = await jobs.score_courses(cohort.ctx, store_id, str(job))
    (course,) = result["courses"]
    assert course["scored"] > 0 and course["insights"] == course["scored"] and course["alerts"] == 0
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT status, result::text FROM analytics_jobs WHERE store_id = $1 AND id = $2", store_id, job
        )
        at_past = await conn.fetchval(
            "SELECT count(*) FROM analytics_insights WHERE store_id = $1 AND as_of = to_timestamp($2)", store_id, past
        )
    assert row["status"] == "done" and msgspec.json.decode(row["result"]) == result
    assert at_past == course["scored"]
    again = await jobs.score_courses(cohort.ctx, store_id, str(job))
    assert again["courses"][0]["insights"] == 0 and again["courses"][0]["statements"] == 0


async def test_opted_out_learners_get_no_insight(cohort: Cohort, pool: asyncpg.Pool) -> None:
    store_id = cohort.store.id
    learner = sorted(cohort.first_levels)[0]
    async with pool.acquire() as conn:
        await governance.add_opt_out(conn, store_id, learner)
    try:
        moment = present().timestamp() - 2 * 86400
        result = await jobs.score_courses(cohort.ctx, store_id, course_id=cohort.running, as_of=moment)
        assert result["courses"][0]["insights"] > 0
        query = (
            "SELECT count(*) FROM analytics_insights WHERE store_id = $1 AND learner = $2 AND as_of = to_timestamp($3)"
        )
        assert await count(pool, query, store_id, learner, moment) == 0
    finally:
        async with pool.acquire() as conn:
            await governance.remove_opt_out(conn, store_id, [learner])


async def test_detector_alerts_are_recorded_once_with_their_statements(cohort: Cohort, pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT a.detector, a.learner, s.payload::text FROM analytics_alerts a"
            " LEFT JOIN statements s ON s.store_id = a.store_id AND s.id = a.statement_id"
            " WHERE a.store_id = $1 AND a.course_id = $2",
            cohort.store.id,
            cohort.running,
        )
    assert rows and {r["detector"] for r in rows} <= {"no-recent-access", "no-teaching-activity", "due-soon-no-attempt"}
    assert all(r["payload"] is not None for r in rows)  # each alert was said as a statement, in its transaction
    payloads = [msgspec.json.decode(r["payload"]) for r in rows]
    parse_statements(msgspec.json.encode(payloads), "2.0.0")
    assert all(p["verb"]["id"].endswith("/verbs/flagged") for p in payloads)
    learners = [r["learner"] for r in rows if r["detector"] == "no-recent-access"]
    assert len(learners) == len(set(learners))  # one alert per learner and period, however often scored
