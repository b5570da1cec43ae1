"""Creating credentials: a generated (or given) key and secret, the secret kept only as a hash."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import msgspec

from lrs.errors import ValidationError
from lrs.security.scopes import ALL_SCOPES, parse_scopes
from lrs.security.secrets import generate_key, generate_secret, hash_secret
from lrs.store import stores

# Keys travel in Basic headers and in admin URLs (`/admin/stores/S/credentials/KEY`): URL-safe characters only.
KEY_PATTERN = re.compile(r"[A-Za-z0-9._~-]{1,128}")


@dataclass(frozen=True, slots=True)
class IssuedCredential:
    """What the caller is shown once: the secret is never readable again."""

    id: int
    key: str
    secret: str
    scopes: tuple[str, ...]
    authority: dict[str, Any]
    label: str = ""
    expires_at: datetime | None = None


def default_authority(key: str, base_url: str, label: str = "") -> dict[str, Any]:
    """The Agent a credential writes as `authority`: an account on this LRS named by the key."""
    return {"objectType": "Agent", "name": label or key, "account": {"homePage": base_url, "name": key}}


def checked_authority(authority: dict[str, Any]) -> dict[str, Any]:
    """A client-given authority must be an Agent with exactly one identifier (xAPI Data 2.4.2.1)."""
    from lrs.xapi import parse_agent_param

    agent = parse_agent_param(msgspec.json.encode(authority).decode(), "2.0.0", "authority", allow_group=False)
    result: dict[str, Any] = msgspec.to_builtins(agent)
    return result


def checked_scopes(scopes: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Known scope names, without duplicates, in the order given; at least one."""
    try:
        parse_scopes(list(scopes))
    except ValueError as exc:
        raise ValidationError(str(exc), path="scopes") from None
    if not scopes:
        raise ValidationError("a credential needs at least one scope", path="scopes")
    return tuple(dict.fromkeys(scopes))


def checked_expiry(expires_at: datetime | None) -> datetime | None:
    if expires_at is None:
        return None
    if expires_at.tzinfo is None:
        raise ValidationError("the expiry time needs a UTC offset (e.g. 2030-01-01T00:00:00Z)", path="expires_at")
    if expires_at <= datetime.now(UTC):
        raise ValidationError("the expiry time is in the past", path="expires_at")
    return expires_at


async def issue_credential(
    conn: asyncpg.Connection,
    *,
    store_id: int,
    base_url: str,
    scopes: list[str] | tuple[str, ...] = ALL_SCOPES,
    key: str | None = None,
    secret: str | None = None,
    label: str = "",
    authority: dict[str, Any] | None = None,
    expires_at: datetime | None = None,
) -> IssuedCredential:
    """Store a new credential of `store_id`; 400 on unknown scopes, a bad key or expiry, 409 on a taken key."""
    scope_names = checked_scopes(scopes)
    if key is not None and not KEY_PATTERN.fullmatch(key):
        raise ValidationError(
            "a credential key must be 1-128 characters of A-Z, a-z, 0-9, '.', '_', '~', '-'", path="key"
        )
    if secret is not None and not secret:
        raise ValidationError("a credential secret must not be empty", path="secret")
    expires_at = checked_expiry(expires_at)
    key = key or generate_key()
    secret = secret or generate_secret()
    authority = checked_authority(authority) if authority is not None else default_authority(key, base_url, label)
    credential_id = await stores.insert_credential(
        conn,
        store_id=store_id,
        key=key,
        secret_hash=hash_secret(secret),
        scopes=list(scope_names),
        authority=authority,
        label=label,
        expires_at=expires_at,
    )
    return IssuedCredential(credential_id, key, secret, scope_names, authority, label, expires_at)
