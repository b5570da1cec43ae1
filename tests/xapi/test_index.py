"""Index rows for the GET /statements filters, and agent identity keys."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from lrs.xapi import (
    ACTIVITY_FILTER_USAGES,
    AGENT_FILTER_USAGES,
    Agent,
    Group,
    agent_ifi,
    index_entries,
    prepare_for_storage,
)
from lrs.xapi._models import Account

from .helpers import ACTIVITY, OTHER_ID, REGISTRATION, STATEMENT_ID, agent, minimal, parse_one, rich, with_value

AUTHORITY = {"objectType": "Agent", "account": {"homePage": "https://lrs.example.com", "name": "key-1"}}


def stored(doc: dict[str, Any], version: str = "2.0.0") -> dict[str, Any]:
    return prepare_for_storage(
        parse_one(doc, version),
        authority=AUTHORITY,
        stored=datetime(2024, 6, 1, tzinfo=UTC),
        version=version,
        new_id=uuid.UUID(OTHER_ID),
    )


def test_agent_ifi_keys() -> None:
    assert agent_ifi({"mbox": "mailto:Ann.Lee@Example.COM"}) == "mbox:mailto:Ann.Lee@example.com"
    assert agent_ifi({"mbox_sha1sum": "ABCDEF0123456789ABCDEF0123456789ABCDEF01"}) == (
        "mbox_sha1sum:abcdef0123456789abcdef0123456789abcdef01"
    )
    assert agent_ifi({"openid": "http://openid.example.com/x"}) == "openid:http://openid.example.com/x"
    assert (
        agent_ifi({"account": {"homePage": "https://lms.example", "name": "u123"}})
        == "account:https://lms.example|u123"
    )
    assert agent_ifi({"objectType": "Group", "member": [agent()]}) is None
    assert (
        agent_ifi(Agent(account=Account(homePage="https://lms.example", name="u1"))) == "account:https://lms.example|u1"
    )
    assert agent_ifi(Group(member=[Agent(mbox="mailto:a@example.com")])) is None


def test_index_of_a_rich_statement() -> None:
    index = index_entries(stored(rich()))
    assert index.statement_id == uuid.UUID(STATEMENT_ID)
    assert index.verb_id == "http://adlnet.gov/expapi/verbs/experienced"
    assert index.actor_ifi == "mbox:mailto:learner@example.com"
    assert index.object_type == "Activity"
    assert index.object_activity_id == ACTIVITY
    assert index.object_agent_ifi is None
    assert index.object_statement_id is None
    assert index.registration == uuid.UUID(REGISTRATION)
    assert index.timestamp == datetime(2024, 5, 6, 5, 8, 9, 123000, UTC)
    assert index.stored == datetime(2024, 6, 1, tzinfo=UTC)
    assert not index.is_voiding
    assert set(index.agents) == {
        ("mbox:mailto:learner@example.com", "actor"),
        ("account:https://lrs.example.com|key-1", "authority"),
        ("account:https://lms.example.com|t1", "instructor"),
        ("mbox:mailto:a@example.com", "team_member"),
        ("mbox:mailto:b@example.com", "team_member"),
    }
    assert set(index.activities) == {
        (ACTIVITY, "object"),
        ("http://example.com/activities/program", "parent"),
        ("http://example.com/activities/school", "grouping"),
        ("http://example.com/profiles/cmi5", "category"),
        ("http://example.com/activities/book", "other"),
    }
    assert [activity_id for activity_id, _ in index.activity_definitions] == [ACTIVITY]
    assert index.attachment_sha2 == [rich()["attachments"][0]["sha2"]]


def test_group_actor_members_count_for_the_agent_filter() -> None:
    group = {"objectType": "Group", "mbox": "mailto:team@example.com", "member": [agent("a")]}
    index = index_entries(stored(with_value(minimal(), "actor", group)))
    assert index.actor_ifi == "mbox:mailto:team@example.com"
    matching = {ifi for ifi, usage in index.agents if usage in AGENT_FILTER_USAGES}
    assert matching == {"mbox:mailto:team@example.com", "mbox:mailto:a@example.com"}


def test_anonymous_group_actor_has_no_ifi_but_members_are_indexed() -> None:
    group = {"objectType": "Group", "member": [agent("a"), agent("b")]}
    index = index_entries(stored(with_value(minimal(), "actor", group)))
    assert index.actor_ifi is None
    assert ("mbox:mailto:b@example.com", "actor_member") in index.agents


def test_agent_object_and_voiding_statement_ref() -> None:
    index = index_entries(stored(with_value(minimal(), "object", agent("peer"))))
    assert index.object_type == "Agent"
    assert index.object_agent_ifi == "mbox:mailto:peer@example.com"
    assert ("mbox:mailto:peer@example.com", "object") in index.agents
    voiding = with_value(minimal(), "verb.id", "http://adlnet.gov/expapi/verbs/voided")
    voiding["object"] = {"objectType": "StatementRef", "id": STATEMENT_ID.upper()}
    index = index_entries(stored(voiding))
    assert index.is_voiding
    assert index.object_statement_id == uuid.UUID(STATEMENT_ID)
    assert not index_entries(stored(with_value(voiding, "verb.id", "http://e.com/liked"))).is_voiding


def test_substatement_and_2_0_context_usages() -> None:
    doc = minimal()
    doc["object"] = {
        "objectType": "SubStatement",
        "actor": agent("sub"),
        "verb": {"id": "http://e.com/v"},
        "object": {"id": "http://e.com/sub-activity", "definition": {"name": {"en": "x"}}},
        "context": {
            "instructor": agent("subteacher"),
            "contextActivities": {"category": {"id": "http://e.com/sub-category"}},
            "contextAgents": [{"objectType": "contextAgent", "agent": agent("subcoach")}],
        },
    }
    doc["context"] = {
        "contextAgents": [{"objectType": "contextAgent", "agent": agent("coach")}],
        "contextGroups": [{"objectType": "contextGroup", "group": {"objectType": "Group", "member": [agent("m")]}}],
    }
    index = index_entries(stored(doc))
    assert index.object_type == "SubStatement"
    assert index.object_activity_id is None
    assert {
        ("mbox:mailto:sub@example.com", "sub_actor"),
        ("mbox:mailto:subteacher@example.com", "sub_instructor"),
        ("mbox:mailto:subcoach@example.com", "sub_context_agent"),
        ("mbox:mailto:coach@example.com", "context_agent"),
        ("mbox:mailto:m@example.com", "context_group_member"),
    } <= set(index.agents)
    assert set(index.activities) == {
        ("http://e.com/sub-activity", "sub_object"),
        ("http://e.com/sub-category", "sub_category"),
    }
    assert not {usage for _, usage in index.activities} & ACTIVITY_FILTER_USAGES
    assert index.activity_definitions == [("http://e.com/sub-activity", {"name": {"en": "x"}})]
