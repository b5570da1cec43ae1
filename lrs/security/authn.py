"""Who is calling: HTTP Basic credentials checked against their scrypt hash, with a short cache.

scrypt is slow on purpose, so a verified (key, secret) pair is trusted for `ttl` seconds without hashing again.
Revocation through this process forgets the key at once; other processes see it within `ttl`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg

from lrs.errors import Unauthorized
from lrs.security.scopes import Scope, parse_scopes
from lrs.security.secrets import verify_secret
from lrs.store import stores


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: its store, scopes and the authority written into the statements it stores."""

    store_id: int
    store_name: str
    credential_id: int
    key: str
    scopes: frozenset[Scope]
    authority: dict[str, Any]


def parse_basic(header: str | None) -> tuple[str, str]:
    """(key, secret) from an `Authorization: Basic ...` header; anything malformed is 401, never 500."""
    if not header:
        raise Unauthorized("credentials are required: send an Authorization header (HTTP Basic)")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "basic" or not token.strip():
        raise Unauthorized("unsupported Authorization scheme: use HTTP Basic")
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise Unauthorized("malformed Basic credentials: not base64 of key:secret") from None
    key, sep, secret = decoded.partition(":")
    if not sep or not key:
        raise Unauthorized("malformed Basic credentials: expected key:secret")
    return key, secret


class Authenticator:
    """Turns an Authorization header into a Principal; one per process."""

    def __init__(self, pool: asyncpg.Pool, *, ttl: float = 5.0) -> None:
        self._pool = pool
        self._ttl = ttl
        self._cache: dict[str, tuple[bytes, Principal, float, datetime | None]] = {}

    async def authenticate(self, header: str | None) -> Principal:
        key, secret = parse_basic(header)
        fingerprint = hashlib.sha256(secret.encode()).digest()
        cached = self._cache.get(key)
        now = time.monotonic()
        if cached is not None:
            digest, principal, until, expires_at = cached
            if now < until and digest == fingerprint and not _expired(expires_at):
                return principal
            self._cache.pop(key, None)

        async with self._pool.acquire() as conn:
            row = await stores.credential_by_key(conn, key)
        if row is None or row.revoked_at is not None or _expired(row.expires_at):
            raise Unauthorized("unknown, revoked or expired credentials")
        if not await asyncio.to_thread(verify_secret, secret, row.secret_hash):
            raise Unauthorized("unknown, revoked or expired credentials")
        principal = Principal(
            store_id=row.store_id,
            store_name=row.store_name,
            credential_id=row.id,
            key=key,
            scopes=parse_scopes(row.scopes),
            authority=row.authority,
        )
        self._cache[key] = (fingerprint, principal, now + self._ttl, row.expires_at)
        return principal

    def forget(self, key: str) -> None:
        """Drop a cached credential (after revocation), so this process refuses it at once."""
        self._cache.pop(key, None)


def _expired(expires_at: datetime | None) -> bool:
    return expires_at is not None and expires_at <= datetime.now(UTC)
