"""Communication 2.2, 2.3, 2.6, 2.7: the document resources (State, Activity Profile, Agent Profile)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from conformance_tests import expect
from conformance_tests.client import XAPIClient
from conformance_tests.documents import (
    AGENT_PROFILE,
    RESOURCES,
    STATE,
    DocResource,
    Documents,
    over_resources,
    sha1,
)
from conformance_tests.factory import Factory
from conformance_tests.requirements import requirement

DOCS = "Communication 2.2"
CONCURRENCY = "Communication 3.1"
HEAD = "Communication 1.1"


def _docs(lrs: XAPIClient, res: DocResource) -> Documents:
    return Documents(lrs, res)


@over_resources("PUT stores a document and GET returns its exact contents (200)")
def test_put_then_get(lrs: XAPIClient, factory: Factory, res: DocResource) -> None:
    docs, scope, body = _docs(lrs, res), res.scope(factory), {"bookmark": "page-7", "score": 3}
    docs.create(scope, "doc-1", body)
    response = expect.status(docs.get(scope, "doc-1"), 200)
    assert json.loads(response.content) == body, f"document returned {response.text!r}"
    assert expect.content_type(response) == "application/json", response.headers.get("Content-Type")


@over_resources("Documents MAY have any content type; binary content MUST come back byte for byte", section=DOCS)
def test_binary_document(lrs: XAPIClient, factory: Factory, res: DocResource) -> None:
    docs, scope = _docs(lrs, res), res.scope(factory)
    content = bytes(range(256)) * 8
    docs.create(scope, "binary", content, "application/octet-stream")
    response = expect.status(docs.get(scope, "binary"), 200)
    assert response.content == content, "binary document changed"
    assert expect.content_type(response) == "application/octet-stream", response.headers.get("Content-Type")


@over_resources("A text document MUST come back with its content and content type", section=DOCS)
def test_text_document(lrs: XAPIClient, factory: Factory, res: DocResource) -> None:
    docs, scope = _docs(lrs, res), res.scope(factory)
    content = "Zoë's notes — 学习记录 ✓\n".encode()
    docs.create(scope, "notes", content, "text/plain; charset=utf-8")
    response = expect.status(docs.get(scope, "notes"), 200)
    assert response.content == content, f"text document changed: {response.content!r}"
    assert expect.content_type(response) == "text/plain", response.headers.get("Content-Type")


@over_resources("GET of a document that does not exist MUST return 404")
def test_get_missing_document(lrs: XAPIClient, factory: Factory, res: DocResource) -> None:
    expect.status(_docs(lrs, res).get(res.scope(factory), "never-stored"), 404)


@over_resources("The LRS MUST NOT reject documents for Activities or Agents it has no prior knowledge of", section=DOCS)
def test_unknown_context_accepted(lrs: XAPIClient, factory: Factory, res: DocResource) -> None:
    docs, scope = _docs(lrs, res), res.scope(factory)
    docs.create(scope, "first-contact", {"a": 1})
    assert json.loads(docs.content(scope, "first-contact")) == {"a": 1}


@over_resources(
    "An LRS responding to a GET MUST add an ETag: the quoted SHA-1 hex of the contents", section=CONCURRENCY
)
def test_etag_is_sha1(lrs: XAPIClient, factory: Factory, res: DocResource) -> None:
    docs, scope, content = _docs(lrs, res), res.scope(factory), b'{"etag": "check"}'
    docs.create(scope, "etag", content)
    etag = expect.header(expect.status(docs.get(scope, "etag"), 200), "ETag")
    assert etag.startswith('"') and etag.endswith('"'), f"ETag {etag!r} is not enclosed in quotes"
    assert etag.strip('"').lower() == sha1(content), f"ETag {etag} is not the SHA-1 {sha1(content)} of the contents"


@over_resources("The ETag SHOULD be rendered with numbers and lowercase characters only", section=CONCURRENCY)
def test_etag_lowercase(lrs: XAPIClient, factory: Factory, res: DocResource) -> None:
    docs, scope = _docs(lrs, res), res.scope(factory)
    docs.create(scope, "etag-case", b'{"a": "B"}')
    etag = docs.etag(scope, "etag-case").strip('"')
    assert etag == etag.lower(), f"ETag {etag} has uppercase characters"


@over_resources("When returning a single document the LRS SHOULD* include Last-Modified", section=DOCS)
def test_last_modified_single(lrs: XAPIClient, factory: Factory, res: DocResource) -> None:
    docs, scope = _docs(lrs, res), res.scope(factory)
    docs.create(scope, "dated", {"a": 1})
    expect.last_modified(expect.status(docs.get(scope, "dated"), 200))


@over_resources("When returning multiple documents the LRS SHOULD* include Last-Modified", section=DOCS)
def test_last_modified_multiple(lrs: XAPIClient, factory: Factory, res: DocResource) -> None:
    docs, scope = _docs(lrs, res), res.scope(factory)
    docs.create(scope, "dated", {"a": 1})
    expect.last_modified(expect.status(docs.get(scope, None), 200))


@over_resources("HEAD MUST answer like GET (status, ETag) without a message body", section=HEAD)
def test_head_document(lrs: XAPIClient, factory: Factory, res: DocResource) -> None:
    docs, scope = _docs(lrs, res), res.scope(factory)
    docs.create(scope, "head", {"a": 1})
    get = expect.status(docs.get(scope, "head"), 200)
    head = expect.status(docs.send("HEAD", scope, "head"), 200)
    assert head.content == b"", "HEAD returned a body"
    assert expect.header(head, "ETag") == expect.header(get, "ETag"), "HEAD and GET disagree on the ETag"


@over_resources("HEAD of a missing document MUST answer 404 like GET", section=HEAD)
def test_head_missing_document(lrs: XAPIClient, factory: Factory, res: DocResource) -> None:
    expect.status(_docs(lrs, res).send("HEAD", res.scope(factory), "never-stored"), 404)


@over_resources("GET without a document id MUST return the array of ids stored in the context")
def test_get_ids(lrs: XAPIClient, factory: Factory, res: DocResource) -> None:
    docs, scope, other = _docs(lrs, res), res.scope(factory), res.scope(factory)
    for doc_id in ("alpha", "beta", "gamma"):
        docs.create(scope, doc_id, {"id": doc_id})
    docs.create(other, "elsewhere", {"id": "elsewhere"})
    ids = expect.json_body(expect.status(docs.get(scope, None), 200))
    assert isinstance(ids, list), f"expected an array of ids, got {ids!r}"
    expect.same_set(ids, ["alpha", "beta", "gamma"], "document ids of the context")


@over_resources("GET of ids in a context without documents MUST return an empty array")
def test_get_ids_empty(lrs: XAPIClient, factory: Factory, res: DocResource) -> None:
    ids = expect.json_body(expect.status(_docs(lrs, res).get(res.scope(factory), None), 200))
    assert ids == [], f"expected [], got {ids!r}"


@over_resources("'since' limits the ids to documents stored or updated after it (exclusive)")
def test_get_ids_since(lrs: XAPIClient, factory: Factory, res: DocResource) -> None:
    docs, scope = _docs(lrs, res), res.scope(factory)
    docs.create(scope, "before", {"a": 1})
    time.sleep(0.02)
    marker = lrs.store(factory.statement())
    since = lrs.fetch_json(marker)["stored"]
    time.sleep(0.02)
    docs.create(scope, "after", {"a": 2})
    ids = expect.json_body(expect.status(docs.send("GET", {**scope, "since": since}, None), 200))
    expect.same_set(ids, ["after"], f"ids since {since}")


@over_resources("A 'since' that is not a timestamp MUST be rejected with 400")
def test_get_ids_bad_since(lrs: XAPIClient, factory: Factory, res: DocResource) -> None:
    expect.rejected(_docs(lrs, res).send("GET", {**res.scope(factory), "since": "last week"}, None))


@over_resources("POST of JSON onto a JSON document MUST merge top-level properties (204)", section=DOCS)
def test_post_merges(lrs: XAPIClient, factory: Factory, res: DocResource) -> None:
    docs, scope = _docs(lrs, res), res.scope(factory)
    docs.create(scope, "merge", {"x": "foo", "y": "bar"})
    expect.status(docs.send("POST", scope, "merge", {"x": "bash", "z": "faz"}), 204)
    merged = json.loads(docs.content(scope, "merge"))
    assert merged == {"x": "bash", "y": "bar", "z": "faz"}, f"merge gave {merged!r}"


@over_resources("Only top-level properties are merged: a posted object property replaces the old one", section=DOCS)
def test_post_merge_is_shallow(lrs: XAPIClient, factory: Factory, res: DocResource) -> None:
    docs, scope = _docs(lrs, res), res.scope(factory)
    docs.create(scope, "shallow", {"settings": {"volume": 3, "speed": 1}, "keep": True})
    expect.status(docs.send("POST", scope, "shallow", {"settings": {"volume": 5}}), 204)
    merged = json.loads(docs.content(scope, "shallow"))
    assert merged == {"settings": {"volume": 5}, "keep": True}, f"merge gave {merged!r}"


@over_resources("POST to a document that does not exist MUST store it", section=DOCS)
def test_post_creates(lrs: XAPIClient, factory: Factory, res: DocResource) -> None:
    docs, scope = _docs(lrs, res), res.scope(factory)
    expect.status(docs.send("POST", scope, "posted", {"a": 1}), 204)
    assert json.loads(docs.content(scope, "posted")) == {"a": 1}


POST_REJECTIONS: dict[str, tuple[bytes, str, bytes, str]] = {
    "json-onto-text": (b"plain text", "text/plain", b'{"a": 1}', "application/json"),
    "text-onto-json": (b'{"a": 1}', "application/json", b"plain text", "text/plain"),
    "array-onto-json": (b'{"a": 1}', "application/json", b"[1, 2]", "application/json"),
    "invalid-json-onto-json": (b'{"a": 1}', "application/json", b'{"a": ', "application/json"),
    "json-onto-json-array": (b"[1, 2]", "application/json", b'{"a": 1}', "application/json"),
}


@pytest.mark.parametrize("case", list(POST_REJECTIONS), ids=list(POST_REJECTIONS))
@over_resources("A POST where either document is not a JSON object MUST get 400 and leave the document", section=DOCS)
def test_post_merge_rejected(lrs: XAPIClient, factory: Factory, res: DocResource, case: str) -> None:
    docs, scope = _docs(lrs, res), res.scope(factory)
    existing, existing_type, posted, posted_type = POST_REJECTIONS[case]
    docs.create(scope, "target", existing, existing_type)
    expect.rejected(docs.send("POST", scope, "target", posted, content_type=posted_type))
    assert docs.content(scope, "target") == existing, "the document changed after a rejected POST"


@over_resources("PUT with If-Match MUST replace the whole document", section=DOCS)
def test_put_replaces(lrs: XAPIClient, factory: Factory, res: DocResource) -> None:
    docs, scope = _docs(lrs, res), res.scope(factory)
    docs.create(scope, "replace", {"old": 1, "kept": 2})
    etag = docs.etag(scope, "replace")
    expect.status(docs.send("PUT", scope, "replace", {"new": 3}, headers={"If-Match": etag}), 204)
    assert json.loads(docs.content(scope, "replace")) == {"new": 3}


@over_resources("DELETE removes the document (204); a later GET returns 404")
def test_delete(lrs: XAPIClient, factory: Factory, res: DocResource) -> None:
    docs, scope = _docs(lrs, res), res.scope(factory)
    docs.create(scope, "doomed", {"a": 1})
    expect.status(docs.send("DELETE", scope, "doomed"), 204)
    expect.status(docs.get(scope, "doomed"), 404)
    assert "doomed" not in expect.json_body(expect.status(docs.get(scope, None), 200))


@over_resources(
    "Agents are identified by their IFI: another serialization of the agent names the same documents",
    resources=(STATE, AGENT_PROFILE),
)
def test_agent_identified_by_ifi(lrs: XAPIClient, factory: Factory, res: DocResource) -> None:
    docs, scope = _docs(lrs, res), res.scope(factory)
    docs.create(scope, "ifi", {"a": 1})
    agent = scope["agent"]
    variant = {**scope, "agent": {"mbox": agent["mbox"], "name": "Another Name"}}
    response = expect.status(docs.get(variant, "ifi"), 200)
    assert json.loads(response.content) == {"a": 1}


@over_resources("Document ids are case sensitive strings: ids differing in case are different documents")
def test_document_ids_case_sensitive(lrs: XAPIClient, factory: Factory, res: DocResource) -> None:
    docs, scope = _docs(lrs, res), res.scope(factory)
    docs.create(scope, "Doc", {"v": "upper"})
    docs.create(scope, "doc", {"v": "lower"})
    assert json.loads(docs.content(scope, "Doc")) == {"v": "upper"}


def _required(res: DocResource, method: str) -> list[str]:
    params = [p for p, needed in (("activityId", res.needs_activity), ("agent", res.needs_agent)) if needed]
    if method in ("PUT", "POST") or (method == "DELETE" and res is not STATE):
        params.append(res.id_param)
    return params


MISSING_PARAMS = [
    pytest.param(
        res,
        method,
        param,
        id=f"{res.name}-{method}-{param}",
        marks=requirement(res.section, f"{param} is required: a request without it MUST be rejected with 400"),
    )
    for res in RESOURCES
    for method in ("PUT", "POST", "GET", "DELETE")
    for param in _required(res, method)
]


@pytest.mark.parametrize(("res", "method", "param"), MISSING_PARAMS)
def test_missing_required_param(lrs: XAPIClient, factory: Factory, res: DocResource, method: str, param: str) -> None:
    scope = {**res.scope(factory), res.id_param: "doc"}
    del scope[param]
    body = b'{"a": 1}' if method in ("PUT", "POST") else None
    headers = {"If-None-Match": "*"} if method == "PUT" else {}
    expect.rejected(_docs(lrs, res).send(method, scope, None, body, headers=headers))


INVALID_PARAMS: dict[str, tuple[str, Any]] = {
    "agent-not-json": ("agent", "mailto:a@conformance.example.org"),
    "agent-no-ifi": ("agent", {"objectType": "Agent", "name": "Nobody"}),
    "agent-two-ifis": ("agent", {"mbox": "mailto:a@conformance.example.org", "openid": "http://o.example.org/a"}),
    "agent-bad-mbox": ("agent", {"mbox": "a@conformance.example.org"}),
    "agent-is-group": ("agent", {"objectType": "Group", "member": [{"mbox": "mailto:a@conformance.example.org"}]}),
    "activityId-not-iri": ("activityId", "my activity"),
    "activityId-empty": ("activityId", ""),
}
INVALID_PARAM_CASES = [
    pytest.param(
        res,
        case,
        id=f"{res.name}-{case}",
        marks=requirement(res.section, "Parameter values (agent, activityId) MUST be valid as in Statements (400)"),
    )
    for res in RESOURCES
    for case, (name, _) in INVALID_PARAMS.items()
    if (name == "agent" and res.needs_agent) or (name == "activityId" and res.needs_activity)
]


@pytest.mark.parametrize(("res", "case"), INVALID_PARAM_CASES)
@pytest.mark.parametrize("method", ["PUT", "GET"])
def test_invalid_param_rejected(lrs: XAPIClient, factory: Factory, res: DocResource, case: str, method: str) -> None:
    name, value = INVALID_PARAMS[case]
    scope = {**res.scope(factory), name: value}
    body = {"a": 1} if method == "PUT" else None
    headers = {"If-None-Match": "*"} if method == "PUT" else {}
    expect.rejected(_docs(lrs, res).send(method, scope, "doc", body, headers=headers))
