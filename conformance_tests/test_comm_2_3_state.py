"""Communication 2.3: State resource specifics — registration scoping and multiple-document DELETE."""

from __future__ import annotations

import json

from conformance_tests import expect
from conformance_tests.client import XAPIClient
from conformance_tests.documents import STATE, Documents
from conformance_tests.factory import Factory
from conformance_tests.requirements import requirement

SECTION = "Communication 2.3"


@requirement(SECTION, "A State document is scoped by registration: the same stateId with another registration differs")
def test_registration_scopes_documents(lrs: XAPIClient, factory: Factory) -> None:
    docs = Documents(lrs, STATE)
    scope = STATE.scope(factory)
    with_reg = {**scope, "registration": factory.uuid()}
    docs.create(scope, "bookmark", {"where": "no registration"})
    docs.create(with_reg, "bookmark", {"where": "registration"})
    assert json.loads(docs.content(scope, "bookmark")) == {"where": "no registration"}
    assert json.loads(docs.content(with_reg, "bookmark")) == {"where": "registration"}


@requirement(SECTION, "GET of State ids with a registration MUST return only that registration's ids")
def test_ids_by_registration(lrs: XAPIClient, factory: Factory) -> None:
    docs = Documents(lrs, STATE)
    scope = STATE.scope(factory)
    reg_a, reg_b = {**scope, "registration": factory.uuid()}, {**scope, "registration": factory.uuid()}
    docs.create(reg_a, "a1", {"n": 1})
    docs.create(reg_a, "a2", {"n": 2})
    docs.create(reg_b, "b1", {"n": 3})
    ids = expect.json_body(expect.status(docs.get(reg_a, None), 200))
    expect.same_set(ids, ["a1", "a2"], "state ids of registration A")


@requirement(SECTION, "DELETE without stateId MUST delete all State documents of the context (204)")
def test_delete_all_in_context(lrs: XAPIClient, factory: Factory) -> None:
    docs = Documents(lrs, STATE)
    scope = STATE.scope(factory)
    for state_id in ("one", "two", "three"):
        docs.create(scope, state_id, {"id": state_id})
    expect.status(docs.send("DELETE", scope, None), 204)
    assert expect.json_body(expect.status(docs.get(scope, None), 200)) == []
    expect.status(docs.get(scope, "one"), 404)


@requirement(SECTION, "DELETE without stateId but with a registration MUST delete only that registration's documents")
def test_delete_all_in_registration(lrs: XAPIClient, factory: Factory) -> None:
    docs = Documents(lrs, STATE)
    scope = STATE.scope(factory)
    reg_a, reg_b = {**scope, "registration": factory.uuid()}, {**scope, "registration": factory.uuid()}
    docs.create(reg_a, "a", {"n": 1})
    docs.create(reg_b, "b", {"n": 2})
    expect.status(docs.send("DELETE", reg_a, None), 204)
    expect.status(docs.get(reg_a, "a"), 404)
    assert json.loads(docs.content(reg_b, "b")) == {"n": 2}


@requirement(SECTION, "DELETE without stateId MUST NOT delete documents of another agent or activity")
def test_delete_all_keeps_other_contexts(lrs: XAPIClient, factory: Factory) -> None:
    docs = Documents(lrs, STATE)
    scope = STATE.scope(factory)
    other_agent = {**scope, "agent": factory.agent()}
    docs.create(scope, "mine", {"n": 1})
    docs.create(other_agent, "theirs", {"n": 2})
    expect.status(docs.send("DELETE", scope, None), 204)
    assert json.loads(docs.content(other_agent, "theirs")) == {"n": 2}
    expect.status(docs.get(scope, "mine"), 404)


@requirement("Data 2.2", "The registration parameter MUST be a UUID (400 otherwise)")
def test_invalid_registration_rejected(lrs: XAPIClient, factory: Factory) -> None:
    docs = Documents(lrs, STATE)
    scope = {**STATE.scope(factory), "registration": "not-a-uuid"}
    expect.rejected(docs.send("PUT", scope, "doc", {"a": 1}, headers={"If-None-Match": "*"}))
