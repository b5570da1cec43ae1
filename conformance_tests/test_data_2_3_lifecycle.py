"""Data 2.3: immutability (re-sent ids and statement comparison) and voiding."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from conformance_tests import expect, flows
from conformance_tests.client import XAPIClient
from conformance_tests.compare import assert_preserved
from conformance_tests.factory import JSON, Factory
from conformance_tests.requirements import requirement

IMMUTABLE = "Data 2.3.1"
VOIDING = "Data 2.3.2"
VOIDED = "Communication 2.1.4"

Change = Callable[[Factory, JSON], None]


def _timestamp_other_zone(f: Factory, s: JSON) -> None:
    s["timestamp"] = "2024-05-06T09:08:09.123+02:00"


def _members_reordered(f: Factory, s: JSON) -> None:
    s["actor"]["member"].reverse()


def _version_added(f: Factory, s: JSON) -> None:
    s["version"] = "1.0.0"


def _authority_added(f: Factory, s: JSON) -> None:
    s["authority"] = f.agent(name="Another Authority")


def _stored_added(f: Factory, s: JSON) -> None:
    s["stored"] = "2020-01-01T00:00:00Z"


def _verb_display_changed(f: Factory, s: JSON) -> None:
    s["verb"]["display"] = {"en-GB": "experienced (GB)"}


def _definition_changed(f: Factory, s: JSON) -> None:
    s["object"]["definition"] = {"name": {"en-US": "A renamed activity"}}


def _mbox_domain_case(f: Factory, s: JSON) -> None:
    local, _, domain = s["context"]["instructor"]["mbox"].partition("@")
    s["context"]["instructor"]["mbox"] = f"{local}@{domain.upper()}"


def _base(factory: Factory) -> JSON:
    statement = factory.statement(actor=factory.group(identified=False, members=3))
    statement["timestamp"] = "2024-05-06T07:08:09.123Z"
    statement["context"] = {"instructor": factory.agent()}
    statement["result"] = {"duration": "PT1H", "success": True}
    return statement


EQUIVALENT: dict[str, Change] = {
    "timestamp-in-other-zone": _timestamp_other_zone,
    "group-members-reordered": _members_reordered,
    "version-added": _version_added,
    "authority-added": _authority_added,
    "stored-added": _stored_added,
    "verb-display-changed": _verb_display_changed,
    "activity-definition-changed": _definition_changed,
    "mbox-domain-case": _mbox_domain_case,
}


def _duration_other_form(f: Factory, s: JSON) -> None:
    s["result"]["duration"] = "PT60M"


def _success_flipped(f: Factory, s: JSON) -> None:
    s["result"]["success"] = False


def _object_changed(f: Factory, s: JSON) -> None:
    s["object"] = f.activity()


def _verb_changed(f: Factory, s: JSON) -> None:
    s["verb"] = f.verb()


def _member_removed(f: Factory, s: JSON) -> None:
    s["actor"]["member"].pop()


def _registration_added(f: Factory, s: JSON) -> None:
    s["context"]["registration"] = f.uuid()


DIFFERENT: dict[str, Change] = {
    "duration-other-serialization": _duration_other_form,
    "result-success-changed": _success_flipped,
    "object-changed": _object_changed,
    "verb-changed": _verb_changed,
    "group-member-removed": _member_removed,
    "registration-added": _registration_added,
}


def _send(lrs: XAPIClient, method: str, statement: JSON) -> Any:
    if method == "PUT":
        return lrs.put_statement(statement, statement["id"])
    return lrs.post_statements(statement)


@pytest.mark.parametrize("method", ["PUT", "POST"])
@pytest.mark.parametrize("change", list(EQUIVALENT), ids=list(EQUIVALENT))
@requirement(IMMUTABLE, "Differences caused by exceptions to Statement immutability MUST be ignored (no 409)")
def test_equivalent_statement_is_not_a_conflict(lrs: XAPIClient, factory: Factory, change: str, method: str) -> None:
    original = _base(factory)
    flows.accepted(lrs, original)
    again = copy.deepcopy(original)
    EQUIVALENT[change](factory, again)
    response = _send(lrs, method, again)
    expect.status(response, *((204,) if method == "PUT" else (200, 204)))
    assert_preserved(original, lrs.fetch_json(original["id"], format="exact"))


@pytest.mark.parametrize("method", ["PUT", "POST"])
@pytest.mark.parametrize("change", list(DIFFERENT), ids=list(DIFFERENT))
@requirement(IMMUTABLE, "A Statement with a stored id but different content SHOULD get 409 Conflict")
def test_different_statement_conflicts(lrs: XAPIClient, factory: Factory, change: str, method: str) -> None:
    original = _base(factory)
    flows.accepted(lrs, original)
    again = copy.deepcopy(original)
    DIFFERENT[change](factory, again)
    expect.status(_send(lrs, method, again), 409)


@pytest.mark.parametrize("method", ["PUT", "POST"])
@pytest.mark.parametrize("change", list(DIFFERENT), ids=list(DIFFERENT))
@requirement(IMMUTABLE, "An LRS MUST NOT modify a stored Statement when it receives another with the same id")
def test_stored_statement_unchanged_after_conflict(lrs: XAPIClient, factory: Factory, change: str, method: str) -> None:
    original = _base(factory)
    flows.accepted(lrs, original)
    again = copy.deepcopy(original)
    DIFFERENT[change](factory, again)
    _send(lrs, method, again)
    assert_preserved(original, lrs.fetch_json(original["id"], format="exact"))


@pytest.mark.parametrize("method", ["PUT", "POST"])
@requirement(IMMUTABLE, "Re-sending an identical Statement MUST NOT change it (204/200, or 409)")
def test_identical_statement_resent(lrs: XAPIClient, factory: Factory, method: str) -> None:
    original = factory.full_statement()
    flows.accepted(lrs, original)
    before = lrs.fetch_json(original["id"])
    expect.status(_send(lrs, method, copy.deepcopy(original)), *((204, 409) if method == "PUT" else (200, 204, 409)))
    after = lrs.fetch_json(original["id"])
    assert after == before, f"the stored statement changed after an identical re-send: {before} -> {after}"
    assert_preserved(original, after)


@requirement(IMMUTABLE, "Receiving a Statement with a stored id MUST NOT modify any other Object (e.g. an Activity)")
def test_resent_statement_does_not_change_activity(lrs: XAPIClient, factory: Factory) -> None:
    original = factory.statement()
    flows.accepted(lrs, original)
    again = copy.deepcopy(original)
    again["object"]["definition"]["name"] = {"en-US": "Renamed by a re-sent statement"}
    _send(lrs, "POST", again)
    response = expect.status(lrs.request("GET", "activities", params={"activityId": original["object"]["id"]}), 200)
    name = expect.json_body(response).get("definition", {}).get("name", {})
    assert name == original["object"]["definition"]["name"], f"activity definition was changed: {name!r}"


# -- voiding ---------------------------------------------------------------------------------------


@requirement(VOIDING, "A Statement voided by a voiding Statement MUST NOT be returned by statementId")
def test_voided_not_returned_by_id(lrs: XAPIClient, factory: Factory) -> None:
    target = lrs.store(factory.statement())
    lrs.store(factory.voiding(target))
    response = lrs.get_statements({"statementId": target})
    expect.status(response, 404)


@requirement(VOIDED, "A voided Statement MUST be returned when requested by voidedStatementId")
def test_voided_returned_by_voided_id(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement()
    target = lrs.store(statement)
    lrs.store(factory.voiding(target))
    got = expect.json_body(expect.status(lrs.fetch(target, voided=True), 200))
    assert got.get("id") == target, f"voidedStatementId returned {got.get('id')!r}"
    assert_preserved(statement, got)


@requirement(VOIDED, "voidedStatementId MUST NOT return a Statement that is not voided (404)")
def test_voided_id_of_live_statement(lrs: XAPIClient, factory: Factory) -> None:
    target = lrs.store(factory.statement())
    expect.status(lrs.get_statements({"voidedStatementId": target}), 404)


@requirement(VOIDED, "The LRS MUST NOT return a voided Statement in a list of Statements")
def test_voided_not_in_queries(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement()
    target = lrs.store(statement)
    voiding = lrs.store(factory.voiding(target))
    result = expect.json_body(expect.status(lrs.get_statements({"activity": statement["object"]["id"]}), 200))
    ids = expect.statement_ids(result)
    assert target not in ids, "the voided statement was returned by a query"
    assert voiding in ids, "the voiding statement (which targets a match) MUST still be returned"


@requirement(VOIDED, "The voiding Statement MUST be returned by statementId and by queries")
def test_voiding_statement_returned(lrs: XAPIClient, factory: Factory) -> None:
    target = lrs.store(factory.statement())
    voiding = factory.voiding(target)
    lrs.store(voiding)
    assert_preserved(voiding, lrs.fetch_json(voiding["id"]))
    result = expect.json_body(
        expect.status(lrs.get_statements({"verb": voiding["verb"]["id"], "agent": voiding["actor"]}), 200)
    )
    assert voiding["id"] in expect.statement_ids(result), "the voiding statement is missing from a query"


@requirement(VOIDING, "A voiding Statement cannot itself be voided: it stays a valid Statement")
def test_voiding_statement_cannot_be_voided(lrs: XAPIClient, factory: Factory) -> None:
    target = lrs.store(factory.statement())
    voiding = lrs.store(factory.voiding(target))
    lrs.store(factory.voiding(voiding))
    expect.status(lrs.get_statements({"statementId": voiding}), 200)
    expect.status(lrs.get_statements({"voidedStatementId": voiding}), 404)
    expect.status(lrs.get_statements({"statementId": target}), 404)


@requirement(VOIDING, "The LRS SHOULD NOT* reject a voiding Statement whose target is not present")
def test_voiding_unknown_statement_accepted(lrs: XAPIClient, factory: Factory) -> None:
    flows.preserved(lrs, factory.voiding(factory.uuid()))


@requirement(VOIDING, "A Statement MUST be considered voided iff the LRS also contains a voiding Statement for it")
def test_voided_before_arrival(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement()
    lrs.store(factory.voiding(statement["id"]))
    lrs.store(statement)
    expect.status(lrs.get_statements({"statementId": statement["id"]}), 404)
    expect.status(lrs.get_statements({"voidedStatementId": statement["id"]}), 200)


@requirement(VOIDING, "Voiding within one batch: the target of a voiding Statement in the same batch is voided")
def test_voided_in_same_batch(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement()
    lrs.store_batch([statement, factory.voiding(statement["id"])])
    expect.status(lrs.get_statements({"statementId": statement["id"]}), 404)
    expect.status(lrs.get_statements({"voidedStatementId": statement["id"]}), 200)
