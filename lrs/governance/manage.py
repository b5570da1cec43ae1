"""Administering a store's governance: its settings and the analytics opt-outs, each change audited."""

from __future__ import annotations

from typing import Any

import asyncpg
import msgspec

from lrs.errors import ValidationError
from lrs.governance import _tx
from lrs.governance.audit import Action, record
from lrs.governance.identity import learner_from_agent
from lrs.governance.opt_out import OptOuts
from lrs.governance.policy import GovernanceSettings, check, from_store_settings, to_store_settings
from lrs.governance.pseudonym import learner_ref, new_key
from lrs.store import governance as store


async def read_settings(conn: asyncpg.Connection, store_id: int) -> GovernanceSettings:
    return from_store_settings(await store.store_settings(conn, store_id))


async def update_settings(
    conn: asyncpg.Connection, store_id: int, changes: dict[str, Any], *, actor: str
) -> GovernanceSettings:
    """Apply `changes` (a subset of the settings; `retention_days: null` removes the limit); audited."""

    async def work(conn: asyncpg.Connection) -> GovernanceSettings:
        current = from_store_settings(await store.store_settings(conn, store_id))
        merged = {**msgspec.to_builtins(current), **changes}
        try:
            updated = msgspec.convert(merged, GovernanceSettings)
        except msgspec.ValidationError as exc:
            raise ValidationError(f"invalid governance setting: {exc}") from None
        check(updated)
        values = to_store_settings(updated)
        removed = [name for name, value in values.items() if value is None]
        await store.merge_store_settings(conn, store_id, {k: v for k, v in values.items() if v is not None}, removed)
        await record(conn, store_id, actor, Action.SETTINGS_UPDATE, {}, {"changed": changes})
        return updated

    return await _tx.run(conn, work)


async def load_opt_outs(conn: asyncpg.Connection, store_id: int) -> OptOuts:
    """The store's analytics exclusions (what the analytics engine must honour)."""
    store_wide, learners = await store.opted_out(conn, store_id)
    return OptOuts(store_wide, frozenset(learners))


class OptOutResult(msgspec.Struct, kw_only=True):
    learner: str
    changed: bool
    analytics_rows_deleted: dict[str, int] = msgspec.field(default_factory=dict)


async def opt_out(
    conn: asyncpg.Connection, store_id: int, agent: dict[str, Any], *, actor: str, purge: bool = False
) -> OptOutResult:
    """Leave the learner out of analytics from now on; with `purge`, also delete what analytics derived about
    them so far (events, labels, insights, interventions, alerts). Audited with the keyed learner reference."""
    learner = learner_from_agent(agent)

    async def work(conn: asyncpg.Connection) -> OptOutResult:
        await store.lock_store_feed(conn, store_id)
        added = [await store.add_opt_out(conn, store_id, key) for key in learner.keys]
        changed = any(added)
        deleted: dict[str, int] = {}
        if purge:
            deleted["analytics_feedback"] = await store.delete_learner_feedback(conn, store_id, learner.keys)
            for table in await store.learner_tables(conn):
                if table != "analytics_opt_outs":
                    deleted[table] = await store.delete_learner_rows(conn, store_id, table, learner.keys)
        result = OptOutResult(
            learner=learner.key, changed=changed, analytics_rows_deleted={t: n for t, n in deleted.items() if n}
        )
        ref = learner_ref(await store.pseudonym_key(conn, store_id, new_key), learner.key)
        details = {"purge": purge, "analytics_rows_deleted": result.analytics_rows_deleted}
        await record(conn, store_id, actor, Action.OPT_OUT_ADD, {"learner_ref": ref}, details)
        return result

    return await _tx.run(conn, work)


async def opt_in(conn: asyncpg.Connection, store_id: int, agent: dict[str, Any], *, actor: str) -> bool:
    """Include the learner in analytics again; False when they had not opted out. Audited."""
    learner = learner_from_agent(agent)

    async def work(conn: asyncpg.Connection) -> bool:
        removed = await store.remove_opt_out(conn, store_id, learner.keys) > 0
        if removed:
            ref = learner_ref(await store.pseudonym_key(conn, store_id, new_key), learner.key)
            await record(conn, store_id, actor, Action.OPT_OUT_REMOVE, {"learner_ref": ref})
        return removed

    return await _tx.run(conn, work)
