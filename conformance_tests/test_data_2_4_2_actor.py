"""Data 2.4.2: Agents and Groups wherever a statement can hold them."""

from __future__ import annotations

import pytest

from conformance_tests import expect, flows
from conformance_tests.cases import Case, Slot, params
from conformance_tests.cases import slots as s
from conformance_tests.cases.agents import INVALID_AGENTS, INVALID_GROUPS, VALID_AGENTS, VALID_GROUPS
from conformance_tests.client import XAPIClient
from conformance_tests.factory import Factory
from conformance_tests.requirements import requirement


@pytest.mark.parametrize(("case", "slot"), params(INVALID_AGENTS, s.AGENT_SLOTS))
def test_invalid_agent_rejected(lrs: XAPIClient, factory: Factory, case: Case, slot: Slot) -> None:
    expect.rejected(lrs.post_statements(slot.place(factory, case.value(factory))))


@pytest.mark.parametrize(("case", "slot"), params(INVALID_AGENTS, s.AGENT_SECONDARY_SLOTS, core_only=True))
def test_invalid_agent_rejected_in_secondary_place(lrs: XAPIClient, factory: Factory, case: Case, slot: Slot) -> None:
    expect.rejected(lrs.post_statements(slot.place(factory, case.value(factory))))


@pytest.mark.parametrize(("case", "slot"), params(INVALID_GROUPS, s.GROUP_SLOTS))
def test_invalid_group_rejected(lrs: XAPIClient, factory: Factory, case: Case, slot: Slot) -> None:
    expect.rejected(lrs.post_statements(slot.place(factory, case.value(factory))))


VALID_AGENT_SLOTS = (
    s.AGENT_ACTOR,
    s.AGENT_OBJECT,
    s.AGENT_INSTRUCTOR,
    s.AGENT_MEMBER,
    s.AGENT_SUB_ACTOR,
    s.AGENT_SUB_OBJECT,
    s.AGENT_CONTEXT_AGENT,
)


@pytest.mark.parametrize(("case", "slot"), params(VALID_AGENTS, VALID_AGENT_SLOTS))
def test_valid_agent_accepted_and_kept(lrs: XAPIClient, factory: Factory, case: Case, slot: Slot) -> None:
    flows.preserved(lrs, slot.place(factory, case.value(factory)))


VALID_GROUP_SLOTS = (s.GROUP_ACTOR, s.GROUP_OBJECT, s.GROUP_TEAM, s.GROUP_INSTRUCTOR, s.GROUP_SUB_ACTOR)


@pytest.mark.parametrize(("case", "slot"), params(VALID_GROUPS, VALID_GROUP_SLOTS))
def test_valid_group_accepted_and_kept(lrs: XAPIClient, factory: Factory, case: Case, slot: Slot) -> None:
    flows.preserved(lrs, slot.place(factory, case.value(factory)))


@requirement("Data 2.4.2.2", "An LRS returning a Statement MAY return Group members in any order (none lost)")
def test_group_members_all_returned(lrs: XAPIClient, factory: Factory) -> None:
    group = factory.group(identified=False, members=5)
    got = flows.preserved(lrs, factory.statement(actor=group))
    sent_members = sorted(m["mbox"] for m in group["member"])
    got_members = sorted(m.get("mbox", "") for m in got["actor"]["member"])
    assert got_members == sent_members, f"members returned {got_members}, sent {sent_members}"


@requirement("Data 2.4.2.1", "objectType is optional for an Agent as actor (an actor without it is an Agent)")
def test_actor_without_object_type_is_agent(lrs: XAPIClient, factory: Factory) -> None:
    agent = factory.agent(typed=False)
    got = flows.preserved(lrs, factory.statement(actor=agent))
    assert got["actor"].get("objectType", "Agent") == "Agent", f"actor came back as {got['actor']!r}"


@requirement("Data 2.4.4.2", "Statements that specify an Agent or Group as Object MUST specify objectType")
def test_agent_object_without_object_type_rejected(lrs: XAPIClient, factory: Factory) -> None:
    agent = factory.agent(typed=False)
    expect.rejected(lrs.post_statements(factory.statement(object=agent)))


@requirement("Data 2.4.4.2", "Statements that specify an Agent or Group as Object MUST specify objectType")
def test_group_object_without_object_type_rejected(lrs: XAPIClient, factory: Factory) -> None:
    group = factory.group()
    del group["objectType"]
    expect.rejected(lrs.post_statements(factory.statement(object=group)))


@requirement("Data 2.4.2.2", "A Group MUST have objectType 'Group' (without it the object is an Agent)")
def test_anonymous_group_without_object_type_rejected(lrs: XAPIClient, factory: Factory) -> None:
    group = factory.group(identified=False)
    del group["objectType"]
    expect.rejected(lrs.post_statements(factory.statement(actor=group)))
