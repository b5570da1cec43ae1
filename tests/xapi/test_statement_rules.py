"""Every statement rule of xAPI Data 2-4: an invalid case naming its JSON path, and a valid case."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from lrs.xapi import Activity, Agent, Group, StatementRef, SubStatement

from .helpers import (
    DELETE,
    OTHER_ID,
    SHA256_OF_HELLO,
    agent,
    minimal,
    parse_one,
    rejected,
    rich,
    substatement,
    with_value,
)

Builder = Callable[[], dict[str, Any]]
BOTH = ("1.0.3", "2.0.0")
ACTIVITY_ID = "http://example.com/p"


def _anonymous_group() -> dict[str, Any]:
    return {"objectType": "Group", "member": [agent("a"), agent("b")]}


def _two_member_authority() -> dict[str, Any]:
    return {
        "objectType": "Group",
        "member": [
            {"account": {"homePage": "https://lrs.example.com/oauth/token", "name": "app"}},
            {"mbox": "mailto:user@example.com"},
        ],
    }


def _interaction(kind: str, **lists: Any) -> dict[str, Any]:
    return {"id": "http://example.com/q1", "definition": {"interactionType": kind, **lists}}


def _components(*ids: str) -> list[dict[str, Any]]:
    return [{"id": item, "description": {"en-US": item.upper()}} for item in ids]


def _attachment(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "usageType": "http://example.com/usage",
        "display": {"en-US": "A file"},
        "contentType": "text/plain",
        "length": 5,
        "sha2": SHA256_OF_HELLO,
    }
    return {key: value for key, value in {**base, **changes}.items() if value is not DELETE}


def _context_agent(**changes: Any) -> dict[str, Any]:
    base = {"objectType": "contextAgent", "agent": agent("coach"), "relevantTypes": ["http://example.com/types/coach"]}
    return {key: value for key, value in {**base, **changes}.items() if value is not DELETE}


def _context_group(**changes: Any) -> dict[str, Any]:
    base = {
        "objectType": "contextGroup",
        "group": _anonymous_group(),
        "relevantTypes": ["http://example.com/types/team"],
    }
    return {key: value for key, value in {**base, **changes}.items() if value is not DELETE}


# (builder, path to change, new value, versions, expected error path; None = "$." + path)
INVALID: list[Any] = [
    # Statement (Data 2.2, 2.4)
    (minimal, "actor", DELETE, BOTH, None),
    (minimal, "verb", DELETE, BOTH, None),
    (minimal, "object", DELETE, BOTH, None),
    (minimal, "unknown", "x", BOTH, None),
    (minimal, "Actor", {"mbox": "mailto:a@example.com"}, BOTH, None),
    (minimal, "id", "not-a-uuid", BOTH, None),
    (minimal, "id", 12345, BOTH, None),
    (minimal, "id", "AA97B177-9383-4934-8543-0F91A7A028368", BOTH, None),
    (minimal, "id", "MA97B177-9383-4934-8543-0F91A7A02836", BOTH, None),
    (minimal, "id", None, BOTH, None),
    (minimal, "id", "", BOTH, None),
    (minimal, "timestamp", "should fail", BOTH, None),
    (minimal, "timestamp", "01/011/2015", BOTH, None),
    (minimal, "timestamp", "2008-09-15T15:53:00.601-00", BOTH, None),
    (minimal, "timestamp", "2008-09-15T15:53:00.601-0000", BOTH, None),
    (minimal, "timestamp", "2008-09-15T15:53:00.601-00:00", BOTH, None),
    (minimal, "timestamp", "2008-02-30T15:53:00Z", BOTH, None),
    (minimal, "timestamp", "2008-09-15T25:53:00Z", BOTH, None),
    (minimal, "timestamp", "2008-09-15 15:53:00.601+00:00", ("1.0.3",), None),
    (minimal, "timestamp", "0000-01-01T00:00:00Z", BOTH, None),
    (minimal, "timestamp", "0001-01-01T00:30:00+01:00", BOTH, None),
    (minimal, "timestamp", "9999-12-31T23:30:00-01:00", BOTH, None),
    (minimal, "timestamp", "2023-04-31T00:00:00Z", BOTH, None),
    (minimal, "stored", "yesterday", BOTH, None),
    (minimal, "stored", "2008-09-15 15:53:00Z", ("1.0.3",), None),
    (minimal, "version", "2.0.0", ("1.0.3",), None),
    (minimal, "version", "1.1.0", BOTH, None),
    (minimal, "version", "0.9.9", BOTH, None),
    (minimal, "version", "should fail", BOTH, None),
    (minimal, "attachments", _attachment(), BOTH, None),
    # Actor: Agent (Data 2.4.2.1, 2.4.2.3, 2.4.2.4)
    (minimal, "actor", {"name": "nobody"}, BOTH, "$.actor"),
    (minimal, "actor.openid", "http://openid.example.com/1", BOTH, "$.actor"),
    (minimal, "actor.mbox", "http://should.fail.com", BOTH, None),
    (minimal, "actor.mbox", "mailto:should.fail.com", BOTH, None),
    (minimal, "actor.mbox", "", BOTH, None),
    (minimal, "actor.mbox", None, BOTH, None),
    (minimal, "actor.name", None, BOTH, None),
    (minimal, "actor.name", 123, BOTH, None),
    (minimal, "actor", {"mbox_sha1sum": "not-hex"}, BOTH, "$.actor.mbox_sha1sum"),
    (minimal, "actor", {"mbox_sha1sum": {"key": "value"}}, BOTH, "$.actor.mbox_sha1sum"),
    (minimal, "actor", {"openid": "open.id.com/testUser"}, BOTH, "$.actor.openid"),
    (minimal, "actor", {"account": {"homePage": "homePage.com/u", "name": "1"}}, BOTH, "$.actor.account.homePage"),
    (
        minimal,
        "actor",
        {"account": {"homePage": "ab=c://should.fail.com", "name": "1"}},
        BOTH,
        "$.actor.account.homePage",
    ),
    (minimal, "actor", {"account": {"homePage": "http://example.com"}}, BOTH, "$.actor.account.name"),
    (minimal, "actor", {"account": {"homePage": "http://example.com", "name": {"k": 1}}}, BOTH, "$.actor.account.name"),
    (minimal, "actor.objectType", "agent", BOTH, None),
    (minimal, "actor.objectType", 123, BOTH, None),
    (minimal, "actor.member", [agent()], BOTH, None),
    # Actor: Group (Data 2.4.2.2)
    (minimal, "actor", {"objectType": "Group", "name": "anonymous"}, BOTH, "$.actor.member"),
    (minimal, "actor", {"objectType": "Group", "member": []}, BOTH, "$.actor.member"),
    (minimal, "actor", {"objectType": "Group", "member": {"mbox": "mailto:a@example.com"}}, BOTH, "$.actor.member"),
    (minimal, "actor", {"objectType": "Group", "member": [_anonymous_group()]}, BOTH, "$.actor.member[0].objectType"),
    (minimal, "actor", {"objectType": "Group", "member": [{"name": "no ifi"}]}, BOTH, "$.actor.member[0]"),
    (
        minimal,
        "actor",
        {"objectType": "Group", "mbox": "mailto:g@example.com", "openid": "http://openid.example.com/g"},
        BOTH,
        "$.actor",
    ),
    # Verb (Data 2.4.3)
    (minimal, "verb.id", DELETE, BOTH, None),
    (minimal, "verb.id", "not.a.valid.iri.com/verb", BOTH, None),
    (minimal, "verb.id", "adlnet.gov/expapi/verbs/experienced", BOTH, None),
    (minimal, "verb.id", "http://example.com/has space", BOTH, None),
    (minimal, "verb.id", "http://example.com/x\n", BOTH, None),
    (minimal, "verb.display", "experienced", BOTH, None),
    (minimal, "verb.display", {"de-419-DE": "besucht"}, BOTH, "$.verb.display"),
    (minimal, "verb.display", {"a-DE": "x"}, BOTH, "$.verb.display"),
    (minimal, "verb.display", {"ar-a-aaa-b-bbb-a-ccc": "x"}, BOTH, "$.verb.display"),
    (minimal, "verb.display", {"something": "x"}, BOTH, "$.verb.display"),
    (minimal, "verb.display", {"": "x"}, BOTH, "$.verb.display"),
    (minimal, "verb.display", {"en-US": None}, BOTH, "$.verb.display[...]"),
    (minimal, "verb.display", {"en-US": 1}, BOTH, "$.verb.display[...]"),
    (minimal, "verb.extra", "x", BOTH, None),
    # Object: Activity (Data 2.4.4.1)
    (minimal, "object.id", DELETE, BOTH, None),
    (minimal, "object.id", "ab=c://should.fail.com", BOTH, None),
    (minimal, "object.objectType", "activity", BOTH, None),
    (minimal, "object.definition", "should fail", BOTH, None),
    (minimal, "object.definition.name", "should fail", BOTH, None),
    (minimal, "object.definition.name", 12345, BOTH, None),
    (minimal, "object.definition.description", {"de-419-DE": "x"}, BOTH, "$.object.definition.description"),
    (minimal, "object.definition.type", "should fail", BOTH, None),
    (minimal, "object.definition.moreInfo", "should fail", BOTH, None),
    (minimal, "object.definition.moreInfo", None, BOTH, None),
    (minimal, "object.definition.extensions", "should fail", BOTH, None),
    (minimal, "object.definition.extensions", {"not.valid.com/extension": 1}, BOTH, "$.object.definition.extensions"),
    (minimal, "object.definition.unknown", 1, BOTH, None),
    (minimal, "object.definition.interactionType", "true-faLse", BOTH, None),
    (minimal, "object.definition.interactionType", "http://example.com/choice", BOTH, None),
    (minimal, "object.definition.interactionType", 12345, BOTH, None),
    (minimal, "object.definition.choices", _components("a"), BOTH, None),
    (minimal, "object.definition.correctResponsesPattern", ["a"], BOTH, None),
    (
        lambda: _with_object(_interaction("likert", choices=_components("a"))),
        "object.definition.choices[0].id",
        "a",
        BOTH,
        "$.object.definition.choices",
    ),
    (
        lambda: _with_object(_interaction("choice", choices=_components("a", "a"))),
        "object.definition.interactionType",
        "choice",
        BOTH,
        "$.object.definition.choices",
    ),
    (lambda: _with_object(_interaction("true-false")), "object.definition.scale", _components("a"), BOTH, None),
    (lambda: _with_object(_interaction("matching")), "object.definition.steps", _components("a"), BOTH, None),
    (
        lambda: _with_object(_interaction("choice", choices=[{"description": {"en-US": "x"}}])),
        "object.id",
        "http://example.com/q",
        BOTH,
        "$.object.definition.choices[0].id",
    ),
    (
        lambda: _with_object(_interaction("choice", choices=[{"id": {"k": 1}}])),
        "object.id",
        "http://example.com/q",
        BOTH,
        "$.object.definition.choices[0].id",
    ),
    (
        lambda: _with_object(_interaction("choice", choices=[{"id": "a", "description": "x"}])),
        "object.id",
        "http://example.com/q",
        BOTH,
        "$.object.definition.choices[0].description",
    ),
    (
        lambda: _with_object(_interaction("choice")),
        "object.definition.correctResponsesPattern",
        [1],
        BOTH,
        "$.object.definition.correctResponsesPattern[0]",
    ),
    (lambda: _with_object(_interaction("choice")), "object.definition.correctResponsesPattern", "a", BOTH, None),
    # Object: Agent / Group (Data 2.4.4.2)
    (minimal, "object", {"mbox": "mailto:other@example.com"}, BOTH, "$.object"),
    (minimal, "object", {"member": [agent()]}, BOTH, "$.object"),
    (minimal, "object", {"objectType": "Agent", "mbox": "mailto:bad"}, BOTH, "$.object.mbox"),
    (minimal, "object", {"objectType": "Group", "name": "empty"}, BOTH, "$.object.member"),
    # Object: StatementRef (Data 2.4.4.3)
    (
        minimal,
        "object",
        {"objectType": "StatementRef", "id": "AA97B177-9383-4934-8543-0F91A7A028368"},
        BOTH,
        "$.object.id",
    ),
    (minimal, "object", {"objectType": "StatementRef", "id": 12345}, BOTH, "$.object.id"),
    (minimal, "object", {"objectType": "StatementRef"}, BOTH, "$.object.id"),
    (minimal, "object", {"objectType": "StatementRef", "id": OTHER_ID, "definition": {}}, BOTH, "$.object.definition"),
    (minimal, "object", {"objectType": "statementref", "id": OTHER_ID}, BOTH, "$.object.objectType"),
    # Object: SubStatement (Data 2.4.4.3)
    (substatement, "object.id", OTHER_ID, BOTH, None),
    (substatement, "object.stored", "2013-05-18T05:32:34.804Z", BOTH, None),
    (substatement, "object.version", "1.0.0", BOTH, None),
    (substatement, "object.authority", agent(), BOTH, None),
    (substatement, "object.object", {"objectType": "SubStatement", **minimal()}, BOTH, "$.object.object.objectType"),
    (substatement, "object.actor", DELETE, BOTH, None),
    (substatement, "object.verb", DELETE, BOTH, None),
    (substatement, "object.object", DELETE, BOTH, None),
    (substatement, "object.objectType", "substatement", BOTH, None),
    (substatement, "object.object", {"mbox": "mailto:x@example.com"}, BOTH, "$.object.object"),
    (substatement, "object.verb.display", {"de-419-DE": "x"}, BOTH, "$.object.verb.display"),
    (substatement, "object.timestamp", "2008-09-15T15:53:00.601-00:00", BOTH, None),
    (substatement, "object.result.duration", "PA1H0M0S", BOTH, None),
    (substatement, "object.context.contextAgents", [_context_agent()], ("1.0.3",), None),
    (substatement, "object.context.language", "something", BOTH, None),
    (
        lambda: with_value(substatement(), "object.object", {"objectType": "StatementRef", "id": OTHER_ID}),
        "object.context.revision",
        "r1",
        BOTH,
        None,
    ),
    # Result (Data 2.4.5)
    (minimal, "result", "should fail", BOTH, None),
    (minimal, "result.score", 12345, BOTH, None),
    (minimal, "result.score.scaled", 1.01, BOTH, None),
    (minimal, "result.score.scaled", -1.00001, BOTH, None),
    (minimal, "result.score.scaled", "0.5", BOTH, None),
    (minimal, "result.score.max", "one hundred", BOTH, None),
    (minimal, "result.score.max", "100", BOTH, None),
    (minimal, "result.score", {"raw": 0.6767676, "max": 0.6567676}, BOTH, "$.result.score.raw"),
    (minimal, "result.score", {"raw": 0.6767676, "min": 1.4067676}, BOTH, "$.result.score.raw"),
    (minimal, "result.score", {"min": 10, "max": 5, "raw": 7}, BOTH, "$.result.score.min"),
    (minimal, "result.score", {"min": 5, "max": 5}, BOTH, "$.result.score.min"),
    (minimal, "result.score.unknown", 1, BOTH, None),
    (minimal, "result.success", "We regret to inform you", BOTH, None),
    (minimal, "result.completion", "false", BOTH, None),
    (minimal, "result.completion", None, BOTH, None),
    (minimal, "result.response", 12, BOTH, None),
    (minimal, "result.duration", "should fail", BOTH, None),
    (minimal, "result.duration", 12345, BOTH, None),
    (minimal, "result.duration", {"key": "invalid"}, BOTH, None),
    (minimal, "result.duration", "PA1H0M0S", BOTH, None),
    (minimal, "result.duration", "P4W1D", BOTH, None),
    (minimal, "result.duration", "P", BOTH, None),
    (minimal, "result.duration", "PT", BOTH, None),
    (minimal, "result.duration", "P1DT", BOTH, None),
    (minimal, "result.duration", "PT1.5H30M", BOTH, None),
    (minimal, "result.duration", "-PT1S", BOTH, None),
    (minimal, "result.extensions", {"example.com/extension/wrong": 1}, BOTH, "$.result.extensions"),
    # Context (Data 2.4.6)
    (minimal, "context", "should fail", BOTH, None),
    (minimal, "context.registration", "not-a-uuid", BOTH, None),
    (minimal, "context.registration", None, BOTH, None),
    (minimal, "context.instructor", {"name": "no ifi"}, BOTH, "$.context.instructor"),
    (minimal, "context.instructor", {"objectType": "Group", "member": []}, BOTH, "$.context.instructor.member"),
    (minimal, "context.team", agent(), BOTH, "$.context.team.objectType"),
    (minimal, "context.team", {"mbox": "mailto:team@example.com"}, BOTH, "$.context.team"),
    (minimal, "context.contextActivities.peer", [{"id": ACTIVITY_ID}], BOTH, None),
    (minimal, "context.contextActivities.parent", "http://example.com/p", BOTH, None),
    (
        minimal,
        "context.contextActivities.parent",
        [{"id": "not an iri"}],
        BOTH,
        "$.context.contextActivities.parent[0].id",
    ),
    (
        minimal,
        "context.contextActivities.other",
        [{"objectType": "Agent", "mbox": "mailto:a@example.com"}],
        BOTH,
        "$.context.contextActivities.other[0].objectType",
    ),
    (minimal, "context.language", "supercalifragilisticexpialidocious", BOTH, None),
    (minimal, "context.language", "de-419-DE", BOTH, None),
    (minimal, "context.statement", {"id": OTHER_ID}, BOTH, "$.context.statement"),
    (minimal, "context.statement", {"objectType": "StatementRef", "id": "wrong"}, BOTH, "$.context.statement.id"),
    (minimal, "context.extensions", {"no-scheme": 1}, BOTH, "$.context.extensions"),
    (minimal, "context.unknown", 1, BOTH, None),
    (lambda: with_value(minimal(), "object", agent("other")), "context.revision", "r1", BOTH, None),
    (lambda: with_value(minimal(), "object", agent("other")), "context.platform", "web", BOTH, None),
    (
        lambda: with_value(minimal(), "object", {"objectType": "StatementRef", "id": OTHER_ID}),
        "context.platform",
        "web",
        BOTH,
        None,
    ),
    # Context: 2.0 contextAgents / contextGroups
    (minimal, "context.contextAgents", [_context_agent()], ("1.0.3",), None),
    (minimal, "context.contextGroups", [_context_group()], ("1.0.3",), None),
    (
        minimal,
        "context.contextAgents",
        [_context_agent(objectType="Should fail")],
        ("2.0.0",),
        "$.context.contextAgents[0].objectType",
    ),
    (
        minimal,
        "context.contextAgents",
        [_context_agent(objectType=DELETE)],
        ("2.0.0",),
        "$.context.contextAgents[0].objectType",
    ),
    (
        minimal,
        "context.contextAgents",
        [_context_agent(agent={"key": "Should fail"})],
        ("2.0.0",),
        "$.context.contextAgents[0].agent.key",
    ),
    (
        minimal,
        "context.contextAgents",
        [_context_agent(agent=_anonymous_group())],
        ("2.0.0",),
        "$.context.contextAgents[0].agent.objectType",
    ),
    (
        minimal,
        "context.contextAgents",
        [_context_agent(relevantTypes=[])],
        ("2.0.0",),
        "$.context.contextAgents[0].relevantTypes",
    ),
    (
        minimal,
        "context.contextAgents",
        [_context_agent(relevantTypes=["abc"])],
        ("2.0.0",),
        "$.context.contextAgents[0].relevantTypes[0]",
    ),
    (minimal, "context.contextAgents", _context_agent(), ("2.0.0",), "$.context.contextAgents"),
    (
        minimal,
        "context.contextGroups",
        [_context_group(objectType="contextAgent")],
        ("2.0.0",),
        "$.context.contextGroups[0].objectType",
    ),
    (
        minimal,
        "context.contextGroups",
        [_context_group(group={"key": "Should fail"})],
        ("2.0.0",),
        "$.context.contextGroups[0].group",
    ),
    (
        minimal,
        "context.contextGroups",
        [_context_group(group={"objectType": "Group", "key": "x"})],
        ("2.0.0",),
        "$.context.contextGroups[0].group.key",
    ),
    (
        minimal,
        "context.contextGroups",
        [_context_group(relevantTypes=[])],
        ("2.0.0",),
        "$.context.contextGroups[0].relevantTypes",
    ),
    (
        minimal,
        "context.contextGroups",
        [_context_group(relevantTypes=["abc"])],
        ("2.0.0",),
        "$.context.contextGroups[0].relevantTypes[0]",
    ),
    # Authority (Data 2.4.9)
    (minimal, "authority", {"mbox": "mailto:bad"}, BOTH, "$.authority.mbox"),
    (minimal, "authority", {**_two_member_authority(), "mbox": "mailto:bob@example.com"}, BOTH, "$.authority"),
    (minimal, "authority", {"objectType": "Group", "member": [agent()]}, BOTH, "$.authority"),
    (
        minimal,
        "authority",
        {"objectType": "Group", "member": [agent("a"), agent("b"), agent("c")]},
        BOTH,
        "$.authority",
    ),
    (minimal, "authority", {"objectType": "Group", "openid": "http://openid.example.com/g"}, BOTH, "$.authority"),
    (minimal, "auTHORity", agent(), BOTH, None),
    # Attachments (Data 2.4.11)
    (minimal, "attachments", [12345], BOTH, "$.attachments[0]"),
    (minimal, "attachments", ["should fail"], BOTH, "$.attachments[0]"),
    (minimal, "attachments", [_attachment(usageType="should fail")], BOTH, "$.attachments[0].usageType"),
    (minimal, "attachments", [_attachment(usageType=DELETE)], BOTH, "$.attachments[0].usageType"),
    (minimal, "attachments", [_attachment(display=DELETE)], BOTH, "$.attachments[0].display"),
    (minimal, "attachments", [_attachment(display={"de-419-DE": "x"})], BOTH, "$.attachments[0].display"),
    (minimal, "attachments", [_attachment(description=12345)], BOTH, "$.attachments[0].description"),
    (minimal, "attachments", [_attachment(description={"something": "x"})], BOTH, "$.attachments[0].description"),
    (minimal, "attachments", [_attachment(contentType="should fail")], BOTH, "$.attachments[0].contentType"),
    (minimal, "attachments", [_attachment(contentType=DELETE)], BOTH, "$.attachments[0].contentType"),
    (minimal, "attachments", [_attachment(length="should fail")], BOTH, "$.attachments[0].length"),
    (minimal, "attachments", [_attachment(length=-1)], BOTH, "$.attachments[0].length"),
    (minimal, "attachments", [_attachment(length=1.5)], BOTH, "$.attachments[0].length"),
    (minimal, "attachments", [_attachment(sha2=12345)], BOTH, "$.attachments[0].sha2"),
    (minimal, "attachments", [_attachment(sha2="xyz")], BOTH, "$.attachments[0].sha2"),
    (minimal, "attachments", [_attachment(sha2=DELETE)], BOTH, "$.attachments[0].sha2"),
    (minimal, "attachments", [_attachment(fileUrl="should fail")], BOTH, "$.attachments[0].fileUrl"),
    # Voiding (Data 2.3.2)
    (
        lambda: with_value(minimal(), "verb.id", "http://adlnet.gov/expapi/verbs/voided"),
        "object.id",
        ACTIVITY_ID,
        BOTH,
        "$.object",
    ),
]


def _with_object(obj: dict[str, Any]) -> dict[str, Any]:
    return with_value(minimal(), "object", obj)


def _invalid_params() -> list[Any]:
    params = []
    for builder, path, value, versions, expected in INVALID:
        for version in versions:
            label = f"{version}:{path}={str(value)[:40]}"
            params.append(pytest.param(builder, path, value, version, expected or f"$.{path}", id=label))
    return params


@pytest.mark.parametrize(("builder", "path", "value", "version", "expected"), _invalid_params())
def test_invalid_statement_is_rejected_with_its_path(
    builder: Builder, path: str, value: Any, version: str, expected: str
) -> None:
    error = rejected(with_value(builder(), path, value), version)
    assert error.path == expected, error.message
    assert error.status == 400
    assert error.message


# (builder, path, new value, versions): statements the spec says must be accepted.
VALID: list[Any] = [
    (minimal, "id", "AA97B177-9383-4934-8543-0F91A7A02836", BOTH),
    (minimal, "id", "12345678-1234-5678-1234-567812345678", BOTH),
    (minimal, "timestamp", "2013-05-18T05:32:34.804Z", BOTH),
    (minimal, "timestamp", "2013-05-18T05:32:34.804123456+05:30", BOTH),
    (minimal, "timestamp", "2013-05-18T05:32:34+0530", BOTH),
    (minimal, "timestamp", "2013-05-18T05:32:34-07", BOTH),
    (minimal, "timestamp", "20130518T053234Z", BOTH),
    (minimal, "timestamp", "2013-05-18T05:32:34", BOTH),
    (minimal, "timestamp", "2013-05-18T05:32Z", BOTH),
    (minimal, "timestamp", "2008-09-15 15:53:00.601+00:00", ("2.0.0",)),
    (minimal, "timestamp", "2099-01-01T00:00:00Z", BOTH),
    (minimal, "timestamp", "0001-01-01T00:00:00Z", BOTH),
    (minimal, "timestamp", "9999-12-31T23:59:59.999Z", BOTH),
    (minimal, "timestamp", "2024-02-29T23:59:59Z", BOTH),
    (minimal, "stored", "2013-05-18T05:32:34.804Z", BOTH),
    (minimal, "version", "1.0", BOTH),
    (minimal, "version", "1.0.0", BOTH),
    (minimal, "version", "1.0.9", BOTH),
    (minimal, "version", "2.0.0", ("2.0.0",)),
    (minimal, "actor", {"mbox_sha1sum": "CD9B00A5611F94EAA7B1661EDAB976068E364975"}, BOTH),
    (minimal, "actor", {"openid": "http://openid.example.org/12345"}, BOTH),
    (
        minimal,
        "actor",
        {"objectType": "Agent", "account": {"homePage": "http://www.example.com", "name": "1625378"}},
        BOTH,
    ),
    (minimal, "actor", _anonymous_group(), BOTH),
    (minimal, "actor", {"objectType": "Group", "mbox": "mailto:team@example.com"}, BOTH),
    (
        minimal,
        "actor",
        {"objectType": "Group", "account": {"homePage": "http://e.com", "name": "g"}, "member": [agent()]},
        BOTH,
    ),
    (minimal, "actor.name", "", BOTH),
    (minimal, "actor.mbox", "mailto:Learner@EXAMPLE.com", BOTH),
    (minimal, "verb.display", {}, BOTH),
    (minimal, "verb.display", {"i-enochian": "x", "zh-cmn-Hans-CN": "x", "sl-rozaj-biske": "x"}, BOTH),
    (minimal, "verb.display", {"de-CH-1901": "x", "hy-Latn-IT-arevela": "x", "az-Arab-x-AZE-derbend": "x"}, BOTH),
    (minimal, "verb.display", {"x-whatever": "x", "ine": "x", "sr-Latn-RS": "x", "en-a-bbb-x-a-ccc": "x"}, BOTH),
    (minimal, "verb.id", "http://example.com/فعل/خواندن", BOTH),
    (minimal, "verb.id", "urn:uuid:7c9e6679-7425-40de-944b-e07fc1f90ae7", BOTH),
    (minimal, "object", {"objectType": "Agent", "mbox": "mailto:other@example.com"}, BOTH),
    (minimal, "object", _anonymous_group(), BOTH),
    (minimal, "object", {"objectType": "StatementRef", "id": OTHER_ID}, BOTH),
    (minimal, "object.definition.extensions", {"http://example.com/null": None, "http://e.com/o": {}}, BOTH),
    (minimal, "object.definition.extensions", {}, BOTH),
    (minimal, "result.extensions", {"http://example.com/ext": ""}, BOTH),
    (minimal, "result.score", {"scaled": 1.0}, BOTH),
    (minimal, "result.score", {"scaled": -1}, BOTH),
    (minimal, "result.score", {"raw": 10, "min": 10, "max": 12}, BOTH),
    (minimal, "result.score", {"raw": -12.5}, BOTH),
    (minimal, "result.duration", "PT4H35M59.14S", BOTH),
    (minimal, "result.duration", "PT16559.14S", BOTH),
    (minimal, "result.duration", "P3Y1M29DT4H35M59.14S", BOTH),
    (minimal, "result.duration", "P3Y", BOTH),
    (minimal, "result.duration", "P4W", BOTH),
    (minimal, "result.duration", "PT1H0M0.1S", BOTH),
    (minimal, "result.duration", "PT0.0001S", BOTH),
    (minimal, "result.duration", "P0,5D", BOTH),
    (minimal, "context.contextActivities.parent", {"id": "http://example.com/p"}, BOTH),
    (minimal, "context.contextActivities.category", [], BOTH),
    (minimal, "context.instructor", _anonymous_group(), BOTH),
    (minimal, "context.team", _anonymous_group(), BOTH),
    (minimal, "context.language", "tlh", BOTH),
    (minimal, "context.contextAgents", [_context_agent()], ("2.0.0",)),
    (minimal, "context.contextAgents", [_context_agent(relevantTypes=DELETE)], ("2.0.0",)),
    (
        minimal,
        "context.contextGroups",
        [_context_group(group={"objectType": "Group", "mbox": "mailto:t@example.com"})],
        ("2.0.0",),
    ),
    (substatement, "object.context.contextGroups", [_context_group()], ("2.0.0",)),
    (minimal, "authority", agent("admin"), BOTH),
    (minimal, "authority", _two_member_authority(), BOTH),
    (minimal, "attachments", [_attachment()], BOTH),
    (minimal, "attachments", [_attachment(contentType='application/json;charset="utf-8"', length=0)], BOTH),
    (minimal, "attachments", [_attachment(sha2="A" * 128, fileUrl="http://over.there.com/file.txt")], BOTH),
    (
        lambda: with_value(minimal(), "verb.id", "http://adlnet.gov/expapi/verbs/voided"),
        "object",
        {"objectType": "StatementRef", "id": OTHER_ID},
        BOTH,
    ),
    (substatement, "object.timestamp", "2030-01-01T00:00:00Z", BOTH),
    (substatement, "object.object", {"objectType": "StatementRef", "id": OTHER_ID}, BOTH),
    (substatement, "object.object", {"objectType": "Group", "member": [agent()]}, BOTH),
    (rich, "id", OTHER_ID, BOTH),
]

INTERACTIONS = [
    _interaction("true-false", correctResponsesPattern=["true"]),
    _interaction("choice", choices=_components("golf", "tetris"), correctResponsesPattern=["golf[,]tetris"]),
    _interaction("fill-in", correctResponsesPattern=["Bob's your uncle"]),
    _interaction("long-fill-in", correctResponsesPattern=["{case_matters=false}{lang=en}To store"]),
    _interaction("matching", source=_components("ben"), target=_components("3"), correctResponsesPattern=["ben[.]3"]),
    _interaction("performance", steps=_components("pong", "dg"), correctResponsesPattern=["pong[.]1:[,]dg[.]:10"]),
    _interaction("sequencing", choices=_components("tim", "mike"), correctResponsesPattern=["tim[,]mike"]),
    _interaction("likert", scale=_components("likert_0", "likert_1"), correctResponsesPattern=["likert_1"]),
    _interaction("numeric", correctResponsesPattern=["4[:]"]),
    _interaction("other", correctResponsesPattern=["(35.937432,-86.868896)"]),
    _interaction("choice", correctResponsesPattern=[]),
]


def _valid_params() -> list[Any]:
    params = []
    for builder, path, value, versions in VALID:
        for version in versions:
            params.append(pytest.param(builder, path, value, version, id=f"{version}:{path}={str(value)[:40]}"))
    for interaction in INTERACTIONS:
        for version in BOTH:
            kind = interaction["definition"]["interactionType"]
            params.append(pytest.param(minimal, "object", interaction, version, id=f"{version}:interaction-{kind}"))
    return params


@pytest.mark.parametrize(("builder", "path", "value", "version"), _valid_params())
def test_valid_statement_is_accepted(builder: Builder, path: str, value: Any, version: str) -> None:
    statement = parse_one(with_value(builder(), path, value), version)
    assert statement.verb.id


def test_objects_decode_to_their_types() -> None:
    assert isinstance(parse_one(minimal()).object, Activity)
    assert isinstance(parse_one(minimal()).actor, Agent)
    assert isinstance(parse_one(with_value(minimal(), "object", agent())).object, Agent)
    assert isinstance(parse_one(with_value(minimal(), "actor", _anonymous_group())).actor, Group)
    ref = {"objectType": "StatementRef", "id": OTHER_ID}
    assert isinstance(parse_one(with_value(minimal(), "object", ref)).object, StatementRef)
    sub = parse_one(substatement()).object
    assert isinstance(sub, SubStatement)
    assert isinstance(sub.object, Activity)
