"""Storing and reading statements. One call = one transaction's worth of work; no HTTP here.

Writing a batch: take the transaction's time as `stored`, prepare every statement, check ids already stored
(an equivalent statement is a no-op, a different one a conflict), insert statements and their agent/activity
rows with one multi-row statement each, apply voiding, update canonical activity definitions (only when
they change, locking in id order) and store attachment data by SHA-2.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import msgspec

from lrs.errors import Conflict
from lrs.store.sql import q
from lrs.xapi import Statement as XapiStatement
from lrs.xapi import (
    StatementIndex,
    agent_ifi,
    index_entries,
    merge_activity_definition,
    prepare_for_storage,
    statements_equivalent,
)

_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.decode


@dataclass(frozen=True, slots=True)
class AttachmentData:
    content_type: str
    content: bytes


@dataclass(frozen=True, slots=True)
class StoredBatch:
    """What a write did: the ids in request order, and how many were new (the rest were equivalent repeats)."""

    ids: list[str]
    inserted: int


@dataclass(frozen=True, slots=True)
class StatementRow:
    seq: int
    payload: str
    stored: datetime


@dataclass(slots=True)
class StatementQuery:
    """The GET /statements filters, already validated. `after` is the keyset cursor (a seq)."""

    agent: str | None = None
    agent_usages: Sequence[str] | None = None
    """Where the agent must appear; None: anywhere (related_agents)."""
    verb: str | None = None
    activity: str | None = None
    activity_usages: Sequence[str] | None = None
    """Where the activity must appear; None: anywhere (related_activities)."""
    registration: uuid.UUID | None = None
    since: datetime | None = None
    until: datetime | None = None
    authority: str | None = None
    after: int | None = None
    ascending: bool = False
    limit: int = 100

    @property
    def has_content_filter(self) -> bool:
        """Filters the StatementRef rule applies to (all but time, paging and visibility)."""
        return any(v is not None for v in (self.agent, self.verb, self.activity, self.registration))


async def store_statements(
    conn: asyncpg.Connection,
    *,
    store_id: int,
    statements: Sequence[XapiStatement],
    version: str,
    authority: dict[str, Any],
    may_define: bool,
    attachments: Mapping[str, AttachmentData] | None = None,
    put_id: uuid.UUID | None = None,
) -> StoredBatch:
    """Store a validated batch inside the caller's transaction; raises Conflict (nothing is written) on a
    reused id with a different statement. `put_id` is the id a PUT names for its one statement."""
    stored_at: datetime = await conn.fetchval(q("statements", "transaction_time"))
    prepared = [
        prepare_for_storage(s, authority=authority, stored=stored_at, version=version, new_id=put_id or uuid.uuid4())
        for s in statements
    ]
    ids = [p["id"] for p in prepared]
    existing = await _existing(conn, store_id, ids)
    fresh: list[tuple[dict[str, Any], StatementIndex]] = []
    for payload in prepared:
        previous = existing.get(payload["id"].lower())
        if previous is None:
            fresh.append((payload, index_entries(payload)))
        elif not _same(previous, payload):
            raise Conflict(f"statement {payload['id']} exists already with different content", path="$.id")

    if fresh:
        await _insert(conn, store_id, fresh, stored_at, agent_ifi(authority))
        if may_define:
            await _define_activities(conn, store_id, fresh)
        if attachments:
            await _store_attachments(conn, store_id, fresh, attachments)
    return StoredBatch(ids=ids, inserted=len(fresh))


def _same(previous: dict[str, Any], payload: dict[str, Any]) -> bool:
    """Statement comparison (Data 2.3.1): a timestamp the LRS filled in (equal to this write's `stored`)
    is not part of what was sent."""
    if payload.get("timestamp") == payload.get("stored") and "timestamp" in previous:
        payload = {**payload, "timestamp": previous["timestamp"]}
    return statements_equivalent(previous, payload)


async def _existing(conn: asyncpg.Connection, store_id: int, ids: list[str]) -> dict[str, dict[str, Any]]:
    rows = await conn.fetch(q("statements", "existing_by_ids"), store_id, ids)
    return {str(r["id"]): _decode(r["payload"]) for r in rows}


async def _insert(
    conn: asyncpg.Connection,
    store_id: int,
    fresh: list[tuple[dict[str, Any], StatementIndex]],
    stored_at: datetime,
    authority_ifi: str | None,
) -> None:
    columns: list[list[Any]] = [[] for _ in range(12)]
    for payload, ix in fresh:
        for column, value in zip(
            columns,
            (
                ix.statement_id,
                _encode(payload).decode(),
                ix.verb_id,
                ix.actor_ifi,
                ix.object_type,
                ix.object_activity_id,
                ix.object_agent_ifi,
                ix.object_statement_id,
                ix.registration,
                ix.timestamp,
                payload.get("version", "1.0.0"),
                ix.is_voiding,
            ),
            strict=True,
        ):
            column.append(value)
    (ids, texts, verbs, actors, kinds, activities, agents, targets, registrations, stamps, versions, voiding) = columns
    rows = await conn.fetch(
        q("statements", "insert_statements"),
        store_id,
        ids,
        texts,
        verbs,
        actors,
        kinds,
        activities,
        agents,
        targets,
        registrations,
        stamps,
        stored_at,
        authority_ifi,
        versions,
        voiding,
    )
    seq_by_id = {str(r["id"]): r["seq"] for r in rows}
    if len(seq_by_id) != len(fresh):
        await _raced(conn, store_id, [(p, ix) for p, ix in fresh if str(ix.statement_id) not in seq_by_id])
        fresh = [(p, ix) for p, ix in fresh if str(ix.statement_id) in seq_by_id]

    agent_rows: tuple[list[str], list[int], list[str]] = ([], [], [])
    activity_rows: tuple[list[str], list[int], list[str]] = ([], [], [])
    targets_to_void: list[uuid.UUID] = []
    for _, ix in fresh:
        seq = seq_by_id[str(ix.statement_id)]
        for ifi, usage in ix.agents:
            agent_rows[0].append(ifi)
            agent_rows[1].append(seq)
            agent_rows[2].append(usage)
        for activity_id, usage in ix.activities:
            activity_rows[0].append(activity_id)
            activity_rows[1].append(seq)
            activity_rows[2].append(usage)
        if ix.is_voiding and ix.object_statement_id is not None:
            targets_to_void.append(ix.object_statement_id)
    if agent_rows[0]:
        await conn.execute(q("statements", "insert_statement_agents"), store_id, *agent_rows)
    if activity_rows[0]:
        await conn.execute(q("statements", "insert_statement_activities"), store_id, *activity_rows)
    if targets_to_void:
        await conn.execute(q("statements", "apply_voiding"), store_id, targets_to_void)


async def _raced(conn: asyncpg.Connection, store_id: int, missing: list[tuple[dict[str, Any], StatementIndex]]) -> None:
    """Ids another transaction stored while this one ran: equivalent is fine, different is a conflict."""
    existing = await _existing(conn, store_id, [p["id"] for p, _ in missing])
    for payload, _ in missing:
        previous = existing.get(payload["id"].lower())
        if previous is None or not _same(previous, payload):
            raise Conflict(f"statement {payload['id']} exists already with different content", path="$.id")


async def _define_activities(
    conn: asyncpg.Connection, store_id: int, fresh: list[tuple[dict[str, Any], StatementIndex]]
) -> None:
    """Merge new definitions into the canonical ones; rows are locked (in id order, created when new) only when
    one changes, so concurrent first definitions of an activity merge rather than overwrite each other."""
    incoming: dict[str, list[dict[str, Any]]] = {}
    for _, ix in fresh:
        for activity_id, definition in ix.activity_definitions:
            incoming.setdefault(activity_id, []).append(definition)
    if not incoming:
        return
    ids = sorted(incoming)
    current = {
        r["activity_id"]: _decode(r["definition"])
        for r in await conn.fetch(q("statements", "activity_definitions"), store_id, ids)
    }
    changed = [a for a in ids if _merged(current.get(a), incoming[a]) != current.get(a)]
    if not changed:
        return
    locked = {
        r["activity_id"]: _decode(r["definition"])
        for r in await conn.fetch(q("statements", "lock_activity_definitions"), store_id, changed)
    }
    merged = [(a, _merged(locked.get(a), incoming[a])) for a in changed]
    await conn.execute(
        q("statements", "upsert_activity_definitions"),
        store_id,
        [a for a, _ in merged],
        [_encode(d).decode() for _, d in merged],
    )


def _merged(existing: dict[str, Any] | None, definitions: list[dict[str, Any]]) -> dict[str, Any] | None:
    result = existing
    for definition in definitions:
        result = merge_activity_definition(result, definition)
    return result


async def _store_attachments(
    conn: asyncpg.Connection,
    store_id: int,
    fresh: list[tuple[dict[str, Any], StatementIndex]],
    attachments: Mapping[str, AttachmentData],
) -> None:
    wanted = sorted({sha for _, ix in fresh for sha in ix.attachment_sha2 if sha in attachments})
    if not wanted:
        return
    await conn.execute(
        q("statements", "insert_attachments"),
        store_id,
        wanted,
        [attachments[s].content_type for s in wanted],
        [attachments[s].content for s in wanted],
    )


# -- reading -----------------------------------------------------------------------------------------------


async def get_statement(
    conn: asyncpg.Connection, store_id: int, statement_id: uuid.UUID, *, voided: bool, authority: str | None
) -> StatementRow | None:
    row = await conn.fetchrow(q("statements", "get_statement"), store_id, statement_id, voided, authority)
    return StatementRow(row["seq"], row["payload"], row["stored"]) if row is not None else None


def _compose(block: str, query: StatementQuery) -> str:
    return (
        q("statements", block)
        .replace("/*filters*/", q("statements", "filter_predicate"))
        .replace("/*after*/", ">" if query.ascending else "<")
        .replace("/*direction*/", "ASC" if query.ascending else "DESC")
    )


async def query_statements(conn: asyncpg.Connection, store_id: int, query: StatementQuery) -> list[StatementRow]:
    """Up to `query.limit` statements matching the filters, in seq order (newest first unless ascending);
    statements that reference a match (recursively) match too."""
    args = (
        store_id,
        query.agent,
        None if query.agent_usages is None else list(query.agent_usages),
        query.verb,
        query.activity,
        None if query.activity_usages is None else list(query.activity_usages),
        query.registration,
        query.since,
        query.until,
        query.authority,
        query.after,
        query.limit,
    )
    rows = await conn.fetch(_compose("direct_matches", query), *args)
    found = {r["seq"]: StatementRow(r["seq"], r["payload"], r["stored"]) for r in rows}
    if query.has_content_filter and await conn.fetchval(q("statements", "store_has_references"), store_id):
        for r in await conn.fetch(_compose("referring_matches", query), *args):
            found.setdefault(r["seq"], StatementRow(r["seq"], r["payload"], r["stored"]))
    ordered = sorted(found.values(), key=lambda row: row.seq, reverse=not query.ascending)
    return ordered[: query.limit]


async def activity_definitions(
    conn: asyncpg.Connection, store_id: int, activity_ids: Sequence[str]
) -> dict[str, dict[str, Any]]:
    rows = await conn.fetch(q("statements", "activity_definitions"), store_id, list(activity_ids))
    return {r["activity_id"]: _decode(r["definition"]) for r in rows}


async def attachment_data(conn: asyncpg.Connection, store_id: int, sha2: Sequence[str]) -> dict[str, AttachmentData]:
    rows = await conn.fetch(q("statements", "attachments_by_sha2"), store_id, list(sha2))
    return {r["sha2"]: AttachmentData(r["content_type"], bytes(r["content"])) for r in rows}


async def consistent_through(conn: asyncpg.Connection) -> datetime:
    value: datetime = await conn.fetchval(q("statements", "consistent_through"))
    return value
