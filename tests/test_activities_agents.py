"""The Activities (Communication 2.5) and Agents (2.4) resources, fed by statements stored through the API."""

from __future__ import annotations

import json
import uuid
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import StoreContext, make_store

Client = AsyncTestClient[Any]

ACTIVITIES = "/xapi/activities"
AGENTS = "/xapi/agents"
VERB = {"id": "http://adlnet.gov/expapi/verbs/experienced"}


def unique_iri() -> str:
    return f"http://example.com/activities/{uuid.uuid4()}"


def statement(actor: dict[str, Any], obj: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"actor": actor, "verb": VERB, "object": obj, **extra}


async def store_statements(client: Client, store: StoreContext, *statements: dict[str, Any]) -> None:
    response = await client.post("/xapi/statements", json=list(statements), headers=store.headers("2.0.0"))
    assert response.status_code == 200, response.text


async def get_activity(client: Client, store: StoreContext, activity_id: str) -> Any:
    return await client.get(ACTIVITIES, params={"activityId": activity_id}, headers=store.headers("1.0.3"))


async def get_person(client: Client, store: StoreContext, agent: dict[str, Any]) -> Any:
    return await client.get(AGENTS, params={"agent": json.dumps(agent)}, headers=store.headers("1.0.3"))


# --- Activities --------------------------------------------------------------------------------------------------


async def test_an_unknown_activity_is_still_an_activity_object(client: Client, store: StoreContext) -> None:
    activity_id = unique_iri()
    response = await get_activity(client, store, activity_id)
    assert response.status_code == 200
    assert response.json() == {"objectType": "Activity", "id": activity_id}


async def test_the_definition_is_merged_from_statements(client: Client, store: StoreContext) -> None:
    activity_id = unique_iri()
    learner = {"mbox": "mailto:a@example.com"}
    english = {"name": {"en-US": "example meeting"}, "type": "http://adlnet.gov/expapi/activities/meeting"}
    french = {"name": {"fr-FR": "réunion"}}
    await store_statements(
        client,
        store,
        statement(learner, {"objectType": "Activity", "id": activity_id, "definition": english}),
        statement(learner, {"objectType": "Activity", "id": activity_id, "definition": french}),
    )
    response = await get_activity(client, store, activity_id)
    assert response.status_code == 200
    body = response.json()
    assert body["objectType"] == "Activity"
    assert body["id"] == activity_id
    assert body["definition"]["name"] == {"en-US": "example meeting", "fr-FR": "réunion"}
    assert body["definition"]["type"] == "http://adlnet.gov/expapi/activities/meeting"


async def test_statements_without_define_permission_do_not_define(client: Client, pool: asyncpg.Pool) -> None:
    writer = await make_store(pool, ("statements/write", "statements/read"))
    activity_id = unique_iri()
    definition = {"name": {"en-US": "should not stick"}}
    obj = {"objectType": "Activity", "id": activity_id, "definition": definition}
    await store_statements(client, writer, statement({"mbox": "mailto:b@example.com"}, obj))
    assert (await get_activity(client, writer, activity_id)).json() == {"objectType": "Activity", "id": activity_id}


async def test_head_activity(client: Client, store: StoreContext) -> None:
    response = await client.head(ACTIVITIES, params={"activityId": unique_iri()}, headers=store.headers("2.0.0"))
    assert response.status_code == 200
    assert response.content == b""


@pytest.mark.parametrize(
    ("query", "path"),
    [
        ({}, "activityId"),
        ({"activityId": "not an IRI"}, "activityId"),
        ({"activityId": "http://example.com/a", "agent": "{}"}, "agent"),
        ({"activityid": "http://example.com/a"}, "activityid"),
    ],
)
async def test_activity_parameter_errors(client: Client, store: StoreContext, query: dict[str, str], path: str) -> None:
    response = await client.get(ACTIVITIES, params=query, headers=store.headers("1.0.3"))
    assert response.status_code == 400
    assert response.json()["path"] == path


async def test_activity_definitions_stay_in_their_store(
    client: Client, store: StoreContext, pool: asyncpg.Pool
) -> None:
    other = await make_store(pool)
    activity_id = unique_iri()
    obj = {"objectType": "Activity", "id": activity_id, "definition": {"name": {"en": "mine"}}}
    await store_statements(client, store, statement({"mbox": "mailto:c@example.com"}, obj))
    assert "definition" in (await get_activity(client, store, activity_id)).json()
    assert (await get_activity(client, other, activity_id)).json() == {"objectType": "Activity", "id": activity_id}


# --- Agents ------------------------------------------------------------------------------------------------------


async def test_an_unknown_agent_is_a_person_with_its_own_information(client: Client, store: StoreContext) -> None:
    agent = {"objectType": "Agent", "name": "Nobody Yet", "mbox": f"mailto:{uuid.uuid4()}@example.com"}
    response = await get_person(client, store, agent)
    assert response.status_code == 200
    assert response.json() == {"objectType": "Person", "name": ["Nobody Yet"], "mbox": [agent["mbox"]]}


async def test_a_person_gathers_the_names_seen_in_statements(client: Client, store: StoreContext) -> None:
    mbox = f"mailto:{uuid.uuid4()}@example.com"
    instructor = {"mbox": mbox, "name": "Dr. Ada"}
    await store_statements(
        client,
        store,
        statement({"mbox": mbox, "name": "Ada"}, {"objectType": "Activity", "id": unique_iri()}),
        statement(
            {"mbox": "mailto:someone@example.com"},
            {"objectType": "Activity", "id": unique_iri()},
            context={"instructor": instructor},
        ),
    )
    person = (await get_person(client, store, {"mbox": mbox})).json()
    assert person["objectType"] == "Person"
    assert sorted(person["name"]) == ["Ada", "Dr. Ada"]
    assert person["mbox"] == [mbox]


@pytest.mark.parametrize(
    "agent",
    [
        {"mbox_sha1sum": "ebd31e95054c018b10727ccffd2ef2ec3a016ee9"},
        {"openid": "http://openid.example.com/ada"},
        {"account": {"homePage": "http://lms.example.com", "name": "ada"}},
    ],
)
async def test_person_identifier_arrays(client: Client, store: StoreContext, agent: dict[str, Any]) -> None:
    await store_statements(client, store, statement({**agent, "name": "Ada"}, {"id": unique_iri()}))
    person = (await get_person(client, store, agent)).json()
    ((key, value),) = agent.items()
    assert person == {"objectType": "Person", "name": ["Ada"], key: [value]}


async def test_head_person(client: Client, store: StoreContext) -> None:
    response = await client.head(AGENTS, params={"agent": '{"mbox": "mailto:h@example.com"}'}, headers=store.headers())
    assert response.status_code == 200
    assert response.content == b""


@pytest.mark.parametrize(
    ("query", "path"),
    [
        ({}, "agent"),
        ({"agent": "not json"}, "agent"),
        ({"agent": '{"name": "no identifier"}'}, "agent"),
        ({"agent": '{"objectType": "Group", "mbox": "mailto:g@example.com"}'}, "agent"),
        ({"agent": '{"mbox": "mailto:a@example.com"}', "Agent": "x"}, "Agent"),
    ],
)
async def test_agent_parameter_errors(client: Client, store: StoreContext, query: dict[str, str], path: str) -> None:
    response = await client.get(AGENTS, params=query, headers=store.headers("2.0.0"))
    assert response.status_code == 400
    assert response.json()["path"].startswith(path)


async def test_person_names_stay_in_their_store(client: Client, store: StoreContext, pool: asyncpg.Pool) -> None:
    other = await make_store(pool)
    mbox = f"mailto:{uuid.uuid4()}@example.com"
    await store_statements(client, store, statement({"mbox": mbox, "name": "Secret Name"}, {"id": unique_iri()}))
    assert (await get_person(client, store, {"mbox": mbox})).json()["name"] == ["Secret Name"]
    assert (await get_person(client, other, {"mbox": mbox})).json() == {"objectType": "Person", "mbox": [mbox]}


async def test_scopes(client: Client, pool: asyncpg.Pool) -> None:
    writer = await make_store(pool, ("statements/write", "state", "profile"))
    reader = await make_store(pool, ("all/read",))
    definer = await make_store(pool, ("define",))
    agent = {"mbox": "mailto:s@example.com"}
    assert (await get_activity(client, writer, unique_iri())).status_code == 403
    assert (await get_person(client, writer, agent)).status_code == 403
    assert (await get_activity(client, reader, unique_iri())).status_code == 200
    assert (await get_person(client, reader, agent)).status_code == 200
    assert (await get_activity(client, definer, unique_iri())).status_code == 200
