"""Communication 2.4: the Agents resource (Person objects)."""

from __future__ import annotations

from typing import Any

import pytest

from conformance_tests import expect
from conformance_tests.client import XAPIClient
from conformance_tests.factory import Factory
from conformance_tests.requirements import requirement

SECTION = "Communication 2.4"
PERSON_KEYS = {"objectType", "name", "mbox", "mbox_sha1sum", "openid", "account"}


def _person(lrs: XAPIClient, agent: Any) -> dict[str, Any]:
    response = expect.status(lrs.request("GET", "agents", params={"agent": agent}), 200)
    assert expect.content_type(response) == "application/json", response.headers.get("Content-Type")
    person: dict[str, Any] = expect.json_body(response)
    assert person.get("objectType") == "Person", f"objectType must be 'Person': {person!r}"
    return person


@pytest.mark.parametrize("ifi", ["mbox", "mbox_sha1sum", "openid", "account"])
@requirement(SECTION, "The LRS MUST return a Person Object holding the requested Agent's identifier")
def test_person_for_unknown_agent(lrs: XAPIClient, factory: Factory, ifi: str) -> None:
    agent = factory.agent(ifi)
    person = _person(lrs, agent)
    assert person.get("objectType") == "Person", f"objectType must be 'Person': {person!r}"
    assert isinstance(person.get(ifi), list) and agent[ifi] in person[ifi], f"{ifi} missing from {person!r}"
    others = [k for k in ("mbox", "mbox_sha1sum", "openid", "account") if k != ifi and person.get(k)]
    assert not others, f"an unknown Agent's Person must hold only what the request said: {person!r}"


@requirement(SECTION, "Person properties MUST be arrays of values with the same definition as in Agents")
def test_person_properties_are_arrays(lrs: XAPIClient, factory: Factory) -> None:
    agent = factory.agent("account", name="Person Name")
    lrs.store(factory.statement(actor=agent))
    person = _person(lrs, agent)
    for key in PERSON_KEYS - {"objectType"}:
        if key in person:
            assert isinstance(person[key], list), f"Person.{key} is not an array: {person!r}"
    for account in person.get("account", []):
        assert set(account) == {"homePage", "name"}, f"account objects MUST be complete: {account!r}"


@requirement(SECTION, "Additional properties SHOULD* NOT be added to the Person object")
def test_person_has_no_extra_properties(lrs: XAPIClient, factory: Factory) -> None:
    person = _person(lrs, factory.agent())
    extra = set(person) - PERSON_KEYS
    assert not extra, f"Person has properties outside the spec: {sorted(extra)}"


@requirement(SECTION, "The Person Object MAY include the names the LRS knows for the Agent")
def test_person_names_are_strings(lrs: XAPIClient, factory: Factory) -> None:
    agent = factory.agent(name="Known Name")
    lrs.store(factory.statement(actor=agent))
    person = _person(lrs, agent)
    names = person.get("name", [])
    assert isinstance(names, list) and all(isinstance(n, str) for n in names), f"Person.name: {names!r}"


@requirement("Communication 1.1", "HEAD agents MUST answer like GET without a body")
def test_head_agents(lrs: XAPIClient, factory: Factory) -> None:
    response = expect.status(lrs.request("HEAD", "agents", params={"agent": factory.agent()}), 200)
    assert response.content == b""
    assert expect.content_type(response) == "application/json", "HEAD must carry GET's headers"


@requirement(SECTION, "The agent parameter is required (400 without it)")
def test_agent_param_required(lrs: XAPIClient) -> None:
    expect.rejected(lrs.request("GET", "agents"))


INVALID: dict[str, Any] = {
    "not-json": "mailto:a@conformance.example.org",
    "no-ifi": {"objectType": "Agent", "name": "Nobody"},
    "two-ifis": {"mbox": "mailto:a@conformance.example.org", "openid": "http://o.example.org/a"},
    "bad-mbox": {"mbox": "a@conformance.example.org"},
    "group": {"objectType": "Group", "member": [{"mbox": "mailto:a@conformance.example.org"}]},
    "person-arrays": {"objectType": "Person", "mbox": ["mailto:a@conformance.example.org"]},
}


@pytest.mark.parametrize("case", list(INVALID), ids=list(INVALID))
@requirement(SECTION, "The agent parameter MUST be a valid Agent (one IFI, not a Group or Person): 400 otherwise")
def test_invalid_agent_param(lrs: XAPIClient, case: str) -> None:
    expect.rejected(lrs.request("GET", "agents", params={"agent": INVALID[case]}))
