"""Everything the analytics engine reads and writes in PostgreSQL. No HTTP, no analytics imports.

Times are Unix seconds (float) on this side; the SQL converts. Callers own the transactions: the feed
handler runs inside the feed's batch transaction, and a scoring writes its insight rows, statements and
alerts in one transaction of its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import asyncpg
import msgspec

from lrs.store.sql import q

_json = msgspec.json.Encoder()


def _encode(value: Any) -> str:
    return _json.encode(value).decode()


@dataclass(frozen=True, slots=True)
class EventRow:
    """One row of `analytics_events`; `event` is the encoded analytics Event."""

    course_id: str
    statement_seq: int
    learner: str
    ts: float
    family: str
    action: str
    activity: str
    activity_type: str | None
    score: float | None
    success: bool | None
    completion: bool | None
    duration: float | None
    event: bytes


@dataclass(frozen=True, slots=True)
class CourseRow:
    """A course as stored: its settings, admin-set and inferred dates, and scoring bookkeeping."""

    course_id: str
    name: str | None
    settings: dict[str, Any]
    start_at: float | None
    end_at: float | None
    inferred_start: float | None
    inferred_end: float | None
    last_event_at: float | None
    changed_at: datetime | None
    scored_through: datetime | None


@dataclass(frozen=True, slots=True)
class ModelRef:
    id: int
    cut_key: str
    version: str


@dataclass(frozen=True, slots=True)
class PreviousRow:
    learner: str
    risk: float
    as_of: float
    stated_level: str | None
    stated_at: float | None


@dataclass(frozen=True, slots=True)
class InsightRow:
    learner: str
    risk: float
    level: str
    engagement: float | None
    factors: Any
    interventions: Any
    statement_id: str | None


@dataclass(frozen=True, slots=True)
class InterventionRow:
    learner: str
    kind: str
    source: str
    insight_id: int | None
    statement_id: str | None
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class AlertRow:
    learner: str | None
    detector: str
    dedupe_key: str
    details: dict[str, Any]
    statement_id: str | None


@dataclass(frozen=True, slots=True)
class JobRow:
    id: uuid.UUID
    status: str
    params: dict[str, Any]
    created: float


async def store_settings(conn: asyncpg.Connection, store_id: int) -> dict[str, Any]:
    raw = await conn.fetchval(q("analytics_write", "store_settings"), store_id)
    return msgspec.json.decode(raw) if raw else {}


async def statement_seqs(conn: asyncpg.Connection, store_id: int, ids: Sequence[str]) -> dict[str, tuple[int, bool]]:
    """id (lower case) -> (seq, voided) for the statements of `ids` that exist."""
    rows = await conn.fetch(q("analytics_write", "statement_seqs"), store_id, list(ids))
    return {r["id"]: (r["seq"], r["voided"]) for r in rows}


async def statements_by_id(conn: asyncpg.Connection, store_id: int, ids: Sequence[str]) -> list[tuple[int, Any]]:
    """(seq, payload) of the statements of `ids` that exist."""
    rows = await conn.fetch(q("analytics_write", "statements_by_id"), store_id, list(ids))
    return [(r["seq"], msgspec.json.decode(r["payload"])) for r in rows]


async def insert_events(conn: asyncpg.Connection, store_id: int, rows: Sequence[EventRow]) -> None:
    if not rows:
        return
    names = [f.name for f in fields(EventRow)]
    columns = [[getattr(r, name) for r in rows] for name in names]
    await conn.execute(q("analytics_write", "insert_events"), store_id, *columns)


async def delete_events(
    conn: asyncpg.Connection, store_id: int, courses: Iterable[str], statement_seqs: Iterable[int]
) -> None:
    await conn.execute(
        q("analytics_write", "delete_events"), store_id, sorted(set(courses)), sorted(set(statement_seqs))
    )


async def touch_courses(
    conn: asyncpg.Connection, store_id: int, latest: Mapping[str, float | None], names: Mapping[str, str]
) -> None:
    """Create or update the courses of `latest` (course -> latest event time) and mark them changed."""
    if not latest:
        return
    courses = sorted(latest)
    await conn.execute(
        q("analytics_write", "touch_courses"),
        store_id,
        courses,
        [names.get(c) for c in courses],
        [latest[c] for c in courses],
    )


async def course_settings(conn: asyncpg.Connection, store_id: int) -> dict[str, dict[str, Any]]:
    """Every course of the store with its settings (the feed handler's known courses)."""
    rows = await conn.fetch(q("analytics_write", "course_settings"), store_id)
    return {r["course_id"]: msgspec.json.decode(r["settings"]) for r in rows}


async def course_rows(conn: asyncpg.Connection, store_id: int, courses: Sequence[str] | None = None) -> list[CourseRow]:
    rows = await conn.fetch(
        q("analytics_write", "course_rows"), store_id, list(courses) if courses is not None else None
    )
    return [
        CourseRow(
            course_id=r["course_id"],
            name=r["name"],
            settings=msgspec.json.decode(r["settings"]),
            start_at=r["start_at"],
            end_at=r["end_at"],
            inferred_start=r["inferred_start"],
            inferred_end=r["inferred_end"],
            last_event_at=r["last_event_at"],
            changed_at=r["changed_at"],
            scored_through=r["scored_through"],
        )
        for r in rows
    ]


async def lock_course(conn: asyncpg.Connection, store_id: int, course: str) -> datetime | None:
    """Lock the course row for this transaction; its `changed_at`."""
    value: datetime | None = await conn.fetchval(q("analytics_write", "lock_course"), store_id, course)
    return value


async def changed_courses(conn: asyncpg.Connection, store_id: int) -> list[str]:
    """Courses with events newer than their last scoring had seen."""
    return [r[0] for r in await conn.fetch(q("analytics_write", "changed_courses"), store_id)]


async def course_events(conn: asyncpg.Connection, store_id: int, course: str) -> list[bytes]:
    """The encoded events of one course, in time order."""
    return [r[0] for r in await conn.fetch(q("analytics_write", "course_events"), store_id, course)]


async def set_inferred_dates(
    conn: asyncpg.Connection, store_id: int, course: str, start: float | None, end: float | None
) -> None:
    await conn.execute(q("analytics_write", "set_inferred_dates"), store_id, course, start, end)


async def mark_scored(
    conn: asyncpg.Connection,
    store_id: int,
    course: str,
    *,
    through: datetime | None,
    inferred_start: float | None,
    inferred_end: float | None,
) -> None:
    await conn.execute(q("analytics_write", "mark_scored"), store_id, course, through, inferred_start, inferred_end)


async def active_models(conn: asyncpg.Connection, store_id: int) -> list[ModelRef]:
    rows = await conn.fetch(q("analytics_write", "active_models"), store_id)
    return [ModelRef(r["id"], r["cut_key"], r["version"]) for r in rows]


async def model_artifacts(conn: asyncpg.Connection, store_id: int, ids: Sequence[int]) -> dict[int, bytes]:
    rows = await conn.fetch(q("analytics_write", "model_artifacts"), store_id, list(ids))
    return {r["id"]: bytes(r["artifact"]) for r in rows}


async def save_model(
    conn: asyncpg.Connection,
    store_id: int,
    *,
    kind: str,
    cut_key: str,
    version: str,
    trained_on: Mapping[str, Any],
    metrics: Mapping[str, Any],
    gate: Mapping[str, Any],
    feature_columns: Sequence[str],
    artifact: bytes,
) -> tuple[int, bool]:
    """Store a model unless the same version of its cut point is stored already: (id, newly stored)."""
    existing = await conn.fetchval(q("analytics_write", "find_model"), store_id, cut_key, version)
    if existing is not None:
        return int(existing), False
    model_id = await conn.fetchval(
        q("analytics_write", "insert_model"),
        store_id,
        kind,
        cut_key,
        version,
        _encode(trained_on),
        _encode(metrics),
        _encode(gate),
        list(feature_columns),
        artifact,
    )
    return int(model_id), True


async def activate_model(conn: asyncpg.Connection, store_id: int, model_id: int, cut_key: str) -> None:
    """Make `model_id` the only active model of its cut point."""
    await conn.execute(q("analytics_write", "activate_model"), store_id, model_id, cut_key)


async def replace_labels(
    conn: asyncpg.Connection,
    store_id: int,
    courses: Sequence[str],
    labels: Sequence[tuple[str, str, bool, str, float]],
) -> None:
    """The labels of `courses` become exactly `labels`: (course, learner, at_risk, reason, decided_at)."""
    await conn.execute(q("analytics_write", "delete_labels"), store_id, list(courses))
    if labels:
        columns = list(zip(*labels, strict=True))
        await conn.execute(q("analytics_write", "insert_labels"), store_id, *(list(c) for c in columns))


async def previous_insights(
    conn: asyncpg.Connection, store_id: int, course: str, as_of: float
) -> dict[str, PreviousRow]:
    rows = await conn.fetch(q("analytics_write", "previous_insights"), store_id, course, as_of)
    return {
        r["learner"]: PreviousRow(r["learner"], r["risk"], r["as_of"], r["stated_level"], r["stated_at"]) for r in rows
    }


async def insert_insights(
    conn: asyncpg.Connection,
    store_id: int,
    course: str,
    *,
    as_of: float,
    model_id: int | None,
    cut_key: str | None,
    rows: Sequence[InsightRow],
) -> dict[str, int]:
    """Insert the insights not recorded yet for this moment; learner -> id of those inserted."""
    if not rows:
        return {}
    result = await conn.fetch(
        q("analytics_write", "insert_insights"),
        store_id,
        course,
        as_of,
        model_id,
        cut_key,
        [r.learner for r in rows],
        [r.risk for r in rows],
        [r.level for r in rows],
        [r.engagement for r in rows],
        [_encode(r.factors) for r in rows],
        [_encode(r.interventions) for r in rows],
        [r.statement_id for r in rows],
    )
    return {r["learner"]: r["id"] for r in result}


async def insert_interventions(
    conn: asyncpg.Connection, store_id: int, course: str, rows: Sequence[InterventionRow]
) -> None:
    if not rows:
        return
    await conn.execute(
        q("analytics_write", "insert_interventions"),
        store_id,
        course,
        [r.learner for r in rows],
        [r.kind for r in rows],
        [r.source for r in rows],
        [r.insight_id for r in rows],
        [r.statement_id for r in rows],
        [_encode(r.details) for r in rows],
    )


async def insert_alerts(
    conn: asyncpg.Connection, store_id: int, course: str, as_of: float, rows: Sequence[AlertRow]
) -> set[str]:
    """Insert the alerts not raised before; the dedupe keys of those inserted."""
    if not rows:
        return set()
    result = await conn.fetch(
        q("analytics_write", "insert_alerts"),
        store_id,
        course,
        as_of,
        [r.learner for r in rows],
        [r.detector for r in rows],
        [r.dedupe_key for r in rows],
        [_encode(r.details) for r in rows],
        [r.statement_id for r in rows],
    )
    return {r[0] for r in result}


async def start_job(
    conn: asyncpg.Connection, store_id: int, job_id: uuid.UUID, kind: str, params: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Mark a job running (creating its row if the caller had not); its parameters as stored."""
    raw = await conn.fetchval(q("analytics_write", "start_job"), store_id, job_id, kind, _encode(params or {}))
    decoded: dict[str, Any] = msgspec.json.decode(raw)
    return decoded


async def queue_job(
    conn: asyncpg.Connection, store_id: int, job_id: uuid.UUID, kind: str, params: Mapping[str, Any]
) -> None:
    await conn.execute(q("analytics_write", "queue_job"), store_id, job_id, kind, _encode(params))


async def finish_job(
    conn: asyncpg.Connection,
    store_id: int,
    job_id: uuid.UUID,
    *,
    result: Mapping[str, Any] | None = None,
    error: str | None = None,
) -> None:
    status = "failed" if error is not None else "done"
    await conn.execute(
        q("analytics_write", "finish_job"),
        store_id,
        job_id,
        status,
        _encode(result) if result is not None else None,
        error,
    )


async def last_job(conn: asyncpg.Connection, store_id: int, kind: str) -> JobRow | None:
    row = await conn.fetchrow(q("analytics_write", "last_job"), store_id, kind)
    if row is None:
        return None
    return JobRow(row["id"], row["status"], msgspec.json.decode(row["params"]), row["created"])


async def store_ids(conn: asyncpg.Connection) -> list[int]:
    return [r[0] for r in await conn.fetch(q("analytics_write", "store_ids"))]
