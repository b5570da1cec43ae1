"""Writing prepared statements into a store: one transaction per batch, with the import progress in it.

The storage shape is exactly `lrs.store.statements.store_statements`'s (same payload, columns, agent and
activity rows, voiding and canonical activity definitions). Two ways in:

- COPY (fast): when every new statement of the batch is a plain one: not voiding, and not the target of a
  stored voiding statement. Sequence numbers are reserved with nextval and the three tables are COPYed.
- INSERT (the `statements.sql` blocks the API uses): otherwise, or when a concurrent writer stored one of
  the ids between our check and the COPY (the COPY then fails as a whole and the batch is redone this way).

Statements already stored with the same id are no-ops when equivalent; a different one is a Conflict and the
batch is rolled back.
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
from lrs.errors import Conflict
from lrs.store.db import in_transaction
from lrs.store.sql import q
from lrs.xapi import format_stored, merge_activity_definition, statements_equivalent

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
    copied: bool


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
    on deadlocks); raises Conflict, writing nothing, when an id is stored with different content."""

    async def work(conn: asyncpg.Connection, *, allow_copy: bool) -> BatchOutcome:
        stored_at: datetime = await conn.fetchval(q("statements", "transaction_time"))
        fresh, unchanged = await _fresh(conn, file.store_id, rows)
        copied = False
        if fresh:
            if allow_copy and await _copyable(conn, file.store_id, fresh):
                await _copy(conn, file.store_id, fresh, stored_at, authority_ifi)
                copied = True
            else:
                fresh = await _insert(conn, file.store_id, fresh, stored_at, authority_ifi)
            await _define_activities(conn, file.store_id, fresh)
        await conn.execute(bq("progress_advance"), file.store_id, file.sha256, *done, len(fresh))
        return BatchOutcome(inserted=len(fresh), unchanged=unchanged, copied=copied)

    async def copying(conn: asyncpg.Connection) -> BatchOutcome:
        return await work(conn, allow_copy=True)

    async def inserting(conn: asyncpg.Connection) -> BatchOutcome:
        return await work(conn, allow_copy=False)

    try:
        return await in_transaction(pool, copying)
    except asyncpg.UniqueViolationError:
        # Another writer stored one of these ids after our check: the INSERT path sorts that out.
        return await in_transaction(pool, inserting)


async def _fresh(
    conn: asyncpg.Connection, store_id: int, rows: Sequence[PreparedStatement]
) -> tuple[list[PreparedStatement], int]:
    existing = {
        str(r["id"]): r["payload"] for r in await conn.fetch(bq("existing_ids"), store_id, [row.id for row in rows])
    }
    if not existing:
        return list(rows), 0
    fresh: list[PreparedStatement] = []
    for row in rows:
        previous = existing.get(row.id)
        if previous is None:
            fresh.append(row)
        elif not equivalent_to_stored(_decode(previous), row):
            raise Conflict(f"statement {row.id} exists already with different content", path="$.id")
    return fresh, len(rows) - len(fresh)


async def _copyable(conn: asyncpg.Connection, store_id: int, fresh: list[PreparedStatement]) -> bool:
    if any(row.is_voiding for row in fresh):
        return False
    targeted = await conn.fetch(bq("voided_targets"), store_id, [row.id for row in fresh])
    return not targeted


async def _copy(
    conn: asyncpg.Connection,
    store_id: int,
    fresh: list[PreparedStatement],
    stored_at: datetime,
    authority_ifi: str | None,
) -> None:
    seqs = [r[0] for r in await conn.fetch(bq("reserve_seqs"), len(fresh))]
    stored_json = _encode(format_stored(stored_at))
    statements: list[tuple[Any, ...]] = []
    agents: list[tuple[Any, ...]] = []
    activities: list[tuple[Any, ...]] = []
    for seq, row in zip(seqs, fresh, strict=True):
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
            )
        )
        agents.extend((store_id, ifi, seq, usage) for ifi, usage in row.agents)
        activities.extend((store_id, activity, seq, usage) for activity, usage in row.activities)
    await conn.copy_records_to_table("statements", records=statements, columns=STATEMENT_COLUMNS)
    if agents:
        await conn.copy_records_to_table(
            "statement_agents", records=agents, columns=RELATION_COLUMNS["statement_agents"]
        )
    if activities:
        await conn.copy_records_to_table(
            "statement_activities", records=activities, columns=RELATION_COLUMNS["statement_activities"]
        )


async def _insert(
    conn: asyncpg.Connection,
    store_id: int,
    fresh: list[PreparedStatement],
    stored_at: datetime,
    authority_ifi: str | None,
) -> list[PreparedStatement]:
    """The API's multi-row INSERT, voiding included; returns the rows it stored (raced equivalents drop out)."""
    stored_json = _encode(format_stored(stored_at))
    result = await conn.fetch(
        q("statements", "insert_statements"),
        store_id,
        [uuid.UUID(r.id) for r in fresh],
        [materialise(r, stored_json) for r in fresh],
        [r.verb_id for r in fresh],
        [r.actor_ifi for r in fresh],
        [r.object_type for r in fresh],
        [r.object_activity_id for r in fresh],
        [r.object_agent_ifi for r in fresh],
        [None if r.object_statement_id is None else uuid.UUID(r.object_statement_id) for r in fresh],
        [None if r.registration is None else uuid.UUID(r.registration) for r in fresh],
        [r.timestamp or stored_at for r in fresh],
        stored_at,
        authority_ifi,
        [r.version for r in fresh],
        [r.is_voiding for r in fresh],
    )
    seq_by_id = {str(r["id"]): r["seq"] for r in result}
    raced = [r for r in fresh if r.id not in seq_by_id]
    if raced:
        still_fresh, _ = await _fresh(conn, store_id, raced)
        if still_fresh:
            raise Conflict(f"statement {still_fresh[0].id} could not be stored", path="$.id")
        fresh = [r for r in fresh if r.id in seq_by_id]
    agents: tuple[list[str], list[int], list[str]] = ([], [], [])
    activities: tuple[list[str], list[int], list[str]] = ([], [], [])
    targets: list[uuid.UUID] = []
    for row in fresh:
        seq = seq_by_id[row.id]
        for ifi, usage in row.agents:
            agents[0].append(ifi)
            agents[1].append(seq)
            agents[2].append(usage)
        for activity, usage in row.activities:
            activities[0].append(activity)
            activities[1].append(seq)
            activities[2].append(usage)
        if row.is_voiding and row.object_statement_id is not None:
            targets.append(uuid.UUID(row.object_statement_id))
    if agents[0]:
        await conn.execute(q("statements", "insert_statement_agents"), store_id, *agents)
    if activities[0]:
        await conn.execute(q("statements", "insert_statement_activities"), store_id, *activities)
    if targets:
        await conn.execute(q("statements", "apply_voiding"), store_id, targets)
    return fresh


async def _define_activities(conn: asyncpg.Connection, store_id: int, fresh: list[PreparedStatement]) -> None:
    """Merge the batch's activity definitions into the canonical ones (as the API does for the `define` scope);
    rows are locked, in id order, only when a definition changes. Repeated definitions are merged once."""
    incoming: dict[str, dict[bytes, dict[str, Any]]] = {}
    for row in fresh:
        for activity_id, definition in row.definitions:
            seen = incoming.setdefault(activity_id, {})
            key = _encode(definition)
            seen.pop(key, None)  # keep the order of last appearance: merging A, B, A equals merging B, A
            seen[key] = definition
    if not incoming:
        return
    ids = sorted(incoming)
    current = {
        r["activity_id"]: _decode(r["definition"])
        for r in await conn.fetch(q("statements", "activity_definitions"), store_id, ids)
    }
    changed = [a for a in ids if _merged(current.get(a), incoming[a].values()) != current.get(a)]
    if not changed:
        return
    locked = {
        r["activity_id"]: _decode(r["definition"])
        for r in await conn.fetch(q("statements", "lock_activity_definitions"), store_id, changed)
    }
    merged = [(a, _merged(locked.get(a), incoming[a].values())) for a in changed]
    await conn.execute(
        q("statements", "upsert_activity_definitions"),
        store_id,
        [a for a, _ in merged],
        [_encode(d).decode() for _, d in merged],
    )


def _merged(existing: dict[str, Any] | None, definitions: Any) -> dict[str, Any] | None:
    result = existing
    for definition in definitions:
        result = merge_activity_definition(result, definition)
    return result
