"""Communication 1.3: the alternate request syntax (?method=), required in 1.0.3, removed in 2.0."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from conformance_tests import expect
from conformance_tests.client import XAPIClient
from conformance_tests.compare import assert_preserved
from conformance_tests.factory import Factory
from conformance_tests.requirements import ONLY_1_0_3, ONLY_2_0, requirement

SECTION = "Communication 1.3"
FORM = "application/x-www-form-urlencoded"


def _alternate(
    lrs: XAPIClient,
    path: str,
    method: str,
    form: dict[str, Any],
    *,
    query: dict[str, str] | None = None,
    header_auth: bool = False,
    real_headers: bool = False,
) -> httpx.Response:
    """POST path?method=M with headers and parameters moved into the form body.

    `header_auth` sends Authorization as a real header instead of a form field; `real_headers`
    sends both Authorization and the version header as real headers too, so that nothing but
    the syntax itself can be objected to.
    """
    fields = {"X-Experience-API-Version": lrs.version, **form}
    if not header_auth:
        fields.setdefault("Authorization", lrs.authorization)
    encoded = {k: v if isinstance(v, str) else json.dumps(v) for k, v in fields.items()}
    return lrs.request(
        "POST",
        path,
        params={"method": method, **(query or {})},
        content=urlencode(encoded).encode("ascii"),
        headers={"Content-Type": FORM},
        auth=lrs.authorization if header_auth or real_headers else None,
        version=lrs.version if real_headers else None,
    )


def _put_form(statement: dict[str, Any]) -> dict[str, Any]:
    return {"statementId": statement["id"], "Content-Type": "application/json", "content": json.dumps(statement)}


@requirement(
    SECTION, "The LRS MUST support PUT statements via POST ?method=PUT with form parameters", versions=ONLY_1_0_3
)
def test_alternate_put_statement(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement()
    expect.status(_alternate(lrs, "statements", "PUT", _put_form(statement)), 204)
    assert_preserved(statement, lrs.fetch_json(statement["id"]))


@requirement(
    SECTION, "The LRS MUST support GET statements via POST ?method=GET (form parameters as query)", versions=ONLY_1_0_3
)
def test_alternate_get_statement(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement()
    lrs.store(statement)
    response = expect.status(_alternate(lrs, "statements", "GET", {"statementId": statement["id"]}), 200)
    assert expect.json_body(response).get("id") == statement["id"]


@requirement(
    SECTION,
    "The LRS MUST treat form parameters other than content and headers as query parameters",
    versions=ONLY_1_0_3,
)
def test_alternate_query(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement()
    lrs.store(statement)
    response = expect.status(_alternate(lrs, "statements", "GET", {"verb": statement["verb"]["id"]}), 200)
    assert expect.statement_ids(expect.json_body(response)) == [statement["id"]]


@requirement(SECTION, "The LRS MUST treat the Authorization form parameter as the header", versions=ONLY_1_0_3)
def test_alternate_authorization_in_form(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement()
    response = _alternate(lrs, "statements", "PUT", {**_put_form(statement), "Authorization": "Basic d3Jvbmc6d3Jvbmc="})
    expect.status(response, 401)


@requirement(
    SECTION, "Header parameters MAY still be sent as real headers with the alternate syntax", versions=ONLY_1_0_3
)
def test_alternate_with_header_auth(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement()
    expect.status(_alternate(lrs, "statements", "PUT", _put_form(statement), header_auth=True), 204)


@requirement(
    SECTION, "The LRS MUST support the alternate syntax on document resources (PUT, GET, DELETE)", versions=ONLY_1_0_3
)
def test_alternate_state_document(lrs: XAPIClient, factory: Factory) -> None:
    scope: dict[str, Any] = {"activityId": factory.iri("activity"), "agent": factory.agent(), "stateId": "alt"}
    put = {**scope, "Content-Type": "application/json", "content": json.dumps({"saved": True})}
    expect.status(_alternate(lrs, "activities/state", "PUT", put), 204)
    got = expect.status(_alternate(lrs, "activities/state", "GET", scope), 200)
    assert json.loads(got.content) == {"saved": True}
    expect.status(_alternate(lrs, "activities/state", "DELETE", scope), 204)
    direct = lrs.request("GET", "activities/state", params=scope)
    expect.status(direct, 404)


@requirement(
    SECTION,
    "The LRS MUST reject an alternate-syntax request with other query string parameters (400)",
    versions=ONLY_1_0_3,
)
def test_alternate_extra_query_rejected(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement()
    form = {"content": json.dumps(statement), "Content-Type": "application/json"}
    expect.rejected(_alternate(lrs, "statements", "PUT", form, query={"statementId": statement["id"]}))


@requirement(SECTION, "The LRS MUST interpret the content form parameter as UTF-8", versions=ONLY_1_0_3)
def test_alternate_utf8_content(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement(actor=factory.agent(name="Zoë 李 ✓"))
    expect.status(_alternate(lrs, "statements", "PUT", _put_form(statement)), 204)
    assert lrs.fetch_json(statement["id"])["actor"]["name"] == "Zoë 李 ✓"


@requirement(
    "xAPI 2.0 Versions",
    "The alternate request syntax is removed in 2.0: such requests MUST be rejected",
    versions=ONLY_2_0,
)
def test_alternate_put_rejected_in_2_0(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement()
    expect.rejected(_alternate(lrs, "statements", "PUT", _put_form(statement), real_headers=True))
    assert lrs.get_statements({"statementId": statement["id"]}).status_code == 404, "the statement was stored"


@requirement(
    "xAPI 2.0 Versions",
    "The alternate request syntax is removed in 2.0: ?method=GET MUST be rejected",
    versions=ONLY_2_0,
)
def test_alternate_get_rejected_in_2_0(lrs: XAPIClient, factory: Factory) -> None:
    statement_id = lrs.store(factory.statement())
    expect.rejected(_alternate(lrs, "statements", "GET", {"statementId": statement_id}, real_headers=True))


@requirement(
    SECTION, "The LRS MUST support POST statements via ?method=POST (a batch in 'content')", versions=ONLY_1_0_3
)
def test_alternate_post_batch(lrs: XAPIClient, factory: Factory) -> None:
    batch = [factory.statement(), factory.statement()]
    form = {"Content-Type": "application/json", "content": json.dumps(batch)}
    ids = expect.json_body(expect.status(_alternate(lrs, "statements", "POST", form), 200))
    assert ids == [s["id"] for s in batch], f"alternate POST returned {ids!r}"
    lrs.fetch_json(batch[1]["id"])


@requirement(SECTION, "The LRS MUST treat an If-None-Match form parameter as the header", versions=ONLY_1_0_3)
def test_alternate_if_none_match(lrs: XAPIClient, factory: Factory) -> None:
    scope = {"activityId": factory.iri("activity"), "profileId": "alt-profile"}
    first = {**scope, "Content-Type": "application/json", "content": json.dumps({"v": 1}), "If-None-Match": "*"}
    expect.status(_alternate(lrs, "activities/profile", "PUT", first), 204)
    second = {**first, "content": json.dumps({"v": 2})}
    expect.status(_alternate(lrs, "activities/profile", "PUT", second), 412)
    stored = lrs.request("GET", "activities/profile", params=scope)
    assert json.loads(expect.status(stored, 200).content) == {"v": 1}, "the profile changed despite If-None-Match"


@requirement(SECTION, "The LRS MUST treat an If-Match form parameter as the header", versions=ONLY_1_0_3)
def test_alternate_if_match(lrs: XAPIClient, factory: Factory) -> None:
    scope = {"agent": factory.agent(), "profileId": "alt-profile"}
    create = {**scope, "Content-Type": "application/json", "content": json.dumps({"v": 1}), "If-None-Match": "*"}
    expect.status(_alternate(lrs, "agents/profile", "PUT", create), 204)
    stale = {**scope, "Content-Type": "application/json", "content": json.dumps({"v": 2}), "If-Match": '"0000"'}
    expect.status(_alternate(lrs, "agents/profile", "PUT", stale), 412)
    etag = expect.header(expect.status(lrs.request("GET", "agents/profile", params=scope), 200), "ETag")
    fresh = {**stale, "If-Match": etag}
    expect.status(_alternate(lrs, "agents/profile", "PUT", fresh), 204)


@requirement(
    SECTION, "The LRS MUST treat an X-Experience-API-Version form parameter as the header", versions=ONLY_1_0_3
)
def test_alternate_bad_version_in_form(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement()
    form = {**_put_form(statement), "X-Experience-API-Version": "0.9"}
    expect.rejected(_alternate(lrs, "statements", "PUT", form))


@requirement(
    SECTION, "The alternate syntax MUST work for GET on the Activities and Agents resources", versions=ONLY_1_0_3
)
def test_alternate_get_activities_and_agents(lrs: XAPIClient, factory: Factory) -> None:
    activity_id = factory.iri("activity")
    activity = expect.status(_alternate(lrs, "activities", "GET", {"activityId": activity_id}), 200)
    assert expect.json_body(activity).get("id") == activity_id
    agent = factory.agent()
    person = expect.status(_alternate(lrs, "agents", "GET", {"agent": agent}), 200)
    assert agent["mbox"] in expect.json_body(person).get("mbox", [])


@requirement(
    "xAPI 2.0 Versions", "The alternate request syntax is removed in 2.0, for documents too", versions=ONLY_2_0
)
def test_alternate_document_rejected_in_2_0(lrs: XAPIClient, factory: Factory) -> None:
    scope = {"activityId": factory.iri("activity"), "agent": factory.agent(), "stateId": "alt"}
    put = {**scope, "Content-Type": "application/json", "content": json.dumps({"saved": True})}
    expect.rejected(_alternate(lrs, "activities/state", "PUT", put, real_headers=True))
    expect.status(lrs.request("GET", "activities/state", params=scope), 404)


@pytest.mark.parametrize("method", ["GET", "PUT"])
@requirement(SECTION, "Alternate-syntax requests MUST be POST: any other method with ?method= MUST get 400")
def test_alternate_syntax_requires_post(lrs: XAPIClient, factory: Factory, method: str) -> None:
    statement = factory.statement()
    if method == "GET":
        lrs.store(statement)
        expect.rejected(lrs.get_statements({"method": "GET", "statementId": statement["id"]}))
        return
    params = {"method": "PUT", "statementId": statement["id"]}
    expect.rejected(lrs.request("PUT", "statements", params=params, json_body=statement))
    expect.status(lrs.get_statements({"statementId": statement["id"]}), 404)
