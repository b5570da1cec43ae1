"""The audit log of administrative actions: who (a credential key, a token subject, `cli`, `retention`) did
what to which store, and when.

Entries never hold personal data: `target` names statements by id, learners only by `learner_ref` (a keyed
hash, `lrs.governance.pseudonym.learner_ref`), and `details` carries counts and settings. Call `record` inside
the transaction of the action itself, so an action and its entry commit (or roll back) together.
"""

from __future__ import annotations

import getpass
from collections.abc import AsyncIterator
from datetime import datetime
from enum import StrEnum
from typing import Any

import asyncpg
import msgspec

from lrs.security.principal import Principal
from lrs.store import governance as store

CLI_ACTOR = "cli"
RETENTION_ACTOR = "retention"


class Action(StrEnum):
    STORE_CREATE = "store.create"
    CREDENTIAL_CREATE = "credential.create"
    CREDENTIAL_REVOKE = "credential.revoke"
    SETTINGS_UPDATE = "governance.settings"
    LEARNER_EXPORT = "learner.export"
    LEARNER_ERASE = "learner.erase"
    STATEMENTS_DELETE = "statements.delete"
    RETENTION_RUN = "retention.run"
    OPT_OUT_ADD = "analytics.opt_out"
    OPT_OUT_REMOVE = "analytics.opt_in"
    MODEL_ACTIVATE = "model.activate"
    AUDIT_EXPORT = "audit.export"


def cli_actor() -> str:
    """How the log names a command-line user: `cli:<OS user>`."""
    try:
        return f"{CLI_ACTOR}:{getpass.getuser()}"
    except (KeyError, OSError):
        return CLI_ACTOR


def actor_of(principal: Principal) -> str:
    """How the log names an HTTP caller: `credential:<key>` or `token:<subject>`."""
    kind = "credential" if principal.method == "basic" else "token"
    return f"{kind}:{principal.key}"


async def record(
    conn: asyncpg.Connection,
    store_id: int,
    actor: str,
    action: str,
    target: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
) -> int:
    """Append one entry (in the caller's transaction); returns its id."""
    return await store.insert_audit(conn, store_id, actor, str(action), target or {}, details or {})


def entry_json(entry: store.AuditEntry) -> dict[str, Any]:
    """An entry as the API and the export show it."""
    return {
        "id": entry.id,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "target": entry.target,
        "details": entry.details,
    }


async def export_lines(
    conn: asyncpg.Connection, store_id: int, *, since: datetime | None = None, until: datetime | None = None
) -> AsyncIterator[bytes]:
    """Every entry of the store (oldest first) as NDJSON lines, read page by page."""
    after = 0
    while True:
        page = await store.audit_page(conn, store_id, after=after, since=since, until=until)
        for entry in page:
            yield msgspec.json.encode(entry_json(entry)) + b"\n"
        if len(page) < store.PAGE:
            return
        after = page[-1].id
