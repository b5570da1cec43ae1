"""Communication 3.1: optimistic concurrency on documents (ETag, If-Match, If-None-Match, 409, 412)."""

from __future__ import annotations

import json

import pytest

from conformance_tests import expect
from conformance_tests.client import XAPIClient
from conformance_tests.documents import (
    ACTIVITY_PROFILE,
    AGENT_PROFILE,
    STATE,
    DocResource,
    Documents,
    over_resources,
    quoted,
    sha1,
)
from conformance_tests.factory import Factory
from conformance_tests.requirements import ONLY_1_0_3, ONLY_2_0

SECTION = "Communication 3.1"
PROFILES = (ACTIVITY_PROFILE, AGENT_PROFILE)
WRONG = quoted(sha1(b"some other contents"))
ORIGINAL = {"version": 1}


def _setup(lrs: XAPIClient, factory: Factory, res: DocResource) -> tuple[Documents, dict[str, object]]:
    docs, scope = Documents(lrs, res), res.scope(factory)
    docs.create(scope, "doc", ORIGINAL)
    return docs, scope


def _unchanged(docs: Documents, scope: dict[str, object]) -> None:
    assert json.loads(docs.content(scope, "doc")) == ORIGINAL, "the document was modified by a failed request"


@over_resources("PUT with If-None-Match: * on a new document MUST succeed (204)", section=SECTION)
def test_put_if_none_match_new(lrs: XAPIClient, factory: Factory, res: DocResource) -> None:
    docs, scope = Documents(lrs, res), res.scope(factory)
    expect.status(docs.send("PUT", scope, "fresh", {"a": 1}, headers={"If-None-Match": "*"}), 204)
    assert json.loads(docs.content(scope, "fresh")) == {"a": 1}


@over_resources("PUT with If-None-Match: * on an existing document MUST get 412 and not modify it", section=SECTION)
def test_put_if_none_match_existing(lrs: XAPIClient, factory: Factory, res: DocResource) -> None:
    docs, scope = _setup(lrs, factory, res)
    expect.status(docs.send("PUT", scope, "doc", {"version": 2}, headers={"If-None-Match": "*"}), 412)
    _unchanged(docs, scope)


@over_resources("PUT with the current ETag in If-Match MUST succeed (204)", section=SECTION)
def test_put_if_match_current(lrs: XAPIClient, factory: Factory, res: DocResource) -> None:
    docs, scope = _setup(lrs, factory, res)
    etag = docs.etag(scope, "doc")
    expect.status(docs.send("PUT", scope, "doc", {"version": 2}, headers={"If-Match": etag}), 204)
    assert json.loads(docs.content(scope, "doc")) == {"version": 2}


@over_resources("PUT with a stale ETag in If-Match MUST get 412 and not modify the document", section=SECTION)
def test_put_if_match_stale(lrs: XAPIClient, factory: Factory, res: DocResource) -> None:
    docs, scope = _setup(lrs, factory, res)
    expect.status(docs.send("PUT", scope, "doc", {"version": 2}, headers={"If-Match": WRONG}), 412)
    _unchanged(docs, scope)


@over_resources("PUT with If-Match on a document that does not exist MUST get 412", section=SECTION)
def test_put_if_match_missing(lrs: XAPIClient, factory: Factory, res: DocResource) -> None:
    docs, scope = Documents(lrs, res), res.scope(factory)
    expect.status(docs.send("PUT", scope, "absent", {"a": 1}, headers={"If-Match": WRONG}), 412)
    expect.status(docs.get(scope, "absent"), 404)


@over_resources("If-Match: * matches any existing document (RFC 2616)", section=SECTION)
def test_put_if_match_star(lrs: XAPIClient, factory: Factory, res: DocResource) -> None:
    docs, scope = _setup(lrs, factory, res)
    expect.status(docs.send("PUT", scope, "doc", {"version": 2}, headers={"If-Match": "*"}), 204)
    assert json.loads(docs.content(scope, "doc")) == {"version": 2}


@over_resources("If-Match with a list of ETags succeeds when one is current (RFC 2616)", section=SECTION)
def test_put_if_match_list(lrs: XAPIClient, factory: Factory, res: DocResource) -> None:
    docs, scope = _setup(lrs, factory, res)
    etag = docs.etag(scope, "doc")
    headers = {"If-Match": f"{WRONG}, {etag}"}
    expect.status(docs.send("PUT", scope, "doc", {"version": 2}, headers=headers), 204)


@over_resources("The ETag MUST change when the document changes", section=SECTION)
def test_etag_changes(lrs: XAPIClient, factory: Factory, res: DocResource) -> None:
    docs, scope = _setup(lrs, factory, res)
    before = docs.etag(scope, "doc")
    expect.status(docs.send("POST", scope, "doc", {"more": True}), 204)
    after = docs.etag(scope, "doc")
    assert before != after, "the ETag did not change after the document changed"
    assert after.strip('"') == sha1(docs.content(scope, "doc")), "the new ETag is not the SHA-1 of the new contents"


@over_resources(
    "PUT without If-Match/If-None-Match on an existing document MUST get 409 and not modify it",
    section=SECTION,
    resources=PROFILES,
)
def test_put_without_precondition_conflicts(lrs: XAPIClient, factory: Factory, res: DocResource) -> None:
    docs, scope = _setup(lrs, factory, res)
    response = expect.status(docs.send("PUT", scope, "doc", {"version": 2}), 409)
    assert response.text.strip(), "a 409 MUST explain that the client should check the state and use If-Match"
    _unchanged(docs, scope)


@over_resources(
    "The State resource permits PUT without concurrency headers (overwrites)",
    section=SECTION,
    resources=(STATE,),
    versions=ONLY_1_0_3,
)
def test_state_put_without_precondition_1_0_3(lrs: XAPIClient, factory: Factory, res: DocResource) -> None:
    docs, scope = _setup(lrs, factory, res)
    expect.status(docs.send("PUT", scope, "doc", {"version": 2}), 204)
    assert json.loads(docs.content(scope, "doc")) == {"version": 2}


@over_resources(
    "State PUT without If-Match/If-None-Match on an existing document MUST get 409 in 2.0",
    section="xAPI 2.0 Versions",
    resources=(STATE,),
    versions=ONLY_2_0,
)
def test_state_put_without_precondition_2_0(lrs: XAPIClient, factory: Factory, res: DocResource) -> None:
    docs, scope = _setup(lrs, factory, res)
    expect.status(docs.send("PUT", scope, "doc", {"version": 2}), 409)
    _unchanged(docs, scope)


@over_resources("POST with a stale ETag in If-Match SHOULD* get 412 and not modify the document", section=SECTION)
def test_post_if_match_stale(lrs: XAPIClient, factory: Factory, res: DocResource) -> None:
    docs, scope = _setup(lrs, factory, res)
    expect.status(docs.send("POST", scope, "doc", {"extra": 1}, headers={"If-Match": WRONG}), 412)
    _unchanged(docs, scope)


@over_resources("POST with the current ETag in If-Match merges (204)", section=SECTION)
def test_post_if_match_current(lrs: XAPIClient, factory: Factory, res: DocResource) -> None:
    docs, scope = _setup(lrs, factory, res)
    etag = docs.etag(scope, "doc")
    expect.status(docs.send("POST", scope, "doc", {"extra": 1}, headers={"If-Match": etag}), 204)
    assert json.loads(docs.content(scope, "doc")) == {**ORIGINAL, "extra": 1}


@over_resources("POST with If-None-Match: * on an existing document SHOULD* get 412", section=SECTION)
def test_post_if_none_match_existing(lrs: XAPIClient, factory: Factory, res: DocResource) -> None:
    docs, scope = _setup(lrs, factory, res)
    expect.status(docs.send("POST", scope, "doc", {"extra": 1}, headers={"If-None-Match": "*"}), 412)
    _unchanged(docs, scope)


@over_resources("POST without concurrency headers is allowed (merge, 204)", section=SECTION)
def test_post_without_precondition(lrs: XAPIClient, factory: Factory, res: DocResource) -> None:
    docs, scope = _setup(lrs, factory, res)
    expect.status(docs.send("POST", scope, "doc", {"extra": 1}), 204)
    assert json.loads(docs.content(scope, "doc")) == {**ORIGINAL, "extra": 1}


@over_resources("DELETE with a stale ETag in If-Match SHOULD* get 412 and not delete", section=SECTION)
def test_delete_if_match_stale(lrs: XAPIClient, factory: Factory, res: DocResource) -> None:
    docs, scope = _setup(lrs, factory, res)
    expect.status(docs.send("DELETE", scope, "doc", headers={"If-Match": WRONG}), 412)
    _unchanged(docs, scope)


@over_resources("DELETE with the current ETag in If-Match deletes (204)", section=SECTION)
def test_delete_if_match_current(lrs: XAPIClient, factory: Factory, res: DocResource) -> None:
    docs, scope = _setup(lrs, factory, res)
    etag = docs.etag(scope, "doc")
    expect.status(docs.send("DELETE", scope, "doc", headers={"If-Match": etag}), 204)
    expect.status(docs.get(scope, "doc"), 404)


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE"])
@over_resources(
    "State concurrency: a stale If-Match MUST get 412 on PUT, POST or DELETE in 2.0",
    section="xAPI 2.0 Versions",
    resources=(STATE,),
    versions=ONLY_2_0,
)
def test_state_stale_if_match_2_0(lrs: XAPIClient, factory: Factory, res: DocResource, method: str) -> None:
    docs, scope = _setup(lrs, factory, res)
    body = None if method == "DELETE" else {"version": 9}
    expect.status(docs.send(method, scope, "doc", body, headers={"If-Match": WRONG}), 412)
    _unchanged(docs, scope)
