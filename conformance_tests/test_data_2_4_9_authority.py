"""Data 2.4.9: authority — who asserts the statement, always set or verified by the LRS."""

from __future__ import annotations

import pytest

from conformance_tests import expect, flows
from conformance_tests.client import XAPIClient
from conformance_tests.factory import JSON, Factory
from conformance_tests.requirements import requirement

SECTION = "Data 2.4.9"
IFIS = ("mbox", "mbox_sha1sum", "openid", "account")


def _is_agent(value: JSON) -> bool:
    present = [ifi for ifi in IFIS if ifi in value]
    return value.get("objectType", "Agent") == "Agent" and len(present) == 1


def _check_authority(authority: object) -> None:
    assert isinstance(authority, dict), f"authority must be an object, got {authority!r}"
    if authority.get("objectType") == "Group":
        members = authority.get("member", [])
        assert len(members) == 2 and all(_is_agent(m) for m in members), (
            f"a Group authority must hold exactly two Agents (3-legged OAuth), got {authority!r}"
        )
    else:
        assert _is_agent(authority), f"authority must be an Agent with exactly one IFI, got {authority!r}"


@requirement(SECTION, "The LRS MUST ensure that all Statements stored have an authority")
def test_authority_set(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement()
    flows.accepted(lrs, statement)
    got = lrs.fetch_json(statement["id"])
    assert "authority" in got, "the stored statement has no authority"


@requirement(SECTION, "Authority MUST be an Agent, except in 3-legged OAuth where it MUST be a Group of two Agents")
def test_authority_is_agent_or_oauth_group(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement()
    flows.accepted(lrs, statement)
    _check_authority(lrs.fetch_json(statement["id"])["authority"])


@requirement(SECTION, "The LRS MUST include the Basic-authenticated user as the Agent of the authority")
def test_authority_same_for_same_credential(lrs: XAPIClient, factory: Factory) -> None:
    first, second = factory.statement(), factory.statement()
    flows.accepted(lrs, first)
    flows.accepted(lrs, second)
    a, b = lrs.fetch_json(first["id"])["authority"], lrs.fetch_json(second["id"])["authority"]
    assert a == b, f"one credential produced two authorities: {a!r} and {b!r}"


@requirement(SECTION, "The LRS SHOULD overwrite the authority on all Statements it stores, based on the credentials")
def test_submitted_authority_overwritten(lrs: XAPIClient, factory: Factory) -> None:
    reference = factory.statement()
    flows.accepted(lrs, reference)
    expected = lrs.fetch_json(reference["id"])["authority"]
    claimed = factory.agent(name="Someone Else")
    statement = factory.statement(authority=claimed)
    flows.accepted(lrs, statement)
    got = lrs.fetch_json(statement["id"])["authority"]
    assert got == expected, f"authority {got!r} is not the credential's {expected!r}"


@pytest.mark.parametrize(
    "authority",
    [
        pytest.param({"objectType": "Agent", "name": "No IFI"}, id="no-ifi"),
        pytest.param(
            {"objectType": "Agent", "mbox": "mailto:a@conformance.example.org", "openid": "http://o.example.org/a"},
            id="two-ifis",
        ),
        pytest.param({"objectType": "Agent", "mbox": "a@conformance.example.org"}, id="mbox-without-mailto"),
        pytest.param("mailto:a@conformance.example.org", id="string"),
    ],
)
@requirement(SECTION, "The LRS MUST reject a Statement whose authority is not a valid Agent or Group")
def test_invalid_submitted_authority_rejected(lrs: XAPIClient, factory: Factory, authority: object) -> None:
    expect.rejected(lrs.post_statements(factory.statement(authority=authority)))
