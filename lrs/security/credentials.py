"""Creating credentials: a generated (or given) key and secret, the secret kept only as a hash."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from lrs.errors import ValidationError
from lrs.security.scopes import ALL_SCOPES, parse_scopes
from lrs.security.secrets import generate_key, generate_secret, hash_secret
from lrs.store import stores


@dataclass(frozen=True, slots=True)
class IssuedCredential:
    """What the caller is shown once: the secret is never readable again."""

    id: int
    key: str
    secret: str
    scopes: tuple[str, ...]
    authority: dict[str, Any]


def default_authority(key: str, base_url: str, label: str = "") -> dict[str, Any]:
    """The Agent a credential writes as `authority`: an account on this LRS named by the key."""
    return {"objectType": "Agent", "name": label or key, "account": {"homePage": base_url, "name": key}}


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
    try:
        parse_scopes(list(scopes))
    except ValueError as exc:
        raise ValidationError(str(exc), path="scopes") from None
    if key is not None and (not key or ":" in key):
        raise ValidationError("a credential key must be non-empty and contain no ':'", path="key")
    key = key or generate_key()
    secret = secret or generate_secret()
    authority = authority or default_authority(key, base_url, label)
    credential_id = await stores.insert_credential(
        conn,
        store_id=store_id,
        key=key,
        secret_hash=hash_secret(secret),
        scopes=list(scopes),
        authority=authority,
        label=label,
        expires_at=expires_at,
    )
    return IssuedCredential(credential_id, key, secret, tuple(scopes), authority)
