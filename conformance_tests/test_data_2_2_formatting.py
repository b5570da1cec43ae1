"""Data 2.2 / 2.4: statement structure — required properties, types, nulls, key case, unknown keys."""

from __future__ import annotations

import json

import pytest

from conformance_tests import expect, flows
from conformance_tests.cases import Case, single
from conformance_tests.cases.statements import INVALID_STATEMENTS
from conformance_tests.client import XAPIClient
from conformance_tests.factory import Factory
from conformance_tests.requirements import requirement

SECTION = "Data 2.2"


@pytest.mark.parametrize("case", single(INVALID_STATEMENTS))
def test_invalid_statement_rejected_on_post(lrs: XAPIClient, factory: Factory, case: Case) -> None:
    expect.rejected(lrs.post_statements(case.value(factory)))


@pytest.mark.parametrize("case", single(INVALID_STATEMENTS))
def test_invalid_statement_rejected_on_put(lrs: XAPIClient, factory: Factory, case: Case) -> None:
    statement = case.value(factory)
    statement_id = statement.get("id") if isinstance(statement.get("id"), str) and statement["id"] else None
    expect.rejected(lrs.put_statement(statement, statement_id or factory.uuid()))


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"{", id="truncated-json"),
        pytest.param(b"{'actor': 1}", id="single-quoted-json"),
        pytest.param(b"", id="empty-body"),
        pytest.param(b"null", id="json-null"),
        pytest.param(b'"a statement"', id="json-string"),
        pytest.param(b"42", id="json-number"),
        pytest.param(b"true", id="json-boolean"),
        pytest.param(b"{}", id="empty-object"),
        pytest.param(b"[1, 2]", id="array-of-numbers"),
    ],
)
@requirement("Communication 3.2", "Malformed JSON or an invalid object structure MUST be rejected with 400")
def test_malformed_body_rejected(lrs: XAPIClient, body: bytes) -> None:
    response = lrs.request("POST", "statements", content=body, headers={"Content-Type": "application/json"})
    expect.rejected(response)


@requirement(SECTION, "A Statement MUST use each property no more than one time (reject, or keep one value whole)")
def test_duplicate_property_not_silently_merged(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement()
    second_verb = factory.verb("repeated")
    text = json.dumps(statement)[:-1] + ', "verb": ' + json.dumps(second_verb) + "}"
    response = lrs.request("POST", "statements", content=text.encode(), headers={"Content-Type": "application/json"})
    # Behaviour with repeated keys is undefined (Data 2.2): the LRS may reject the request or parse
    # it as JSON parsers do, keeping one of the two values whole; a server error or a mix is wrong.
    expect.status(response, 200, 400)
    if response.status_code == 200:
        verb = lrs.fetch_json(statement["id"])["verb"]
        assert verb in (statement["verb"], second_verb), f"the stored verb mixes both values: {verb!r}"


@requirement(SECTION, "Properties MAY be used in any order")
def test_property_order_irrelevant(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.full_statement()
    reordered = dict(reversed(list(statement.items())))
    flows.preserved(lrs, reordered)


@requirement(SECTION, "Null values are allowed inside extensions")
def test_nulls_inside_extensions_accepted(lrs: XAPIClient, factory: Factory) -> None:
    key = "http://conformance.example.org/ext/nullable"
    statement = factory.statement(
        result={"extensions": {key: None}}, context={"extensions": {key: {"nested": None, "list": [None]}}}
    )
    flows.preserved(lrs, statement)


@requirement(SECTION, "The LRS MUST NOT return a different serialization of any property except the listed exceptions")
def test_full_statement_round_trip(lrs: XAPIClient, factory: Factory) -> None:
    flows.preserved(lrs, factory.full_statement())
