"""Who is calling: an `Authorization` header (HTTP Basic, or a Bearer JWT when configured) to a Principal.

scrypt is slow on purpose, so a verified (key, secret) pair is trusted for `ttl` seconds without hashing again;
verified tokens likewise, never past their `exp`. Revocation through this process forgets the key at once; other
processes see it within `ttl`. Concurrent first requests with the same credential share one scrypt run.
Unknown keys cost a scrypt run too, so response times do not tell which keys exist.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import time
from datetime import UTC, datetime

import asyncpg

from lrs.errors import Unauthorized
from lrs.security.cache import ExpiringCache
from lrs.security.principal import Principal
from lrs.security.scopes import parse_scopes
from lrs.security.secrets import hash_secret, verify_secret
from lrs.security.tokens import TokenConfig, TokenVerifier
from lrs.settings import Settings
from lrs.store import stores

__all__ = ["Authenticator", "Principal", "parse_authorization", "parse_basic"]

REALM = "xAPI"
BASIC_CHALLENGE = f'Basic realm="{REALM}", charset="UTF-8"'
BEARER_CHALLENGE = f'Bearer realm="{REALM}"'
REFUSED = "unknown, revoked or expired credentials"


def parse_authorization(header: str | None) -> tuple[str, str]:
    """(scheme in lower case, credentials) of an Authorization header; missing or malformed is 401, never 500."""
    if not header or not header.strip():
        raise Unauthorized("credentials are required: send an Authorization header")
    scheme, _, credentials = header.strip().partition(" ")
    credentials = credentials.strip()
    if not credentials:
        raise Unauthorized(f"malformed Authorization header: no credentials after {scheme!r}")
    return scheme.lower(), credentials


def parse_basic(credentials: str) -> tuple[str, str]:
    """(key, secret) from the base64 part of a Basic header."""
    try:
        decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise Unauthorized("malformed Basic credentials: not base64 of key:secret") from None
    key, sep, secret = decoded.partition(":")
    if not sep or not key:
        raise Unauthorized("malformed Basic credentials: expected key:secret")
    return key, secret


class Authenticator:
    """Turns an Authorization header into a Principal; one per process, shared by all requests."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        ttl: float = 5.0,
        tokens: TokenConfig | None = None,
        max_entries: int = 10_000,
    ) -> None:
        self._pool = pool
        self._ttl = ttl
        self._tokens = TokenVerifier(tokens) if tokens is not None else None
        self.challenge = BASIC_CHALLENGE + (f", {BEARER_CHALLENGE}" if tokens is not None else "")
        # key -> (sha256 of the secret, principal, credential expiry)
        self._basic: ExpiringCache[str, tuple[bytes, Principal, datetime | None]] = ExpiringCache(max_entries)
        # sha256 of the token -> principal
        self._bearer: ExpiringCache[bytes, Principal] = ExpiringCache(max_entries)
        self._store_ids: ExpiringCache[str, int] = ExpiringCache(max_entries)
        self._in_flight: dict[tuple[str, bytes], asyncio.Future[Principal]] = {}
        self._decoy_hash: str | None = None

    @classmethod
    def from_settings(cls, pool: asyncpg.Pool, settings: Settings) -> Authenticator:
        return cls(pool, ttl=settings.credential_cache_seconds, tokens=TokenConfig.from_settings(settings))

    async def authenticate(self, header: str | None) -> Principal:
        try:
            scheme, credentials = parse_authorization(header)
            if scheme == "basic":
                return await self._authenticate_basic(*parse_basic(credentials))
            if scheme == "bearer" and self._tokens is not None:
                return await self._authenticate_bearer(credentials)
            raise Unauthorized(f"unsupported Authorization scheme {scheme!r}: use {self._schemes()}")
        except Unauthorized as exc:
            challenge = self.challenge
            if scheme_is_bearer(header) and self._tokens is not None:
                challenge = f'{BASIC_CHALLENGE}, {BEARER_CHALLENGE}, error="invalid_token"'
            raise Unauthorized(exc.message, headers={"WWW-Authenticate": challenge}) from None

    def forget(self, key: str) -> None:
        """Drop a cached credential (after revocation), so this process refuses it at once."""
        self._basic.pop(key)

    def _schemes(self) -> str:
        return "HTTP Basic or a Bearer token" if self._tokens is not None else "HTTP Basic"

    # -- Basic ---------------------------------------------------------------------------------------------

    async def _authenticate_basic(self, key: str, secret: str) -> Principal:
        fingerprint = hashlib.sha256(secret.encode()).digest()
        cached = self._basic.get(key)
        if cached is not None:
            digest, principal, expires_at = cached
            if hmac.compare_digest(digest, fingerprint) and not _expired(expires_at):
                return principal
        flight = (key, fingerprint)
        future = self._in_flight.get(flight)
        if future is None:
            future = asyncio.ensure_future(self._verify_basic(key, secret, fingerprint))
            self._in_flight[flight] = future
            future.add_done_callback(lambda done: self._landed(flight, done))
        # Shielded: one cancelled request must not cancel the check others wait for.
        return await asyncio.shield(future)

    def _landed(self, flight: tuple[str, bytes], done: asyncio.Future[Principal]) -> None:
        self._in_flight.pop(flight, None)
        if not done.cancelled():
            done.exception()  # retrieved, so a failure nobody awaited is not reported as lost

    async def _verify_basic(self, key: str, secret: str, fingerprint: bytes) -> Principal:
        async with self._pool.acquire() as conn:
            row = await stores.credential_by_key(conn, key)
        if row is None:
            await asyncio.to_thread(verify_secret, secret, await self._decoy())
            raise Unauthorized(REFUSED)
        if not await asyncio.to_thread(verify_secret, secret, row.secret_hash):
            raise Unauthorized(REFUSED)
        if row.revoked_at is not None or _expired(row.expires_at):
            raise Unauthorized(REFUSED)
        principal = Principal(
            store_id=row.store_id,
            store_name=row.store_name,
            credential_id=row.id,
            key=key,
            scopes=parse_scopes(row.scopes),
            authority=row.authority,
            method="basic",
        )
        self._basic.put(key, (fingerprint, principal, row.expires_at), self._ttl)
        return principal

    async def _decoy(self) -> str:
        """A hash to verify against when the key is unknown, so that costs as much as a wrong secret."""
        if self._decoy_hash is None:
            self._decoy_hash = await asyncio.to_thread(hash_secret, "decoy")
        return self._decoy_hash

    # -- Bearer ----------------------------------------------------------------------------------------------

    async def _authenticate_bearer(self, token: str) -> Principal:
        assert self._tokens is not None
        digest = hashlib.sha256(token.encode()).digest()
        cached = self._bearer.get(digest)
        if cached is not None:
            return cached
        identity = self._tokens.verify(token)
        store_id = await self._store_id(identity.store)
        principal = Principal(
            store_id=store_id,
            store_name=identity.store,
            credential_id=None,
            key=identity.subject,
            scopes=identity.scopes,
            authority=identity.authority,
            method="bearer",
        )
        self._bearer.put(digest, principal, min(self._ttl, identity.expires_at - time.time()))
        return principal

    async def _store_id(self, name: str) -> int:
        cached = self._store_ids.get(name)
        if cached is not None:
            return cached
        async with self._pool.acquire() as conn:
            store = await stores.find_store(conn, name)
        if store is None:
            raise Unauthorized("bearer token rejected: its store is not served here")
        self._store_ids.put(name, store.id, self._ttl)
        return store.id


def scheme_is_bearer(header: str | None) -> bool:
    return header is not None and header.strip().lower().startswith("bearer ")


def _expired(expires_at: datetime | None) -> bool:
    return expires_at is not None and expires_at <= datetime.now(UTC)
