"""CORS: which web origins may call the LRS from a browser, per path prefix.

xAPI content runs in browsers on any origin, so the xAPI (and analytics) endpoints allow any origin by default
(`LRS_CORS_ORIGINS`); administration allows none unless `LRS_ADMIN_CORS_ORIGINS` names some. Credentials travel in
the Authorization header, never in cookies, so `Access-Control-Allow-Credentials` is never sent and `*` is safe.

A preflight (OPTIONS with Origin and Access-Control-Request-Method) is answered here, before authentication — a
browser never sends credentials on it — with 204 and the allowed methods and headers, or 403 for an origin or
method that is not allowed. Other requests from an allowed origin get `Access-Control-Allow-Origin` and the
headers clients must read (`X-Experience-API-Version`, `ETag`, ...) exposed, errors included.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from litestar.enums import ScopeType
from litestar.middleware import DefineMiddleware
from litestar.types import (
    ASGIApp,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    Message,
    Receive,
    Scope,
    Send,
)

from lrs.settings import Settings

ADMIN_PREFIX = "/admin"
ALLOWED_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE")
MAX_AGE_SECONDS = 3600
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # an HTTP header name (RFC 9110 token)


@dataclass(frozen=True, slots=True)
class CorsPolicy:
    """The origins allowed on a group of paths; `*` allows any, no origins allows none."""

    origins: tuple[str, ...]

    @property
    def any_origin(self) -> bool:
        return "*" in self.origins

    def allows(self, origin: str) -> bool:
        return self.any_origin or origin.rstrip("/").lower() in {o.rstrip("/").lower() for o in self.origins}


class CorsMiddleware:
    """ASGI middleware applying the policy of the longest matching path prefix (else `default`)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        default: CorsPolicy,
        by_prefix: Sequence[tuple[str, CorsPolicy]] = (),
        expose_headers: Sequence[str] = (),
    ) -> None:
        self.app = app
        self.default = default
        self.by_prefix = sorted(by_prefix, key=lambda item: len(item[0]), reverse=True)
        self.expose = ", ".join(expose_headers)

    def policy_for(self, path: str) -> CorsPolicy:
        for prefix, policy in self.by_prefix:
            if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
                return policy
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        origin = _header(scope, b"origin") if scope["type"] == ScopeType.HTTP else None
        if origin is None:
            await self.app(scope, receive, send)
            return
        policy = self.policy_for(scope["path"])
        requested_method = _header(scope, b"access-control-request-method")
        if scope.get("method") == "OPTIONS" and requested_method is not None:
            await self._preflight(policy, origin, requested_method, scope, send)
            return
        await self.app(scope, receive, self._with_headers(policy, origin, send))

    def _allow_origin(self, policy: CorsPolicy, origin: str) -> list[tuple[bytes, bytes]]:
        if policy.any_origin:
            return [(b"access-control-allow-origin", b"*")]
        return [(b"access-control-allow-origin", origin.encode("latin-1")), (b"vary", b"Origin")]

    async def _preflight(self, policy: CorsPolicy, origin: str, method: str, scope: Scope, send: Send) -> None:
        if not policy.allows(origin):
            await _respond(send, 403, b"CORS: this origin may not call these endpoints")
            return
        if method.strip().upper() not in ALLOWED_METHODS:
            await _respond(send, 403, f"CORS: method {method!r} is not allowed".encode("latin-1", "replace"))
            return
        requested = _header(scope, b"access-control-request-headers") or ""
        names = [n.strip().lower() for n in requested.split(",") if _TOKEN.fullmatch(n.strip())]
        headers = [
            *self._allow_origin(policy, origin),
            (b"access-control-allow-methods", ", ".join(ALLOWED_METHODS).encode()),
            (b"access-control-max-age", str(MAX_AGE_SECONDS).encode()),
        ]
        if names:
            headers.append((b"access-control-allow-headers", ", ".join(names).encode("latin-1")))
        await _send(send, 204, headers, b"")

    def _with_headers(self, policy: CorsPolicy, origin: str, send: Send) -> Send:
        allowed = policy.allows(origin)

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if allowed:
                    headers += self._allow_origin(policy, origin)
                    if self.expose:
                        headers.append((b"access-control-expose-headers", self.expose.encode()))
                elif not policy.any_origin:
                    headers.append((b"vary", b"Origin"))
                message["headers"] = headers
            await send(message)

        return send_with_cors


def cors_middleware(settings: Settings, expose_headers: Sequence[str]) -> DefineMiddleware:
    """The app's CORS layer: `LRS_CORS_ORIGINS` everywhere, `LRS_ADMIN_CORS_ORIGINS` under `/admin`."""
    return DefineMiddleware(
        CorsMiddleware,
        default=CorsPolicy(tuple(settings.cors_origins)),
        by_prefix=[(ADMIN_PREFIX, CorsPolicy(tuple(settings.admin_cors_origins)))],
        expose_headers=[*expose_headers, "WWW-Authenticate"],
    )


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value).decode("latin-1")
    return None


async def _respond(send: Send, status: int, text: bytes) -> None:
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(text)).encode())]
    await _send(send, status, headers, text)


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    start: HTTPResponseStartEvent = {"type": "http.response.start", "status": status, "headers": headers}
    end: HTTPResponseBodyEvent = {"type": "http.response.body", "body": body, "more_body": False}
    await send(start)
    await send(end)
