"""`more` paging and the server's page limit (Communication 2.1.3 `limit`, Data 2.5 StatementResult)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from lrs.app import create_app
from lrs.settings import Settings
from tests.conftest import BASE_URL, StoreContext, make_store
from tests.statement_factory import (
    URL,
    Client,
    agent,
    follow_more,
    post,
    post_ok,
    query,
    statement,
)

SMALL_LIMIT = 3
SMALL_BATCH = 5


@pytest.fixture(scope="module")
async def small_client(settings: Settings) -> AsyncIterator[Client]:
    """The real app configured with a page limit of 3 and a batch limit of 5."""
    app = create_app(dataclasses.replace(settings, max_query_limit=SMALL_LIMIT, max_batch_statements=SMALL_BATCH))
    async with AsyncTestClient(app=app, base_url=BASE_URL) as client:
        yield client


async def all_pages(client: Client, store: StoreContext, version: str = "1.0.3", **params: Any) -> list[list[str]]:
    """Every page of a query, following `more` to the end; the ids on each page."""
    result = await query(client, store, version, **params)
    pages = [[s["id"] for s in result["statements"]]]
    while result["more"]:
        result = await follow_more(client, store, result["more"], version)
        pages.append([s["id"] for s in result["statements"]])
    return pages


async def test_more_pages_through_everything_once_in_order(client: Client, store: StoreContext) -> None:
    ids = await post_ok(client, store, [statement(agent(f"l{i}")) for i in range(7)])
    newest_first = await all_pages(client, store, limit=3)
    assert [len(p) for p in newest_first] == [3, 3, 1]
    assert [i for page in newest_first for i in page] == ids[::-1]
    oldest_first = await all_pages(client, store, limit=2, ascending=True)
    assert [i for page in oldest_first for i in page] == ids


async def test_more_keeps_the_filters_and_format(client: Client, store: StoreContext) -> None:
    ann = agent("ann")
    docs = [statement(ann if i % 2 == 0 else agent("bob")) for i in range(6)]
    ids = await post_ok(client, store, docs)
    first = await query(client, store, agent=ann, limit=1, format="ids", ascending=True)
    seen = [first["statements"][0]]
    more = first["more"]
    while more:
        page = await follow_more(client, store, more)
        seen.extend(page["statements"])
        more = page["more"]
    assert [s["id"] for s in seen] == ids[0::2]
    assert all(s["verb"] == {"id": docs[0]["verb"]["id"]} for s in seen), "format=ids must survive paging"


async def test_paging_newest_first_is_unaffected_by_statements_stored_between_pages(
    client: Client, store: StoreContext
) -> None:
    ids = await post_ok(client, store, [statement(agent(f"old{i}")) for i in range(6)])
    first = await query(client, store, limit=2)
    seen = [s["id"] for s in first["statements"]]
    more = first["more"]
    arrived: list[str] = []
    while more:
        arrived += await post_ok(client, store, [statement(agent("new")), statement(agent("newer"))])
        page = await follow_more(client, store, more)
        seen += [s["id"] for s in page["statements"]]
        more = page["more"]
    assert seen == ids[::-1], "no duplicates, no gaps, nothing new slipped in"
    latest = await query(client, store, limit=len(arrived))
    assert [s["id"] for s in latest["statements"]] == arrived[::-1]


async def test_paging_oldest_first_picks_up_statements_stored_between_pages_once(
    client: Client, store: StoreContext
) -> None:
    ids = await post_ok(client, store, [statement(agent(f"old{i}")) for i in range(4)])
    first = await query(client, store, limit=3, ascending=True)
    seen = [s["id"] for s in first["statements"]]
    arrived = await post_ok(client, store, [statement(agent("new")), statement(agent("newer"))])
    more = first["more"]
    while more:
        page = await follow_more(client, store, more)
        seen += [s["id"] for s in page["statements"]]
        more = page["more"]
    assert seen == ids + arrived


async def test_a_more_token_of_another_store_is_rejected(
    client: Client, store: StoreContext, pool: asyncpg.Pool
) -> None:
    await post_ok(client, store, [statement(), statement()])
    more = (await query(client, store, limit=1))["more"]
    other = await make_store(pool)
    response = await client.get(more, headers=other.headers("1.0.3"))
    assert response.status_code == 400
    assert response.json()["path"] == "more"


@pytest.mark.parametrize("token", ["garbage!", "e30", "eyJzdG9yZSI6MX0"])
async def test_a_malformed_more_token_is_400(client: Client, store: StoreContext, token: str) -> None:
    response = await client.get(URL, params={"more": token}, headers=store.headers())
    assert response.status_code == 400
    assert response.json()["path"] == "more"


async def test_more_with_other_parameters_is_400(client: Client, store: StoreContext) -> None:
    await post_ok(client, store, [statement(), statement()])
    more = (await query(client, store, limit=1))["more"]
    response = await client.get(more + "&limit=5", headers=store.headers())
    assert response.status_code == 400


# --- the server's limits ----------------------------------------------------------------------------------------


async def test_limit_zero_and_limits_above_the_maximum_get_the_server_maximum(
    small_client: Client, store: StoreContext
) -> None:
    ids = await post_ok(small_client, store, [statement(agent(f"l{i}")) for i in range(SMALL_BATCH)])
    for limit in (None, 0, SMALL_LIMIT + 1, 10_000):
        params = {} if limit is None else {"limit": str(limit)}
        result = await query(small_client, store, ascending=True, **params)
        assert [s["id"] for s in result["statements"]] == ids[:SMALL_LIMIT], limit
        assert result["more"]
    rest = await follow_more(small_client, store, result["more"])
    assert [s["id"] for s in rest["statements"]] == ids[SMALL_LIMIT:]
    assert rest["more"] == ""


async def test_a_batch_over_the_limit_is_413_and_writes_nothing(
    small_client: Client, store: StoreContext, pool: asyncpg.Pool
) -> None:
    response = await post(small_client, store, [statement(agent(f"l{i}")) for i in range(SMALL_BATCH + 1)])
    assert response.status_code == 413
    assert "X-Experience-API-Version" in response.headers
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM statements WHERE store_id = $1", store.id) == 0
    assert len(await post_ok(small_client, store, [statement() for _ in range(SMALL_BATCH)])) == SMALL_BATCH


async def test_a_body_over_the_size_limit_is_413(settings: Settings, store: StoreContext) -> None:
    app = create_app(dataclasses.replace(settings, max_body_bytes=2048))
    async with AsyncTestClient(app=app, base_url=BASE_URL) as small:
        big = statement(result={"response": "x" * 4096})
        response = await small.post(
            URL,
            content=json.dumps(big).encode(),
            headers=store.headers("1.0.3", **{"Content-Type": "application/json"}),
        )
        assert response.status_code == 413
