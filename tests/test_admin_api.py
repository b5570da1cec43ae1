"""The admin API: operators (admin credentials of the `default` store) manage every store, store admins only
their own; secrets are shown once; revocation is immediate here and within the cache time elsewhere."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from lrs.app import create_app
from lrs.security.credentials import issue_credential
from lrs.settings import Settings
from lrs.store import stores
from tests.conftest import BASE_URL, StoreContext, make_store

Client = AsyncTestClient[Any]
VERSION = {"X-Experience-API-Version": "1.0.3"}


def basic(key: str, secret: str) -> dict[str, str]:
    return {**VERSION, "Authorization": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()}


def unique(prefix: str = "acme") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
async def operator(pool: asyncpg.Pool) -> dict[str, str]:
    async with pool.acquire() as conn:
        default = await stores.ensure_store(conn, stores.DEFAULT_STORE)
        issued = await issue_credential(conn, store_id=default.id, base_url=BASE_URL, scopes=["admin"])
    return basic(issued.key, issued.secret)


@pytest.fixture
async def store_admin(pool: asyncpg.Pool) -> StoreContext:
    return await make_store(pool, scopes=("admin",))


# --- stores -----------------------------------------------------------------------------------------------------


async def test_an_operator_creates_and_lists_stores(client: Client, operator: dict[str, str]) -> None:
    name = unique()
    created = await client.post("/admin/stores", json={"name": name}, headers=operator)
    assert created.status_code == 201
    assert created.json()["name"] == name
    assert created.json()["active_credentials"] == 0
    listed = await client.get("/admin/stores", headers=operator)
    assert listed.status_code == 200
    assert name in {s["name"] for s in listed.json()}
    again = await client.post("/admin/stores", json={"name": name}, headers=operator)
    assert again.status_code == 409


@pytest.mark.parametrize("name", ["", "Upper", "has space", "-leading", "x" * 64, "a/b"])
async def test_store_names_are_plain(client: Client, operator: dict[str, str], name: str) -> None:
    response = await client.post("/admin/stores", json={"name": name}, headers=operator)
    assert response.status_code == 400
    assert response.json()["path"] == "name"


async def test_a_store_admin_sees_only_its_store_and_cannot_create_stores(
    client: Client, store_admin: StoreContext
) -> None:
    listed = await client.get("/admin/stores", headers=store_admin.headers())
    assert [s["name"] for s in listed.json()] == [store_admin.name]
    response = await client.post("/admin/stores", json={"name": unique()}, headers=store_admin.headers())
    assert response.status_code == 403


async def test_without_the_admin_scope_everything_is_403(client: Client, pool: asyncpg.Pool) -> None:
    store = await make_store(pool, scopes=("all", "all/read", "analytics"))
    base = f"/admin/stores/{store.name}/credentials"
    for response in (
        await client.get("/admin/stores", headers=store.headers()),
        await client.post("/admin/stores", json={"name": unique()}, headers=store.headers()),
        await client.get(base, headers=store.headers()),
        await client.post(base, json={"scopes": ["all"]}, headers=store.headers()),
        await client.delete(f"{base}/{store.credential.key}", headers=store.headers()),
    ):
        assert response.status_code == 403


async def test_without_credentials_everything_is_401(client: Client) -> None:
    response = await client.get("/admin/stores")
    assert response.status_code == 401
    assert "WWW-Authenticate" in response.headers


# --- credentials ------------------------------------------------------------------------------------------------


async def test_a_store_admin_issues_a_working_credential_shown_once(client: Client, store_admin: StoreContext) -> None:
    base = f"/admin/stores/{store_admin.name}/credentials"
    created = await client.post(
        base, json={"scopes": ["statements/read"], "label": "reports"}, headers=store_admin.headers()
    )
    assert created.status_code == 201
    issued = created.json()
    assert issued["scopes"] == ["statements/read"]
    assert issued["store"] == store_admin.name
    assert issued["authority"]["account"] == {"homePage": BASE_URL, "name": issued["key"]}
    new = basic(issued["key"], issued["secret"])
    assert (await client.get("/xapi/statements", headers=new)).status_code == 200
    assert (await client.post("/xapi/statements", json=[], headers=new)).status_code == 403

    listed = (await client.get(base, headers=store_admin.headers())).json()
    mine = next(c for c in listed if c["key"] == issued["key"])
    assert mine["label"] == "reports" and mine["active"] is True
    assert "secret" not in mine and "secret_hash" not in mine
    assert issued["secret"] not in str(listed)


async def test_omitted_scopes_are_the_spec_default(client: Client, store_admin: StoreContext) -> None:
    response = await client.post(
        f"/admin/stores/{store_admin.name}/credentials", json={}, headers=store_admin.headers()
    )
    assert sorted(response.json()["scopes"]) == ["statements/read/mine", "statements/write"]


async def test_a_given_authority_is_written_into_statements(client: Client, store_admin: StoreContext) -> None:
    authority = {"objectType": "Agent", "name": "Moodle", "mbox": "mailto:moodle@school.example"}
    issued = (
        await client.post(
            f"/admin/stores/{store_admin.name}/credentials",
            json={"scopes": ["all"], "authority": authority},
            headers=store_admin.headers(),
        )
    ).json()
    headers = basic(issued["key"], issued["secret"])
    statement_id = str(uuid.uuid4())
    body = {
        "id": statement_id,
        "actor": {"mbox": "mailto:learner@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
        "object": {"id": "http://example.com/activities/a"},
    }
    assert (await client.post("/xapi/statements", json=body, headers=headers)).status_code == 200
    stored = (await client.get("/xapi/statements", params={"statementId": statement_id}, headers=headers)).json()
    assert stored["authority"]["mbox"] == "mailto:moodle@school.example"


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"scopes": ["statements/writ"]}, "scopes"),
        ({"scopes": []}, "scopes"),
        ({"scopes": ["all"], "expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),
        ({"scopes": ["all"], "expires_at": "2099-01-01T00:00:00"}, "expires_at"),
        ({"scopes": ["all"], "authority": {"objectType": "Agent", "name": "no identifier"}}, "authority"),
        ({"scopes": ["all"], "secret": "chosen"}, None),
        ({"scopes": "all"}, None),
    ],
)
async def test_bad_credential_requests_are_400(
    client: Client, store_admin: StoreContext, body: dict[str, Any], path: str | None
) -> None:
    response = await client.post(
        f"/admin/stores/{store_admin.name}/credentials", json=body, headers=store_admin.headers()
    )
    assert response.status_code == 400
    if path is not None:
        assert response.json()["path"].startswith(path)


async def test_bodies_must_be_json(client: Client, store_admin: StoreContext) -> None:
    response = await client.post(
        f"/admin/stores/{store_admin.name}/credentials",
        content=b'{"scopes": ["all"]}',
        headers={**store_admin.headers(), "Content-Type": "text/plain"},
    )
    assert response.status_code == 400


async def test_an_expiring_credential_is_listed_with_its_expiry(client: Client, store_admin: StoreContext) -> None:
    expires = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
    issued = (
        await client.post(
            f"/admin/stores/{store_admin.name}/credentials",
            json={"scopes": ["state"], "expires_at": expires.isoformat()},
            headers=store_admin.headers(),
        )
    ).json()
    assert datetime.fromisoformat(issued["expires_at"]) == expires


async def test_a_store_admin_cannot_touch_another_store_and_learns_nothing_about_it(
    client: Client, store_admin: StoreContext, store: StoreContext
) -> None:
    answers = []
    for name in (store.name, f"no-such-{uuid.uuid4().hex[:8]}"):
        base = f"/admin/stores/{name}/credentials"
        for response in (
            await client.get(base, headers=store_admin.headers()),
            await client.post(base, json={"scopes": ["all"]}, headers=store_admin.headers()),
            await client.delete(f"{base}/{store.credential.key}", headers=store_admin.headers()),
        ):
            answers.append((response.status_code, response.json()))
    assert {status for status, _ in answers} == {403}
    assert answers[:3] == answers[3:]
    # The credential of the other store was not revoked.
    assert (await client.get("/xapi/statements", headers=store.headers())).status_code == 200


async def test_an_operator_manages_any_store(client: Client, operator: dict[str, str], store: StoreContext) -> None:
    base = f"/admin/stores/{store.name}/credentials"
    assert store.credential.key in {c["key"] for c in (await client.get(base, headers=operator)).json()}
    created = await client.post(base, json={"scopes": ["statements/write"]}, headers=operator)
    assert created.status_code == 201 and created.json()["store"] == store.name
    missing = await client.get(f"/admin/stores/no-such-{uuid.uuid4().hex[:8]}/credentials", headers=operator)
    assert missing.status_code == 404


# --- revocation -------------------------------------------------------------------------------------------------


async def test_revocation_through_the_api_is_immediate_in_this_process(
    client: Client, store_admin: StoreContext
) -> None:
    base = f"/admin/stores/{store_admin.name}/credentials"
    issued = (await client.post(base, json={"scopes": ["all"]}, headers=store_admin.headers())).json()
    headers = basic(issued["key"], issued["secret"])
    assert (await client.get("/xapi/statements", headers=headers)).status_code == 200  # now cached
    revoked = await client.delete(f"{base}/{issued['key']}", headers=store_admin.headers())
    assert revoked.status_code == 204
    assert (await client.get("/xapi/statements", headers=headers)).status_code == 401
    listed = (await client.get(base, headers=store_admin.headers())).json()
    entry = next(c for c in listed if c["key"] == issued["key"])
    assert entry["active"] is False and entry["revoked_at"] is not None
    assert (await client.delete(f"{base}/{issued['key']}", headers=store_admin.headers())).status_code == 404


async def test_revocation_reaches_another_app_instance_within_the_cache_time(
    client: Client, settings: Settings, store_admin: StoreContext
) -> None:
    base = f"/admin/stores/{store_admin.name}/credentials"
    issued = (await client.post(base, json={"scopes": ["all"]}, headers=store_admin.headers())).json()
    headers = basic(issued["key"], issued["secret"])
    other_app = create_app(dataclasses.replace(settings, credential_cache_seconds=0.5))
    async with AsyncTestClient(app=other_app, base_url=BASE_URL) as other:
        assert (await other.get("/xapi/statements", headers=headers)).status_code == 200  # cached over there
        assert (await client.delete(f"{base}/{issued['key']}", headers=store_admin.headers())).status_code == 204
        await asyncio.sleep(0.6)
        assert (await other.get("/xapi/statements", headers=headers)).status_code == 401


# --- documentation ----------------------------------------------------------------------------------------------


async def test_the_admin_api_is_in_the_openapi_schema(client: Client) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    assert {"/admin/stores", "/admin/stores/{store}/credentials", "/admin/stores/{store}/credentials/{key}"} <= set(
        schema["paths"]
    )
    assert set(schema["components"]["securitySchemes"]) == {"basic", "bearer"}
    create = schema["paths"]["/admin/stores/{store}/credentials"]["post"]
    assert "requestBody" in create and "201" in create["responses"]
