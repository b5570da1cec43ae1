"""Writing prepared statements into a store: one transaction per batch, with the import progress in it.

The storage shape is exactly `lrs.store.statements.store_statements`'s (same payload, columns, agent and activity
rows, voiding and canonical activity definitions), written with COPY: one round trip (`begin_batch`) locks the
store, takes the batch's `stored`, reserves sequence numbers and finds the ids stored already and those a stored
voiding statement targets; then statements, agent rows and activity rows are COPYed, earlier statements this
batch voids are marked, and definitions are merged (as with the `define` scope).

Statements stored already with the same id are no-ops when equivalent; a different one is a Conflict and the
batch is rolled back. When another writer stores one of the ids between the check and the COPY, the COPY fails
on the primary key and the batch runs again from the start (`lrs.store.db.Retry`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import msgspec

from lrs.bulk.preparing import STORED_PLACEHOLDER_JSON, PreparedStatement
from lrs.bulk.sql import bq
from lrs.errors import Conflict, NotFound
from lrs.store.db import Retry, in_transaction
from lrs.store.sql import q
from lrs.store.statements import define_activities
from lrs.xapi import format_stored, statements_equivalent

_decode = msgspec.json.decode
_encode = msgspec.json.Encoder().encode

STATEMENT_COLUMNS = (
    "store_id",
    "seq",
    "id",
    "payload",
    "verb_id",
    "actor_ifi",
    "object_type",
    "object_activity_id",
    "object_agent_ifi",
    "object_statement_id",
    "registration",
    "timestamp",
    "stored",
    "authority_ifi",
    "version",
    "is_voiding",
    "voided",
)
RELATION_COLUMNS = {
    "statement_agents": ("store_id", "agent_ifi", "statement_seq", "usage"),
    "statement_activities": ("store_id", "activity_id", "statement_seq", "usage"),
}


@dataclass(frozen=True, slots=True)
class FileKey:
    """Which import progress row a batch advances."""

    store_id: int
    sha256: str


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    inserted: int
    unchanged: int


def materialise(row: PreparedStatement, stored_json: bytes) -> str:
    """The payload text to store: the placeholder replaced by the batch's `stored`."""
    return row.payload.replace(STORED_PLACEHOLDER_JSON, stored_json).decode()


def equivalent_to_stored(previous: dict[str, Any], row: PreparedStatement) -> bool:
    """Statement comparison against what is stored; a timestamp the LRS fills in is not part of the statement."""
    incoming = _decode(row.payload)
    incoming.pop("stored", None)
    if row.timestamp is None:
        incoming.pop("timestamp", None)
    return statements_equivalent(previous, incoming)


async def write_batch(
    pool: asyncpg.Pool,
    rows: Sequence[PreparedStatement],
    *,
    file: FileKey,
    authority_ifi: str | None,
    done: tuple[int, int],
) -> BatchOutcome:
    """Store `rows` and record the file's progress as `done` (records, line) in one transaction (retried whole
    on deadlocks and raced ids); raises Conflict, writing nothing, when an id is stored with different content."""

    async def work(conn: asyncpg.Connection) -> BatchOutcome:
        start = await conn.fetchrow(bq("begin_batch"), file.store_id, [row.id for row in rows], len(rows))
        if not start["store_exists"]:
            raise NotFound("the store no longer exists")
        fresh = _fresh(rows, dict(zip(start["existing_ids"], start["existing_payloads"], strict=True)))
        if fresh:
            await _copy(conn, file.store_id, fresh, start, authority_ifi)
            await _define_activities(conn, file.store_id, fresh)
        await conn.execute(bq("progress_advance"), file.store_id, file.sha256, *done, len(fresh))
        return BatchOutcome(inserted=len(fresh), unchanged=len(rows) - len(fresh))

    return await in_transaction(pool, work)


def _fresh(rows: Sequence[PreparedStatement], existing: dict[str, str]) -> list[PreparedStatement]:
    fresh: list[PreparedStatement] = []
    for row in rows:
        previous = existing.get(row.id)
        if previous is None:
            fresh.append(row)
        elif not equivalent_to_stored(_decode(previous), row):
            raise Conflict(f"statement {row.id} exists already with different content", path="$.id")
    return fresh


async def _copy(
    conn: asyncpg.Connection,
    store_id: int,
    fresh: list[PreparedStatement],
    start: asyncpg.Record,
    authority_ifi: str | None,
) -> None:
    stored_at: datetime = start["stored"]
    stored_json = _encode(format_stored(stored_at))
    targets = {row.object_statement_id for row in fresh if row.is_voiding and row.object_statement_id is not None}
    voided = set(start["voided_ids"]) | targets
    statements: list[tuple[Any, ...]] = []
    agents: list[tuple[Any, ...]] = []
    activities: list[tuple[Any, ...]] = []
    for seq, row in zip(start["seqs"], fresh, strict=False):
        statements.append(
            (
                store_id,
                seq,
                row.id,
                materialise(row, stored_json),
                row.verb_id,
                row.actor_ifi,
                row.object_type,
                row.object_activity_id,
                row.object_agent_ifi,
                row.object_statement_id,
                row.registration,
                row.timestamp or stored_at,
                stored_at,
                authority_ifi,
                row.version,
                row.is_voiding,
                not row.is_voiding and row.id in voided,
            )
        )
        agents.extend((store_id, ifi, seq, usage) for ifi, usage in row.agents)
        activities.extend((store_id, activity, seq, usage) for activity, usage in row.activities)
    try:
        await conn.copy_records_to_table("statements", records=statements, columns=STATEMENT_COLUMNS)
    except asyncpg.UniqueViolationError as exc:
        if exc.constraint_name == "statements_pkey":
            raise Retry("another transaction stored one of these statement ids") from exc
        raise
    if agents:
        await conn.copy_records_to_table(
            "statement_agents", records=agents, columns=RELATION_COLUMNS["statement_agents"]
        )
    if activities:
        await conn.copy_records_to_table(
            "statement_activities", records=activities, columns=RELATION_COLUMNS["statement_activities"]
        )
    if targets:
        await conn.execute(q("statements", "apply_voiding"), store_id, [uuid.UUID(t) for t in targets])


async def _define_activities(conn: asyncpg.Connection, store_id: int, fresh: list[PreparedStatement]) -> None:
    """Merge the batch's activity definitions into the canonical ones, as the API does for the `define` scope.
    Repeated definitions are merged once, in the order of their last appearance (merging A, B, A equals B, A)."""
    incoming: dict[str, dict[bytes, dict[str, Any]]] = {}
    for row in fresh:
        for activity_id, definition in row.definitions:
            seen = incoming.setdefault(activity_id, {})
            key = _encode(definition)
            seen.pop(key, None)
            seen[key] = definition
    if incoming:
        await define_activities(conn, store_id, {a: list(d.values()) for a, d in incoming.items()})
