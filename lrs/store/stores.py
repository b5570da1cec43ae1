"""Stores (tenants) and their credentials: the rows behind authentication. No HTTP here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import msgspec

from lrs.errors import Conflict, NotFound, ValidationError
from lrs.store.sql import q

DEFAULT_STORE = "default"
# Store names appear in URLs (`/admin/stores/{name}`), tokens and logs: keep them plain.
STORE_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,62}")


@dataclass(frozen=True, slots=True)
class StoreRow:
    id: int
    name: str
    created: datetime
    settings: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CredentialRow:
    """A credential as stored: never carries the secret, only its hash."""

    store_id: int
    store_name: str
    id: int
    secret_hash: str
    scopes: tuple[str, ...]
    authority: dict[str, Any]
    expires_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class CredentialInfo:
    """A credential as listed to administrators: everything but the secret hash."""

    id: int
    key: str
    scopes: tuple[str, ...]
    authority: dict[str, Any]
    label: str
    created: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


def validate_store_name(name: str) -> str:
    if not STORE_NAME.fullmatch(name):
        raise ValidationError(
            f"invalid store name {name!r}: 1-63 characters of a-z, 0-9, '.', '_', '-', starting with a letter or digit",
            path="name",
        )
    return name


def _store(row: asyncpg.Record) -> StoreRow:
    return StoreRow(row["id"], row["name"], row["created"], msgspec.json.decode(row["settings"]))


async def create_store(conn: asyncpg.Connection, name: str, settings: dict[str, Any] | None = None) -> StoreRow:
    validate_store_name(name)
    try:
        row = await conn.fetchrow(q("stores", "create_store"), name, msgspec.json.encode(settings or {}).decode())
    except asyncpg.UniqueViolationError:
        raise Conflict(f"a store named {name!r} exists already", path="name") from None
    return _store(row)


async def find_store(conn: asyncpg.Connection, name: str) -> StoreRow | None:
    row = await conn.fetchrow(q("stores", "get_store_by_name"), name)
    return _store(row) if row is not None else None


async def get_store(conn: asyncpg.Connection, name: str) -> StoreRow:
    store = await find_store(conn, name)
    if store is None:
        raise NotFound(f"no store named {name!r}")
    return store


async def ensure_store(conn: asyncpg.Connection, name: str) -> StoreRow:
    row = await conn.fetchrow(q("stores", "get_store_by_name"), name)
    return _store(row) if row is not None else await create_store(conn, name)


async def list_stores(conn: asyncpg.Connection, only: str | None = None) -> list[tuple[StoreRow, int]]:
    """Every store (or only the one named `only`) with its number of active credentials."""
    rows = await conn.fetch(q("stores", "list_stores"), only)
    return [(_store(r), r["credentials"]) for r in rows]


async def insert_credential(
    conn: asyncpg.Connection,
    *,
    store_id: int,
    key: str,
    secret_hash: str,
    scopes: list[str],
    authority: dict[str, Any],
    label: str = "",
    expires_at: datetime | None = None,
) -> int:
    try:
        row = await conn.fetchrow(
            q("stores", "create_credential"),
            store_id,
            key,
            secret_hash,
            scopes,
            msgspec.json.encode(authority).decode(),
            label,
            expires_at,
        )
    except asyncpg.UniqueViolationError:
        raise Conflict(f"a credential with key {key!r} exists already", path="key") from None
    return int(row["id"])


async def credential_by_key(conn: asyncpg.Connection, key: str) -> CredentialRow | None:
    row = await conn.fetchrow(q("stores", "credential_by_key"), key)
    if row is None:
        return None
    return CredentialRow(
        store_id=row["store_id"],
        store_name=row["name"],
        id=row["id"],
        secret_hash=row["secret_hash"],
        scopes=tuple(row["scopes"]),
        authority=msgspec.json.decode(row["authority"]),
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"],
    )


async def list_credentials(conn: asyncpg.Connection, store_id: int) -> list[CredentialInfo]:
    rows = await conn.fetch(q("stores", "list_credentials"), store_id)
    return [
        CredentialInfo(
            id=r["id"],
            key=r["key"],
            scopes=tuple(r["scopes"]),
            authority=msgspec.json.decode(r["authority"]),
            label=r["label"],
            created=r["created"],
            expires_at=r["expires_at"],
            revoked_at=r["revoked_at"],
        )
        for r in rows
    ]


async def revoke_credential(conn: asyncpg.Connection, store_id: int, key: str) -> bool:
    """Revoke an active credential of this store; False when the store has no such active credential."""
    return await conn.fetchval(q("stores", "revoke_credential"), store_id, key) is not None
