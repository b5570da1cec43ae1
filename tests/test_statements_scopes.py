"""Who may read and write statements (Communication 4.2 scopes), including `statements/read/mine`."""

from __future__ import annotations

import asyncpg

from tests.conftest import StoreContext, make_store
from tests.statement_factory import (
    Client,
    add_credential,
    agent,
    follow_more,
    get,
    new_id,
    post,
    post_ok,
    query,
    query_ids,
    statement,
    voiding,
)


async def test_read_mine_sees_only_statements_it_stored_itself(
    client: Client, store: StoreContext, pool: asyncpg.Pool
) -> None:
    mine = await add_credential(pool, store, ["statements/write", "statements/read/mine"])
    others = await post_ok(client, store, [statement(agent("ann")), statement(agent("bob"))])
    own = await post_ok(client, mine, [statement(agent("ann")), statement(agent("cy")), statement(agent("dee"))])

    assert await query_ids(client, mine, ascending=True) == own
    assert await query_ids(client, mine, agent=agent("ann")) == [own[0]]
    assert (await get(client, mine, statementId=others[0])).status_code == 404
    assert (await get(client, mine, statementId=own[0])).status_code == 200
    assert sorted(await query_ids(client, store)) == sorted(others + own), "an all-scope credential sees everything"

    page = await query(client, mine, limit=2)
    rest = await follow_more(client, mine, page["more"])
    assert [s["id"] for s in page["statements"] + rest["statements"]] == own[::-1]


async def test_read_mine_does_not_reach_others_statements_through_references(
    client: Client, store: StoreContext, pool: asyncpg.Pool
) -> None:
    mine = await add_credential(pool, store, ["statements/write", "statements/read/mine"])
    [theirs] = await post_ok(client, store, statement(agent("ann")))
    [mine_voided] = await post_ok(client, mine, statement(agent("ann")))
    [their_voider] = await post_ok(client, store, voiding(mine_voided))
    assert await query_ids(client, mine, agent=agent("ann")) == []
    assert (await get(client, mine, voidedStatementId=mine_voided)).status_code == 200
    assert their_voider not in await query_ids(client, mine, related_agents=True, agent=store.credential.authority)
    assert theirs in await query_ids(client, store, agent=agent("ann"))


async def test_a_read_only_credential_cannot_store(client: Client, store: StoreContext, pool: asyncpg.Pool) -> None:
    reader = await add_credential(pool, store, ["statements/read"])
    response = await post(client, reader, statement())
    assert response.status_code == 403
    assert (await query(client, reader))["statements"] == []


async def test_a_write_only_credential_cannot_read(client: Client, store: StoreContext, pool: asyncpg.Pool) -> None:
    writer = await add_credential(pool, store, ["statements/write"])
    [statement_id] = await post_ok(client, writer, statement())
    assert (await get(client, writer, statementId=statement_id)).status_code == 403
    assert (await get(client, writer)).status_code == 403


async def test_requests_without_valid_credentials_are_401(client: Client, store: StoreContext) -> None:
    headers = {"X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"}
    assert (await client.get("/xapi/statements", headers=headers)).status_code == 401
    wrong = {**headers, "Authorization": "Basic " + "bm90OnJpZ2h0"}
    response = await client.post("/xapi/statements", content=b"{}", headers=wrong)
    assert response.status_code == 401
    assert "WWW-Authenticate" in response.headers


async def test_stores_are_separate_for_ids_voiding_and_definitions(
    client: Client, store: StoreContext, pool: asyncpg.Pool
) -> None:
    other = await make_store(pool)
    shared_id = new_id()
    await post_ok(client, store, statement(agent("ann"), statement_id=shared_id))
    await post_ok(client, other, statement(agent("bob"), statement_id=shared_id))
    await post_ok(client, other, voiding(shared_id))
    [ours] = (await query(client, store))["statements"]
    assert ours["id"] == shared_id
    assert ours["actor"] == agent("ann")
    assert (await get(client, other, statementId=shared_id)).status_code == 404
