"""Identifiers the store indexes have a length limit: an over-long one is a clear 400, never a 500."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from lrs.xapi._syntax import MAX_IDENTIFIER_LENGTH
from tests.conftest import StoreContext

LONG = "http://example.com/" + "a" * MAX_IDENTIFIER_LENGTH


def _statement(**overrides: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "actor": {"mbox": "mailto:ann@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
        "object": {"id": "http://example.com/activities/1"},
    }
    statement.update(overrides)
    return statement


async def _rejected(client: AsyncTestClient[Any], store: StoreContext, statement: dict[str, Any], path: str) -> None:
    response = await client.post("/xapi/statements", json=statement, headers=store.headers())
    assert response.status_code == 400, response.text
    assert response.json()["path"] == path
    listing = await client.get("/xapi/statements", headers=store.headers())
    assert listing.json()["statements"] == []


async def test_overlong_activity_id_is_400(client: AsyncTestClient[Any], store: StoreContext) -> None:
    await _rejected(client, store, _statement(object={"id": LONG}), "$.object.id")


async def test_overlong_verb_id_is_400(client: AsyncTestClient[Any], store: StoreContext) -> None:
    await _rejected(client, store, _statement(verb={"id": LONG}), "$.verb.id")


async def test_overlong_account_name_is_400(client: AsyncTestClient[Any], store: StoreContext) -> None:
    actor = {"account": {"homePage": "http://lms.example.com", "name": "n" * (MAX_IDENTIFIER_LENGTH + 1)}}
    await _rejected(client, store, _statement(actor=actor), "$.actor.account.name")


async def test_identifier_at_the_limit_is_stored(client: AsyncTestClient[Any], store: StoreContext) -> None:
    at_limit = "http://example.com/" + "b" * (MAX_IDENTIFIER_LENGTH - len("http://example.com/"))
    response = await client.post("/xapi/statements", json=_statement(object={"id": at_limit}), headers=store.headers())
    assert response.status_code == 200, response.text
