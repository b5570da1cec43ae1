"""Data 2.4.4: the Object — Activities, interactions, StatementRefs and SubStatements."""

from __future__ import annotations

import pytest

from conformance_tests import expect, flows
from conformance_tests.cases import Case, Slot, params
from conformance_tests.cases import slots as s
from conformance_tests.cases.activities import INVALID_ACTIVITIES, VALID_ACTIVITIES, VALID_INTERACTION_CASES
from conformance_tests.cases.parts import INVALID_REFS, INVALID_SUBSTATEMENTS
from conformance_tests.client import XAPIClient
from conformance_tests.factory import Factory
from conformance_tests.requirements import requirement

OBJECT_ONLY = (s.ACTIVITY_OBJECT,)


@pytest.mark.parametrize(("case", "slot"), params(INVALID_ACTIVITIES, OBJECT_ONLY))
def test_invalid_activity_object_rejected(lrs: XAPIClient, factory: Factory, case: Case, slot: Slot) -> None:
    expect.rejected(lrs.post_statements(slot.place(factory, case.value(factory))))


@pytest.mark.parametrize(("case", "slot"), params(INVALID_ACTIVITIES, s.ACTIVITY_CONTEXT_SLOTS, core_only=True))
def test_invalid_activity_in_context_rejected(lrs: XAPIClient, factory: Factory, case: Case, slot: Slot) -> None:
    expect.rejected(lrs.post_statements(slot.place(factory, case.value(factory))))


@pytest.mark.parametrize(("case", "slot"), params(VALID_INTERACTION_CASES, (s.ACTIVITY_OBJECT, s.ACTIVITY_SUB_OBJECT)))
def test_valid_interaction_accepted_and_kept(lrs: XAPIClient, factory: Factory, case: Case, slot: Slot) -> None:
    flows.preserved(lrs, slot.place(factory, case.value(factory)))


@pytest.mark.parametrize(("case", "slot"), params(VALID_ACTIVITIES, (s.ACTIVITY_OBJECT, s.ACTIVITY_PARENT)))
def test_valid_activity_accepted_and_kept(lrs: XAPIClient, factory: Factory, case: Case, slot: Slot) -> None:
    flows.preserved(lrs, slot.place(factory, case.value(factory)))


@pytest.mark.parametrize(("case", "slot"), params(INVALID_REFS, s.REF_SLOTS))
def test_invalid_statement_ref_rejected(lrs: XAPIClient, factory: Factory, case: Case, slot: Slot) -> None:
    expect.rejected(lrs.post_statements(slot.place(factory, case.value(factory))))


@pytest.mark.parametrize(("case", "slot"), params(INVALID_SUBSTATEMENTS, (s.ACTIVITY_OBJECT,)))
def test_invalid_substatement_rejected(lrs: XAPIClient, factory: Factory, case: Case, slot: Slot) -> None:
    expect.rejected(lrs.post_statements(slot.place(factory, case.value(factory))))


@requirement("Data 2.4.4.3", "There is no requirement for the LRS to validate that a StatementRef's target exists")
def test_statement_ref_to_unknown_statement_accepted(lrs: XAPIClient, factory: Factory) -> None:
    flows.preserved(lrs, factory.statement(object=factory.statement_ref()))


@requirement("Data 2.4.4.3", "A StatementRef to a stored Statement MUST be accepted and kept")
def test_statement_ref_to_stored_statement(lrs: XAPIClient, factory: Factory) -> None:
    target = lrs.store(factory.statement())
    flows.preserved(lrs, factory.statement(object=factory.statement_ref(target)))


@requirement("Data 2.4.4.3 SubStatement", "A valid SubStatement MUST be accepted and kept")
def test_substatement_accepted(lrs: XAPIClient, factory: Factory) -> None:
    flows.preserved(lrs, factory.statement(object=factory.substatement()))


@requirement("Data 2.4.4.3 SubStatement", "A SubStatement MAY have a 'timestamp' in the future")
def test_substatement_future_timestamp(lrs: XAPIClient, factory: Factory) -> None:
    sub = factory.substatement()
    sub["timestamp"] = "2999-01-01T00:00:00Z"
    flows.preserved(lrs, factory.statement(object=sub))


@requirement("Data 2.4.4.3 SubStatement", "A SubStatement MAY contain result and context, validated as a Statement's")
def test_substatement_with_result_and_context(lrs: XAPIClient, factory: Factory) -> None:
    sub = factory.substatement()
    sub["result"] = {"score": {"scaled": 0.9}, "success": True}
    sub["context"] = {"registration": factory.uuid(), "contextActivities": {"parent": [factory.activity()]}}
    flows.preserved(lrs, factory.statement(object=sub))


@requirement("Data 2.4.4.3 SubStatement", "A SubStatement's object MAY be a StatementRef")
def test_substatement_with_statement_ref(lrs: XAPIClient, factory: Factory) -> None:
    sub = factory.substatement()
    sub["object"] = factory.statement_ref()
    flows.preserved(lrs, factory.statement(object=sub))


@requirement("Data 2.4.4", "An Object without objectType is an Activity")
def test_object_without_object_type_is_activity(lrs: XAPIClient, factory: Factory) -> None:
    activity_id = factory.iri("activity")
    got = flows.preserved(lrs, factory.statement(object={"id": activity_id}))
    assert got["object"].get("objectType", "Activity") == "Activity", f"object came back as {got['object']!r}"


@requirement("Data 2.4.4.1", "An LRS MUST NOT treat references to the same Activity id as different Activities")
def test_same_activity_id_in_two_statements(lrs: XAPIClient, factory: Factory) -> None:
    activity = factory.activity()
    first = factory.statement(object=activity)
    second = factory.statement(object={"id": activity["id"]})
    flows.accepted(lrs, first)
    flows.accepted(lrs, second)
    result = expect.json_body(expect.status(lrs.get_statements({"activity": activity["id"]}), 200))
    expect.same_set(expect.statement_ids(result), [first["id"], second["id"]], "statements about one activity id")
