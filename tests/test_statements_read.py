"""Reading statements: single GET, voided statements, HEAD, parameters, headers and version negotiation
(Communication 2.1.3, 2.1.4, 1.1, 3.3; the 2.0 delta items 1, 5 and 8)."""

from __future__ import annotations

from email.utils import parsedate_to_datetime

import asyncpg
import pytest

from lrs.xapi import parse_timestamp
from tests.conftest import StoreContext, make_store
from tests.statement_factory import (
    URL,
    Client,
    agent,
    get,
    get_one,
    new_id,
    post,
    post_ok,
    query,
    statement,
    voiding,
)

# --- single statements ------------------------------------------------------------------------------------------


async def test_get_by_statement_id_returns_the_statement_with_last_modified_equal_to_stored(
    client: Client, store: StoreContext
) -> None:
    [statement_id] = await post_ok(client, store, statement())
    response = await get(client, store, statementId=statement_id)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    doc = response.json()
    assert doc["id"] == statement_id
    last_modified = parsedate_to_datetime(response.headers["Last-Modified"])
    assert last_modified == parse_timestamp(doc["stored"]).utc.replace(microsecond=0)
    consistent = parse_timestamp(response.headers["X-Experience-API-Consistent-Through"]).utc
    assert consistent >= parse_timestamp(doc["stored"]).utc


async def test_an_unknown_statement_id_is_404(client: Client, store: StoreContext) -> None:
    response = await get(client, store, statementId=new_id())
    assert response.status_code == 404
    assert response.headers["X-Experience-API-Version"] == "1.0.3"


async def test_statements_of_another_store_are_invisible(
    client: Client, store: StoreContext, pool: asyncpg.Pool
) -> None:
    other = await make_store(pool)
    [statement_id] = await post_ok(client, other, statement())
    assert (await get(client, store, statementId=statement_id)).status_code == 404
    assert (await query(client, store))["statements"] == []


async def test_a_voided_statement_is_hidden_from_statement_id_and_served_by_voided_statement_id(
    client: Client, store: StoreContext
) -> None:
    [target] = await post_ok(client, store, statement())
    [voider] = await post_ok(client, store, voiding(target))

    assert (await get(client, store, statementId=target)).status_code == 404
    voided = await get(client, store, voidedStatementId=target)
    assert voided.status_code == 200
    assert voided.json()["id"] == target
    assert "Last-Modified" in voided.headers
    assert (await get_one(client, store, voider))["object"]["id"] == target
    assert (await get(client, store, voidedStatementId=voider)).status_code == 404


async def test_voided_statement_id_of_a_statement_that_is_not_voided_is_404(
    client: Client, store: StoreContext
) -> None:
    [statement_id] = await post_ok(client, store, statement())
    assert (await get(client, store, voidedStatementId=statement_id)).status_code == 404


async def test_a_voiding_statement_cannot_be_voided(client: Client, store: StoreContext) -> None:
    [target] = await post_ok(client, store, statement())
    [voider] = await post_ok(client, store, voiding(target))
    await post_ok(client, store, voiding(voider))
    assert (await get_one(client, store, voider))["id"] == voider


async def test_a_statement_stored_after_its_voiding_statement_is_voided(client: Client, store: StoreContext) -> None:
    target = new_id()
    await post_ok(client, store, voiding(target))
    await post_ok(client, store, statement(statement_id=target))
    assert (await get(client, store, statementId=target)).status_code == 404
    assert (await get(client, store, voidedStatementId=target)).status_code == 200


@pytest.mark.parametrize(
    ("params", "path"),
    [
        ({"statementId": "S", "voidedStatementId": "S"}, "statementId"),
        ({"statementId": "S", "verb": "http://example.com/v"}, "verb"),
        ({"statementId": "S", "limit": "1"}, "limit"),
        ({"voidedStatementId": "S", "ascending": "true"}, "ascending"),
        ({"statementId": "not-a-uuid"}, "statementId"),
    ],
)
async def test_single_statement_parameter_rules(
    client: Client, store: StoreContext, params: dict[str, str], path: str
) -> None:
    statement_id = new_id()
    sent = {k: statement_id if v == "S" else v for k, v in params.items()}
    response = await get(client, store, **sent)
    assert response.status_code == 400
    assert response.json()["path"] == path


async def test_statement_id_may_come_with_format_and_attachments(client: Client, store: StoreContext) -> None:
    [statement_id] = await post_ok(client, store, statement())
    response = await get(client, store, statementId=statement_id, format="ids", attachments="false")
    assert response.status_code == 200
    assert response.json()["verb"] == {"id": statement()["verb"]["id"]}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("format", "full"),
        ("ascending", "yes"),
        ("limit", "-1"),
        ("limit", "ten"),
        ("since", "yesterday"),
        ("agent", '{"name": "no ifi"}'),
        ("agent", "not json"),
        ("registration", "12"),
        ("verb", "not an iri"),
        ("unknown", "1"),
    ],
)
async def test_invalid_query_parameters_are_400_naming_the_parameter(
    client: Client, store: StoreContext, name: str, value: str
) -> None:
    response = await get(client, store, **{name: value})
    assert response.status_code == 400
    assert response.json()["path"].startswith(name)


# --- HEAD and headers -------------------------------------------------------------------------------------------


async def test_head_answers_like_get_without_a_body(client: Client, store: StoreContext) -> None:
    [statement_id] = await post_ok(client, store, statement())
    single = await client.head(URL, params={"statementId": statement_id}, headers=store.headers())
    assert single.status_code == 200
    assert single.content == b""
    assert single.headers["X-Experience-API-Version"] == "1.0.3"
    assert "X-Experience-API-Consistent-Through" in single.headers
    assert "Last-Modified" in single.headers
    listing = await client.head(URL, headers=store.headers())
    assert listing.status_code == 200
    assert listing.content == b""
    missing = await client.head(URL, params={"statementId": new_id()}, headers=store.headers())
    assert missing.status_code == 404
    assert missing.content == b""


async def test_an_empty_store_answers_an_empty_statement_result(client: Client, store: StoreContext) -> None:
    response = await get(client, store)
    assert response.status_code == 200
    assert response.json() == {"statements": [], "more": ""}
    assert "X-Experience-API-Consistent-Through" in response.headers


async def test_every_statement_response_carries_the_version_header(client: Client, store: StoreContext) -> None:
    responses = [
        await post(client, store, statement()),
        await post(client, store, b"[1]"),
        await get(client, store),
        await get(client, store, statementId=new_id()),
        await get(client, store, "2.0.0", verb="nope"),
        await client.get(URL, headers={"X-Experience-API-Version": "1.0.3"}),
    ]
    assert [r.headers.get("X-Experience-API-Version") for r in responses] == ["1.0.3"] * 4 + ["2.0.0", "1.0.3"]
    assert responses[-1].status_code == 401


# --- version negotiation ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["1.0.0", "1.0.1", "1.0.2", "1.0.3", "1.0", "2.0.0"])
async def test_supported_versions_are_accepted(client: Client, store: StoreContext, version: str) -> None:
    response = await post(client, store, statement(), version=version)
    assert response.status_code == 200, response.text
    assert (await get(client, store, version, statementId=response.json()[0])).status_code == 200


@pytest.mark.parametrize("version", ["0.95", "1.1.0", "3.0.0", "abc"])
async def test_unsupported_versions_are_400(client: Client, store: StoreContext, version: str) -> None:
    assert (await post(client, store, statement(), version=version)).status_code == 400
    assert (await get(client, store, version)).status_code == 400


async def test_a_missing_version_header_is_400(client: Client, store: StoreContext) -> None:
    response = await client.get(URL, headers={"Authorization": store.auth})
    assert response.status_code == 400
    assert response.json()["path"] == "X-Experience-API-Version"


async def test_a_2_0_statement_read_with_a_1_0_3_header_loses_context_agents_and_shows_1_0_0(
    client: Client, store: StoreContext
) -> None:
    doc = statement(
        context={
            "contextAgents": [{"objectType": "contextAgent", "agent": agent("coach")}],
            "contextGroups": [
                {"objectType": "contextGroup", "group": {"objectType": "Group", "member": [agent("peer")]}}
            ],
            "platform": "web",
        }
    )
    [statement_id] = await post_ok(client, store, doc, version="2.0.0")
    as_v2 = await get_one(client, store, statement_id, version="2.0.0")
    assert as_v2["version"] == "2.0.0"
    assert as_v2["context"]["contextAgents"] == doc["context"]["contextAgents"]

    as_v1 = await get_one(client, store, statement_id, version="1.0.3")
    assert as_v1["version"] == "1.0.0"
    assert as_v1["context"] == {"platform": "web"}
    listed = (await query(client, store, "1.0.3"))["statements"]
    assert listed[0]["version"] == "1.0.0"
    assert "contextAgents" not in listed[0]["context"]


async def test_context_agents_are_rejected_in_a_1_0_3_request(client: Client, store: StoreContext) -> None:
    doc = statement(context={"contextAgents": [{"objectType": "contextAgent", "agent": agent("coach")}]})
    response = await post(client, store, doc, version="1.0.3")
    assert response.status_code == 400
