"""Writes the insights API makes for admins and instructors: course and store settings, feedback on insights,
interventions (recorded over HTTP or by xAPI statements), on-demand jobs and model activation.

The engine (workers/) owns everything else in the analytics tables; the two meet only on rows, never on code.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import asyncpg
import msgspec

from lrs.store import analytics_write
from lrs.store.analytics_read import JobRow, job_from_row
from lrs.store.sql import q

_encode = msgspec.json.encode


def _text(value: Any) -> str:
    return _encode(value).decode()


async def upsert_course(
    conn: asyncpg.Connection,
    store_id: int,
    course_id: str,
    *,
    name: str | None,
    start: datetime | None,
    end: datetime | None,
    settings: Mapping[str, Any],
) -> bool:
    """Create or reconfigure a course; True when it was created."""
    created: bool = await conn.fetchval(
        q("analytics_actions", "upsert_course"), store_id, course_id, name, start, end, _text(dict(settings))
    )
    return created


async def set_store_section(conn: asyncpg.Connection, store_id: int, key: str, value: Any) -> None:
    """Replace one top-level key of the store's settings JSON, leaving the others alone."""
    await conn.execute(q("analytics_actions", "set_store_section"), store_id, key, _text(value))


async def add_feedback(
    conn: asyncpg.Connection, store_id: int, insight_id: int, kind: str, note: str, author: str | None
) -> tuple[int, datetime] | None:
    """Store feedback on an insight; None when the store has no such insight."""
    row = await conn.fetchrow(q("analytics_actions", "insert_feedback"), store_id, insight_id, kind, note, author)
    return None if row is None else (row["id"], row["created"])


async def add_intervention(
    conn: asyncpg.Connection,
    store_id: int,
    *,
    course_id: str,
    learner: str,
    kind: str,
    source: str,
    insight_id: int | None = None,
    statement_id: uuid.UUID | None = None,
    details: Mapping[str, Any] | None = None,
    created: datetime | None = None,
) -> tuple[int, datetime] | None:
    """Record an intervention; None when it is a statement's and that statement was recorded already."""
    row = await conn.fetchrow(
        q("analytics_actions", "insert_intervention"),
        store_id,
        course_id,
        learner,
        kind,
        source,
        insight_id,
        statement_id,
        _text(dict(details or {})),
        created,
    )
    return None if row is None else (row["id"], row["created"])


class StatementIntervention(msgspec.Struct, frozen=True):
    """What an intervention statement says: the course it was about, the kind of action, and details."""

    course: str
    kind: str
    details: dict[str, Any]


def _activity_ids(context: Mapping[str, Any], usage: str) -> list[str]:
    activities = context.get(usage)
    if isinstance(activities, dict):
        activities = [activities]
    if not isinstance(activities, list):
        return []
    return [a["id"] for a in activities if isinstance(a, dict) and isinstance(a.get("id"), str)]


def read_intervention_statement(
    statement: Mapping[str, Any], known_courses: set[str], kind_extension: str
) -> StatementIntervention | None:
    """The intervention an xAPI statement records, or None when it names no course.

    The course is the first `contextActivities.parent` (then `grouping`) activity that is a known course, else the
    first parent; the kind is the string in the `kind_extension` context extension, else `statement`.
    """
    context = statement.get("context")
    context = context if isinstance(context, dict) else {}
    activities = context.get("contextActivities")
    activities = activities if isinstance(activities, dict) else {}
    candidates = _activity_ids(activities, "parent") + _activity_ids(activities, "grouping")
    if not candidates:
        return None
    course = next((c for c in candidates if c in known_courses), candidates[0])
    extensions = context.get("extensions")
    kind = extensions.get(kind_extension) if isinstance(extensions, dict) else None
    details: dict[str, Any] = {"actor": statement.get("actor")}
    result = statement.get("result")
    if isinstance(result, dict) and isinstance(result.get("response"), str):
        details["response"] = result["response"]
    return StatementIntervention(course, kind if isinstance(kind, str) and kind else "statement", details)


async def record_intervention_statements(
    conn: asyncpg.Connection, store_id: int, verb_iri: str, kind_extension: str
) -> int:
    """Record the store's not-yet-recorded statements with the intervention verb; forget voided ones.

    Idempotent and safe to run concurrently (a statement is recorded once, by a unique index); returns how many
    were recorded now.
    """
    await conn.execute(q("analytics_actions", "forget_voided_intervention_statements"), store_id)
    rows = await conn.fetch(q("analytics_actions", "unrecorded_intervention_statements"), store_id, verb_iri)
    if not rows:
        return 0
    statements = [(r, msgspec.json.decode(r["payload"])) for r in rows]
    mentioned = {
        c
        for _, s in statements
        for usage in ("parent", "grouping")
        for c in _activity_ids(((s.get("context") or {}).get("contextActivities") or {}), usage)
    }
    known = {r[0] for r in await conn.fetch(q("analytics_actions", "known_courses"), store_id, sorted(mentioned))}
    recorded = 0
    for row, statement in statements:
        found = read_intervention_statement(statement, known, kind_extension)
        if found is None:
            continue
        added = await add_intervention(
            conn,
            store_id,
            course_id=found.course,
            learner=row["object_agent_ifi"],
            kind=found.kind,
            source="statement",
            statement_id=row["id"],
            details=found.details,
            created=row["timestamp"],
        )
        recorded += added is not None
    return recorded


async def create_job(conn: asyncpg.Connection, store_id: int, kind: str, params: Mapping[str, Any]) -> JobRow:
    row = await conn.fetchrow(q("analytics_actions", "insert_job"), store_id, uuid.uuid4(), kind, _text(dict(params)))
    return job_from_row(row)


async def fail_queued_job(conn: asyncpg.Connection, store_id: int, job_id: uuid.UUID, error: str) -> JobRow | None:
    row = await conn.fetchrow(q("analytics_actions", "fail_job"), store_id, job_id, error)
    return None if row is None else job_from_row(row)


class ModelState(msgspec.Struct, frozen=True):
    id: int
    cut_key: str
    gate: Any
    active: bool


async def model_state(conn: asyncpg.Connection, store_id: int, model_id: int) -> ModelState | None:
    row = await conn.fetchrow(q("analytics_actions", "model_state"), store_id, model_id)
    if row is None:
        return None
    return ModelState(row["id"], row["cut_key"], msgspec.json.decode(row["gate"]), row["active"])


async def set_model_active(conn: asyncpg.Connection, store_id: int, model: ModelState, active: bool) -> None:
    """Activate (the engine's way: the only active model of its cut point) or deactivate a model."""
    if active:
        await analytics_write.activate_model(conn, store_id, model.id, model.cut_key)
    else:
        await conn.execute(q("analytics_actions", "deactivate_model"), store_id, model.id, model.cut_key)
