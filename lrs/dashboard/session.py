"""Dashboard sessions: an HMAC-signed token in an HttpOnly, SameSite=Strict cookie, never the secret itself.

The signing key is derived from the store's own persisted secret (the pseudonym key), so every server process
accepts the same sessions and no new table is needed. A token names the credential and expires; each request
looks the credential up again, so revocation ends its sessions at once. Action forms carry a CSRF token derived
from the session's random nonce.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from lrs.governance.pseudonym import new_key
from lrs.security.principal import Principal
from lrs.security.scopes import parse_scopes
from lrs.store import stores
from lrs.store.governance import pseudonym_key

COOKIE = "lrs_dashboard"
LIFETIME_SECONDS = 8 * 3600
_PURPOSE = b"lrs-dashboard-session-v1"
_KEYS: dict[int, bytes] = {}
"""Derived signing key per store id (the store secret never changes)."""


@dataclass(frozen=True, slots=True)
class Session:
    """A verified session: who is signed in and the token its action forms must echo."""

    principal: Principal
    csrf: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


async def signing_key(conn: asyncpg.Connection, store_id: int) -> bytes:
    key = _KEYS.get(store_id)
    if key is None:
        key = hmac.new(await pseudonym_key(conn, store_id, new_key), _PURPOSE, hashlib.sha256).digest()
        _KEYS[store_id] = key
    return key


def _sign(key: bytes, body: str) -> str:
    return _b64(hmac.new(key, body.encode(), hashlib.sha256).digest())


def csrf_token(key: bytes, nonce: str) -> str:
    return _sign(key, f"csrf|{nonce}")


async def issue(conn: asyncpg.Connection, principal: Principal, now: float | None = None) -> str:
    """A new session token for a verified credential: store id, credential key, expiry, nonce, signature."""
    expires = int((now if now is not None else time.time()) + LIFETIME_SECONDS)
    body = f"{principal.store_id}.{_b64(principal.key.encode())}.{expires}.{secrets.token_urlsafe(16)}"
    return f"{body}.{_sign(await signing_key(conn, principal.store_id), body)}"


async def verify(conn: asyncpg.Connection, token: str | None, now: float | None = None) -> Session | None:
    """The session of a cookie value; None when absent, forged, expired, or its credential is no longer valid."""
    if not token or len(token) > 1024:
        return None
    parts = token.split(".")
    if len(parts) != 5 or not parts[0].isdigit() or not parts[2].isdigit():
        return None
    store_id, key_text, expires, nonce, signature = parts
    if int(expires) <= (now if now is not None else time.time()):
        return None
    row_store = int(store_id)
    if await conn.fetchval("SELECT 1 FROM stores WHERE id = $1", row_store) is None:
        return None
    key = await signing_key(conn, row_store)
    body = ".".join(parts[:4])
    if not hmac.compare_digest(_sign(key, body), signature):
        return None
    try:
        credential_key = _unb64(key_text).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    row = await stores.credential_by_key(conn, credential_key)
    if row is None or row.store_id != row_store or row.revoked_at is not None:
        return None
    if row.expires_at is not None and row.expires_at <= datetime.now(UTC):
        return None
    principal = Principal(
        store_id=row.store_id,
        store_name=row.store_name,
        credential_id=row.id,
        key=credential_key,
        scopes=parse_scopes(row.scopes),
        authority=row.authority,
        method="dashboard",
    )
    return Session(principal=principal, csrf=csrf_token(key, nonce))
