"""Data 2.4.5: the Result and its Score, in a statement and in a SubStatement."""

from __future__ import annotations

import math

import pytest

from conformance_tests import expect, flows
from conformance_tests.cases import Case, Slot, params
from conformance_tests.cases import slots as s
from conformance_tests.cases.parts import INVALID_RESULTS, VALID_RESULTS
from conformance_tests.client import XAPIClient
from conformance_tests.factory import Factory
from conformance_tests.requirements import requirement


@pytest.mark.parametrize(("case", "slot"), params(INVALID_RESULTS, s.RESULT_SLOTS))
def test_invalid_result_rejected(lrs: XAPIClient, factory: Factory, case: Case, slot: Slot) -> None:
    expect.rejected(lrs.post_statements(slot.place(factory, case.value(factory))))


@pytest.mark.parametrize(("case", "slot"), params(VALID_RESULTS, s.RESULT_SLOTS))
def test_valid_result_accepted_and_kept(lrs: XAPIClient, factory: Factory, case: Case, slot: Slot) -> None:
    flows.preserved(lrs, slot.place(factory, case.value(factory)))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("scaled", 0.123456789, id="scaled"),
        pytest.param("raw", 98765.4321, id="raw"),
        pytest.param("min", -0.000123456, id="min"),
        pytest.param("max", 3.4e38, id="max-near-float32-limit"),
    ],
)
@requirement("Data 2.2", "The LRS MUST process and store numbers with at least IEEE 754 32-bit float precision")
def test_score_number_precision(lrs: XAPIClient, factory: Factory, field: str, value: float) -> None:
    statement = factory.statement(result={"score": {field: value}})
    flows.accepted(lrs, statement)
    got = lrs.fetch_json(statement["id"])["result"]["score"][field]
    assert isinstance(got, (int, float)), f"score.{field} came back as {got!r}"
    assert math.isclose(got, value, rel_tol=2**-23), f"score.{field} sent {value!r}, got {got!r}"
