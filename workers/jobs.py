"""arq job functions. Thin: each reads its arguments, calls `workers.ingest` / `scoring` / `training` (which
call `analytics/` and `lrs.store`), records on-demand jobs in `analytics_jobs`, and enqueues follow-up work.

Follow-up work is enqueued with idempotent job ids: one pending scoring per (store, course), one pending
automatic training per store. Redis is never trusted alone: the sweep finds changed courses and unread
statements in PostgreSQL.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import asyncpg

from analytics.events import parse_timestamp
from analytics.pipeline.calendars import CourseDates, running_courses
from analytics.pipeline.config import config_or_default
from analytics.pipeline.learning import ready_to_train
from lrs.queue import SCORE_COURSES_JOB, TRAIN_MODELS_JOB
from lrs.settings import Settings
from lrs.store import analytics_write as db
from lrs.store import feed
from workers import training
from workers.ingest import FeedHandler
from workers.scoring import CourseScore, ModelCache, score_one

log = logging.getLogger("lrs.worker")

FEED_NAME = "analytics"
MAX_RESCORES = 3
"""A live scoring re-runs at most this often when statements arrive while it works (the sweep does the rest)."""
FEED_SECONDS = 60.0
"""Under a constant stream a hint job stops reading after this long, so one store cannot hold a worker slot;
the sweep goes on from there."""
STALE_JOB_SECONDS = 3600.0
"""A queued or running automatic training older than this was lost (Redis flushed, worker gone): retry."""


def score_job_id(store_id: int, course: str) -> str:
    """One pending scoring per course: new statements during the debounce join the scoring already queued."""
    return f"score:{store_id}:{hashlib.sha256(course.encode()).hexdigest()[:24]}"


def auto_train_job_id(store_id: int) -> str:
    return f"train:{store_id}"


def nightly_train_job_id(store_id: int, day: str) -> str:
    return f"train:{store_id}:{day}"


def _settings(ctx: dict[str, Any]) -> Settings:
    settings: Settings = ctx["settings"]
    return settings


def _models(ctx: dict[str, Any]) -> ModelCache:
    cache = ctx.get("models")
    if not isinstance(cache, ModelCache):
        cache = ctx["models"] = ModelCache()
    return cache


async def _enqueue(
    ctx: dict[str, Any], function: str, *args: Any, job_id: str, defer: float = 0.0, **kwargs: Any
) -> bool:
    """Enqueue follow-up work; never fails the current job (the sweep catches up on what is not enqueued)."""
    redis = ctx.get("redis")
    if redis is None:
        return False
    try:
        job = await redis.enqueue_job(function, *args, _job_id=job_id, _defer_by=defer or None, **kwargs)
    except Exception as exc:
        log.warning("could not enqueue %s (%s); the sweep will catch up", function, exc)
        return False
    return job is not None


async def _debounce(ctx: dict[str, Any], store_id: int, courses: Sequence[str]) -> int:
    """Enqueue a live scoring of each course after the store's debounce delay."""
    if not courses:
        return 0
    async with ctx["pool"].acquire() as conn:
        config = config_or_default(await db.store_settings(conn, store_id), where=f"store {store_id}")
    enqueued = 0
    for course in sorted(courses):
        enqueued += await _enqueue(
            ctx,
            SCORE_COURSES_JOB,
            store_id,
            course_id=course,
            job_id=score_job_id(store_id, course),
            defer=config.debounce_seconds,
        )
    return enqueued


async def process_new_statements(ctx: dict[str, Any], store_id: int) -> int:
    """Catch one store up with its new statements, scheduling scoring of the courses they change as it goes.

    Enqueued as a hint after each statements commit. Reads until a pass finds nothing (one hint per store is
    queued at a time, so hints sent while this job runs are dropped and their statements are read here), or
    for at most `FEED_SECONDS` under a constant stream (the sweep goes on from there).
    """
    handler = FeedHandler(_settings(ctx).base_url)
    total = 0
    deadline = time.monotonic() + FEED_SECONDS
    while True:
        count = await feed.consume(ctx["pool"], store_id, FEED_NAME, handler)
        total += count
        await _debounce(ctx, store_id, sorted(handler.changed))
        handler.changed.clear()
        if count == 0 or time.monotonic() > deadline:
            break
    if total:
        log.info("store %s: %d new statements, %d events", store_id, total, handler.events)
    return total


async def _live_score(ctx: dict[str, Any], store_id: int, course: str) -> CourseScore:
    """Score a course now; again while statements keep arriving during the scoring."""
    result = await score_one(ctx["pool"], store_id, course, base_url=_settings(ctx).base_url, models=_models(ctx))
    for _ in range(MAX_RESCORES):
        async with ctx["pool"].acquire() as conn:
            if course not in await db.changed_courses(conn, store_id):
                break
        result = await score_one(ctx["pool"], store_id, course, base_url=_settings(ctx).base_url, models=_models(ctx))
    return result


def _as_of(value: Any) -> float | None:
    if value is None or isinstance(value, int | float):
        return None if value is None else float(value)
    if isinstance(value, str):
        return parse_timestamp(value.replace("Z", "+00:00"))
    raise ValueError(f"as_of must be an ISO 8601 time or Unix seconds, not {value!r}")


async def _running(pool: asyncpg.Pool, store_id: int, now: float) -> list[str]:
    async with pool.acquire() as conn:
        rows = await db.course_rows(conn, store_id)
    dates = [CourseDates(r.course_id, r.start_at, r.end_at, r.inferred_start, r.inferred_end) for r in rows]
    return running_courses(dates, {r.course_id: r.last_event_at for r in rows}, now)


async def score_courses(
    ctx: dict[str, Any],
    store_id: int,
    job_id: str | None = None,
    *,
    course_id: str | None = None,
    courses: list[str] | None = None,
    as_of: Any = None,
) -> dict[str, Any]:
    """Score courses. With `job_id` (an `analytics_jobs` row, e.g. queued by the insights API) the parameters
    `courses` / `course_id` / `as_of` come from the row (or the call) and the row gets the result; with only
    `course_id`, a live (debounced) scoring; with neither, every running course of the store."""
    pool: asyncpg.Pool = ctx["pool"]
    if job_id is None:
        if course_id is not None and as_of is None and courses is None:
            return (await _live_score(ctx, store_id, course_id)).summary()
        return await _score_many(ctx, store_id, courses or ([course_id] if course_id else []), _as_of(as_of))
    job = uuid.UUID(job_id)
    async with pool.acquire() as conn:
        params = await db.start_job(
            conn, store_id, job, SCORE_COURSES_JOB, {"courses": courses, "course_id": course_id, "as_of": as_of}
        )
    try:
        single = params.get("course_id") or course_id
        targets = params.get("courses") or courses or ([single] if single else [])
        result = await _score_many(ctx, store_id, list(targets), _as_of(params.get("as_of", as_of)))
    except Exception as exc:
        async with pool.acquire() as conn:
            await db.finish_job(conn, store_id, job, error=f"{type(exc).__name__}: {exc}")
        raise
    async with pool.acquire() as conn:
        await db.finish_job(conn, store_id, job, result=result)
    return result


async def _score_many(ctx: dict[str, Any], store_id: int, courses: list[str], as_of: float | None) -> dict[str, Any]:
    """Score the given courses (none given: every course running at `as_of`, or now)."""
    targets = courses or await _running(ctx["pool"], store_id, as_of if as_of is not None else time.time())
    results = [await _score(ctx, store_id, c, as_of) for c in targets]
    return {"courses": [r.summary() for r in results]}


async def _score(ctx: dict[str, Any], store_id: int, course: str, as_of: float | None) -> CourseScore:
    if as_of is None:
        return await _live_score(ctx, store_id, course)
    return await score_one(
        ctx["pool"], store_id, course, base_url=_settings(ctx).base_url, models=_models(ctx), as_of=as_of
    )


async def train_models(ctx: dict[str, Any], store_id: int, job_id: str | None = None) -> dict[str, Any]:
    """Train the store's models (on demand, nightly or automatically), recording the outcome under `job_id`;
    then score the running courses with the new models."""
    pool: asyncpg.Pool = ctx["pool"]
    job = uuid.UUID(job_id) if job_id else uuid.uuid4()
    async with pool.acquire() as conn:
        await db.start_job(conn, store_id, job, TRAIN_MODELS_JOB, {"trigger": "worker"})
    try:
        result = await training.train(pool, store_id)
    except Exception as exc:
        async with pool.acquire() as conn:
            await db.finish_job(conn, store_id, job, error=f"{type(exc).__name__}: {exc}")
        raise
    async with pool.acquire() as conn:
        await db.finish_job(conn, store_id, job, result=result)
    if result["activated"]:
        for course in await _running(pool, store_id, time.time()):
            await _enqueue(ctx, SCORE_COURSES_JOB, store_id, course_id=course, job_id=score_job_id(store_id, course))
    return result


async def queue_training(ctx: dict[str, Any], store_id: int, arq_job_id: str, params: dict[str, Any]) -> str | None:
    """Record a training job and enqueue it; its id, or None when one with this arq id is pending already."""
    job = uuid.uuid4()
    async with ctx["pool"].acquire() as conn:
        await db.queue_job(conn, store_id, job, TRAIN_MODELS_JOB, params)
    if await _enqueue(ctx, TRAIN_MODELS_JOB, store_id, str(job), job_id=arq_job_id):
        return str(job)
    async with ctx["pool"].acquire() as conn:
        await db.finish_job(conn, store_id, job, error="not enqueued: a training of this store is pending")
    return None


async def maybe_auto_train(ctx: dict[str, Any], store_id: int, now: float) -> str | None:
    """A fresh store starts predicting without anyone running a command: with no active model, train as soon
    as enough courses have ended, and again whenever more have ended than at the last try (a try that failed
    or found no model good enough is not repeated on the same data; the nightly training still runs)."""
    count, config, active = await training.ended_courses(ctx["pool"], store_id, now)
    if active:
        return None
    async with ctx["pool"].acquire() as conn:
        last = await db.last_job(conn, store_id, TRAIN_MODELS_JOB)
    previous: int | None = None
    if last is not None:
        stale = last.status in ("queued", "running") and now - last.created > STALE_JOB_SECONDS
        if last.status in ("queued", "running") and not stale:
            return None
        if not stale:
            value = last.params.get("ended_courses")
            previous = value if isinstance(value, int) else None
    if not ready_to_train(count, config, ended_at_last_training=previous):
        return None
    return await queue_training(ctx, store_id, auto_train_job_id(store_id), {"trigger": "auto", "ended_courses": count})


async def sweep_all_stores(ctx: dict[str, Any]) -> int:
    """Periodic catch-up in PostgreSQL for whatever Redis lost: unread statements, changed courses that no
    scoring is queued for, and stores ready for their first models."""
    total = 0
    now = time.time()
    async with ctx["pool"].acquire() as conn:
        stores = await db.store_ids(conn)
    for store_id in stores:
        total += await process_new_statements(ctx, store_id)
        async with ctx["pool"].acquire() as conn:
            changed = await db.changed_courses(conn, store_id)
        await _debounce(ctx, store_id, changed)
        await maybe_auto_train(ctx, store_id, now)
    return total


async def periodic_scoring(ctx: dict[str, Any]) -> int:
    """Score every running course on a schedule: insights once per scoring period and detector alerts
    (inactivity grows without any new statement)."""
    enqueued = 0
    async with ctx["pool"].acquire() as conn:
        stores = await db.store_ids(conn)
    for store_id in stores:
        for course in await _running(ctx["pool"], store_id, time.time()):
            enqueued += await _enqueue(
                ctx, SCORE_COURSES_JOB, store_id, course_id=course, job_id=score_job_id(store_id, course)
            )
    return enqueued


async def nightly_training(ctx: dict[str, Any]) -> int:
    """Retrain every store with enough ended courses on fresh outcomes."""
    day = datetime.now(UTC).strftime("%Y-%m-%d")
    queued = 0
    async with ctx["pool"].acquire() as conn:
        stores = await db.store_ids(conn)
    for store_id in stores:
        count, config, _ = await training.ended_courses(ctx["pool"], store_id, time.time())
        if count >= config.min_ended_courses:
            params = {"trigger": "nightly", "ended_courses": count}
            queued += await queue_training(ctx, store_id, nightly_train_job_id(store_id, day), params) is not None
    return queued
