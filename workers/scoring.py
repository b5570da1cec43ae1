"""Scoring one course: its events and the store's active models in, insight rows, insight statements,
interventions and alerts out, all written in one transaction.

The statements go through `store_statements` (the same path as HTTP) with the analytics Agent as actor and
authority, and get deterministic ids: a job killed before its commit leaves nothing, and its re-run cannot
say anything twice (insights are unique per learner and moment, alerts per dedupe key).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg
import msgspec

from analytics.courses import CourseCalendar
from analytics.detectors import Alert
from analytics.events import Event
from analytics.features import FeatureSettings
from analytics.insights import Insight, alert_statement, analytics_agent, insight_statement
from analytics.pipeline.calendars import CourseDates, course_calendar, inferred_dates, typical_length
from analytics.pipeline.config import EngineConfig, config_or_default
from analytics.pipeline.decisions import PlannedInsight, PreviousInsight, dedupe_key, detect, plan_insights
from analytics.pipeline.ids import alert_statement_id
from analytics.pipeline.ingest import decode_event
from analytics.predictors import TrainedModel
from analytics.training import score_course
from lrs.governance.opt_out import OptOuts
from lrs.store import analytics_write as db
from lrs.store import governance
from lrs.store.db import in_transaction
from lrs.store.statements import store_statements
from lrs.xapi import parse_statements

log = logging.getLogger("lrs.worker")

INSIGHT_VERSION = "2.0.0"
"""The xAPI version the engine writes its statements in."""


async def opt_outs(conn: asyncpg.Connection, store_id: int) -> OptOuts:
    """The learners the engine must not train on, score or say anything about (governance opt-outs)."""
    store_wide, learners = await governance.opted_out(conn, store_id)
    return OptOuts(store_wide, frozenset(learners))


class ModelCache:
    """Active models by id: a stored model never changes, so each is unpickled once per worker while active."""

    def __init__(self) -> None:
        self._models: dict[tuple[int, int], TrainedModel] = {}

    async def active(self, conn: asyncpg.Connection, store_id: int) -> dict[str, tuple[int, TrainedModel]]:
        """cut key -> (model id, model) of the store's active models."""
        refs = await db.active_models(conn, store_id)
        active = {(store_id, r.id) for r in refs}
        for key in [k for k in self._models if k[0] == store_id and k not in active]:
            del self._models[key]  # deactivated: not needed again unless re-activated (then loaded again)
        missing = [r.id for r in refs if (store_id, r.id) not in self._models]
        if missing:
            for model_id, artifact in (await db.model_artifacts(conn, store_id, missing)).items():
                self._models[(store_id, model_id)] = TrainedModel.from_bytes(artifact)
        return {r.cut_key: (r.id, self._models[(store_id, r.id)]) for r in refs if (store_id, r.id) in self._models}


@dataclass
class CourseScore:
    """What one scoring of a course found and wrote."""

    course: str
    as_of: float
    scored: int = 0
    insights: int = 0
    statements: int = 0
    interventions: int = 0
    alerts: int = 0
    cut_point: str | None = None
    skipped: str | None = None
    levels: dict[str, str] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {
            "course": self.course,
            "as_of": self.as_of,
            "scored": self.scored,
            "insights": self.insights,
            "statements": self.statements,
            "interventions": self.interventions,
            "alerts": self.alerts,
            "cut_point": self.cut_point,
            "skipped": self.skipped,
        }


@dataclass
class _Loaded:
    config: EngineConfig
    calendar: CourseCalendar | None
    events: list[Event]
    inferred: tuple[float | None, float | None]
    changed_at: datetime | None
    models: dict[str, tuple[int, TrainedModel]]


async def _load(pool: asyncpg.Pool, store_id: int, course: str, as_of: float, models: ModelCache) -> _Loaded | None:
    async with pool.acquire() as conn:
        settings = await db.store_settings(conn, store_id)
        rows = await db.course_rows(conn, store_id)
        row = next((r for r in rows if r.course_id == course), None)
        if row is None:
            return None
        # Read before the events: whatever commits after this read marks the course changed again.
        changed_at = row.changed_at
        blobs = await db.course_events(conn, store_id, course)
        active = await models.active(conn, store_id)
        excluded = await opt_outs(conn, store_id)
    events = [e for e in map(decode_event, blobs) if not excluded.excludes(e.learner)]
    config = config_or_default(settings, row.settings, where=f"course {course}")
    others = [CourseDates(r.course_id, r.start_at, r.end_at, r.inferred_start, r.inferred_end) for r in rows]
    inferred = inferred_dates(course, events)
    dates = CourseDates(course, row.start_at, row.end_at, *inferred)
    calendar = course_calendar(dates, events, typical=typical_length(others, as_of), due_dates=config.due_timestamps())
    return _Loaded(config, calendar, events, inferred, changed_at, active)


def _predict(loaded: _Loaded, as_of: float, live: bool) -> tuple[list[Insight], list[Alert], str | None]:
    """The CPU part (features, predictions, detectors), run off the event loop."""
    calendar, config = loaded.calendar, loaded.config
    insights: list[Insight] = []
    skipped = None
    if calendar is None:
        skipped = "no learner activity yet"
    elif not loaded.models:
        skipped = "no active model"
    elif live and (as_of < calendar.start or calendar.ended(as_of)):
        skipped = "course not running"
    else:
        insights = score_course(
            {key: model for key, (_, model) in loaded.models.items()},
            loaded.events,
            calendar,
            as_of,
            bands=config.bands,
            rules=config.rules,
            settings=FeatureSettings(vocabulary=config.vocabulary_mapping),
        )
        if not insights:
            skipped = "before the first cut point with a model"
    alerts = detect(loaded.events, calendar, as_of, config) if live else []
    return insights, alerts, skipped


def _previous(rows: dict[str, db.PreviousRow]) -> dict[str, PreviousInsight]:
    return {k: PreviousInsight(r.risk, r.as_of, r.stated_level, r.stated_at) for k, r in rows.items()}


async def score_one(
    pool: asyncpg.Pool,
    store_id: int,
    course: str,
    *,
    base_url: str,
    models: ModelCache,
    as_of: float | None = None,
) -> CourseScore:
    """Score `course` as of `as_of` (None: now, with detectors and only while the course runs)."""
    live = as_of is None
    moment = round(time.time(), 3) if as_of is None else round(as_of, 3)
    result = CourseScore(course, moment)
    loaded = await _load(pool, store_id, course, moment, models)
    if loaded is None:
        result.skipped = "unknown course"
        return result
    insights, alerts, result.skipped = await asyncio.to_thread(_predict, loaded, moment, live)
    result.scored = len(insights)
    result.cut_point = insights[0].cut_point if insights else None
    model_id = loaded.models[result.cut_point][0] if result.cut_point else None

    async def write(conn: asyncpg.Connection) -> CourseScore:
        await db.lock_course(conn, store_id, course)
        previous = _previous(await db.previous_insights(conn, store_id, course, moment))
        plan = plan_insights(insights, previous, store_id=store_id, config=loaded.config)
        written = await _write_insights(conn, store_id, course, moment, model_id, result.cut_point, plan)
        statements = [
            insight_statement(p.insight, base_url=base_url, statement_id=p.statement_id, timestamp=moment)
            for p in plan
            if p.statement_id is not None and p.insight.learner in written
        ]
        interventions = _interventions(plan, written)
        await db.insert_interventions(conn, store_id, course, interventions)
        alert_statements = await _write_alerts(conn, store_id, course, moment, alerts, loaded, base_url)
        await _store(conn, store_id, [*statements, *alert_statements], base_url)
        if live:
            await db.mark_scored(
                conn,
                store_id,
                course,
                through=loaded.changed_at,
                inferred_start=loaded.inferred[0],
                inferred_end=loaded.inferred[1],
            )
        return CourseScore(
            course,
            moment,
            scored=len(insights),
            insights=len(written),
            statements=len(statements),
            interventions=len(interventions),
            alerts=len(alert_statements),
            cut_point=result.cut_point,
            skipped=result.skipped,
            levels={p.insight.learner: p.insight.level for p in plan if p.insight.learner in written},
        )

    return await in_transaction(pool, write)


async def _write_insights(
    conn: asyncpg.Connection,
    store_id: int,
    course: str,
    as_of: float,
    model_id: int | None,
    cut_key: str | None,
    plan: Sequence[PlannedInsight],
) -> dict[str, int]:
    rows = [
        db.InsightRow(
            learner=p.insight.learner,
            risk=p.insight.probability,
            level=p.insight.level,
            engagement=p.insight.engagement,
            factors=msgspec.to_builtins(p.insight.factors),
            interventions=msgspec.to_builtins(p.insight.interventions),
            statement_id=p.statement_id,
        )
        for p in plan
    ]
    return await db.insert_insights(conn, store_id, course, as_of=as_of, model_id=model_id, cut_key=cut_key, rows=rows)


def _interventions(plan: Sequence[PlannedInsight], written: dict[str, int]) -> list[db.InterventionRow]:
    rows = []
    for p in plan:
        insight_id = written.get(p.insight.learner)
        if insight_id is None:
            continue
        recommended = {i.code: i for i in p.insight.interventions}
        for code, source in p.interventions:
            advice = recommended[code]
            rows.append(
                db.InterventionRow(
                    learner=p.insight.learner,
                    kind=code,
                    source=source,
                    insight_id=insight_id,
                    statement_id=p.statement_id,
                    details={
                        "title": advice.title,
                        "reason": advice.reason,
                        "audience": advice.audience,
                        "risk": round(p.insight.probability, 4),
                        "level": p.insight.level,
                    },
                )
            )
    return rows


async def _write_alerts(
    conn: asyncpg.Connection,
    store_id: int,
    course: str,
    as_of: float,
    alerts: Sequence[Alert],
    loaded: _Loaded,
    base_url: str,
) -> list[dict[str, Any]]:
    """Record the new findings; the statements of those not alerted before."""
    period = loaded.config.scoring_period
    keyed = {dedupe_key(a, loaded.calendar, period): a for a in alerts}
    rows = [
        db.AlertRow(
            learner=a.learner,
            detector=a.kind,
            dedupe_key=key,
            details={"detail": a.detail, "activity": a.activity, "as_of": a.as_of},
            statement_id=alert_statement_id(store_id, key),
        )
        for key, a in sorted(keyed.items())
    ]
    new = await db.insert_alerts(conn, store_id, course, as_of, rows)
    return [
        alert_statement(keyed[r.dedupe_key], base_url=base_url, statement_id=r.statement_id or "", timestamp=as_of)
        for r in rows
        if r.dedupe_key in new
    ]


async def _store(conn: asyncpg.Connection, store_id: int, statements: list[dict[str, Any]], base_url: str) -> None:
    """Write the engine's statements exactly as an HTTP client's would be (validated, indexed, feed-visible)."""
    if not statements:
        return
    parsed = parse_statements(msgspec.json.encode(statements), INSIGHT_VERSION)
    await store_statements(
        conn,
        store_id=store_id,
        statements=parsed,
        version=INSIGHT_VERSION,
        authority=analytics_agent(base_url),
        may_define=False,
    )
