"""xAPI 2.0.0 (IEEE 9274.1.1) changes: context agents/groups, RFC 3339, Last-Modified, mixed versions."""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from conformance_tests import expect, flows
from conformance_tests.cases import Case, Slot, params
from conformance_tests.cases import slots as s
from conformance_tests.cases.parts import INVALID_CONTEXT_AGENTS
from conformance_tests.client import XAPIClient
from conformance_tests.documents import RESOURCES, DocResource, Documents, over_resources
from conformance_tests.factory import JSON, Factory
from conformance_tests.requirements import ONLY_1_0_3, ONLY_2_0, requirement

CONTEXT = "xAPI 2.0 Context"
TIMESTAMPS = "xAPI 2.0 Timestamps"
MODIFIED = "xAPI 2.0 Last-Modified"
MIXED = "xAPI 2.0 Mixed versions"


@pytest.mark.parametrize(("case", "slot"), params(INVALID_CONTEXT_AGENTS, s.CONTEXT_SLOTS))
def test_invalid_context_agents_rejected(lrs: XAPIClient, factory: Factory, case: Case, slot: Slot) -> None:
    expect.rejected(lrs.post_statements(slot.place(factory, case.value(factory))))


def _context_people(factory: Factory) -> JSON:
    return {
        "contextAgents": [
            {"objectType": "contextAgent", "agent": factory.agent()},
            {
                "objectType": "contextAgent",
                "agent": factory.agent("account"),
                "relevantTypes": [factory.iri("type"), factory.iri("type")],
            },
        ],
        "contextGroups": [
            {"objectType": "contextGroup", "group": factory.group()},
            {
                "objectType": "contextGroup",
                "group": factory.group(identified=False),
                "relevantTypes": [factory.iri("type")],
            },
        ],
    }


@pytest.mark.parametrize("slot", [pytest.param(x, id=x.name) for x in s.CONTEXT_SLOTS])
@requirement(
    CONTEXT, "Valid contextAgents and contextGroups (with relevantTypes) MUST be accepted and kept", versions=ONLY_2_0
)
def test_context_agents_and_groups_kept(lrs: XAPIClient, factory: Factory, slot: Slot) -> None:
    flows.preserved(lrs, slot.place(factory, _context_people(factory)))


# -- timestamps --------------------------------------------------------------------------------

RFC3339 = {
    "space-separator": ("2024-01-01 12:00:00.000+00:00", datetime(2024, 1, 1, 12, tzinfo=UTC)),
    "lowercase-t-z": ("2024-01-01t12:00:00.000z", datetime(2024, 1, 1, 12, tzinfo=UTC)),
}


@pytest.mark.parametrize("case", list(RFC3339), ids=list(RFC3339))
@requirement(TIMESTAMPS, "RFC 3339 timestamps MUST be accepted in 2.0", versions=ONLY_2_0)
def test_rfc3339_timestamp_accepted(lrs: XAPIClient, factory: Factory, case: str) -> None:
    text, instant = RFC3339[case]
    statement = factory.statement(timestamp=text)
    flows.accepted(lrs, statement)
    got = lrs.fetch_json(statement["id"])["timestamp"]
    assert expect.parse_timestamp(got) == instant, f"timestamp {text!r} came back as {got!r}"


@pytest.mark.parametrize("offset", ["+05:30", "-08:00", "+14:00"])
@requirement(TIMESTAMPS, "A timestamp that is not UTC MUST be converted to UTC (same instant)", versions=ONLY_2_0)
def test_timestamp_converted_to_utc(lrs: XAPIClient, factory: Factory, offset: str) -> None:
    text = f"2024-06-01T10:00:00.250{offset}"
    statement = factory.statement(timestamp=text)
    flows.accepted(lrs, statement)
    got = lrs.fetch_json(statement["id"])["timestamp"]
    assert got.endswith(("Z", "+00:00")), f"timestamp {text} returned as {got!r}, not UTC"
    assert expect.parse_timestamp(got) == expect.parse_timestamp(text), f"instant changed: {text} -> {got}"


# -- durations ------------------------------------------------------------------------------------


def _fine_duration(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement(result={"duration": "PT1.23456S"})
    flows.accepted(lrs, statement)
    got = lrs.fetch_json(statement["id"])["result"]["duration"]
    assert got in ("PT1.23S", "PT1.234S", "PT1.2345S", "PT1.23456S"), f"duration PT1.23456S came back as {got!r}"


@requirement("Data 4.6", "Durations finer than 0.01 s MUST be accepted (MAY be truncated)", versions=ONLY_2_0)
def test_fine_duration_accepted_2_0(lrs: XAPIClient, factory: Factory) -> None:
    _fine_duration(lrs, factory)


@requirement("Data 4.6", "The LRS SHOULD* NOT reject Durations finer than 0.01 s (MAY truncate)", versions=ONLY_1_0_3)
def test_fine_duration_accepted_1_0_3(lrs: XAPIClient, factory: Factory) -> None:
    _fine_duration(lrs, factory)


def _duration_compare(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement(result={"duration": "PT2.3412S"})
    flows.accepted(lrs, statement)
    again = copy.deepcopy(statement)
    again["result"]["duration"] = "PT2.3487S"
    expect.status(lrs.put_statement(again, again["id"]), 204)
    kept = lrs.fetch_json(statement["id"])["result"]["duration"]
    assert kept.startswith("PT2.34"), f"the stored duration changed to {kept!r}"


@requirement("Data 4.6", "Durations MUST be compared at 0.01 s precision (no 409 beyond it)", versions=ONLY_2_0)
def test_duration_compared_at_centiseconds_2_0(lrs: XAPIClient, factory: Factory) -> None:
    _duration_compare(lrs, factory)


@requirement("Data 4.6", "Precision beyond 0.01 s SHOULD* NOT be included in Duration comparison", versions=ONLY_1_0_3)
def test_duration_compared_at_centiseconds_1_0_3(lrs: XAPIClient, factory: Factory) -> None:
    _duration_compare(lrs, factory)


# -- Last-Modified -----------------------------------------------------------------------------


@requirement(MODIFIED, "A Statement GET MUST return Last-Modified equal to 'stored'", versions=ONLY_2_0)
def test_statement_last_modified(lrs: XAPIClient, factory: Factory) -> None:
    statement_id = lrs.store(factory.statement())
    response = expect.status(lrs.fetch(statement_id), 200)
    stored = expect.parse_timestamp(expect.json_body(response)["stored"])
    modified = expect.last_modified(response)
    assert modified == stored.replace(microsecond=0), (
        f"Last-Modified {modified.isoformat()} is not stored {stored.isoformat()} (to the second)"
    )


@dataclass
class Rewritten:
    """A document per resource, read before and after a rewrite more than a second later."""

    before: dict[str, datetime]
    after: dict[str, datetime]


@pytest.fixture(scope="module")
def rewritten(lrs: XAPIClient, factory: Factory, settings: object) -> Rewritten:
    before: dict[str, datetime] = {}
    after: dict[str, datetime] = {}
    scopes = {}
    for res in RESOURCES:
        docs, scope = Documents(lrs, res), res.scope(factory)
        docs.create(scope, "dated", {"v": 1})
        before[res.name] = expect.last_modified(expect.status(docs.get(scope, "dated"), 200))
        scopes[res.name] = (docs, scope)
    time.sleep(1.1)  # Last-Modified is an HTTP-date: whole seconds
    for name, (docs, scope) in scopes.items():
        expect.status(docs.send("POST", scope, "dated", {"v": 2}), 204)
        after[name] = expect.last_modified(expect.status(docs.get(scope, "dated"), 200))
    return Rewritten(before, after)


@over_resources(
    "Documents MUST return Last-Modified, and it MUST change with every write", section=MODIFIED, versions=ONLY_2_0
)
def test_document_last_modified_changes(rewritten: Rewritten, res: DocResource) -> None:
    assert rewritten.after[res.name] > rewritten.before[res.name], (
        f"Last-Modified stayed {rewritten.before[res.name].isoformat()} after a write"
    )


# -- both versions in one store ----------------------------------------------------------------


def _stored_2_0(lrs: XAPIClient, factory: Factory) -> JSON:
    statement = factory.statement(context=_context_people(factory))
    flows.accepted(lrs, statement)
    return statement


@requirement(
    MIXED, "A 2.0 Statement read with a 1.0.3 header MUST drop contextAgents and contextGroups", versions=ONLY_2_0
)
def test_read_2_0_statement_as_1_0_3(lrs: XAPIClient, factory: Factory) -> None:
    statement = _stored_2_0(lrs, factory)
    response = expect.status(lrs.get_statements({"statementId": statement["id"]}, version="1.0.3"), 200)
    body = expect.json_body(response)
    assert body.get("id") == statement["id"], expect.describe(response)
    context = body.get("context", {})
    assert context.get("registration") == statement["context"].get("registration")
    assert "contextAgents" not in context and "contextGroups" not in context, f"1.0.3 reader got {context!r}"


@requirement(MIXED, "A 2.0 Statement read with a 1.0.3 header MUST present version 1.0.0", versions=ONLY_2_0)
def test_read_2_0_statement_version_as_1_0_3(lrs: XAPIClient, factory: Factory) -> None:
    statement = _stored_2_0(lrs, factory)
    response = expect.status(lrs.get_statements({"statementId": statement["id"]}, version="1.0.3"), 200)
    assert expect.json_body(response).get("version") == "1.0.0", expect.describe(response)


@requirement(
    MIXED, "A 1.0.3 reader of a query MUST get Statements it can accept (no 2.0-only properties)", versions=ONLY_2_0
)
def test_query_2_0_statement_as_1_0_3(lrs: XAPIClient, factory: Factory) -> None:
    statement = _stored_2_0(lrs, factory)
    response = expect.status(lrs.get_statements({"activity": statement["object"]["id"]}, version="1.0.3"), 200)
    statements = expect.json_body(response)["statements"]
    assert len(statements) == 1, f"expected the one statement, got {statements!r}"
    context = statements[0].get("context", {})
    assert "contextAgents" not in context and "contextGroups" not in context, f"1.0.3 reader got {context!r}"


@requirement(
    MIXED, "The same Statement read with a 2.0 header MUST keep contextAgents and contextGroups", versions=ONLY_2_0
)
def test_read_2_0_statement_as_2_0(lrs: XAPIClient, factory: Factory) -> None:
    statement = _stored_2_0(lrs, factory)
    got = lrs.fetch_json(statement["id"])
    assert got["context"].get("contextAgents") == statement["context"]["contextAgents"]


@requirement(MIXED, "A 1.0.3 Statement stored through a 1.0.3 request MUST be readable with 2.0", versions=ONLY_2_0)
def test_read_1_0_3_statement_as_2_0(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.full_statement()
    expect.status(lrs.post_statements(statement, version="1.0.3"), 200)
    got = lrs.fetch_json(statement["id"])
    assert got["actor"] == statement["actor"] and got["result"] == statement["result"]
