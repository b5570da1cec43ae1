"""Storing and reading statements. One call = one transaction's worth of work; no HTTP here.

Writing a batch takes few round trips, because each costs more than the rows it carries: `begin_batch` gives
the transaction's time as `stored`, the Consistent-Through bound, reserved seqs, the ids already stored (an
equivalent statement is a no-op, a different one a conflict) and the ids earlier voiding statements target;
then one `insert_batch` writes the statements with their agent/activity rows and voiding, and returns the
canonical definitions of the batch's activities. Definitions are merged (locking rows in id order) only when one
changes, and attachment data is stored by SHA-2.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import msgspec

from lrs.errors import Conflict, Unauthorized
from lrs.store.db import Retry
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
    """What a write did: the ids in request order, how many were new (the rest were equivalent repeats), and the
    Consistent-Through bound to answer with once it has committed."""

    ids: list[str]
    inserted: int
    consistent_through: datetime


@dataclass(frozen=True, slots=True)
class StatementRow:
    seq: int
    payload: str
    stored: datetime


@dataclass(frozen=True, slots=True)
class StatementPage:
    """The statements of a GET, and the Consistent-Through bound taken with them."""

    rows: list[StatementRow]
    consistent_through: datetime


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
    reused id with a different statement, and `Retry` when another transaction stored one of its ids meanwhile
    (run in `in_transaction`, the batch is then tried again and finds that statement). `put_id` is the id a PUT
    names for its one statement."""
    given = [s.id for s in statements if isinstance(s.id, str)]
    if put_id is not None:
        given.append(str(put_id))
    start = await conn.fetchrow(q("statements", "begin_batch"), store_id, given, len(statements))
    if not start["store_exists"]:
        raise Unauthorized("the store of this credential no longer exists")
    stored_at: datetime = start["stored"]
    existing = dict(zip(start["existing_ids"] or (), start["existing_payloads"] or (), strict=True))
    new_ids = _new_ids(0 if put_id is not None else sum(1 for s in statements if not isinstance(s.id, str)))
    prepared = [
        prepare_for_storage(
            s,
            authority=authority,
            stored=stored_at,
            version=version,
            new_id=put_id or (_UNUSED_ID if isinstance(s.id, str) else next(new_ids)),
        )
        for s in statements
    ]
    ids = [p["id"] for p in prepared]
    fresh: list[tuple[dict[str, Any], StatementIndex]] = []
    for payload in prepared:
        previous = existing.get(payload["id"].lower())
        if previous is None:
            fresh.append((payload, index_entries(payload)))
        elif not _same(_decode(previous), payload):
            raise Conflict(f"statement {payload['id']} exists already with different content", path="$.id")

    if fresh:
        definitions = _incoming_definitions(fresh) if may_define else {}
        current = await _insert(conn, store_id, fresh, start, agent_ifi(authority), sorted(definitions))
        if definitions:
            await define_activities(conn, store_id, definitions, current)
        if attachments:
            await _store_attachments(conn, store_id, fresh, attachments)
    return StoredBatch(ids=ids, inserted=len(fresh), consistent_through=start["consistent_through"])


_UNUSED_ID = uuid.UUID(int=0)
"""Passed for a statement that has its own id (prepare_for_storage uses `new_id` only when there is none)."""


def _new_ids(count: int) -> Iterator[uuid.UUID]:
    """`count` random (version 4) UUIDs from one read of the system's random source."""
    random = os.urandom(16 * count)
    return (uuid.UUID(bytes=random[i : i + 16], version=4) for i in range(0, 16 * count, 16))


def _same(previous: dict[str, Any], payload: dict[str, Any]) -> bool:
    """Statement comparison (Data 2.3.1): a timestamp the LRS filled in (equal to this write's `stored`)
    is not part of what was sent."""
    if payload.get("timestamp") == payload.get("stored") and "timestamp" in previous:
        payload = {**payload, "timestamp": previous["timestamp"]}
    return statements_equivalent(previous, payload)


async def _insert(
    conn: asyncpg.Connection,
    store_id: int,
    fresh: list[tuple[dict[str, Any], StatementIndex]],
    start: asyncpg.Record,
    authority_ifi: str | None,
    defined: list[str],
) -> dict[str, dict[str, Any]]:
    """Insert the fresh statements, their relation rows and their voiding in one statement; returns the current
    canonical definitions of the `defined` activities."""
    voided_before = set(start["voided_ids"])
    targets = [ix.object_statement_id for _, ix in fresh if ix.is_voiding and ix.object_statement_id is not None]
    voided_now = voided_before | {str(t) for t in targets}
    statement_columns: list[list[Any]] = [[] for _ in range(14)]
    agent_rows: tuple[list[str], list[int], list[str]] = ([], [], [])
    activity_rows: tuple[list[str], list[int], list[str]] = ([], [], [])
    for seq, (payload, ix) in zip(start["seqs"], fresh, strict=False):
        for column, value in zip(
            statement_columns,
            (
                seq,
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
                not ix.is_voiding and payload["id"].lower() in voided_now,
            ),
            strict=True,
        ):
            column.append(value)
        for ifi, usage in ix.agents:
            agent_rows[0].append(ifi)
            agent_rows[1].append(seq)
            agent_rows[2].append(usage)
        for activity_id, usage in ix.activities:
            activity_rows[0].append(activity_id)
            activity_rows[1].append(seq)
            activity_rows[2].append(usage)
    *per_statement, versions, voiding, voided = statement_columns
    try:
        rows = await conn.fetch(
            q("statements", "insert_batch"),
            store_id,
            *per_statement,
            start["stored"],
            authority_ifi,
            versions,
            voiding,
            voided,
            *agent_rows,
            *activity_rows,
            targets,
            defined,
        )
    except asyncpg.UniqueViolationError as exc:
        if exc.constraint_name == "statements_pkey":
            raise Retry("another transaction stored one of these statement ids") from exc
        raise
    return {r["activity_id"]: _decode(r["definition"]) for r in rows}


def _incoming_definitions(fresh: list[tuple[dict[str, Any], StatementIndex]]) -> dict[str, list[dict[str, Any]]]:
    """The activity definitions of a batch by activity id, in statement order. A definition equal to the one
    before it for the same activity is left out: merging it again cannot change the result."""
    incoming: dict[str, list[dict[str, Any]]] = {}
    for _, ix in fresh:
        for activity_id, definition in ix.activity_definitions:
            seen = incoming.setdefault(activity_id, [])
            if not seen or seen[-1] != definition:
                seen.append(definition)
    return incoming


async def define_activities(
    conn: asyncpg.Connection,
    store_id: int,
    incoming: Mapping[str, Sequence[dict[str, Any]]],
    current: Mapping[str, dict[str, Any]] | None = None,
) -> None:
    """Merge new definitions (in order, per activity) into the canonical ones; `current` is what the caller already
    read (else it is read here). Rows are locked (in id order, created when new) only when one changes, so
    concurrent first definitions of an activity merge rather than overwrite each other. Used by the API's write
    path and by `lrs import`."""
    ids = sorted(incoming)
    if current is None:
        current = await activity_definitions(conn, store_id, ids)
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


def _merged(existing: dict[str, Any] | None, definitions: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
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
    filters = (
        q("statements", "filter_predicate")
        .replace("/*agent*/", q("statements", "no_agent_filter" if query.agent is None else "agent_filter"))
        .replace("/*activity*/", q("statements", "no_activity_filter" if query.activity is None else "activity_filter"))
    )
    return (
        q("statements", block)
        .replace("/*filters*/", filters)
        .replace("/*store_has_references*/", q("statements", "store_has_references").rstrip(";"))
        .replace("/*consistent_through*/", q("statements", "consistent_through").rstrip(";"))
        .replace("/*after*/", ">" if query.ascending else "<")
        .replace("/*direction*/", "ASC" if query.ascending else "DESC")
    )


async def query_statements(conn: asyncpg.Connection, store_id: int, query: StatementQuery) -> list[StatementRow]:
    """Up to `query.limit` statements matching the filters, in seq order (newest first unless ascending);
    statements that reference a match (recursively) match too."""
    return (await query_page(conn, store_id, query)).rows


async def query_page(conn: asyncpg.Connection, store_id: int, query: StatementQuery) -> StatementPage:
    """`query_statements` with the Consistent-Through bound; one round trip unless the store has StatementRefs
    (or nothing matches)."""
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
    direct = "direct_matches_by_activity" if query.activity is not None and query.agent is None else "direct_matches"
    rows = await conn.fetch(_compose(direct, query), *args)
    found = {r["seq"]: StatementRow(r["seq"], r["payload"], r["stored"]) for r in rows}
    if rows:
        has_references: bool = rows[0]["store_has_references"]
        bound: datetime = rows[0]["consistent_through"]
    else:
        has_references = query.has_content_filter and await conn.fetchval(
            q("statements", "store_has_references"), store_id
        )
        bound = await consistent_through(conn)
    if query.has_content_filter and has_references:
        for r in await conn.fetch(_compose("referring_matches", query), *args):
            found.setdefault(r["seq"], StatementRow(r["seq"], r["payload"], r["stored"]))
    ordered = sorted(found.values(), key=lambda row: row.seq, reverse=not query.ascending)
    return StatementPage(ordered[: query.limit], bound)


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
