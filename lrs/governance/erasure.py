"""Right to erasure: remove one learner from a store, in one transaction, everywhere the store keeps them.

- Statements in which the learner appears (found through `statement_agents`: every usage, SubStatements and
  group members included, voided statements too) are deleted or pseudonymised per the store's policy
  (`lrs.governance.policy`): by default the learner's own statements are deleted and the statements of others
  in which they take part keep everything but the learner, who becomes their pseudonym. Rewritten statements
  get extracted columns and relation rows to match; attachments that no statement references any more go.
- Documents (State, Agent Profile) keyed by the learner are deleted: their content cannot be inspected.
- Credentials whose authority is the learner get the pseudonym as authority (the statements they stored are
  rewritten the same way, so `statements/read/mine` keeps working); the report names them, so that the API can
  drop them from its credential cache at once.
- Analytics: every row of every `(store_id, learner)` table about the learner (events, labels, insights,
  interventions, alerts, opt-outs, and tables added later), the feedback on their insights, and mentions of them
  in other learners' analytics rows (an instructor's key inside an event, an alert's details) are replaced.
  A pseudonym is opted out of analytics, so nothing is ever predicted about it.
- The audit log gets one entry naming the learner only by the keyed hash of their identifier.

The transaction first takes the analytics feed's cursor locks, so a worker batch cannot derive analytics from
the statements while they are erased. A dry run performs all of it and rolls back, so it reports exactly what
the real run would do at that moment.
"""

from __future__ import annotations

from typing import Any

import asyncpg
import msgspec

from lrs.governance import _tx
from lrs.governance.audit import Action, record
from lrs.governance.identity import Learner, learner_from_agent
from lrs.governance.policy import OWN_USAGES, GovernanceSettings, Treatment, from_store_settings, treatment
from lrs.governance.pseudonym import Rewriter, learner_ref, new_key, pseudonym_agent
from lrs.store import governance as store
from lrs.store.agents import names_with_ifi


class ErasureReport(msgspec.Struct, kw_only=True):
    learner_ref: str
    """The keyed hash the audit log names the learner by (also the pseudonym's account name)."""
    dry_run: bool
    erasure: str
    erasure_shared: str
    statements_deleted: int = 0
    statements_pseudonymised: int = 0
    attachments_deleted: int = 0
    documents_deleted: int = 0
    credentials_pseudonymised: list[str] = msgspec.field(default_factory=list)
    """Keys of the credentials whose authority was the learner (now their pseudonym)."""
    analytics_rows_deleted: dict[str, int] = msgspec.field(default_factory=dict)
    analytics_rows_rewritten: int = 0


async def erase_learner(
    conn: asyncpg.Connection,
    store_id: int,
    agent: dict[str, Any],
    *,
    actor: str,
    base_url: str,
    dry_run: bool = False,
) -> ErasureReport:
    """Erase the learner `agent` identifies from the store (see the module docstring); audited unless a dry run."""
    learner = learner_from_agent(agent)
    # The key outlives a dry run, so that the dry run and the real run name the learner the same way.
    await _tx.run(conn, lambda c: store.pseudonym_key(c, store_id, new_key))

    async def work(conn: asyncpg.Connection) -> ErasureReport:
        report = await _erase(conn, store_id, learner, base_url=base_url, dry_run=dry_run)
        await record(
            conn,
            store_id,
            actor,
            Action.LEARNER_ERASE,
            {"learner_ref": report.learner_ref},
            msgspec.to_builtins(report),
        )
        return report

    return await _tx.run(conn, work, roll_back=dry_run)


async def _erase(
    conn: asyncpg.Connection, store_id: int, learner: Learner, *, base_url: str, dry_run: bool
) -> ErasureReport:
    settings = from_store_settings(await store.store_settings(conn, store_id))
    await store.lock_store_feed(conn, store_id)
    key = await store.pseudonym_key(conn, store_id, new_key)
    pseudonym = pseudonym_agent(base_url, learner_ref(key, learner.key))
    report = ErasureReport(
        learner_ref=learner_ref(key, learner.key),
        dry_run=dry_run,
        erasure=settings.erasure.value,
        erasure_shared=settings.erasure_shared.value,
    )
    summaries = await store.delete_course_summaries_of_learner(conn, store_id, learner.keys)
    statements = [s async for page in store.learner_statements(conn, store_id, learner.keys) for s in page]
    rewriter = Rewriter(learner, pseudonym, _names(learner, statements))
    await _statements(conn, store_id, statements, settings, rewriter, report)
    report.documents_deleted = await store.delete_learner_documents(conn, store_id, learner.keys)
    report.credentials_pseudonymised = await _credentials(conn, store_id, rewriter)
    await _analytics(conn, store_id, learner, rewriter, report)
    if summaries:
        report.analytics_rows_deleted["analytics_course_summaries"] = summaries
    if report.statements_pseudonymised:
        await store.add_opt_out(conn, store_id, rewriter.pseudonym_key)
    return report


def _names(learner: Learner, statements: list[store.LearnerStatement]) -> list[str]:
    """Every display name the learner was given, in the request and in their statements."""
    found: dict[str, None] = {}
    given = learner.agent.get("name")
    if isinstance(given, str):
        found[given] = None
    for statement in statements:
        payload = msgspec.json.decode(statement.payload)
        for key in learner.keys:
            names_with_ifi(payload, key, found)
    return list(found)


async def _statements(
    conn: asyncpg.Connection,
    store_id: int,
    statements: list[store.LearnerStatement],
    settings: GovernanceSettings,
    rewriter: Rewriter,
    report: ErasureReport,
) -> None:
    deletes: list[int] = []
    rewrites: list[tuple[int, dict[str, Any]]] = []
    dropped: set[str] = set()
    for statement in statements:
        if treatment(statement.usages, settings) is Treatment.DELETE:
            deletes.append(statement.seq)
            continue
        own = not OWN_USAGES.isdisjoint(statement.usages)
        rewrite = rewriter.statement(msgspec.json.decode(statement.payload), own=own)
        rewrites.append((statement.seq, rewrite.payload))
        dropped |= rewrite.dropped_sha2
    deleted = await store.delete_statements(conn, store_id, deletes)
    await store.rewrite_statements(conn, store_id, rewrites)
    report.statements_deleted = deleted.statements
    report.analytics_rows_deleted["analytics_events"] = deleted.analytics_events
    report.statements_pseudonymised = len(rewrites)
    report.attachments_deleted = deleted.attachments + await store.delete_orphan_attachments(
        conn, store_id, sorted(dropped)
    )
    rewritten_seqs = [seq for seq, _ in rewrites]
    events = await store.other_learners_events(conn, store_id, rewritten_seqs, rewriter.learner.keys)
    changed = [(c, s, who, blob) for c, s, who, blob in _rewrite_event_blobs(events, rewriter)]
    await store.update_event_blobs(conn, store_id, changed)
    report.analytics_rows_rewritten += len(changed)


def _rewrite_event_blobs(
    events: list[tuple[str, int, str, bytes]], rewriter: Rewriter
) -> list[tuple[str, int, str, bytes]]:
    """Other learners' events whose msgpack data holds one of the learner's IFI keys, with the pseudonym's key."""
    keys = set(rewriter.learner.keys)
    changed = []
    for course, seq, who, blob in events:
        value = msgspec.msgpack.decode(blob)
        replaced = _replace_keys(value, keys, rewriter.pseudonym_key)
        if replaced != value:
            changed.append((course, seq, who, msgspec.msgpack.encode(replaced)))
    return changed


def _replace_keys(value: Any, keys: set[str], new: str) -> Any:
    if isinstance(value, str):
        return new if value in keys else value
    if isinstance(value, list):
        return [_replace_keys(v, keys, new) for v in value]
    if isinstance(value, dict):
        return {k: _replace_keys(v, keys, new) for k, v in value.items()}
    return value


async def _credentials(conn: asyncpg.Connection, store_id: int, rewriter: Rewriter) -> list[str]:
    changed = []
    keys = []
    for credential_id, key, authority in await store.credential_authorities(conn, store_id):
        replaced = rewriter.agent(msgspec.json.decode(msgspec.json.encode(authority)))
        if replaced != authority:
            changed.append((credential_id, replaced))
            keys.append(key)
    await store.set_credential_authorities(conn, store_id, changed)
    return keys


async def _analytics(
    conn: asyncpg.Connection, store_id: int, learner: Learner, rewriter: Rewriter, report: ErasureReport
) -> None:
    deleted = dict(report.analytics_rows_deleted)
    deleted["analytics_feedback"] = await store.delete_learner_feedback(conn, store_id, learner.keys)
    for table in await store.learner_tables(conn):
        deleted[table] = deleted.get(table, 0) + await store.delete_learner_rows(conn, store_id, table, learner.keys)
    report.analytics_rows_deleted = {table: count for table, count in deleted.items() if count}
    for table, column, data_type in await store.analytics_text_columns(conn):
        for mention, replacement in rewriter.replacements.items():
            report.analytics_rows_rewritten += await store.replace_mention(
                conn, store_id, table, column, data_type, mention, replacement
            )
