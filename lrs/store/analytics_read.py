"""Reads of the insights API: courses, at-risk lists, learner timelines, models, feedback, interventions, jobs.

Every function takes the store id first and filters by it. Lists are keyset-paged: they take the last row's
sort key (decoded by the API) and return at most `limit` rows. The current insight of each learner comes from
`analytics_insights_current`, which triggers keep in step with `analytics_insights`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import msgspec

from lrs.store.sql import q

_decode = msgspec.json.decode
_WEEK = timedelta(days=7)


def _json(text: str | None, default: Any) -> Any:
    return default if text is None else _decode(text)


class RiskCounts(msgspec.Struct, kw_only=True):
    """Learners by the level of their current insight, and their mean engagement (0-100)."""

    scored: int
    high: int
    moderate: int
    low: int
    at_risk: int
    mean_engagement: float | None


class CourseRow(msgspec.Struct, kw_only=True):
    """A course with its effective calendar (set by an admin, else inferred) and headline counts.

    `learners` and the 7-day activity come from the course's cached summary (None until one was computed).
    """

    id: str
    name: str | None
    start: datetime | None
    end: datetime | None
    start_set: datetime | None
    end_set: datetime | None
    inferred_start: datetime | None
    inferred_end: datetime | None
    settings: dict[str, Any]
    last_event_at: datetime | None
    scored_at: datetime | None
    learners: int | None
    active_last_7_days: int | None
    events_last_7_days: int | None
    summary_at: datetime | None
    risk: RiskCounts


def _risk(row: asyncpg.Record) -> RiskCounts:
    high, moderate = int(row["high"] or 0), int(row["moderate"] or 0)
    engagement = row["engagement"]
    return RiskCounts(
        scored=int(row["scored"] or 0),
        high=high,
        moderate=moderate,
        low=int(row["low"] or 0),
        at_risk=high + moderate,
        mean_engagement=None if engagement is None else round(float(engagement), 2),
    )


def _course(row: asyncpg.Record) -> CourseRow:
    return CourseRow(
        id=row["course_id"],
        name=row["name"],
        start=row["start_at"],
        end=row["end_at"],
        start_set=row["set_start"],
        end_set=row["set_end"],
        inferred_start=row["inferred_start"],
        inferred_end=row["inferred_end"],
        settings=_json(row["settings"], {}),
        last_event_at=row["last_event_at"],
        scored_at=row["scored_at"],
        learners=row["learners"],
        active_last_7_days=row["active_last_7_days"],
        events_last_7_days=row["events_last_7_days"],
        summary_at=row["summary_at"],
        risk=_risk(row),
    )


async def course_page(conn: asyncpg.Connection, store_id: int, after: str | None, limit: int) -> list[CourseRow]:
    rows = await conn.fetch(q("analytics_read", "courses"), store_id, after, limit, None)
    return [_course(r) for r in rows]


async def course(conn: asyncpg.Connection, store_id: int, course_id: str) -> CourseRow | None:
    """The course, or None when this store has no such course (neither configured nor seen in events)."""
    rows = await conn.fetch(q("analytics_read", "courses"), store_id, None, 1, course_id)
    return _course(rows[0]) if rows else None


class CourseHead(msgspec.Struct, kw_only=True):
    """What identifies and configures a course, without counts."""

    id: str
    name: str | None
    start: datetime | None
    end: datetime | None
    settings: dict[str, Any]


async def course_head(conn: asyncpg.Connection, store_id: int, course_id: str) -> CourseHead | None:
    """The course, or None when this store has no such course (the engine records every course it sees)."""
    r = await conn.fetchrow(q("analytics_read", "course_head"), store_id, course_id)
    if r is None:
        return None
    return CourseHead(
        id=r["course_id"], name=r["name"], start=r["start_at"], end=r["end_at"], settings=_json(r["settings"], {})
    )


async def store_settings(conn: asyncpg.Connection, store_id: int) -> dict[str, Any]:
    """The store's settings JSON (the engine's configuration is under `analytics`)."""
    text = await conn.fetchval(q("analytics_read", "store_settings"), store_id)
    value = _json(text, {})
    return value if isinstance(value, dict) else {}


async def risk_counts(conn: asyncpg.Connection, store_id: int, course_id: str) -> tuple[RiskCounts, datetime | None]:
    """Live counts of the course's current insights, and the latest `as_of` among them."""
    row = await conn.fetchrow(q("analytics_read", "risk_levels"), store_id, course_id)
    as_of = row["as_of"]
    return _risk(row), None if as_of is None else datetime.fromtimestamp(float(as_of), tz=UTC)


# -- at-risk list -----------------------------------------------------------------------------------------


class AtRiskRow(msgspec.Struct, kw_only=True):
    """A learner's current insight: risk, level, why (factors) and what to do (recommended interventions).

    `holdout` learners get no automated intervention (the control group of the impact report);
    `interventions_received` counts the interventions recorded for them in this course so far.
    """

    learner: str
    risk: float
    level: str
    engagement: float | None
    as_of: datetime
    insight_id: int
    model_id: int | None
    cut_key: str | None
    statement_id: uuid.UUID | None
    factors: list[dict[str, Any]]
    interventions: list[dict[str, Any]]
    holdout: bool
    interventions_received: int


async def at_risk_page(
    conn: asyncpg.Connection,
    store_id: int,
    course_id: str,
    *,
    min_risk: float,
    levels: Sequence[str] | None,
    after: tuple[float, str] | None,
    limit: int,
) -> list[AtRiskRow]:
    """Current insights by risk, highest first (ties by learner), after the cursor `(risk, learner)`."""
    risk_after, learner_after = after if after is not None else (None, None)
    rows = await conn.fetch(
        q("analytics_read", "at_risk_page"),
        store_id,
        course_id,
        min_risk,
        list(levels) if levels is not None else None,
        risk_after,
        learner_after,
        limit,
    )
    return [
        AtRiskRow(
            learner=r["learner"],
            risk=float(r["risk"]),
            level=r["level"],
            engagement=r["engagement"],
            as_of=r["as_of"],
            insight_id=r["insight_id"],
            model_id=r["model_id"],
            cut_key=r["cut_key"],
            statement_id=r["statement_id"],
            factors=_json(r["factors"], []),
            interventions=_json(r["interventions"], []),
            holdout=r["holdout"],
            interventions_received=int(r["received"]),
        )
        for r in rows
    ]


# -- learner timeline -------------------------------------------------------------------------------------


class LearnerWeek(msgspec.Struct, kw_only=True):
    """One course week of a learner: events, days with activity, minutes of recorded duration, and the engagement
    score of the latest insight made during that week (None when none was)."""

    week: int
    start: datetime
    events: int
    active_days: int
    minutes: float
    engagement: float | None = None


class ScorePoint(msgspec.Struct, kw_only=True):
    at: datetime
    activity: str
    activity_type: str | None
    action: str
    score: float
    success: bool | None


class RiskPoint(msgspec.Struct, kw_only=True):
    insight_id: int
    as_of: datetime
    risk: float
    level: str
    engagement: float | None
    model_id: int | None
    cut_key: str | None
    statement_id: uuid.UUID | None


class InterventionRow(msgspec.Struct, kw_only=True):
    """An action taken for a learner (or deliberately withheld: source `holdout`)."""

    id: int
    course: str
    learner: str
    kind: str
    source: str
    insight_id: int | None
    statement_id: uuid.UUID | None
    details: dict[str, Any]
    created: datetime


def _intervention(r: asyncpg.Record) -> InterventionRow:
    return InterventionRow(
        id=r["id"],
        course=r["course_id"],
        learner=r["learner"],
        kind=r["kind"],
        source=r["source"],
        insight_id=r["insight_id"],
        statement_id=r["statement_id"],
        details=_json(r["details"], {}),
        created=r["created"],
    )


async def learner_courses(conn: asyncpg.Connection, store_id: int, learner: str) -> list[str]:
    return [r[0] for r in await conn.fetch(q("analytics_read", "learner_courses"), store_id, learner)]


async def learner_first_event(conn: asyncpg.Connection, store_id: int, learner: str, course_id: str) -> datetime | None:
    value: datetime | None = await conn.fetchval(
        q("analytics_read", "learner_first_event"), store_id, learner, course_id
    )
    return value


async def learner_weeks(
    conn: asyncpg.Connection, store_id: int, learner: str, course_id: str, start: datetime
) -> list[LearnerWeek]:
    rows = await conn.fetch(q("analytics_read", "learner_weeks"), store_id, learner, course_id, start)
    return [
        LearnerWeek(
            week=r["week"],
            start=start + _WEEK * r["week"],
            events=r["events"],
            active_days=r["active_days"],
            minutes=round(float(r["seconds"]) / 60.0, 1),
        )
        for r in rows
    ]


async def learner_scores(conn: asyncpg.Connection, store_id: int, learner: str, course_id: str) -> list[ScorePoint]:
    rows = await conn.fetch(q("analytics_read", "learner_scores"), store_id, learner, course_id)
    return [
        ScorePoint(
            at=r["ts"],
            activity=r["activity"],
            activity_type=r["activity_type"],
            action=r["action"],
            score=float(r["score"]),
            success=r["success"],
        )
        for r in rows
    ]


async def learner_risk(conn: asyncpg.Connection, store_id: int, learner: str, course_id: str) -> list[RiskPoint]:
    rows = await conn.fetch(q("analytics_read", "learner_risk"), store_id, course_id, learner)
    return [
        RiskPoint(
            insight_id=r["id"],
            as_of=r["as_of"],
            risk=float(r["risk"]),
            level=r["level"],
            engagement=r["engagement"],
            model_id=r["model_id"],
            cut_key=r["cut_key"],
            statement_id=r["statement_id"],
        )
        for r in rows
    ]


async def learner_interventions(
    conn: asyncpg.Connection, store_id: int, learner: str, course_id: str
) -> list[InterventionRow]:
    rows = await conn.fetch(q("analytics_read", "learner_interventions"), store_id, course_id, learner)
    return [_intervention(r) for r in rows]


# -- interventions and their impact -----------------------------------------------------------------------


async def interventions_page(
    conn: asyncpg.Connection,
    store_id: int,
    *,
    after: int | None,
    course_id: str | None,
    learner: str | None,
    source: str | None,
    limit: int,
) -> list[InterventionRow]:
    rows = await conn.fetch(
        q("analytics_read", "interventions_page"), store_id, after, course_id, learner, source, limit
    )
    return [_intervention(r) for r in rows]


class ImpactRow(msgspec.Struct, frozen=True):
    """One learner of the experiment: treated, or held out without any treatment; `succeeded` None while the
    course has no outcome label for them."""

    course: str
    learner: str
    treated: bool
    succeeded: bool | None


async def impact_rows(
    conn: asyncpg.Connection, store_id: int, course_id: str | None, kind: str | None
) -> list[ImpactRow]:
    rows = await conn.fetch(q("analytics_read", "impact_rows"), store_id, course_id, kind)
    return [ImpactRow(r["course_id"], r["learner"], bool(r["treated"]), r["succeeded"]) for r in rows]


# -- models, insights, feedback, jobs ---------------------------------------------------------------------


class ModelRow(msgspec.Struct, kw_only=True):
    """A trained model as the engine stored it, with its use (insights made) and the feedback they received."""

    id: int
    kind: str
    cut_key: str
    version: str
    created: datetime
    active: bool
    trained_on: Any
    metrics: Any
    gate: Any
    feature_columns: list[str]
    insights: int
    feedback: dict[str, int]


async def models_page(
    conn: asyncpg.Connection,
    store_id: int,
    *,
    after: int | None,
    cut_key: str | None,
    active: bool | None,
    limit: int,
    model_id: int | None = None,
) -> list[ModelRow]:
    rows = await conn.fetch(q("analytics_read", "models_page"), store_id, after, cut_key, active, limit, model_id)
    return [
        ModelRow(
            id=r["id"],
            kind=r["kind"],
            cut_key=r["cut_key"],
            version=r["version"],
            created=r["created"],
            active=r["active"],
            trained_on=_json(r["trained_on"], None),
            metrics=_json(r["metrics"], None),
            gate=_json(r["gate"], None),
            feature_columns=list(r["feature_columns"]),
            insights=r["insights"],
            feedback=_json(r["feedback"], {}),
        )
        for r in rows
    ]


async def model(conn: asyncpg.Connection, store_id: int, model_id: int) -> ModelRow | None:
    rows = await models_page(conn, store_id, after=None, cut_key=None, active=None, limit=1, model_id=model_id)
    return rows[0] if rows else None


async def model_artifact(conn: asyncpg.Connection, store_id: int, model_id: int) -> bytes | None:
    row = await conn.fetchrow(q("analytics_read", "model_artifact"), store_id, model_id)
    return None if row is None else bytes(row["artifact"])


class InsightRow(msgspec.Struct, kw_only=True):
    id: int
    course: str
    learner: str
    as_of: datetime
    model_id: int | None
    cut_key: str | None
    risk: float
    level: str
    engagement: float | None
    factors: list[dict[str, Any]]
    interventions: list[dict[str, Any]]
    statement_id: uuid.UUID | None
    created: datetime


async def insight(conn: asyncpg.Connection, store_id: int, insight_id: int) -> InsightRow | None:
    r = await conn.fetchrow(q("analytics_read", "insight_one"), store_id, insight_id)
    if r is None:
        return None
    return InsightRow(
        id=r["id"],
        course=r["course_id"],
        learner=r["learner"],
        as_of=r["as_of"],
        model_id=r["model_id"],
        cut_key=r["cut_key"],
        risk=float(r["risk"]),
        level=r["level"],
        engagement=r["engagement"],
        factors=_json(r["factors"], []),
        interventions=_json(r["interventions"], []),
        statement_id=r["statement_id"],
        created=r["created"],
    )


class FeedbackRow(msgspec.Struct, kw_only=True):
    id: int
    insight_id: int
    kind: str
    note: str
    author: str | None
    created: datetime
    course: str
    learner: str
    model_id: int | None


async def feedback_page(
    conn: asyncpg.Connection,
    store_id: int,
    *,
    after: int | None,
    insight_id: int | None,
    model_id: int | None,
    course_id: str | None,
    kind: str | None,
    limit: int,
) -> list[FeedbackRow]:
    rows = await conn.fetch(
        q("analytics_read", "feedback_page"), store_id, after, insight_id, model_id, course_id, kind, limit
    )
    return [
        FeedbackRow(
            id=r["id"],
            insight_id=r["insight_id"],
            kind=r["kind"],
            note=r["note"],
            author=r["author"],
            created=r["created"],
            course=r["course_id"],
            learner=r["learner"],
            model_id=r["model_id"],
        )
        for r in rows
    ]


class JobRow(msgspec.Struct, kw_only=True):
    """An on-demand job (training, scoring) to poll: queued, running, done (with `result`) or failed (`error`)."""

    id: uuid.UUID
    kind: str
    params: dict[str, Any]
    status: str
    result: Any
    error: str | None
    created: datetime
    started: datetime | None
    finished: datetime | None


def job_from_row(r: asyncpg.Record) -> JobRow:
    return JobRow(
        id=r["id"],
        kind=r["kind"],
        params=_json(r["params"], {}),
        status=r["status"],
        result=_json(r["result"], None),
        error=r["error"],
        created=r["created"],
        started=r["started"],
        finished=r["finished"],
    )


async def job(conn: asyncpg.Connection, store_id: int, job_id: uuid.UUID) -> JobRow | None:
    r = await conn.fetchrow(q("analytics_read", "job_one"), store_id, job_id)
    return None if r is None else job_from_row(r)


async def learner_in_course(conn: asyncpg.Connection, store_id: int, learner: str, course_id: str) -> bool:
    """Whether the learner has events or an insight in the course."""
    return bool(await conn.fetchval(q("analytics_read", "learner_in_course"), store_id, learner, course_id))
