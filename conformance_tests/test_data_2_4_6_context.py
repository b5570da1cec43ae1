"""Data 2.4.6: Context — registration, instructor, team, contextActivities, revision, platform."""

from __future__ import annotations

import pytest

from conformance_tests import expect, flows
from conformance_tests.cases import Case, Slot, params, single
from conformance_tests.cases import slots as s
from conformance_tests.cases.parts import INVALID_CONTEXTS, REVISION_PLATFORM_CASES
from conformance_tests.client import XAPIClient
from conformance_tests.factory import Factory
from conformance_tests.requirements import requirement

CONTEXT_ACTIVITIES = "Data 2.4.6.2"
CONTEXT_KEYS = ("parent", "grouping", "category", "other")


@pytest.mark.parametrize(("case", "slot"), params(INVALID_CONTEXTS, s.CONTEXT_SLOTS))
def test_invalid_context_rejected(lrs: XAPIClient, factory: Factory, case: Case, slot: Slot) -> None:
    expect.rejected(lrs.post_statements(slot.place(factory, case.value(factory))))


@pytest.mark.parametrize("case", single(REVISION_PLATFORM_CASES))
def test_revision_platform_need_activity_object(lrs: XAPIClient, factory: Factory, case: Case) -> None:
    expect.rejected(lrs.post_statements(case.value(factory)))


@requirement("Data 2.4.6", "A Context using every property with an Activity object MUST be accepted and kept")
def test_full_context_accepted(lrs: XAPIClient, factory: Factory) -> None:
    flows.preserved(lrs, factory.full_statement())


@pytest.mark.parametrize("key", CONTEXT_KEYS)
@requirement(CONTEXT_ACTIVITIES, "The LRS MUST return a single Activity Object as an array of length one")
def test_single_context_activity_returned_as_array(lrs: XAPIClient, factory: Factory, key: str) -> None:
    activity = factory.activity()
    statement = factory.statement(context={"contextActivities": {key: activity}})
    flows.accepted(lrs, statement)
    got = lrs.fetch_json(statement["id"])["context"]["contextActivities"][key]
    assert isinstance(got, list), f"contextActivities.{key} returned as {type(got).__name__}, not an array"
    assert len(got) == 1 and got[0]["id"] == activity["id"], f"contextActivities.{key} returned {got!r}"


@pytest.mark.parametrize("key", CONTEXT_KEYS)
@requirement(CONTEXT_ACTIVITIES, "Every contextActivities value MAY be an array of several Activity Objects")
def test_context_activity_arrays_kept(lrs: XAPIClient, factory: Factory, key: str) -> None:
    activities = [factory.activity(definition=False) for _ in range(3)]
    flows.preserved(lrs, factory.statement(context={"contextActivities": {key: activities}}))


@requirement(CONTEXT_ACTIVITIES, "contextActivities MAY be used when the Object is an Agent")
def test_context_activities_with_agent_object(lrs: XAPIClient, factory: Factory) -> None:
    context = {"contextActivities": {"grouping": [factory.activity()]}}
    flows.preserved(lrs, factory.statement(object=factory.agent(), context=context))


@requirement("Data 2.4.6", "context.instructor MAY be a Group")
def test_instructor_group(lrs: XAPIClient, factory: Factory) -> None:
    flows.preserved(lrs, factory.statement(context={"instructor": factory.group()}))


@requirement("Data 2.4.6", "context.statement MAY reference a Statement with a StatementRef")
def test_context_statement_ref(lrs: XAPIClient, factory: Factory) -> None:
    flows.preserved(lrs, factory.statement(context={"statement": factory.statement_ref()}))


@pytest.mark.parametrize("language", ["en", "tlh", "zh-Hans-CN"])
@requirement("Data 2.4.6", "context.language MUST accept an RFC 5646 language tag")
def test_context_language(lrs: XAPIClient, factory: Factory, language: str) -> None:
    flows.preserved(lrs, factory.statement(context={"language": language}))
