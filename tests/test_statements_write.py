"""Storing statements over HTTP: PUT and POST (Communication 2.1.1, 2.1.2; Data 2.3.1, 2.4.9, 2.4.10)."""

from __future__ import annotations

import asyncpg

from lrs.xapi import parse_timestamp
from tests.conftest import StoreContext
from tests.statement_factory import (
    Client,
    account,
    agent,
    count_rows,
    get_one,
    new_id,
    post,
    post_ok,
    put,
    statement,
    voiding,
)

# --- PUT --------------------------------------------------------------------------------------------------------


async def test_put_stores_under_the_given_id_and_answers_204_without_body(client: Client, store: StoreContext) -> None:
    statement_id = new_id()
    response = await put(client, store, statement_id, statement())
    assert response.status_code == 204
    assert response.content == b""
    assert response.headers["X-Experience-API-Version"] == "1.0.3"
    assert "X-Experience-API-Consistent-Through" in response.headers
    stored = await get_one(client, store, statement_id)
    assert stored["id"] == statement_id
    assert stored["actor"] == agent()


async def test_put_accepts_a_body_id_equal_to_the_parameter_in_another_case(
    client: Client, store: StoreContext
) -> None:
    statement_id = new_id()
    response = await put(client, store, statement_id, statement(statement_id=statement_id.upper()))
    assert response.status_code == 204


async def test_put_without_statement_id_is_400(client: Client, store: StoreContext, pool: asyncpg.Pool) -> None:
    response = await put(client, store, None, statement())
    assert response.status_code == 400
    assert response.json()["path"] == "statementId"
    assert (await count_rows(pool, store.id))["statements"] == 0


async def test_put_with_a_statement_id_that_is_not_a_uuid_is_400(client: Client, store: StoreContext) -> None:
    response = await put(client, store, "not-a-uuid", statement())
    assert response.status_code == 400
    assert response.json()["path"] == "statementId"


async def test_put_whose_body_id_differs_from_the_parameter_is_400(
    client: Client, store: StoreContext, pool: asyncpg.Pool
) -> None:
    response = await put(client, store, new_id(), statement(statement_id=new_id()))
    assert response.status_code == 400
    assert response.json()["path"] == "$.id"
    assert (await count_rows(pool, store.id))["statements"] == 0


async def test_put_rejects_an_array_even_of_one_statement(
    client: Client, store: StoreContext, pool: asyncpg.Pool
) -> None:
    response = await put(client, store, new_id(), [statement()])
    assert response.status_code == 400
    assert (await count_rows(pool, store.id))["statements"] == 0


async def test_put_with_an_unknown_parameter_is_400(client: Client, store: StoreContext) -> None:
    response = await client.put(
        "/xapi/statements",
        params={"statementId": new_id(), "verb": "x"},
        content=b"{}",
        headers=store.headers("1.0.3", **{"Content-Type": "application/json"}),
    )
    assert response.status_code == 400
    assert response.json()["path"] == "verb"


async def test_put_of_an_equivalent_statement_again_is_a_204_no_op_even_without_timestamp(
    client: Client, store: StoreContext, pool: asyncpg.Pool
) -> None:
    statement_id = new_id()
    doc = statement()
    assert "timestamp" not in doc
    assert (await put(client, store, statement_id, doc)).status_code == 204
    first = await get_one(client, store, statement_id)
    before = await count_rows(pool, store.id)

    again = await put(client, store, statement_id, doc)
    assert again.status_code == 204
    assert await get_one(client, store, statement_id) == first
    assert await count_rows(pool, store.id) == before


async def test_put_of_a_different_statement_under_a_used_id_is_409_and_changes_nothing(
    client: Client, store: StoreContext, pool: asyncpg.Pool
) -> None:
    statement_id = new_id()
    assert (await put(client, store, statement_id, statement(agent("ann")))).status_code == 204
    first = await get_one(client, store, statement_id)
    before = await count_rows(pool, store.id)

    response = await put(client, store, statement_id, statement(agent("bob")))
    assert response.status_code == 409
    assert await get_one(client, store, statement_id) == first
    assert await count_rows(pool, store.id) == before


# --- POST -------------------------------------------------------------------------------------------------------


async def test_post_of_one_statement_returns_its_new_id(client: Client, store: StoreContext) -> None:
    response = await post(client, store, statement())
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert "X-Experience-API-Consistent-Through" in response.headers
    ids = response.json()
    assert len(ids) == 1
    assert (await get_one(client, store, ids[0]))["id"] == ids[0]


async def test_post_of_an_array_returns_ids_in_request_order(client: Client, store: StoreContext) -> None:
    given = new_id()
    batch = [statement(agent("a")), statement(agent("b"), statement_id=given), statement(agent("c"))]
    ids = await post_ok(client, store, batch)
    assert len(ids) == 3
    assert ids[1] == given
    assert len(set(ids)) == 3
    for statement_id, name in zip(ids, "abc", strict=True):
        assert (await get_one(client, store, statement_id))["actor"] == agent(name)


async def test_post_fills_id_stored_timestamp_authority_and_version(client: Client, store: StoreContext) -> None:
    [statement_id] = await post_ok(client, store, statement())
    stored = await get_one(client, store, statement_id)
    assert stored["authority"] == store.credential.authority
    assert stored["version"] == "1.0.0"
    assert stored["timestamp"] == stored["stored"]
    assert parse_timestamp(stored["stored"]).utc.tzinfo is not None


async def test_post_keeps_a_sent_timestamp_and_version(client: Client, store: StoreContext) -> None:
    doc = statement(timestamp="2024-01-02T03:04:05.678Z", version="1.0.3")
    [statement_id] = await post_ok(client, store, doc)
    stored = await get_one(client, store, statement_id)
    assert parse_timestamp(stored["timestamp"]).millisecond_key() == parse_timestamp(doc["timestamp"]).millisecond_key()
    assert stored["version"] == "1.0.3"
    assert stored["stored"] != stored["timestamp"]


async def test_post_with_2_0_header_sets_version_2_0_0(client: Client, store: StoreContext) -> None:
    [statement_id] = await post_ok(client, store, statement(), version="2.0.0")
    response = await client.get(
        "/xapi/statements", params={"statementId": statement_id}, headers=store.headers("2.0.0")
    )
    assert response.json()["version"] == "2.0.0"
    assert response.headers["X-Experience-API-Version"] == "2.0.0"


async def test_post_overwrites_an_authority_the_client_sent(client: Client, store: StoreContext) -> None:
    forged = account("someone-else")
    [statement_id] = await post_ok(client, store, statement(authority=forged))
    stored = await get_one(client, store, statement_id)
    assert stored["authority"] == store.credential.authority
    assert stored["authority"] != forged


async def test_a_bad_statement_at_index_5_rejects_the_whole_batch_and_names_it(
    client: Client, store: StoreContext, pool: asyncpg.Pool
) -> None:
    batch = [statement(agent(f"learner{i}")) for i in range(8)]
    batch[5]["actor"] = {"objectType": "Agent", "mbox": "learner5@example.com"}  # mbox without mailto:
    response = await post(client, store, batch)
    assert response.status_code == 400
    assert response.json()["path"].startswith("$[5].actor")
    assert await count_rows(pool, store.id) == {
        "statements": 0,
        "agents": 0,
        "activities": 0,
        "definitions": 0,
        "attachments": 0,
        "voided": 0,
    }


async def test_a_batch_repeating_an_id_is_400_and_writes_nothing(
    client: Client, store: StoreContext, pool: asyncpg.Pool
) -> None:
    repeated = new_id()
    batch = [statement(statement_id=repeated), statement(agent("b")), statement(statement_id=repeated.upper())]
    response = await post(client, store, batch)
    assert response.status_code == 400
    assert response.json()["path"] == "$[2].id"
    assert (await count_rows(pool, store.id))["statements"] == 0


async def test_a_conflict_inside_a_batch_is_409_and_writes_nothing(
    client: Client, store: StoreContext, pool: asyncpg.Pool
) -> None:
    taken = new_id()
    await post_ok(client, store, statement(agent("ann"), statement_id=taken))
    before = await count_rows(pool, store.id)
    fresh = new_id()
    batch = [statement(agent("x"), statement_id=fresh), statement(agent("bob"), statement_id=taken)]
    response = await post(client, store, batch)
    assert response.status_code == 409
    assert await count_rows(pool, store.id) == before
    assert (
        await client.get("/xapi/statements", params={"statementId": fresh}, headers=store.headers())
    ).status_code == 404
    assert (await get_one(client, store, taken))["actor"] == agent("ann")


async def test_a_batch_repeating_a_stored_statement_stores_only_the_new_ones(
    client: Client, store: StoreContext, pool: asyncpg.Pool
) -> None:
    known = statement(agent("ann"), statement_id=new_id())
    await post_ok(client, store, known)
    ids = await post_ok(client, store, [known, statement(agent("bob"))])
    assert ids[0] == known["id"]
    assert (await count_rows(pool, store.id))["statements"] == 2


async def test_an_empty_array_is_400(client: Client, store: StoreContext) -> None:
    assert (await post(client, store, [])).status_code == 400


async def test_a_body_that_is_not_json_is_400(client: Client, store: StoreContext) -> None:
    response = await post(client, store, b"{not json")
    assert response.status_code == 400


async def test_post_with_query_parameters_is_400(client: Client, store: StoreContext) -> None:
    response = await client.post(
        "/xapi/statements",
        params={"statementId": new_id()},
        content=b"{}",
        headers=store.headers("1.0.3", **{"Content-Type": "application/json"}),
    )
    assert response.status_code == 400


async def test_post_with_an_unsupported_content_type_is_400(client: Client, store: StoreContext) -> None:
    response = await post(client, store, statement(), **{"Content-Type": "text/plain"})
    assert response.status_code == 400
    assert response.json()["path"] == "Content-Type"


async def test_a_statement_and_its_voiding_statement_in_one_batch_in_either_order(
    client: Client, store: StoreContext, pool: asyncpg.Pool
) -> None:
    for first_target in (True, False):
        target = new_id()
        pair = [statement(statement_id=target), voiding(target)]
        await post_ok(client, store, pair if first_target else pair[::-1])
        response = await client.get("/xapi/statements", params={"statementId": target}, headers=store.headers())
        assert response.status_code == 404, first_target
        voided = await client.get("/xapi/statements", params={"voidedStatementId": target}, headers=store.headers())
        assert voided.status_code == 200, first_target
    assert (await count_rows(pool, store.id))["voided"] == 2


async def test_json_with_a_charset_parameter_is_accepted(client: Client, store: StoreContext) -> None:
    response = await post(client, store, statement(), **{"Content-Type": "application/json; charset=utf-8"})
    assert response.status_code == 200


async def test_ids_are_found_whatever_their_case(client: Client, store: StoreContext) -> None:
    statement_id = new_id()
    await post_ok(client, store, statement(statement_id=statement_id.upper()))
    assert (await get_one(client, store, statement_id))["actor"] == agent()
    assert (await get_one(client, store, statement_id.upper()))["actor"] == agent()
