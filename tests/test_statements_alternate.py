"""Alternate request syntax (Communication 1.3): `POST /statements?method=X` with a form body; 1.0.3 only."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import asyncpg

from tests.conftest import StoreContext
from tests.statement_factory import URL, Client, agent, count_rows, get_one, new_id, post_ok, statement

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def alternate(
    client: Client,
    method: str,
    form: dict[str, str],
    *,
    query: str | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    url = f"{URL}?method={method}" if query is None else f"{URL}?{query}"
    return await client.post(url, content=urlencode(form).encode(), headers={**FORM, **(headers or {})})


def header_fields(store: StoreContext, version: str = "1.0.3") -> dict[str, str]:
    """Authorization and the version as form fields, as a browser without custom headers sends them."""
    return {"Authorization": store.auth, "X-Experience-API-Version": version}


async def test_put_through_the_form_stores_the_statement(client: Client, store: StoreContext) -> None:
    statement_id = new_id()
    form = {
        **header_fields(store),
        "statementId": statement_id,
        "Content-Type": "application/json",
        "content": json.dumps(statement(agent("ann"))),
    }
    response = await alternate(client, "PUT", form)
    assert response.status_code == 204, response.text
    assert (await get_one(client, store, statement_id))["actor"] == agent("ann")


async def test_post_through_the_form_returns_ids(client: Client, store: StoreContext) -> None:
    form = {**header_fields(store), "content": json.dumps([statement(), statement(agent("b"))])}
    response = await alternate(client, "POST", form)
    assert response.status_code == 200, response.text
    assert len(response.json()) == 2


async def test_get_through_the_form_reads_one_statement_and_queries(client: Client, store: StoreContext) -> None:
    [first, second] = await post_ok(client, store, [statement(agent("ann")), statement(agent("bob"))])
    one = await alternate(client, "GET", {**header_fields(store), "statementId": first})
    assert one.status_code == 200, one.text
    assert one.json()["id"] == first
    assert one.headers["X-Experience-API-Version"] == "1.0.3"

    listing = await alternate(client, "GET", {**header_fields(store), "agent": json.dumps(agent("bob"))})
    assert [s["id"] for s in listing.json()["statements"]] == [second]


async def test_headers_sent_normally_still_count(client: Client, store: StoreContext) -> None:
    [statement_id] = await post_ok(client, store, statement())
    response = await alternate(client, "GET", {"statementId": statement_id}, headers=store.headers("1.0.3"))
    assert response.status_code == 200


async def test_the_form_is_rejected_for_2_0(client: Client, store: StoreContext, pool: asyncpg.Pool) -> None:
    form = {**header_fields(store, "2.0.0"), "content": json.dumps(statement())}
    response = await alternate(client, "POST", form)
    assert response.status_code == 400
    from_header = await alternate(client, "POST", {"content": json.dumps(statement())}, headers=store.headers("2.0.0"))
    assert from_header.status_code == 400
    assert (await count_rows(pool, store.id))["statements"] == 0


async def test_other_query_parameters_beside_method_are_400(
    client: Client, store: StoreContext, pool: asyncpg.Pool
) -> None:
    form = {**header_fields(store), "content": json.dumps(statement())}
    response = await alternate(client, "PUT", form, query=f"method=PUT&statementId={new_id()}")
    assert response.status_code == 400
    assert response.json()["path"] == "method"
    assert "X-Experience-API-Version" in response.headers
    assert (await count_rows(pool, store.id))["statements"] == 0


async def test_an_unknown_method_is_400(client: Client, store: StoreContext) -> None:
    response = await alternate(client, "PATCH", header_fields(store))
    assert response.status_code == 400


async def test_a_body_that_is_not_a_form_is_400(client: Client, store: StoreContext) -> None:
    response = await client.post(
        f"{URL}?method=GET", content=b"{}", headers=store.headers("1.0.3", **{"Content-Type": "application/json"})
    )
    assert response.status_code == 400


async def test_the_form_needs_credentials_like_any_request(client: Client, store: StoreContext) -> None:
    response = await alternate(client, "GET", {"X-Experience-API-Version": "1.0.3"})
    assert response.status_code == 401
