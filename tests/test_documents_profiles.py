"""Activity Profile and Agent Profile resources (Communication 2.6, 2.7, 3.1): what differs from State."""

from __future__ import annotations

import json
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import StoreContext, make_store

Client = AsyncTestClient[Any]

ACTIVITY_PROFILE = "/xapi/activities/profile"
AGENT_PROFILE = "/xapi/agents/profile"
ACTIVITY = "http://example.com/activities/course-1"
AGENT = json.dumps({"account": {"homePage": "http://lms.example.com", "name": "u-42"}})

RESOURCES = [
    pytest.param(ACTIVITY_PROFILE, {"activityId": ACTIVITY}, id="activity-profile"),
    pytest.param(AGENT_PROFILE, {"agent": AGENT}, id="agent-profile"),
]


def json_headers(store: StoreContext, version: str, **extra: str) -> dict[str, str]:
    return store.headers(version, **{"Content-Type": "application/json", **extra})


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
@pytest.mark.parametrize(("url", "context"), RESOURCES)
async def test_profile_round_trip_and_409_without_preconditions(
    client: Client, store: StoreContext, url: str, context: dict[str, str], version: str
) -> None:
    query = {**context, "profileId": "p1"}
    headers = json_headers(store, version)
    assert (await client.put(url, params=query, content=b'{"v": 1}', headers=headers)).status_code == 204

    got = await client.get(url, params=query, headers=headers)
    assert got.status_code == 200
    assert got.json() == {"v": 1}
    etag = got.headers["ETag"]

    conflict = await client.put(url, params=query, content=b'{"v": 2}', headers=headers)
    assert conflict.status_code == 409
    assert conflict.json()["error"] == "conflict"
    assert (await client.get(url, params=query, headers=headers)).json() == {"v": 1}

    matched = json_headers(store, version, **{"If-Match": etag})
    assert (await client.put(url, params=query, content=b'{"v": 2}', headers=matched)).status_code == 204
    assert (await client.put(url, params=query, content=b'{"v": 3}', headers=matched)).status_code == 412
    assert (await client.get(url, params=query, headers=headers)).json() == {"v": 2}


@pytest.mark.parametrize(("url", "context"), RESOURCES)
async def test_profile_post_merges_and_lists_ids(
    client: Client, store: StoreContext, url: str, context: dict[str, str]
) -> None:
    headers = json_headers(store, "2.0.0")
    for profile_id, body in [("a", b'{"x": 1}'), ("a", b'{"y": 2}'), ("b", b"{}")]:
        response = await client.post(url, params={**context, "profileId": profile_id}, content=body, headers=headers)
        assert response.status_code == 204
    got = await client.get(url, params={**context, "profileId": "a"}, headers=headers)
    assert got.json() == {"x": 1, "y": 2}
    listed = await client.get(url, params=context, headers=headers)
    assert listed.json() == ["a", "b"]
    assert "Last-Modified" in listed.headers
    later = await client.get(url, params={**context, "since": "2999-01-01T00:00:00Z"}, headers=headers)
    assert later.json() == []


@pytest.mark.parametrize(("url", "context"), RESOURCES)
async def test_profile_delete_needs_a_profile_id(
    client: Client, store: StoreContext, url: str, context: dict[str, str]
) -> None:
    headers = json_headers(store, "1.0.3")
    await client.put(url, params={**context, "profileId": "p"}, content=b"{}", headers=headers)
    response = await client.delete(url, params=context, headers=headers)
    assert response.status_code == 400
    assert response.json()["path"] == "profileId"
    assert (await client.delete(url, params={**context, "profileId": "p"}, headers=headers)).status_code == 204
    assert (await client.get(url, params={**context, "profileId": "p"}, headers=headers)).status_code == 404


async def test_agent_profile_takes_an_agent_not_a_group(client: Client, store: StoreContext) -> None:
    group = json.dumps({"objectType": "Group", "mbox": "mailto:team@example.com"})
    response = await client.get(AGENT_PROFILE, params={"agent": group}, headers=store.headers("1.0.3"))
    assert response.status_code == 400
    assert response.json()["path"].startswith("agent")


@pytest.mark.parametrize(
    ("url", "query", "path"),
    [
        (ACTIVITY_PROFILE, {"profileId": "p"}, "activityId"),
        (ACTIVITY_PROFILE, {"activityId": "no scheme", "profileId": "p"}, "activityId"),
        (AGENT_PROFILE, {"profileId": "p"}, "agent"),
        (AGENT_PROFILE, {"agent": "{not json", "profileId": "p"}, "agent"),
        (ACTIVITY_PROFILE, {"activityId": ACTIVITY, "since": "yesterday"}, "since"),
    ],
)
async def test_profile_parameter_errors(
    client: Client, store: StoreContext, url: str, query: dict[str, str], path: str
) -> None:
    response = await client.get(url, params=query, headers=store.headers("2.0.0"))
    assert response.status_code == 400
    assert response.json()["path"].startswith(path)


async def test_the_same_id_in_different_resources_is_different_documents(client: Client, store: StoreContext) -> None:
    headers = json_headers(store, "1.0.3")
    await client.put(ACTIVITY_PROFILE, params={"activityId": ACTIVITY, "profileId": "p"}, content=b"1", headers=headers)
    await client.put(AGENT_PROFILE, params={"agent": AGENT, "profileId": "p"}, content=b"2", headers=headers)
    activity = await client.get(ACTIVITY_PROFILE, params={"activityId": ACTIVITY, "profileId": "p"}, headers=headers)
    agent = await client.get(AGENT_PROFILE, params={"agent": AGENT, "profileId": "p"}, headers=headers)
    assert (activity.content, agent.content) == (b"1", b"2")


async def test_profile_scopes(client: Client, pool: asyncpg.Pool) -> None:
    state_only = await make_store(pool, ("state",))
    profile = await make_store(pool, ("profile",))
    query = {"activityId": ACTIVITY, "profileId": "p"}
    put_state_only = await client.put(
        ACTIVITY_PROFILE, params=query, content=b"{}", headers=json_headers(state_only, "1.0.3")
    )
    assert put_state_only.status_code == 403
    put_profile = await client.put(
        ACTIVITY_PROFILE, params=query, content=b"{}", headers=json_headers(profile, "1.0.3")
    )
    assert put_profile.status_code == 204


@pytest.mark.parametrize(("url", "context"), RESOURCES)
async def test_profiles_are_invisible_across_stores(
    client: Client, store: StoreContext, pool: asyncpg.Pool, url: str, context: dict[str, str]
) -> None:
    other = await make_store(pool)
    query = {**context, "profileId": "p"}
    await client.put(url, params=query, content=b"{}", headers=json_headers(store, "1.0.3"))
    assert (await client.get(url, params=query, headers=other.headers("1.0.3"))).status_code == 404
    assert (await client.get(url, params=context, headers=other.headers("1.0.3"))).json() == []
    # Creating the same profile in the other store is not a conflict with this store's.
    assert (await client.put(url, params=query, content=b"{}", headers=json_headers(other, "1.0.3"))).status_code == 204
