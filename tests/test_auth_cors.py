"""CORS: any origin on the xAPI endpoints by default, none on /admin unless configured; preflights answered
without credentials; CORS headers on errors too, so browser content can read a 401."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from lrs.app import create_app
from lrs.security.cors import CorsPolicy
from lrs.settings import Settings
from tests.conftest import BASE_URL, StoreContext

Client = AsyncTestClient[Any]
CONTENT = "https://content.example"
XAPI_HEADERS = "Authorization, Content-Type, X-Experience-API-Version, If-Match"


def preflight(origin: str, method: str = "PUT", headers: str = XAPI_HEADERS) -> dict[str, str]:
    return {"Origin": origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers}


async def test_a_preflight_needs_no_credentials_and_allows_the_xapi_headers(client: Client) -> None:
    response = await client.options("/xapi/statements", headers=preflight(CONTENT))
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert {"GET", "PUT", "POST", "DELETE", "HEAD"} <= {
        m.strip() for m in response.headers["Access-Control-Allow-Methods"].split(",")
    }
    allowed = {h.strip() for h in response.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "x-experience-api-version", "if-match"} <= allowed
    assert int(response.headers["Access-Control-Max-Age"]) > 0
    assert "Access-Control-Allow-Credentials" not in response.headers


async def test_a_preflight_for_a_document_resource(client: Client) -> None:
    response = await client.options("/xapi/activities/state", headers=preflight(CONTENT, "DELETE"))
    assert response.status_code == 204


async def test_an_unsupported_method_fails_the_preflight(client: Client) -> None:
    response = await client.options("/xapi/statements", headers=preflight(CONTENT, "PATCH"))
    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response.headers


async def test_errors_carry_cors_headers_so_browsers_can_read_them(client: Client) -> None:
    response = await client.get("/xapi/statements", headers={"Origin": CONTENT, "X-Experience-API-Version": "1.0.3"})
    assert response.status_code == 401
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    exposed = {h.strip().lower() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"x-experience-api-version", "x-experience-api-consistent-through", "etag", "www-authenticate"} <= exposed


async def test_a_successful_cross_origin_request(client: Client, store: StoreContext) -> None:
    response = await client.get("/xapi/statements", headers=store.headers(Origin=CONTENT))
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"


async def test_same_origin_requests_get_no_cors_headers(client: Client, store: StoreContext) -> None:
    response = await client.get("/xapi/statements", headers=store.headers())
    assert "Access-Control-Allow-Origin" not in response.headers


async def test_administration_is_closed_to_other_origins_by_default(client: Client, store: StoreContext) -> None:
    assert (await client.options("/admin/stores", headers=preflight(CONTENT, "GET"))).status_code == 403
    response = await client.get("/admin/stores", headers=store.headers(Origin=CONTENT))
    assert response.status_code == 200  # the server answers; the browser withholds it from the page
    assert "Access-Control-Allow-Origin" not in response.headers


async def test_a_plain_options_request_is_not_a_preflight(client: Client) -> None:
    response = await client.options("/xapi/statements", headers={"Origin": CONTENT})
    assert response.status_code == 204
    assert "Allow" in response.headers


@pytest.fixture(scope="module")
async def listed_client(settings: Settings) -> AsyncIterator[Client]:
    app = create_app(
        dataclasses.replace(
            settings, cors_origins=("https://lms.example",), admin_cors_origins=("https://admin.example",)
        )
    )
    async with AsyncTestClient(app=app, base_url=BASE_URL) as client:
        yield client


async def test_listed_origins_are_echoed_and_varied_on(listed_client: Client, store: StoreContext) -> None:
    response = await listed_client.options("/xapi/statements", headers=preflight("https://lms.example"))
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "https://lms.example"
    assert "Origin" in response.headers["Vary"]
    actual = await listed_client.get("/xapi/statements", headers=store.headers(Origin="https://lms.example"))
    assert actual.headers["Access-Control-Allow-Origin"] == "https://lms.example"


async def test_unlisted_origins_are_refused(listed_client: Client, store: StoreContext) -> None:
    assert (await listed_client.options("/xapi/statements", headers=preflight(CONTENT))).status_code == 403
    actual = await listed_client.get("/xapi/statements", headers=store.headers(Origin=CONTENT))
    assert "Access-Control-Allow-Origin" not in actual.headers
    assert "Origin" in actual.headers["Vary"]


async def test_admin_origins_are_separate(listed_client: Client) -> None:
    admin = await listed_client.options("/admin/stores", headers=preflight("https://admin.example", "POST"))
    assert admin.status_code == 204
    assert admin.headers["Access-Control-Allow-Origin"] == "https://admin.example"
    xapi = await listed_client.options("/xapi/statements", headers=preflight("https://admin.example"))
    assert xapi.status_code == 403
    lms_on_admin = await listed_client.options("/admin/stores", headers=preflight("https://lms.example", "GET"))
    assert lms_on_admin.status_code == 403


def test_origin_matching_ignores_case_and_a_trailing_slash() -> None:
    policy = CorsPolicy(("https://LMS.example/",))
    assert policy.allows("https://lms.example")
    assert not policy.allows("https://lms.example.evil")
    assert not CorsPolicy(()).allows("https://lms.example")
    assert CorsPolicy(("*",)).allows("null")
