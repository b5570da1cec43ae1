"""Request-scoped dependencies shared by the controllers: who is calling, and may they."""

from __future__ import annotations

from typing import Any

import asyncpg
from litestar import Request

from lrs.errors import Forbidden
from lrs.security.authn import Principal
from lrs.security.scopes import Scope, grants
from lrs.settings import Settings


async def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    authenticator = request.app.state.authenticator
    principal: Principal = await authenticator.authenticate(request.headers.get("authorization"))
    return principal


def provide_pool(request: Request[Any, Any, Any]) -> asyncpg.Pool:
    return request.app.state.pool


def provide_settings(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def require(principal: Principal, *needed: Scope) -> None:
    """403 unless the credential holds at least one of `needed` (directly or by implication)."""
    if not any(grants(principal.scopes, scope) for scope in needed):
        names = " or ".join(s.value for s in needed)
        raise Forbidden(f"this credential lacks the scope this request needs ({names})")


def provide_xapi_version(request: Request[Any, Any, Any]) -> str:
    """The negotiated xAPI version ("1.0.3" or "2.0.0"); also recorded so the response header echoes it."""
    from lrs.xapi import negotiate_version

    version = negotiate_version(request.headers.get("x-experience-api-version"))
    request.scope.setdefault("state", {})["xapi_version"] = version
    return version
