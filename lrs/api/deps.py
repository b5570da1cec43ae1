"""Request-scoped dependencies shared by the controllers: who is calling, and may they."""

from __future__ import annotations

from typing import Any

import asyncpg
from litestar import Request

from lrs.errors import Forbidden
from lrs.security.authn import Authenticator, Principal
from lrs.security.scopes import Permission, Scope, granting_scopes, grants
from lrs.settings import Settings


async def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    """The authenticated caller (401 with `WWW-Authenticate` otherwise); every handler but About depends on it."""
    return await provide_authenticator(request).authenticate(request.headers.get("authorization"))


def provide_authenticator(request: Request[Any, Any, Any]) -> Authenticator:
    authenticator: Authenticator = request.app.state.authenticator
    return authenticator


def provide_pool(request: Request[Any, Any, Any]) -> asyncpg.Pool:
    return request.app.state.pool


def provide_settings(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def require(principal: Principal, *needed: Scope | Permission) -> None:
    """403 unless the caller's scopes grant at least one of `needed` (see `lrs.security.scopes.POLICY`).

    Pass a Permission (`Permission.STATE_READ`) where read and write differ; a Scope means "held or implied".
    The message names what was needed, never anything about other stores.
    """
    if not any(grants(principal.scopes, scope) for scope in needed):
        names = sorted({name for need in needed for name in granting_scopes(need)})
        raise Forbidden(f"this credential lacks the scope this request needs (one of: {', '.join(names)})")


def provide_xapi_version(request: Request[Any, Any, Any]) -> str:
    """The negotiated xAPI version ("1.0.3" or "2.0.0"); also recorded so the response header echoes it."""
    from lrs.xapi import negotiate_version

    version = negotiate_version(request.headers.get("x-experience-api-version"))
    request.scope.setdefault("state", {})["xapi_version"] = version
    return version
