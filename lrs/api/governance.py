"""`/admin/stores/{store}/...`: learner data rights and governance over HTTP, for `admin` credentials.

An operator (admin of the `default` store) may act on any store, a store admin on its own (anything else is
403 whether or not the store exists), as for the rest of `/admin/`. Learners are named by an Agent in the JSON
body (`{"agent": {"mbox": "mailto:..."}}`), never in the URL, so their identifiers stay out of access logs.
Every action that changes data or discloses a learner's data is written to the audit log.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import IO, Annotated, Any

import asyncpg
import msgspec
from litestar import Controller, Request, Response, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, PathParameter, QueryParameter
from litestar.response import Stream
from litestar.status_codes import HTTP_200_OK

from lrs.api.admin import SECURITY, admin_of
from lrs.api.deps import provide_authenticator
from lrs.errors import BadRequest, NotFound, ValidationError
from lrs.governance import audit, deletion, erasure, export, manage
from lrs.governance.policy import SETTING_NAMES, GovernanceSettings
from lrs.security.authn import Authenticator
from lrs.security.principal import Principal
from lrs.settings import Settings
from lrs.store import governance as governance_store
from lrs.store import stores
from lrs.store.db import connection
from lrs.xapi import parse_agent_param

CHUNK = 64 * 1024
SPOOL_BYTES = 8 * 1024 * 1024
AUDIT_PAGE_MAX = 1000
StoreName = Annotated[str, PathParameter(description="store name")]
Since = Annotated[datetime | None, QueryParameter(description="entries at or after this time (RFC 3339)")]
Until = Annotated[datetime | None, QueryParameter(description="entries before this time (RFC 3339)")]
After = Annotated[int, QueryParameter(ge=0, description="id of the last entry already read")]
Limit = Annotated[int, QueryParameter(ge=1, le=AUDIT_PAGE_MAX, description="most entries to return")]


class LearnerBody(msgspec.Struct, forbid_unknown_fields=True):
    agent: dict[str, Any]


class EraseBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    agent: dict[str, Any]
    dry_run: bool = False


class DeleteBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Statement ids, a stored-time range (both bounds exclusive), or both (statements matching both)."""

    ids: list[str] | None = None
    stored_after: datetime | None = None
    stored_before: datetime | None = None
    dry_run: bool = False


class OptOutBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    agent: dict[str, Any]
    purge: bool = False


class DryRunBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    dry_run: bool = False


class OptOutsOut(msgspec.Struct, kw_only=True):
    store_wide: bool
    learners: list[str]


class AuditPage(msgspec.Struct, kw_only=True):
    entries: list[dict[str, Any]]
    next_after: int | None
    """Pass as `after` for the next page; null on the last page."""


def _learner_agent(value: dict[str, Any]) -> dict[str, Any]:
    """The body's `agent`, checked as an xAPI Agent with exactly one identifier."""
    agent = parse_agent_param(msgspec.json.encode(value).decode(), "1.0.3", "agent", allow_group=False)
    result: dict[str, Any] = msgspec.to_builtins(agent)
    return result


def _json_body(request: Request[Any, Any, Any]) -> None:
    if request.content_type[0] != "application/json":
        raise BadRequest("send the request body as application/json")


async def _store_id(conn: asyncpg.Connection, name: str) -> int:
    store = await stores.find_store(conn, name)
    if store is None:
        raise NotFound(f"no store named {name!r}")
    return store.id


class GovernanceController(Controller):
    path = "/admin/stores/{store:str}"
    tags = ["Learner data rights and governance"]
    security = SECURITY
    dependencies = {"authenticator": Provide(provide_authenticator, sync_to_thread=False)}

    @get("/governance", summary="The store's governance settings (erasure policy, retention, analytics opt-out)")
    async def get_settings(
        self, principal: NamedDependency[Principal], pool: NamedDependency[asyncpg.Pool], store: StoreName
    ) -> GovernanceSettings:
        admin_of(principal, store)
        async with connection(pool) as conn:
            return await manage.read_settings(conn, await _store_id(conn, store))

    @patch("/governance", summary="Change some governance settings (`retention_days: null` removes the limit)")
    async def patch_settings(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        pool: NamedDependency[asyncpg.Pool],
        data: JSONBody[dict[str, Any]],
        store: StoreName,
    ) -> GovernanceSettings:
        admin_of(principal, store)
        _json_body(request)
        unknown = sorted(set(data) - set(SETTING_NAMES))
        if unknown:
            raise ValidationError(f"unknown governance setting {unknown[0]!r}", path=unknown[0])
        async with connection(pool) as conn:
            store_id = await _store_id(conn, store)
            return await manage.update_settings(conn, store_id, data, actor=audit.actor_of(principal))

    @post("/learners/export", summary="Everything the store holds about one learner, as a zip archive")
    async def export_learner(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        pool: NamedDependency[asyncpg.Pool],
        data: JSONBody[LearnerBody],
        store: StoreName,
    ) -> Stream:
        admin_of(principal, store)
        _json_body(request)
        agent = _learner_agent(data.agent)
        spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - read by the stream
        try:
            async with connection(pool) as conn:
                store_id = await _store_id(conn, store)
                summary = await export.export_learner(
                    conn, store_id, store, agent, spool, actor=audit.actor_of(principal)
                )
        except BaseException:
            spool.close()
            raise
        spool.seek(0)
        filename = f"learner-{summary.learner_ref[:16]}.zip"
        return Stream(
            _chunks(spool),
            status_code=HTTP_200_OK,
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    @post("/learners/erase", summary="Erase one learner (delete or pseudonymise per the store's policy)")
    async def erase_learner(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        pool: NamedDependency[asyncpg.Pool],
        settings: NamedDependency[Settings],
        authenticator: NamedDependency[Authenticator],
        data: JSONBody[EraseBody],
        store: StoreName,
    ) -> Response[erasure.ErasureReport]:
        admin_of(principal, store)
        _json_body(request)
        agent = _learner_agent(data.agent)
        async with connection(pool) as conn:
            store_id = await _store_id(conn, store)
            report = await erasure.erase_learner(
                conn,
                store_id,
                agent,
                actor=audit.actor_of(principal),
                base_url=settings.base_url,
                dry_run=data.dry_run,
            )
        if not data.dry_run:
            for key in report.credentials_pseudonymised:
                authenticator.forget(key)  # its cached authority was the learner
        return Response(report, status_code=HTTP_200_OK)

    @post("/statements/delete", summary="Delete statements by id or stored-time range (dry_run counts only)")
    async def delete_statements(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        pool: NamedDependency[asyncpg.Pool],
        data: JSONBody[DeleteBody],
        store: StoreName,
    ) -> Response[deletion.DeletionReport]:
        admin_of(principal, store)
        _json_body(request)
        chosen = deletion.selection(data.ids, data.stored_after, data.stored_before)
        async with connection(pool) as conn:
            store_id = await _store_id(conn, store)
            report = await deletion.delete_statements(
                conn, store_id, chosen, actor=audit.actor_of(principal), dry_run=data.dry_run
            )
        return Response(report, status_code=HTTP_200_OK)

    @post("/retention/run", summary="Apply the store's retention limit now (dry_run counts only)")
    async def run_retention(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        pool: NamedDependency[asyncpg.Pool],
        data: JSONBody[DryRunBody],
        store: StoreName,
    ) -> Response[deletion.RetentionReport]:
        admin_of(principal, store)
        _json_body(request)
        async with connection(pool) as conn:
            store_id = await _store_id(conn, store)
            report = await deletion.apply_retention(
                conn, store_id, now=datetime.now(UTC), actor=audit.actor_of(principal), dry_run=data.dry_run
            )
        if report is None:
            raise ValidationError("the store has no retention limit (set retention_days)", path="retention_days")
        return Response(report, status_code=HTTP_200_OK)

    @get("/opt-outs", summary="Learners left out of analytics, and whether the whole store is")
    async def list_opt_outs(
        self, principal: NamedDependency[Principal], pool: NamedDependency[asyncpg.Pool], store: StoreName
    ) -> OptOutsOut:
        admin_of(principal, store)
        async with connection(pool) as conn:
            opt_outs = await manage.load_opt_outs(conn, await _store_id(conn, store))
        return OptOutsOut(store_wide=opt_outs.store_wide, learners=sorted(opt_outs.learners))

    @post("/opt-outs", summary="Leave a learner out of analytics (purge: delete what was derived so far)")
    async def add_opt_out(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        pool: NamedDependency[asyncpg.Pool],
        data: JSONBody[OptOutBody],
        store: StoreName,
    ) -> Response[manage.OptOutResult]:
        admin_of(principal, store)
        _json_body(request)
        agent = _learner_agent(data.agent)
        async with connection(pool) as conn:
            store_id = await _store_id(conn, store)
            result = await manage.opt_out(conn, store_id, agent, actor=audit.actor_of(principal), purge=data.purge)
        return Response(result, status_code=HTTP_200_OK)

    @post("/opt-outs/remove", summary="Include a learner in analytics again")
    async def remove_opt_out(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        pool: NamedDependency[asyncpg.Pool],
        data: JSONBody[LearnerBody],
        store: StoreName,
    ) -> Response[dict[str, bool]]:
        admin_of(principal, store)
        _json_body(request)
        agent = _learner_agent(data.agent)
        async with connection(pool) as conn:
            store_id = await _store_id(conn, store)
            removed = await manage.opt_in(conn, store_id, agent, actor=audit.actor_of(principal))
        return Response({"removed": removed}, status_code=HTTP_200_OK)

    @get("/audit", summary="The store's audit log, oldest first, a page at a time")
    async def audit_log(
        self,
        principal: NamedDependency[Principal],
        pool: NamedDependency[asyncpg.Pool],
        store: StoreName,
        after: After = 0,
        limit: Limit = 100,
        since: Since = None,
        until: Until = None,
    ) -> AuditPage:
        admin_of(principal, store)
        async with connection(pool) as conn:
            store_id = await _store_id(conn, store)
            page = await governance_store.audit_page(conn, store_id, after=after, limit=limit, since=since, until=until)
        entries = [audit.entry_json(e) for e in page]
        return AuditPage(entries=entries, next_after=page[-1].id if len(page) == limit else None)

    @get("/audit/export", summary="The whole audit log of the store as NDJSON")
    async def export_audit(
        self,
        principal: NamedDependency[Principal],
        pool: NamedDependency[asyncpg.Pool],
        store: StoreName,
        since: Since = None,
        until: Until = None,
    ) -> Stream:
        admin_of(principal, store)
        async with connection(pool) as conn:
            store_id = await _store_id(conn, store)
            await audit.record(conn, store_id, audit.actor_of(principal), audit.Action.AUDIT_EXPORT)

        async def lines() -> AsyncIterator[bytes]:
            async with connection(pool) as conn:
                async for line in audit.export_lines(conn, store_id, since=since, until=until):
                    yield line

        return Stream(lines(), status_code=HTTP_200_OK, media_type="application/x-ndjson")


async def _chunks(spool: IO[bytes]) -> AsyncIterator[bytes]:
    try:
        while chunk := spool.read(CHUNK):
            yield chunk
    finally:
        spool.close()
