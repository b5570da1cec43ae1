"""`/xapi/about`, `/health`, the version header and the JSON error shape."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient


async def test_about_lists_both_versions_without_credentials(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/xapi/about", headers={"X-Experience-API-Version": "1.0.3"})
    assert response.status_code == 200
    assert response.json()["version"] == ["1.0.3", "2.0.0"]
    assert response.headers["X-Experience-API-Version"] in ("1.0.3", "2.0.0")


async def test_about_answers_without_a_version_header(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/xapi/about")
    assert response.status_code == 200
    assert "X-Experience-API-Version" in response.headers


async def test_health_reports_postgres_and_redis(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "postgres": "ok", "redis": "ok"}


async def test_unknown_route_is_a_json_404(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/xapi/no-such-resource", headers={"X-Experience-API-Version": "1.0.3"})
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


async def test_cors_preflight_is_answered(client: AsyncTestClient[Any]) -> None:
    response = await client.options(
        "/xapi/about",
        headers={
            "Origin": "https://content.example.org",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization,x-experience-api-version",
        },
    )
    assert response.status_code in (200, 204)
    assert response.headers["access-control-allow-origin"] in ("*", "https://content.example.org")
