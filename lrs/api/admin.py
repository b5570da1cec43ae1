"""`/admin/`: stores and credentials over HTTP, for credentials holding the `admin` scope.

Who may do what:
- an *operator* — an `admin` credential of the `default` store — lists and creates stores and manages the
  credentials of every store;
- any other `admin` credential sees only its own store and manages only that store's credentials; naming
  another store is 403 whether or not it exists.
New secrets are generated here and returned once. Revoking a credential makes it fail at once in this process
and within `LRS_CREDENTIAL_CACHE_SECONDS` in the others. Request bodies must be `application/json`, so an HTML
form on another site cannot post here with a browser's cached credentials. Creating a store and creating or
revoking a credential are written to the audit log (`lrs.governance.audit`) in the same transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg
import msgspec
from litestar import Controller, Request, delete, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from lrs.api.deps import provide_authenticator, require
from lrs.errors import BadRequest, Forbidden, NotFound
from lrs.governance import audit
from lrs.security.authn import Authenticator, Principal
from lrs.security.credentials import IssuedCredential, issue_credential
from lrs.security.scopes import DEFAULT_SCOPES, Permission
from lrs.settings import Settings
from lrs.store import stores
from lrs.store.db import connection, in_transaction

SECURITY: list[dict[str, list[str]]] = [{"basic": []}, {"bearer": []}]


class StoreOut(msgspec.Struct, kw_only=True):
    id: int
    name: str
    created: datetime
    active_credentials: int


class NewStore(msgspec.Struct, forbid_unknown_fields=True):
    name: str


class CredentialOut(msgspec.Struct, kw_only=True):
    id: int
    key: str
    store: str
    scopes: list[str]
    authority: dict[str, Any]
    label: str
    created: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    active: bool


class NewCredential(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Scopes default to the xAPI spec's `statements/write` + `statements/read/mine`; authority to an account
    on this LRS named by the new key."""

    scopes: list[str] = msgspec.field(default_factory=lambda: sorted(s.value for s in DEFAULT_SCOPES))
    label: str = ""
    expires_at: datetime | None = None
    authority: dict[str, Any] | None = None


class IssuedCredentialOut(msgspec.Struct, kw_only=True):
    """A new credential; `secret` is shown only in this response and cannot be read again."""

    id: int
    key: str
    secret: str
    store: str
    scopes: list[str]
    authority: dict[str, Any]
    label: str
    expires_at: datetime | None


def admin_of(principal: Principal, store: str) -> None:
    """403 unless the caller may manage `store`: the same answer whether or not that store exists."""
    require(principal, Permission.ADMIN)
    if not principal.is_operator and store != principal.store_name:
        raise Forbidden("this credential may manage only its own store")


def _json_body(request: Request[Any, Any, Any]) -> None:
    if request.content_type[0] != "application/json":
        raise BadRequest("send the request body as application/json")


class AdminController(Controller):
    path = "/admin"
    tags = ["Administration"]
    security = SECURITY
    # `principal`, `pool` and `settings` are provided app-wide (lrs.app).
    dependencies = {"authenticator": Provide(provide_authenticator, sync_to_thread=False)}

    @get("/stores", summary="List stores (an operator sees all, a store admin its own)")
    async def list_stores(
        self, principal: NamedDependency[Principal], pool: NamedDependency[asyncpg.Pool]
    ) -> list[StoreOut]:
        require(principal, Permission.ADMIN)
        only = None if principal.is_operator else principal.store_name
        async with connection(pool) as conn:
            rows = await stores.list_stores(conn, only)
        return [StoreOut(id=s.id, name=s.name, created=s.created, active_credentials=n) for s, n in rows]

    @post("/stores", summary="Create a store (operators only)", status_code=HTTP_201_CREATED)
    async def create_store(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        pool: NamedDependency[asyncpg.Pool],
        data: JSONBody[NewStore],
    ) -> StoreOut:
        require(principal, Permission.ADMIN)
        if not principal.is_operator:
            raise Forbidden("only an admin credential of the default store may create stores")
        _json_body(request)

        async def work(conn: Any) -> stores.StoreRow:
            store = await stores.create_store(conn, data.name)
            await audit.record(
                conn, store.id, audit.actor_of(principal), audit.Action.STORE_CREATE, {"store": store.name}
            )
            return store

        store = await in_transaction(pool, work)
        return StoreOut(id=store.id, name=store.name, created=store.created, active_credentials=0)

    @get("/stores/{store:str}/credentials", summary="List a store's credentials (never their secrets)")
    async def list_credentials(
        self,
        principal: NamedDependency[Principal],
        pool: NamedDependency[asyncpg.Pool],
        store: str = Parameter(description="store name"),
    ) -> list[CredentialOut]:
        admin_of(principal, store)
        async with connection(pool) as conn:
            row = await _store(conn, store)
            credentials = await stores.list_credentials(conn, row.id)
        now = datetime.now(UTC)
        return [
            CredentialOut(
                id=c.id,
                key=c.key,
                store=row.name,
                scopes=list(c.scopes),
                authority=c.authority,
                label=c.label,
                created=c.created,
                expires_at=c.expires_at,
                revoked_at=c.revoked_at,
                active=c.revoked_at is None and (c.expires_at is None or c.expires_at > now),
            )
            for c in credentials
        ]

    @post(
        "/stores/{store:str}/credentials",
        summary="Create a credential; the response holds its secret, shown only once",
        status_code=HTTP_201_CREATED,
    )
    async def create_credential(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        pool: NamedDependency[asyncpg.Pool],
        settings: NamedDependency[Settings],
        data: JSONBody[NewCredential],
        store: str = Parameter(description="store name"),
    ) -> IssuedCredentialOut:
        admin_of(principal, store)
        _json_body(request)

        async def work(conn: Any) -> tuple[str, IssuedCredential]:
            row = await _store(conn, store)
            issued = await issue_credential(
                conn,
                store_id=row.id,
                base_url=settings.base_url,
                scopes=data.scopes,
                label=data.label,
                authority=data.authority,
                expires_at=data.expires_at,
            )
            details = {
                "scopes": list(issued.scopes),
                "expires_at": data.expires_at.isoformat() if data.expires_at else None,
            }
            await audit.record(
                conn, row.id, audit.actor_of(principal), audit.Action.CREDENTIAL_CREATE, {"key": issued.key}, details
            )
            return row.name, issued

        name, issued = await in_transaction(pool, work)
        return IssuedCredentialOut(
            id=issued.id,
            key=issued.key,
            secret=issued.secret,
            store=name,
            scopes=list(issued.scopes),
            authority=issued.authority,
            label=issued.label,
            expires_at=issued.expires_at,
        )

    @delete(
        "/stores/{store:str}/credentials/{key:str}",
        summary="Revoke a credential, effective at once",
        status_code=HTTP_204_NO_CONTENT,
    )
    async def revoke_credential(
        self,
        principal: NamedDependency[Principal],
        pool: NamedDependency[asyncpg.Pool],
        authenticator: NamedDependency[Authenticator],
        store: str = Parameter(description="store name"),
        key: str = Parameter(description="the credential's key"),
    ) -> None:
        admin_of(principal, store)

        async def work(conn: Any) -> bool:
            row = await _store(conn, store)
            revoked = await stores.revoke_credential(conn, row.id, key)
            if revoked:
                await audit.record(
                    conn, row.id, audit.actor_of(principal), audit.Action.CREDENTIAL_REVOKE, {"key": key}
                )
            return revoked

        revoked = await in_transaction(pool, work)
        authenticator.forget(key)
        if not revoked:
            raise NotFound(f"store {store!r} has no active credential {key!r}")


async def _store(conn: Any, name: str) -> stores.StoreRow:
    store = await stores.find_store(conn, name)
    if store is None:
        raise NotFound(f"no store named {name!r}")
    return store
