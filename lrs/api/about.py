"""`/xapi/about` (no credentials needed) and `/health`."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import HttpMethod, MediaType, Request, Response, get, route
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from analytics.profile import profile_iri
from lrs import __version__
from lrs.xapi import SUPPORTED_VERSIONS


@route(
    "/xapi/about",
    http_method=[HttpMethod.GET, HttpMethod.HEAD],
    summary="Supported xAPI versions",
    tags=["xAPI"],
    sync_to_thread=False,
)
def about(request: Request[Any, Any, Any]) -> Response[bytes]:
    base = request.app.state.settings.base_url
    body = msgspec.json.encode(
        {
            "version": list(SUPPORTED_VERSIONS),
            "extensions": {
                f"{base}/xapi/extensions/lrs": {"name": "lrs", "version": __version__},
                # The xAPI Profile of the insight statements the analytics write (served by lrs/api/profile.py).
                f"{base}/xapi/extensions/insights-profile": {"id": profile_iri(base), "url": profile_iri(base)},
            },
        }
    )
    if request.method == HttpMethod.HEAD:
        return Response(b"", media_type=MediaType.JSON, headers={"Content-Length": str(len(body))})
    return Response(body, media_type=MediaType.JSON)


@get("/health", summary="PostgreSQL and Redis reachable", tags=["Operations"])
async def health(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    checks: dict[str, str] = {}
    try:
        async with request.app.state.pool.acquire(timeout=2) as conn:
            await conn.fetchval("SELECT 1")
        checks["postgres"] = "ok"
    except Exception as exc:
        checks["postgres"] = f"unavailable: {type(exc).__name__}"
    checks["redis"] = "ok" if await request.app.state.hinter.ping() else "unavailable"
    healthy = all(v == "ok" for v in checks.values())
    return Response(
        {"status": "ok" if healthy else "degraded", **checks},
        status_code=HTTP_200_OK if healthy else HTTP_503_SERVICE_UNAVAILABLE,
    )
