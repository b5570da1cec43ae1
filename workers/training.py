"""Training a store's models: label its ended courses, train a model per cut point, store them all and
activate those that passed the quality gate (each replacing the active model of its cut point)."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

import asyncpg

from analytics.courses import CourseCalendar
from analytics.events import Event
from analytics.pipeline.calendars import CourseDates, course_calendar, inferred_dates, typical_length
from analytics.pipeline.config import EngineConfig, config_or_default
from analytics.pipeline.ingest import decode_event
from analytics.pipeline.learning import TrainingOutcome, ended, ended_count, label_courses, train_store
from lrs.store import analytics_write as db
from lrs.store.db import in_transaction
from workers.scoring import opt_outs

log = logging.getLogger("lrs.worker")


@dataclass
class StoreHistory:
    """A store's courses as training sees them: calendars for all, events kept for the ended ones."""

    config: EngineConfig
    calendars: dict[str, CourseCalendar]
    dates: dict[str, CourseDates]
    events: dict[str, list[Event]]
    ended: list[str]


async def load_history(pool: asyncpg.Pool, store_id: int, now: float) -> StoreHistory:
    """Read every course's events once, infer its dates, and keep the events of courses that have ended."""
    async with pool.acquire() as conn:
        settings = await db.store_settings(conn, store_id)
        rows = await db.course_rows(conn, store_id)
        excluded = await opt_outs(conn, store_id)
    config = config_or_default(settings, where=f"store {store_id}")
    dates: dict[str, CourseDates] = {}
    events: dict[str, list[Event]] = {}
    for row in rows:
        async with pool.acquire() as conn:
            blobs = await db.course_events(conn, store_id, row.course_id)
        course_events = [e for e in map(decode_event, blobs) if not excluded.excludes(e.learner)]
        start, end = inferred_dates(row.course_id, course_events)
        dates[row.course_id] = CourseDates(row.course_id, row.start_at, row.end_at, start, end)
        events[row.course_id] = course_events
    typical = typical_length(dates.values(), now)
    calendars: dict[str, CourseCalendar] = {}
    for row in rows:
        course_config = config_or_default(settings, row.settings, where=f"course {row.course_id}")
        calendar = course_calendar(
            dates[row.course_id], events[row.course_id], typical=typical, due_dates=course_config.due_timestamps()
        )
        if calendar is not None:
            calendars[row.course_id] = calendar
    finished = ended(calendars, now, config)
    kept = {c: events[c] for c in finished}
    return StoreHistory(config, calendars, dates, kept, finished)


async def train(pool: asyncpg.Pool, store_id: int, *, now: float | None = None, seed: int = 0) -> dict[str, Any]:
    """Label, train, store and activate; the job's result (what was trained and what passed)."""
    moment = time.time() if now is None else now
    history = await load_history(pool, store_id, moment)
    labels = label_courses(history.events, history.calendars, moment, history.config)

    async def save_labels(conn: asyncpg.Connection) -> None:
        rows = [(lb.course, lb.learner, lb.at_risk, lb.reason, lb.decided_at) for lb in labels]
        await db.replace_labels(conn, store_id, history.ended, rows)
        for course, d in sorted(history.dates.items()):
            await db.set_inferred_dates(conn, store_id, course, d.inferred_start, d.inferred_end)

    await in_transaction(pool, save_labels)
    outcome: TrainingOutcome = await asyncio.to_thread(
        train_store, history.events, history.calendars, labels, history.config, now=moment, seed=seed
    )

    async def save_models(conn: asyncpg.Connection) -> list[int]:
        activated = []
        for record in outcome.records:
            model_id, _ = await db.save_model(
                conn,
                store_id,
                kind=record.kind,
                cut_key=record.cut_key,
                version=record.version,
                trained_on=record.trained_on,
                metrics=record.metrics,
                gate=record.gate,
                feature_columns=record.feature_columns,
                artifact=record.artifact,
            )
            if record.passed:
                await db.activate_model(conn, store_id, model_id, record.cut_key)
                activated.append(model_id)
        return activated

    activated = await in_transaction(pool, save_models)
    summary = outcome.summary()
    summary.update(
        {
            "ended_courses": len(history.ended),
            "activated": len(activated),
            "as_of": moment,
        }
    )
    log.info(
        "store %s: trained %d models (%d passed the gate) on %d ended courses",
        store_id,
        len(outcome.records),
        len(activated),
        len(history.ended),
    )
    return summary


async def ended_courses(pool: asyncpg.Pool, store_id: int, now: float) -> tuple[int, EngineConfig, bool]:
    """(ended courses by the stored dates, the store's config, whether any model is active): the cheap check
    behind automatic training."""
    async with pool.acquire() as conn:
        settings = await db.store_settings(conn, store_id)
        rows = await db.course_rows(conn, store_id)
        active = bool(await db.active_models(conn, store_id))
    config = config_or_default(settings, where=f"store {store_id}")
    dates = [CourseDates(r.course_id, r.start_at, r.end_at, r.inferred_start, r.inferred_end) for r in rows]
    return ended_count(dates, now, config), config, active
