"""Data 2.4.10: the statement 'version' property."""

from __future__ import annotations

import pytest

from conformance_tests import expect, flows
from conformance_tests.cases import Case, single
from conformance_tests.cases.statements import INVALID_VERSIONS, VALID_VERSIONS
from conformance_tests.client import XAPIClient
from conformance_tests.factory import Factory
from conformance_tests.requirements import ONLY_1_0_3, ONLY_2_0, requirement

SECTION = "Data 2.4.10"


@pytest.mark.parametrize("case", single(INVALID_VERSIONS))
def test_invalid_version_rejected(lrs: XAPIClient, factory: Factory, case: Case) -> None:
    expect.rejected(lrs.post_statements(case.value(factory)))


@pytest.mark.parametrize("case", single(VALID_VERSIONS))
def test_valid_version_accepted_and_retained(lrs: XAPIClient, factory: Factory, case: Case) -> None:
    statement = case.value(factory)
    flows.accepted(lrs, statement)
    got = lrs.fetch_json(statement["id"])
    assert got.get("version") == statement["version"], (
        f"Statements MUST retain the version they are accepted with: sent {statement['version']}, "
        f"got {got.get('version')!r}"
    )


@requirement(SECTION, "A Statement that lacks a version MUST be returned with version 1.0.0", versions=ONLY_1_0_3)
def test_missing_version_set_to_1_0_0(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement()
    flows.accepted(lrs, statement)
    got = lrs.fetch_json(statement["id"])
    assert got.get("version") == "1.0.0", f"version set to {got.get('version')!r}, expected 1.0.0"


@requirement(SECTION, "A Statement that lacks a version MUST be returned with version 2.0.0", versions=ONLY_2_0)
def test_missing_version_set_to_2_0_0(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement()
    flows.accepted(lrs, statement)
    got = lrs.fetch_json(statement["id"])
    assert got.get("version") == "2.0.0", f"version set to {got.get('version')!r}, expected 2.0.0"
