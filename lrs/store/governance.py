"""Storage for learner data rights and governance: the reads and writes behind export, erasure, deletion,
retention, opt-out and the audit log. No HTTP and no policy here (that is `lrs.governance`).

Tables keyed by `(store_id, learner)` are found in the catalog at run time, so analytics tables added later are
exported and erased without changes here; their names are quoted as identifiers before use.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import msgspec

from lrs.store.sql import q
from lrs.xapi import agent_ifi, index_entries

PAGE = 500
FILE = "governance"
_TEXT_TYPES = frozenset({"text", "jsonb"})


def _sql(name: str, **parts: str) -> str:
    text = q(FILE, name)
    for marker, value in parts.items():
        text = text.replace(f"/*{marker}*/", value)
    return text


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _json(value: Any) -> str:
    return msgspec.json.encode(value).decode()


# -- store settings and the pseudonym key ----------------------------------------------------------------


async def lock_store_feed(conn: asyncpg.Connection, store_id: int) -> None:
    """Serialise this transaction with the analytics feed's batches of the store (see the SQL block)."""
    await conn.fetch(q(FILE, "lock_store_feed"), store_id)


async def store_settings(conn: asyncpg.Connection, store_id: int) -> dict[str, Any]:
    text = await conn.fetchval(q(FILE, "store_settings"), store_id)
    return msgspec.json.decode(text) if text is not None else {}


async def merge_store_settings(
    conn: asyncpg.Connection, store_id: int, values: dict[str, Any], remove: Sequence[str] = ()
) -> dict[str, Any]:
    """Set `values` and drop the keys `remove` in the store's settings, leaving its other keys alone."""
    text = await conn.fetchval(q(FILE, "merge_store_settings"), store_id, _json(values), list(remove))
    settings: dict[str, Any] = msgspec.json.decode(text)
    return settings


async def stores_with_retention(conn: asyncpg.Connection) -> list[tuple[int, str, int]]:
    """(store id, name, retention days) of every store with a retention limit."""
    return [(r["id"], r["name"], r["days"]) for r in await conn.fetch(q(FILE, "stores_with_retention"))]


async def pseudonym_key(conn: asyncpg.Connection, store_id: int, new_key: Callable[[], bytes]) -> bytes:
    """The store's pseudonym secret, created with `new_key()` on first use (concurrent first uses agree)."""
    await conn.execute(q(FILE, "ensure_pseudonym_key"), store_id, new_key())
    key = await conn.fetchval(q(FILE, "pseudonym_key"), store_id)
    assert key is not None  # inserted above, or by a transaction the insert waited for
    return bytes(key)


# -- statements of a learner ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LearnerStatement:
    seq: int
    id: uuid.UUID
    payload: str
    voided: bool
    usages: frozenset[str]


async def learner_statements(
    conn: asyncpg.Connection, store_id: int, keys: Sequence[str], *, page: int = PAGE
) -> AsyncIterator[list[LearnerStatement]]:
    """Pages of the statements in which any of `keys` appears (any usage, voided included), in seq order."""
    after = 0
    while True:
        rows = await conn.fetch(q(FILE, "learner_statements"), store_id, list(keys), after, page)
        if not rows:
            return
        yield [LearnerStatement(r["seq"], r["id"], r["payload"], r["voided"], frozenset(r["usages"])) for r in rows]
        if len(rows) < page:
            return
        after = rows[-1]["seq"]


@dataclass
class StatementCounts:
    """Rows a statement deletion removed (or would remove)."""

    statements: int = 0
    voided: int = 0
    statement_agents: int = 0
    statement_activities: int = 0
    analytics_events: int = 0
    attachments: int = 0

    def add(self, other: StatementCounts) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


async def delete_statements(conn: asyncpg.Connection, store_id: int, seqs: Sequence[int]) -> StatementCounts:
    """Delete statements by seq with their relation rows, derived events and newly unreferenced attachments.

    Deleting a voiding statement leaves its target voided: voiding cannot be undone (Data 2.3.2), and an
    erasure or retention run must never bring back a statement someone withdrew.
    """
    if not seqs:
        return StatementCounts()
    row = await conn.fetchrow(q(FILE, "delete_statements"), store_id, list(seqs))
    counts = StatementCounts(
        statements=row["statements"],
        voided=row["voided"],
        statement_agents=row["statement_agents"],
        statement_activities=row["statement_activities"],
        analytics_events=row["analytics_events"],
    )
    counts.attachments = await delete_orphan_attachments(conn, store_id, row["sha2"])
    return counts


async def delete_orphan_attachments(conn: asyncpg.Connection, store_id: int, sha2: Sequence[str]) -> int:
    """Delete those of the attachments `sha2` that no statement of the store references any more."""
    if not sha2:
        return 0
    return len(await conn.fetch(q(FILE, "delete_orphan_attachments"), store_id, list(sha2)))


async def rewrite_statements(
    conn: asyncpg.Connection, store_id: int, rewrites: Sequence[tuple[int, dict[str, Any]]]
) -> None:
    """Store new payloads for statements (by seq), with extracted columns and relation rows to match."""
    if not rewrites:
        return
    seqs = [seq for seq, _ in rewrites]
    indexes = [index_entries(payload) for _, payload in rewrites]
    await conn.execute(
        q(FILE, "rewrite_statements"),
        store_id,
        seqs,
        [_json(payload) for _, payload in rewrites],
        [ix.actor_ifi for ix in indexes],
        [ix.object_agent_ifi for ix in indexes],
        [_authority_ifi(payload) for _, payload in rewrites],
    )
    await conn.execute(q(FILE, "delete_relation_rows"), store_id, seqs)
    agents = [(ifi, seq, usage) for seq, ix in zip(seqs, indexes, strict=True) for ifi, usage in ix.agents]
    activities = [(aid, seq, usage) for seq, ix in zip(seqs, indexes, strict=True) for aid, usage in ix.activities]
    await conn.execute(q(FILE, "insert_statement_agents"), store_id, *_columns(agents, 3))
    await conn.execute(q(FILE, "insert_statement_activities"), store_id, *_columns(activities, 3))


def _authority_ifi(payload: dict[str, Any]) -> str | None:
    """The authority's IFI key, as the statements table keeps it for `statements/read/mine`."""
    authority = payload.get("authority")
    return agent_ifi(authority) if isinstance(authority, dict) else None


def _columns(rows: list[tuple[Any, ...]], width: int) -> list[list[Any]]:
    return [[row[i] for row in rows] for i in range(width)]


async def attachment_data(conn: asyncpg.Connection, store_id: int, sha2: Sequence[str]) -> list[tuple[str, str, bytes]]:
    rows = await conn.fetch(q(FILE, "attachment_data"), store_id, sorted(sha2))
    return [(r["sha2"], r["content_type"], bytes(r["content"])) for r in rows]


# -- documents and credentials ---------------------------------------------------------------------------------


async def learner_documents(conn: asyncpg.Connection, store_id: int, keys: Sequence[str]) -> list[asyncpg.Record]:
    return list(await conn.fetch(q(FILE, "learner_documents"), store_id, list(keys)))


async def delete_learner_documents(conn: asyncpg.Connection, store_id: int, keys: Sequence[str]) -> int:
    return len(await conn.fetch(q(FILE, "delete_learner_documents"), store_id, list(keys)))


async def credential_authorities(conn: asyncpg.Connection, store_id: int) -> list[tuple[int, str, dict[str, Any]]]:
    """(id, key, authority) of every credential of the store."""
    rows = await conn.fetch(q(FILE, "credentials_of_store"), store_id)
    return [(r["id"], r["key"], msgspec.json.decode(r["authority"])) for r in rows]


async def set_credential_authorities(
    conn: asyncpg.Connection, store_id: int, authorities: Sequence[tuple[int, dict[str, Any]]]
) -> None:
    if authorities:
        ids, docs = _columns(list(authorities), 2)
        await conn.execute(q(FILE, "set_credential_authorities"), store_id, ids, [_json(d) for d in docs])


# -- analytics rows ---------------------------------------------------------------------------------------------


async def learner_tables(conn: asyncpg.Connection) -> list[str]:
    """Every table keyed by (store_id, learner), from the catalog."""
    return [r["name"] for r in await conn.fetch(q(FILE, "learner_tables"))]


async def analytics_text_columns(conn: asyncpg.Connection) -> list[tuple[str, str, str]]:
    """(table, column, type) of the analytics tables' text and jsonb columns other than `learner`."""
    rows = await conn.fetch(q(FILE, "analytics_text_columns"))
    return [(r["table_name"], r["column_name"], r["data_type"]) for r in rows]


async def learner_rows(
    conn: asyncpg.Connection, store_id: int, table: str, keys: Sequence[str]
) -> list[dict[str, Any]]:
    sql = _sql("learner_rows", table=quote_identifier(table))
    return [msgspec.json.decode(r["row"]) for r in await conn.fetch(sql, store_id, list(keys))]


async def delete_learner_rows(conn: asyncpg.Connection, store_id: int, table: str, keys: Sequence[str]) -> int:
    status: str = await conn.execute(_sql("delete_learner_rows", table=quote_identifier(table)), store_id, list(keys))
    return _affected(status)


async def replace_mention(
    conn: asyncpg.Connection, store_id: int, table: str, column: str, data_type: str, old: str, new: str
) -> int:
    """Replace the text `old` by `new` in one text or jsonb column (for jsonb, both as they appear in JSON)."""
    if data_type not in _TEXT_TYPES:
        raise ValueError(f"cannot replace text in a {data_type} column")
    if data_type == "jsonb":
        old, new = _json(old)[1:-1], _json(new)[1:-1]
    sql = _sql("replace_mention", table=quote_identifier(table), column=quote_identifier(column), type=data_type)
    return _affected(await conn.execute(sql, store_id, old, new))


async def learner_feedback(conn: asyncpg.Connection, store_id: int, keys: Sequence[str]) -> list[dict[str, Any]]:
    return [msgspec.json.decode(r["row"]) for r in await conn.fetch(q(FILE, "learner_feedback"), store_id, list(keys))]


async def delete_learner_feedback(conn: asyncpg.Connection, store_id: int, keys: Sequence[str]) -> int:
    return _affected(await conn.execute(q(FILE, "delete_learner_feedback"), store_id, list(keys)))


async def delete_course_summaries_of_learner(conn: asyncpg.Connection, store_id: int, keys: Sequence[str]) -> int:
    """Drop the cached summaries of the courses the learner has events in (run before deleting the events)."""
    return _affected(await conn.execute(q(FILE, "delete_course_summaries_of_learner"), store_id, list(keys)))


async def other_learners_events(
    conn: asyncpg.Connection, store_id: int, seqs: Sequence[int], keys: Sequence[str]
) -> list[tuple[str, int, str, bytes]]:
    rows = await conn.fetch(q(FILE, "other_learners_events"), store_id, list(seqs), list(keys))
    return [(r["course_id"], r["statement_seq"], r["learner"], bytes(r["event"])) for r in rows]


async def update_event_blobs(
    conn: asyncpg.Connection, store_id: int, rows: Sequence[tuple[str, int, str, bytes]]
) -> None:
    if rows:
        await conn.execute(q(FILE, "update_event_blobs"), store_id, *_columns(list(rows), 4))


def _affected(status: str) -> int:
    """The row count of a command status such as `DELETE 3` or `UPDATE 0`."""
    return int(status.rsplit(" ", 1)[-1])


# -- analytics opt-outs ---------------------------------------------------------------------------------------


async def opted_out(conn: asyncpg.Connection, store_id: int) -> tuple[bool, list[str]]:
    """(whether the whole store opted out, the learners who did)."""
    row = await conn.fetchrow(q(FILE, "opted_out_learners"), store_id)
    return bool(row["store_wide"]), list(row["learners"])


async def add_opt_out(conn: asyncpg.Connection, store_id: int, learner: str) -> bool:
    """False when the learner had opted out already."""
    return await conn.fetchval(q(FILE, "add_opt_out"), store_id, learner) is not None


async def remove_opt_out(conn: asyncpg.Connection, store_id: int, keys: Sequence[str]) -> int:
    return len(await conn.fetch(q(FILE, "remove_opt_out"), store_id, list(keys)))


# -- deletion by selection and retention -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Selection:
    """Statements to delete: by id, and/or by stored time (both bounds exclusive)."""

    ids: tuple[uuid.UUID, ...] | None = None
    stored_after: datetime | None = None
    stored_before: datetime | None = None

    def args(self) -> tuple[list[uuid.UUID] | None, datetime | None, datetime | None]:
        return (list(self.ids) if self.ids is not None else None, self.stored_after, self.stored_before)


def _with_selection(name: str) -> str:
    return _sql(name, selection=q(FILE, "selection"))


async def next_selected(conn: asyncpg.Connection, store_id: int, selection: Selection, limit: int) -> list[int]:
    rows = await conn.fetch(_with_selection("next_selected"), store_id, *selection.args(), limit)
    return [r["seq"] for r in rows]


async def count_selection(conn: asyncpg.Connection, store_id: int, selection: Selection) -> StatementCounts:
    row = await conn.fetchrow(_with_selection("count_selection"), store_id, *selection.args())
    return StatementCounts(**dict(row))


async def expired_analytics(
    conn: asyncpg.Connection, store_id: int, before: datetime, *, delete: bool
) -> dict[str, int]:
    """Analytics rows older than `before`, per table: deleted, or only counted."""
    block = "delete_expired_analytics" if delete else "count_expired_analytics"
    return dict(await conn.fetchrow(q(FILE, block), store_id, before))


# -- audit log ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    target: dict[str, Any]
    details: dict[str, Any]


async def insert_audit(
    conn: asyncpg.Connection, store_id: int, actor: str, action: str, target: dict[str, Any], details: dict[str, Any]
) -> int:
    row = await conn.fetchrow(q(FILE, "insert_audit"), store_id, actor, action, _json(target), _json(details))
    return int(row["id"])


async def audit_page(
    conn: asyncpg.Connection,
    store_id: int,
    *,
    after: int = 0,
    limit: int = PAGE,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[AuditEntry]:
    rows = await conn.fetch(q(FILE, "audit_page"), store_id, after, limit, since, until)
    return [
        AuditEntry(
            r["id"],
            r["at"],
            r["actor"],
            r["action"],
            msgspec.json.decode(r["target"]),
            msgspec.json.decode(r["details"]),
        )
        for r in rows
    ]
