"""Communication 1.1: HEAD answers like GET without a body (Statement resource and About)."""

from __future__ import annotations

import pytest

from conformance_tests import expect
from conformance_tests.client import XAPIClient
from conformance_tests.factory import Factory
from conformance_tests.requirements import requirement

SECTION = "Communication 1.1"


@requirement(SECTION, "HEAD statements?statementId MUST answer like GET (200) without a message body")
def test_head_statement(lrs: XAPIClient, factory: Factory) -> None:
    statement_id = lrs.store(factory.statement())
    get = expect.status(lrs.fetch(statement_id), 200)
    assert expect.json_body(get).get("id") == statement_id, expect.describe(get)
    head = expect.status(lrs.request("HEAD", "statements", params={"statementId": statement_id}), 200)
    assert head.content == b"", "HEAD returned a body"
    assert expect.content_type(head) == expect.content_type(get)


@requirement(SECTION, "HEAD of an unknown statement MUST answer 404 like GET")
def test_head_unknown_statement(lrs: XAPIClient, factory: Factory) -> None:
    expect.status(lrs.request("HEAD", "statements", params={"statementId": factory.uuid()}), 404)


@requirement(SECTION, "HEAD of a statement query MUST answer like GET (200) without a message body")
def test_head_query(lrs: XAPIClient) -> None:
    head = expect.status(lrs.request("HEAD", "statements", params={"limit": 1}), 200)
    assert head.content == b""


@pytest.mark.parametrize("params", [{"limit": "x"}, {"unknownParam": "1"}], ids=["bad-value", "unknown-param"])
@requirement(SECTION, "HEAD with invalid parameters MUST answer 400 like GET")
def test_head_invalid(lrs: XAPIClient, params: dict[str, str]) -> None:
    expect.status(lrs.request("HEAD", "statements", params=params), 400)


@requirement(SECTION, "HEAD without credentials MUST answer 401 like GET")
def test_head_unauthenticated(lrs: XAPIClient) -> None:
    expect.status(lrs.request("HEAD", "statements", params={"limit": 1}, auth=None), 401)
