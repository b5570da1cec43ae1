"""Communication 2.1: the Statement resource — PUT, POST, GET by id, ordering, time filters, paging."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta, timezone
from typing import Any

import httpx
import pytest

from conformance_tests import expect, flows
from conformance_tests.client import CONSISTENT_THROUGH, XAPIClient
from conformance_tests.compare import assert_preserved
from conformance_tests.factory import Factory
from conformance_tests.requirements import ONLY_1_0_3, ONLY_2_0, requirement

PUT = "Communication 2.1.1"
POST = "Communication 2.1.2"
GET = "Communication 2.1.3"
FILTERS = "Communication 2.1.3 Filters"
REFS = "Communication 2.1.3 StatementRefs"
RESULT = "Data 2.5"

# -- PUT ---------------------------------------------------------------------------------------


@requirement(PUT, "PUT statements MUST store the Statement with the given id and return 204 No Content")
def test_put_stores_statement(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.full_statement()
    response = expect.status(lrs.put_statement(statement, statement["id"]), 204)
    assert response.content == b"", "204 response has a body"
    assert_preserved(statement, lrs.fetch_json(statement["id"]))


@requirement(PUT, "PUT of a Statement without an id MUST store it under the statementId parameter")
def test_put_without_id_in_body(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement(with_id=False)
    statement_id = factory.uuid()
    expect.status(lrs.put_statement(statement, statement_id), 204)
    got = lrs.fetch_json(statement_id)
    assert got["id"] == statement_id, f"stored under {statement_id} but returned id {got['id']!r}"


@requirement(PUT, "PUT statements MUST be rejected without the required statementId parameter")
def test_put_without_statement_id(lrs: XAPIClient, factory: Factory) -> None:
    expect.rejected(lrs.request("PUT", "statements", json_body=factory.statement()))


@requirement(PUT, "The Statement's id MUST match the statementId parameter (400 otherwise)")
def test_put_with_mismatched_id(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement()
    other = factory.uuid()
    expect.rejected(lrs.put_statement(statement, other))
    for statement_id in (statement["id"], other):
        assert lrs.get_statements({"statementId": statement_id}).status_code == 404, "mismatched PUT was stored"


@pytest.mark.parametrize("value", ["not-a-uuid", "12345", ""])
@requirement("Data 2.2", "The LRS MUST validate parameter values as it validates values of the same type in Statements")
def test_put_with_invalid_statement_id(lrs: XAPIClient, factory: Factory, value: str) -> None:
    expect.rejected(lrs.put_statement(factory.statement(with_id=False), value))


@requirement(PUT, "PUT stores a single Statement: an array body MUST be rejected")
def test_put_with_array(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement()
    expect.rejected(lrs.put_statement([statement], statement["id"]))


# -- POST --------------------------------------------------------------------------------------


@requirement(POST, "POST of a single Statement MUST return 200 with an array holding its id")
def test_post_single(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement()
    response = expect.status(lrs.post_statements(statement), 200)
    assert expect.content_type(response) == "application/json", response.headers.get("Content-Type")
    assert expect.json_body(response) == [statement["id"]]
    assert_preserved(statement, lrs.fetch_json(statement["id"]))


@requirement(POST, "POST of a batch MUST return the ids in the same order as the Statements")
def test_post_batch_ids_in_order(lrs: XAPIClient, factory: Factory) -> None:
    batch = [factory.statement() for _ in range(4)]
    batch.insert(2, factory.statement(with_id=False))
    ids = expect.json_body(expect.status(lrs.post_statements(batch), 200))
    assert isinstance(ids, list) and len(ids) == 5, f"expected five ids, got {ids!r}"
    for sent, got in zip(batch, ids, strict=True):
        if "id" in sent:
            assert got == sent["id"], f"ids out of order: {ids!r}"
    generated = lrs.fetch_json(ids[2])
    assert generated["verb"] == batch[2]["verb"], "the generated id does not point at the third statement"


@requirement(POST, "The LRS MUST accept a batch of many Statements")
def test_post_large_batch(lrs: XAPIClient, factory: Factory) -> None:
    batch = [factory.full_statement() for _ in range(50)]
    ids = expect.json_body(expect.status(lrs.post_statements(batch), 200))
    assert ids == [s["id"] for s in batch]
    assert_preserved(batch[-1], lrs.fetch_json(batch[-1]["id"]))


@requirement(POST, "A batch repeating a Statement id SHOULD* be rejected with 400", versions=ONLY_1_0_3)
def test_post_batch_duplicate_ids_1_0_3(lrs: XAPIClient, factory: Factory) -> None:
    first = factory.statement()
    second = factory.statement(id=first["id"])
    flows.rejected_and_absent(lrs, [first, second], [first["id"]])


@requirement(POST, "A batch repeating a Statement id MUST be rejected with 400", versions=ONLY_2_0)
def test_post_batch_duplicate_ids_2_0(lrs: XAPIClient, factory: Factory) -> None:
    first = factory.statement()
    flows.rejected_and_absent(lrs, [first, dict(first)], [first["id"]])


@pytest.mark.parametrize("position", [0, 1, 2])
@requirement("Communication 3.2", "The LRS MUST reject a batch if any Statement within it is rejected (none stored)")
def test_post_batch_with_invalid_statement(lrs: XAPIClient, factory: Factory, position: int) -> None:
    batch = [factory.statement() for _ in range(3)]
    del batch[position]["verb"]
    flows.rejected_and_absent(lrs, batch, [s["id"] for s in batch])


# -- GET by id ---------------------------------------------------------------------------------


@requirement(GET, "GET with statementId MUST return the Statement (200, a JSON object)")
def test_get_by_id(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.full_statement()
    lrs.store(statement)
    response = expect.status(lrs.fetch(statement["id"]), 200)
    assert expect.content_type(response) == "application/json", response.headers.get("Content-Type")
    assert_preserved(statement, expect.json_body(response))


@requirement(GET, "GET with an unknown statementId MUST return 404 Not Found")
def test_get_unknown_id(lrs: XAPIClient, factory: Factory) -> None:
    expect.status(lrs.get_statements({"statementId": factory.uuid()}), 404)


@requirement(GET, "The LRS MUST reject requests with both statementId and voidedStatementId (400)")
def test_both_ids_rejected(lrs: XAPIClient, factory: Factory) -> None:
    statement_id = lrs.store(factory.statement())
    expect.rejected(lrs.get_statements({"statementId": statement_id, "voidedStatementId": factory.uuid()}))


EXTRA_PARAMS: dict[str, Any] = {
    "agent": {"mbox": "mailto:someone@conformance.example.org"},
    "verb": "http://adlnet.gov/expapi/verbs/experienced",
    "activity": "http://conformance.example.org/activity",
    "registration": "c0ffee00-0000-4000-8000-0000000000aa",
    "related_activities": True,
    "related_agents": True,
    "since": "2020-01-01T00:00:00Z",
    "until": "2020-01-01T00:00:00Z",
    "limit": 1,
    "ascending": True,
}


@pytest.mark.parametrize("id_param", ["statementId", "voidedStatementId"])
@pytest.mark.parametrize("other", list(EXTRA_PARAMS))
@requirement(GET, "statementId/voidedStatementId with any parameter besides attachments or format MUST get 400")
def test_single_fetch_with_other_param(lrs: XAPIClient, factory: Factory, id_param: str, other: str) -> None:
    statement_id = lrs.store(factory.statement())
    expect.rejected(lrs.get_statements({id_param: statement_id, other: EXTRA_PARAMS[other]}))


@pytest.mark.parametrize(("name", "value"), [("format", "ids"), ("attachments", False), ("format", "canonical")])
@requirement(GET, "statementId MAY be combined with 'attachments' or 'format'")
def test_single_fetch_with_allowed_param(lrs: XAPIClient, factory: Factory, name: str, value: Any) -> None:
    statement_id = lrs.store(factory.statement())
    got = expect.json_body(expect.status(lrs.fetch(statement_id, **{name: value}), 200))
    assert got.get("id") == statement_id


INVALID_QUERY_VALUES: dict[str, Any] = {
    "statementId-not-uuid": {"statementId": "abc"},
    "voidedStatementId-not-uuid": {"voidedStatementId": "abc"},
    "limit-negative": {"limit": "-1"},
    "limit-not-number": {"limit": "ten"},
    "limit-fraction": {"limit": "1.5"},
    "ascending-not-boolean": {"ascending": "yes"},
    "related_agents-not-boolean": {"related_agents": "1", "agent": {"mbox": "mailto:a@conformance.example.org"}},
    "related_activities-not-boolean": {"related_activities": "maybe", "activity": "http://a.example.org/x"},
    "attachments-not-boolean": {"attachments": "sure"},
    "format-unknown": {"format": "full"},
    "format-wrong-case": {"format": "IDS"},
    "since-not-timestamp": {"since": "yesterday"},
    "until-not-timestamp": {"until": "2024-13-45"},
    "agent-not-json": {"agent": "mailto:a@conformance.example.org"},
    "agent-without-ifi": {"agent": {"objectType": "Agent", "name": "Nobody"}},
    "agent-two-ifis": {"agent": {"mbox": "mailto:a@conformance.example.org", "openid": "http://o.example.org/"}},
    "agent-bad-mbox": {"agent": {"mbox": "a@conformance.example.org"}},
    "agent-anonymous-group": {
        "agent": {"objectType": "Group", "member": [{"mbox": "mailto:a@conformance.example.org"}]}
    },
    "verb-not-iri": {"verb": "experienced"},
    "activity-not-iri": {"activity": "my activity"},
    "registration-not-uuid": {"registration": "registration-1"},
}


@pytest.mark.parametrize("case", list(INVALID_QUERY_VALUES), ids=list(INVALID_QUERY_VALUES))
@requirement("Data 2.2", "The LRS MUST validate parameter values as it validates values of the same type in Statements")
def test_invalid_query_value_rejected(lrs: XAPIClient, case: str) -> None:
    expect.rejected(lrs.get_statements(INVALID_QUERY_VALUES[case]))


@requirement(FILTERS, "The agent parameter MAY be an Identified Group")
def test_agent_param_identified_group(lrs: XAPIClient, factory: Factory) -> None:
    group = factory.group(members=0)
    statement = factory.statement(actor=group)
    lrs.store(statement)
    flows.wait_consistent(lrs, [statement["id"]])
    expect.same_set(flows.query_ids(lrs, {"agent": group}), [statement["id"]], "agent=identified group")


# -- ordering, time and paging --------------------------------------------------------------------


@dataclass
class Timeline:
    """Five statements about one activity stored a few ms apart, then a StatementRef to the first."""

    activity: str
    ids: list[str]  # s0..s4, then r (targets s0)
    stored: list[str]


@pytest.fixture(scope="module")
def timeline(lrs: XAPIClient, factory: Factory) -> Timeline:
    activity = factory.activity()
    ids = []
    for _ in range(5):
        ids.append(lrs.store(factory.statement(object=activity)))
        time.sleep(0.005)
    ids.append(lrs.store(factory.statement(object=factory.statement_ref(ids[0]))))
    flows.wait_consistent(lrs, ids)
    stored = [lrs.fetch_json(i)["stored"] for i in ids]
    return Timeline(activity["id"], ids, stored)


def _pick(timeline: Timeline, *indexes: int) -> list[str]:
    return [timeline.ids[i] for i in indexes]


@requirement(GET, "Statements MUST be returned in reverse chronological order of 'stored' by default")
def test_default_order_descending(lrs: XAPIClient, timeline: Timeline) -> None:
    found = flows.query_ids(lrs, {"activity": timeline.activity})
    assert found == list(reversed(timeline.ids)), f"order {found} is not newest first {list(reversed(timeline.ids))}"


@requirement(GET, "With ascending=true Statements MUST be returned in ascending order of 'stored'")
def test_ascending_order(lrs: XAPIClient, timeline: Timeline) -> None:
    found = flows.query_ids(lrs, {"activity": timeline.activity, "ascending": True})
    assert found == timeline.ids, f"order {found} is not oldest first {timeline.ids}"


TIME_CASES: dict[str, tuple[dict[str, int], tuple[int, ...]]] = {
    "since-exclusive": ({"since": 1}, (2, 3, 4, 5)),
    "until-inclusive": ({"until": 2}, (0, 1, 2)),
    "since-and-until": ({"since": 0, "until": 3}, (1, 2, 3)),
    "since-last": ({"since": 4}, (5,)),
}


@pytest.mark.parametrize("case", list(TIME_CASES), ids=list(TIME_CASES))
@requirement(FILTERS, "since returns Statements stored after it (exclusive); until those stored at or before it")
def test_since_until(lrs: XAPIClient, timeline: Timeline, case: str) -> None:
    bounds, expected = TIME_CASES[case]
    params: dict[str, Any] = {"activity": timeline.activity}
    params.update({name: timeline.stored[index] for name, index in bounds.items()})
    expect.same_set(flows.query_ids(lrs, params), _pick(timeline, *expected), case)


@requirement(FILTERS, "since/until MUST accept any time zone offset for the same instant")
def test_since_with_offset(lrs: XAPIClient, timeline: Timeline) -> None:
    instant = expect.parse_timestamp(timeline.stored[1]).astimezone(timezone(timedelta(hours=5, minutes=30)))
    params = {"activity": timeline.activity, "since": instant.isoformat(timespec="microseconds")}
    expect.same_set(flows.query_ids(lrs, params), _pick(timeline, 2, 3, 4, 5), "since with +05:30 offset")


@requirement(REFS, "Time and sequence parameters MUST still apply to the Statement making the StatementRef")
def test_until_applies_to_referencing_statement(lrs: XAPIClient, timeline: Timeline) -> None:
    found = flows.query_ids(lrs, {"activity": timeline.activity, "until": timeline.stored[4]})
    assert timeline.ids[5] not in found, "a StatementRef stored after 'until' was returned"
    assert timeline.ids[0] in found


@requirement(GET, "limit MUST bound the number of Statements returned")
def test_limit(lrs: XAPIClient, timeline: Timeline) -> None:
    result = expect.json_body(expect.status(lrs.get_statements({"activity": timeline.activity, "limit": 2}), 200))
    assert expect.statement_ids(result) == [timeline.ids[5], timeline.ids[4]], f"limit=2 gave {result!r}"


@requirement(RESULT, "'more' MUST be present (non-empty) when the list returned has been limited")
def test_more_present_when_limited(lrs: XAPIClient, timeline: Timeline) -> None:
    result = expect.json_body(expect.status(lrs.get_statements({"activity": timeline.activity, "limit": 2}), 200))
    assert isinstance(result.get("more"), str) and result["more"], f"limited result without 'more': {result!r}"


@requirement(RESULT, "'more' MUST be a relative IRL with the full path, without scheme, host or port")
def test_more_is_relative(lrs: XAPIClient, timeline: Timeline) -> None:
    result = expect.json_body(expect.status(lrs.get_statements({"activity": timeline.activity, "limit": 1}), 200))
    more = result.get("more", "")
    parsed = httpx.URL(more)
    assert more.startswith("/") and not parsed.scheme and not parsed.host, f"'more' is not host-relative: {more!r}"


@pytest.mark.parametrize("ascending", [False, True])
@requirement(RESULT, "Following 'more' MUST return the rest of the results, in order and without repeats")
def test_paging_through_more(lrs: XAPIClient, timeline: Timeline, ascending: bool) -> None:
    found = flows.query_ids(lrs, {"activity": timeline.activity, "limit": 2, "ascending": ascending})
    expected = timeline.ids if ascending else list(reversed(timeline.ids))
    assert found == expected, f"paged results {found} differ from {expected}"


@requirement(RESULT, "'more' is an empty string (or absent) when there are no more results")
def test_last_page_has_empty_more(lrs: XAPIClient, timeline: Timeline) -> None:
    result = expect.json_body(expect.status(lrs.get_statements({"activity": timeline.activity, "limit": 6}), 200))
    if result.get("more"):
        result = expect.json_body(expect.status(lrs.more(result["more"]), 200))
        assert result.get("statements") == [], f"a 'more' after the last result must lead to nothing: {result!r}"
    assert result.get("more", "") == "" or not result.get("statements"), f"unexpected 'more' {result!r}"


@requirement(GET, "limit=0 means the maximum the server allows (all six here)")
def test_limit_zero(lrs: XAPIClient, timeline: Timeline) -> None:
    result = expect.json_body(expect.status(lrs.get_statements({"activity": timeline.activity, "limit": 0}), 200))
    expect.same_set(expect.statement_ids(result), timeline.ids, "limit=0")


@requirement(RESULT, "A StatementResult MUST have a 'statements' array (and 'more' as a string when present)")
def test_statement_result_shape(lrs: XAPIClient, timeline: Timeline) -> None:
    result = expect.json_body(expect.status(lrs.get_statements({"activity": timeline.activity}), 200))
    assert isinstance(result.get("statements"), list), f"no statements array: {result!r}"
    assert isinstance(result.get("more", ""), str), f"'more' is not a string: {result!r}"


@requirement(RESULT, "Additional properties SHOULD* NOT be added to a StatementResult (only statements and more)")
def test_statement_result_no_extra_properties(lrs: XAPIClient, timeline: Timeline) -> None:
    result = expect.json_body(expect.status(lrs.get_statements({"activity": timeline.activity}), 200))
    extra = set(result) - {"statements", "more"}
    assert not extra, f"unexpected StatementResult properties {sorted(extra)}"


@requirement(FILTERS, "until before every matching Statement returns an empty result")
def test_until_before_all(lrs: XAPIClient, timeline: Timeline) -> None:
    params = {"activity": timeline.activity, "until": "2000-01-01T00:00:00Z"}
    assert flows.query_ids(lrs, params) == [], "until=2000 returned statements stored now"


@requirement(FILTERS, "since after every matching Statement returns an empty result")
def test_since_after_all(lrs: XAPIClient, timeline: Timeline) -> None:
    params = {"activity": timeline.activity, "since": "2999-01-01T00:00:00Z"}
    assert flows.query_ids(lrs, params) == [], "since=2999 returned statements"


# -- X-Experience-API-Consistent-Through -------------------------------------------------------


def _responses(lrs: XAPIClient, factory: Factory) -> dict[str, httpx.Response]:
    statement = factory.statement()
    return {
        "POST": lrs.post_statements(statement),
        "PUT": lrs.put_statement(factory.statement(with_id=False), factory.uuid()),
        "GET-single": lrs.fetch(statement["id"]),
        "GET-query": lrs.get_statements({"limit": 1}),
        "HEAD": lrs.request("HEAD", "statements", params={"statementId": statement["id"]}),
        "GET-404": lrs.get_statements({"statementId": factory.uuid()}),
        "GET-400": lrs.get_statements({"limit": "none"}),
    }


@pytest.mark.parametrize("kind", ["POST", "PUT", "GET-single", "GET-query", "HEAD", "GET-404", "GET-400"])
@requirement(GET, "The LRS MUST include X-Experience-API-Consistent-Through (ISO 8601) on all Statement responses")
def test_consistent_through_header(lrs: XAPIClient, factory: Factory, kind: str) -> None:
    response = _responses(lrs, factory)[kind]
    assert CONSISTENT_THROUGH in response.headers, f"{kind}: header missing; {expect.describe(response)}"
    expect.consistent_through(response)


@requirement(GET, "Consistent-Through is a recent timestamp covering Statements already stored")
def test_consistent_through_covers_stored(lrs: XAPIClient, factory: Factory) -> None:
    statement_id = lrs.store(factory.statement())
    stored = expect.parse_timestamp(lrs.fetch_json(statement_id)["stored"])
    deadline = time.monotonic() + 10
    while True:
        through = expect.consistent_through(lrs.get_statements({"limit": 1}))
        if through >= stored or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert through >= stored, f"Consistent-Through {through.isoformat()} stays before stored {stored.isoformat()}"


@requirement(
    GET, "The LRS SHOULD* include a Last-Modified header matching the Statement's 'stored'", versions=ONLY_1_0_3
)
def test_last_modified_matches_stored(lrs: XAPIClient, factory: Factory) -> None:
    statement_id = lrs.store(factory.statement())
    response = expect.status(lrs.fetch(statement_id), 200)
    stored = expect.parse_timestamp(expect.json_body(response)["stored"])
    modified = expect.last_modified(response)
    assert abs((modified - stored.replace(microsecond=0)).total_seconds()) < 1, (
        f"Last-Modified {modified.isoformat()} does not match stored {stored.isoformat()}"
    )
