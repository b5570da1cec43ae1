"""Deleting statements by id or by stored-time range, and the retention limit that does it on a schedule.

A deletion removes the selected statements (voided ones included) with their relation rows, the analytics
events derived from them and the attachments no remaining statement references. It runs in batches of
`BATCH` statements, one transaction each, so a large range never holds locks for long. Deleting a voiding
statement leaves its target voided (voiding cannot be undone).

A dry run counts the same rows without deleting anything, from one snapshot; with no writes in between, the
real run reports the same numbers (the tests hold the two to that).

Retention (`retention_days` in the store's settings) deletes the statements stored before the cut-off and the
analytics rows older than it: events by their time, labels by when they were decided, insights by their as-of
time (with the feedback on them), interventions, alerts and feedback by creation, jobs by when they finished.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime, timedelta

import asyncpg
import msgspec

from lrs.errors import ValidationError
from lrs.governance import _tx
from lrs.governance.audit import Action, record
from lrs.governance.policy import from_store_settings
from lrs.store import governance as store
from lrs.store.governance import Selection, StatementCounts

BATCH = 1000
MAX_IDS = 10_000


class DeletionReport(msgspec.Struct, kw_only=True):
    dry_run: bool
    statements: int
    voided: int
    """How many of the statements were voided ones."""
    statement_agents: int
    statement_activities: int
    analytics_events: int
    attachments: int

    @classmethod
    def of(cls, counts: StatementCounts, *, dry_run: bool) -> DeletionReport:
        return cls(dry_run=dry_run, **asdict(counts))


class RetentionReport(msgspec.Struct, kw_only=True):
    dry_run: bool
    retention_days: int
    stored_before: datetime
    statements: DeletionReport
    analytics: dict[str, int]


def selection(
    ids: Sequence[str] | None = None, stored_after: datetime | None = None, stored_before: datetime | None = None
) -> Selection:
    """A validated selection: ids (UUIDs, at most MAX_IDS), a stored-time range, or both (intersected)."""
    if ids is None and stored_after is None and stored_before is None:
        raise ValidationError("name statement ids or a stored-time range (stored_after / stored_before)")
    for name, moment in (("stored_after", stored_after), ("stored_before", stored_before)):
        if moment is not None and moment.tzinfo is None:
            raise ValidationError("give the time with a UTC offset (2026-01-01T00:00:00Z)", path=name)
    if stored_after is not None and stored_before is not None and stored_after >= stored_before:
        raise ValidationError("stored_after must be earlier than stored_before", path="stored_after")
    parsed: tuple[uuid.UUID, ...] | None = None
    if ids is not None:
        if not ids or len(ids) > MAX_IDS:
            raise ValidationError(f"give between 1 and {MAX_IDS} statement ids", path="ids")
        try:
            parsed = tuple(uuid.UUID(i) for i in ids)
        except ValueError:
            raise ValidationError("statement ids must be UUIDs", path="ids") from None
    return Selection(parsed, stored_after, stored_before)


def describe(chosen: Selection) -> dict[str, object]:
    """The selection as the audit log records it (ids and times: no personal data)."""
    target: dict[str, object] = {}
    if chosen.ids is not None:
        target["statement_ids"] = [str(i) for i in chosen.ids]
    if chosen.stored_after is not None:
        target["stored_after"] = chosen.stored_after.isoformat()
    if chosen.stored_before is not None:
        target["stored_before"] = chosen.stored_before.isoformat()
    return target


async def delete_statements(
    conn: asyncpg.Connection,
    store_id: int,
    chosen: Selection,
    *,
    actor: str,
    dry_run: bool = False,
    batch: int = BATCH,
) -> DeletionReport:
    """Delete (or, as a dry run, count) the selected statements and what derives from them; audited."""
    counts = await _counted(conn, store_id, chosen) if dry_run else await _deleted(conn, store_id, chosen, batch)
    report = DeletionReport.of(counts, dry_run=dry_run)
    if not dry_run:
        details = msgspec.to_builtins(report)
        await _tx.run(conn, lambda c: record(c, store_id, actor, Action.STATEMENTS_DELETE, describe(chosen), details))
    return report


async def _counted(conn: asyncpg.Connection, store_id: int, chosen: Selection) -> StatementCounts:
    return await _tx.run(conn, lambda c: store.count_selection(c, store_id, chosen), isolation="repeatable_read")


async def _deleted(conn: asyncpg.Connection, store_id: int, chosen: Selection, batch: int) -> StatementCounts:
    total = StatementCounts()

    async def one_batch(conn: asyncpg.Connection) -> tuple[int, StatementCounts]:
        seqs = await store.next_selected(conn, store_id, chosen, batch)
        return len(seqs), await store.delete_statements(conn, store_id, seqs)

    while True:
        selected, counts = await _tx.run(conn, one_batch)  # counted once committed (a retried batch counts once)
        total.add(counts)
        if selected < batch:
            return total


async def apply_retention(
    conn: asyncpg.Connection,
    store_id: int,
    *,
    now: datetime,
    actor: str,
    dry_run: bool = False,
    batch: int = BATCH,
) -> RetentionReport | None:
    """Apply the store's retention limit as of `now`; None when the store has none."""
    settings = from_store_settings(await store.store_settings(conn, store_id))
    if settings.retention_days is None:
        return None
    cutoff = now - timedelta(days=settings.retention_days)
    chosen = Selection(stored_before=cutoff)
    if dry_run:
        counts = await _counted(conn, store_id, chosen)
        analytics = await _tx.run(conn, lambda c: store.expired_analytics(c, store_id, cutoff, delete=False))
    else:
        counts = await _deleted(conn, store_id, chosen, batch)
        analytics = await _tx.run(conn, lambda c: store.expired_analytics(c, store_id, cutoff, delete=True))
    report = RetentionReport(
        dry_run=dry_run,
        retention_days=settings.retention_days,
        stored_before=cutoff,
        statements=DeletionReport.of(counts, dry_run=dry_run),
        analytics=analytics,
    )
    if not dry_run:
        details = msgspec.to_builtins(report)
        target = {"stored_before": cutoff.isoformat()}
        await _tx.run(conn, lambda c: record(c, store_id, actor, Action.RETENTION_RUN, target, details))
    return report
