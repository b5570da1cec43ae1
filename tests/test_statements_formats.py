"""The `format` parameter (exact, ids, canonical), Accept-Language, canonical definitions and the
scopes that may change them (Communication 2.1.3, 4.2; Data 2.4.4.1)."""

from __future__ import annotations

from typing import Any

import asyncpg

from tests.conftest import StoreContext
from tests.statement_factory import (
    ACTIVITY,
    Client,
    activity,
    add_credential,
    agent,
    get,
    group,
    post_ok,
    query,
    statement,
)

COURSE = {"name": {"en-US": "Course one", "fr-FR": "Cours un", "de": "Kurs eins"}, "type": "http://example.com/t"}


async def read(
    client: Client, store: StoreContext, statement_id: str, fmt: str, language: str | None = None
) -> dict[str, Any]:
    headers = store.headers("1.0.3")
    if language is not None:
        headers["Accept-Language"] = language
    response = await client.get(
        "/xapi/statements", params={"statementId": statement_id, "format": fmt}, headers=headers
    )
    assert response.status_code == 200, response.text
    doc: dict[str, Any] = response.json()
    return doc


async def test_exact_returns_what_was_sent_plus_what_the_lrs_adds(client: Client, store: StoreContext) -> None:
    sent = statement(
        {**agent("ann"), "name": "Ann"},
        obj=activity(ACTIVITY, **COURSE),
        result={"score": {"scaled": 0.5}, "extensions": {"http://example.com/x": {"deep": [1, 2]}}},
    )
    [statement_id] = await post_ok(client, store, sent)
    got = await read(client, store, statement_id, "exact")
    added = {"id", "stored", "timestamp", "authority", "version"}
    assert set(got) == set(sent) | added
    assert {k: v for k, v in got.items() if k not in added} == sent


async def test_ids_reduces_agents_activities_and_verbs_to_their_identifiers(
    client: Client, store: StoreContext
) -> None:
    team = group("team", {**agent("a"), "name": "A"}, identified=False)
    sent = statement(
        {**agent("ann"), "name": "Ann"},
        obj=activity(ACTIVITY, **COURSE),
        context={"team": team, "contextActivities": {"parent": [activity("http://example.com/p", **COURSE)]}},
    )
    [statement_id] = await post_ok(client, store, sent)
    got = await read(client, store, statement_id, "ids")
    assert got["actor"] == agent("ann")
    assert got["verb"] == {"id": sent["verb"]["id"]}
    assert got["object"] == {"id": ACTIVITY}
    assert got["context"]["contextActivities"]["parent"] == [{"id": "http://example.com/p"}]
    assert got["context"]["team"]["member"] == [agent("a")]
    assert "name" not in got["authority"]


async def test_canonical_keeps_one_language_per_map_chosen_by_accept_language(
    client: Client, store: StoreContext
) -> None:
    sent = statement(agent("ann"), obj=activity(ACTIVITY, **COURSE))
    sent["verb"]["display"] = {"en-US": "experienced", "fr-FR": "a vécu"}
    [statement_id] = await post_ok(client, store, sent)

    french = await read(client, store, statement_id, "canonical", "fr-FR, en;q=0.5")
    assert french["object"]["definition"]["name"] == {"fr-FR": "Cours un"}
    assert french["verb"]["display"] == {"fr-FR": "a vécu"}
    assert french["actor"] == sent["actor"]

    german = await read(client, store, statement_id, "canonical", "de")
    assert german["object"]["definition"]["name"] == {"de": "Kurs eins"}
    assert len(german["verb"]["display"]) == 1

    unknown = await read(client, store, statement_id, "canonical", "ja")
    assert len(unknown["object"]["definition"]["name"]) == 1


async def test_canonical_definitions_merge_only_from_credentials_with_define(
    client: Client, store: StoreContext, pool: asyncpg.Pool
) -> None:
    writer = await add_credential(pool, store, ["statements/write", "statements/read"])
    [defining] = await post_ok(client, store, statement(obj=activity(ACTIVITY, **COURSE)))
    [ignored] = await post_ok(
        client, writer, statement(agent("bob"), obj=activity(ACTIVITY, name={"en-US": "HIJACKED"}))
    )
    [extending] = await post_ok(
        client, store, statement(obj=activity(ACTIVITY, description={"en-US": "The first course"}))
    )

    for statement_id in (defining, ignored, extending):
        got = await read(client, store, statement_id, "canonical", "en-US")
        assert got["object"]["definition"]["name"] == {"en-US": "Course one"}
        assert got["object"]["definition"]["description"] == {"en-US": "The first course"}
        assert got["object"]["definition"]["type"] == COURSE["type"]

    exact = await read(client, store, ignored, "exact")
    assert exact["object"]["definition"] == {"name": {"en-US": "HIJACKED"}}


async def test_canonical_applies_to_listings_and_context_activities(client: Client, store: StoreContext) -> None:
    await post_ok(client, store, statement(obj=activity("http://example.com/p", **COURSE)))
    [statement_id] = await post_ok(
        client, store, statement(context={"contextActivities": {"parent": {"id": "http://example.com/p"}}})
    )
    headers = {**store.headers("1.0.3"), "Accept-Language": "de"}
    response = await client.get("/xapi/statements", params={"format": "canonical", "limit": "1"}, headers=headers)
    [listed] = response.json()["statements"]
    assert listed["id"] == statement_id
    assert listed["context"]["contextActivities"]["parent"][0]["definition"]["name"] == {"de": "Kurs eins"}


async def test_a_listing_in_ids_format_is_a_statement_result(client: Client, store: StoreContext) -> None:
    await post_ok(client, store, statement({**agent("ann"), "name": "Ann"}))
    result = await query(client, store, format="ids")
    assert result["statements"][0]["actor"] == agent("ann")
    assert result["more"] == ""


async def test_an_unknown_format_is_400(client: Client, store: StoreContext) -> None:
    response = await get(client, store, format="full")
    assert response.status_code == 400
    assert response.json()["path"] == "format"
