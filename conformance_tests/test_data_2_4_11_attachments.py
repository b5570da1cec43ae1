"""Data 2.4.11 and Communication 1.5: attachment objects, multipart/mixed requests and responses."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from conformance_tests import expect, flows, multipart
from conformance_tests.cases import Case, single
from conformance_tests.cases.statements import INVALID_ATTACHMENTS, attachment_object
from conformance_tests.client import XAPIClient
from conformance_tests.factory import JSON, Factory
from conformance_tests.multipart import Attachment, Part
from conformance_tests.requirements import requirement

JSON_TYPE = "Communication 1.5.1"
MULTIPART = "Communication 1.5.2"
FORMATS = "Communication 2.1.3 Formats"


@pytest.mark.parametrize("case", single(INVALID_ATTACHMENTS))
def test_invalid_attachment_object_rejected(lrs: XAPIClient, factory: Factory, case: Case) -> None:
    expect.rejected(lrs.post_statements(case.value(factory)))


def _text(factory: Factory) -> Attachment:
    return Attachment(f"attachment of run {factory.run_id} / {factory.uuid()}\n".encode())


def _statement_with(factory: Factory, *attachments: Attachment) -> JSON:
    return factory.statement(attachments=[a.metadata() for a in attachments])


def _post(lrs: XAPIClient, statements: Any, parts: list[Part], boundary: str | None = None) -> httpx.Response:
    body, content_type = multipart.build([multipart.statements_part(statements), *parts], boundary)
    return lrs.send_multipart(body, content_type)


def _attachment_parts(response: httpx.Response) -> tuple[Any, list[Part]]:
    expect.status(response, 200)
    assert expect.content_type(response) == "multipart/mixed", (
        f"attachments=true MUST use the multipart response format; got {response.headers.get('Content-Type')}"
    )
    parts = multipart.parse(response.content, response.headers["Content-Type"])
    assert parts, "multipart response has no parts"
    first = parts[0]
    assert (first.header("Content-Type") or "").startswith("application/json"), (
        f"first part must be application/json, got {first.headers}"
    )
    return json.loads(first.body), parts[1:]


def _by_hash(parts: list[Part]) -> dict[str, bytes]:
    return {p.header(multipart.HASH_HEADER) or "": p.body for p in parts}


@requirement(JSON_TYPE, "An LRS MUST accept application/json Statements whose Attachments all have a fileUrl")
def test_json_attachment_with_file_url_accepted(lrs: XAPIClient, factory: Factory) -> None:
    flows.preserved(lrs, factory.statement(attachments=[attachment_object()]))


@requirement(JSON_TYPE, "An application/json request MUST include a fileUrl for every Attachment")
def test_json_attachment_without_file_url_rejected(lrs: XAPIClient, factory: Factory) -> None:
    attachment = attachment_object()
    del attachment["fileUrl"]
    expect.rejected(lrs.post_statements(factory.statement(attachments=[attachment])))


@requirement(MULTIPART, "An LRS MUST accept multipart/mixed Statements that contain Attachments")
def test_multipart_post_accepted(lrs: XAPIClient, factory: Factory) -> None:
    data = _text(factory)
    statement = _statement_with(factory, data)
    response = expect.status(_post(lrs, statement, [data.part()]), 200)
    assert expect.json_body(response) == [statement["id"]]
    got = lrs.fetch_json(statement["id"])
    assert got["attachments"][0]["sha2"] == data.sha2, f"attachment metadata not kept: {got.get('attachments')}"


@requirement(MULTIPART, "An LRS MUST accept a multipart/mixed PUT of a Statement with an Attachment")
def test_multipart_put_accepted(lrs: XAPIClient, factory: Factory) -> None:
    data = _text(factory)
    statement = _statement_with(factory, data)
    body, content_type = multipart.request(statement, [data])
    expect.status(lrs.send_multipart(body, content_type, method="PUT", params={"statementId": statement["id"]}), 204)
    _, parts = _attachment_parts(lrs.fetch(statement["id"], attachments=True))
    assert _by_hash(parts).get(data.sha2) == data.data, "the PUT attachment was not stored"


@requirement(MULTIPART, "The LRS MUST return attachment data with attachments=true, matched by SHA-2")
def test_attachment_data_returned(lrs: XAPIClient, factory: Factory) -> None:
    data = Attachment(bytes(range(256)) * 4 + factory.run_id.encode(), content_type="application/octet-stream")
    statement = _statement_with(factory, data)
    expect.status(_post(lrs, statement, [data.part()]), 200)
    stored, parts = _attachment_parts(lrs.fetch(statement["id"], attachments=True))
    assert stored.get("id") == statement["id"], "the first part must be the requested Statement"
    assert _by_hash(parts).get(data.sha2) == data.data, "attachment bytes differ from those sent"


@requirement(MULTIPART, "Each attachment part of a response MUST carry X-Experience-API-Hash and binary encoding")
def test_response_part_headers(lrs: XAPIClient, factory: Factory) -> None:
    data = _text(factory)
    statement = _statement_with(factory, data)
    expect.status(_post(lrs, statement, [data.part()]), 200)
    _, parts = _attachment_parts(lrs.fetch(statement["id"], attachments=True))
    assert len(parts) == 1, f"expected one attachment part, got {len(parts)}"
    assert parts[0].header(multipart.HASH_HEADER) == data.sha2, f"part headers {parts[0].headers}"
    assert (parts[0].header("Content-Transfer-Encoding") or "").lower() == "binary", f"part headers {parts[0].headers}"


@requirement(FORMATS, "With attachments=true on a query the first part MUST be the StatementResult")
def test_query_with_attachments(lrs: XAPIClient, factory: Factory) -> None:
    data = _text(factory)
    statement = _statement_with(factory, data)
    expect.status(_post(lrs, statement, [data.part()]), 200)
    result, parts = _attachment_parts(lrs.get_statements({"activity": statement["object"]["id"], "attachments": True}))
    assert expect.statement_ids(result) == [statement["id"]], f"unexpected StatementResult {result!r}"
    assert _by_hash(parts).get(data.sha2) == data.data, "attachment data missing from the query response"


@requirement(
    FORMATS, "With attachments=false the LRS MUST NOT include attachment data and MUST report application/json"
)
def test_attachments_false_is_json(lrs: XAPIClient, factory: Factory) -> None:
    data = _text(factory)
    statement = _statement_with(factory, data)
    expect.status(_post(lrs, statement, [data.part()]), 200)
    response = expect.status(lrs.fetch(statement["id"], attachments=False), 200)
    assert expect.content_type(response) == "application/json", response.headers.get("Content-Type")
    assert expect.json_body(response)["attachments"][0]["sha2"] == data.sha2


@requirement(FORMATS, "With attachments=true the LRS MUST use the multipart format even without attachments")
def test_attachments_true_without_attachments(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement()
    lrs.store(statement)
    stored, parts = _attachment_parts(lrs.fetch(statement["id"], attachments=True))
    assert stored.get("id") == statement["id"] and parts == [], f"unexpected parts: {len(parts)}"


@requirement(MULTIPART, "The LRS MUST reject Attachments that neither have a fileUrl nor match a received part")
def test_missing_attachment_part_rejected(lrs: XAPIClient, factory: Factory) -> None:
    data = _text(factory)
    statement = _statement_with(factory, data)
    expect.rejected(_post(lrs, statement, []))
    assert lrs.get_statements({"statementId": statement["id"]}).status_code == 404, "rejected statement was stored"


@requirement(MULTIPART, "The LRS MUST match parts to Attachments only by comparing the SHA-2 of the raw data")
def test_part_with_wrong_data_rejected(lrs: XAPIClient, factory: Factory) -> None:
    data = _text(factory)
    statement = _statement_with(factory, data)
    forged = Part(
        b"different bytes\n",
        {"Content-Type": "text/plain", multipart.HASH_HEADER: data.sha2, "Content-Transfer-Encoding": "binary"},
    )
    expect.rejected(_post(lrs, statement, [forged]))


@requirement(MULTIPART, "A part whose SHA-2 matches no declared Attachment leaves that Attachment unmatched (400)")
def test_part_for_other_attachment_rejected(lrs: XAPIClient, factory: Factory) -> None:
    declared, sent = _text(factory), _text(factory)
    statement = _statement_with(factory, declared)
    expect.rejected(_post(lrs, statement, [sent.part()]))


@requirement(MULTIPART, "Each part after the first MUST include an X-Experience-API-Hash header")
def test_part_without_hash_header_rejected(lrs: XAPIClient, factory: Factory) -> None:
    data = _text(factory)
    statement = _statement_with(factory, data)
    part = Part(data.data, {"Content-Type": data.content_type, "Content-Transfer-Encoding": "binary"})
    expect.rejected(_post(lrs, statement, [part]))


@requirement(MULTIPART, "The first part of a multipart request MUST contain the Statements with type application/json")
def test_first_part_not_json_rejected(lrs: XAPIClient, factory: Factory) -> None:
    data = _text(factory)
    statement = _statement_with(factory, data)
    body, content_type = multipart.build([multipart.statements_part(statement, "text/plain"), data.part()])
    expect.rejected(lrs.send_multipart(body, content_type))


@requirement(MULTIPART, "An LRS SHOULD* accept multipart/mixed batches which contain no Attachment Objects")
def test_multipart_without_attachments_accepted(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement()
    expect.status(_post(lrs, [statement], []), 200)
    assert lrs.fetch_json(statement["id"])["verb"] == statement["verb"]


@requirement(MULTIPART, "An LRS SHOULD* accept multipart/mixed batches whose Attachments all have a fileUrl")
def test_multipart_with_file_url_only_accepted(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement(attachments=[attachment_object()])
    expect.status(_post(lrs, statement, []), 200)
    lrs.fetch_json(statement["id"])


@requirement(MULTIPART, "One copy of an Attachment's data MAY serve several Statements of a batch")
def test_shared_attachment_in_batch(lrs: XAPIClient, factory: Factory) -> None:
    data = _text(factory)
    batch = [_statement_with(factory, data), _statement_with(factory, data)]
    ids = expect.json_body(expect.status(_post(lrs, batch, [data.part()]), 200))
    assert ids == [batch[0]["id"], batch[1]["id"]], f"ids {ids!r}"
    for statement in batch:
        _, parts = _attachment_parts(lrs.fetch(statement["id"], attachments=True))
        assert _by_hash(parts).get(data.sha2) == data.data, f"statement {statement['id']} lost its attachment"


@requirement(MULTIPART, "A Statement MAY have several Attachments, each sent as its own part")
def test_two_attachments(lrs: XAPIClient, factory: Factory) -> None:
    first, second = _text(factory), Attachment(b"\x89PNG\r\n\x1a\n" + factory.uuid().encode(), "image/png")
    statement = _statement_with(factory, first, second)
    expect.status(_post(lrs, statement, [first.part(), second.part()]), 200)
    _, parts = _attachment_parts(lrs.fetch(statement["id"], attachments=True))
    found = _by_hash(parts)
    assert found.get(first.sha2) == first.data and found.get(second.sha2) == second.data, "attachments differ"


@pytest.mark.parametrize("algorithm", ["sha256", "sha384", "sha512"])
@requirement("Data 2.4.11", "The sha2 property MAY use SHA-256, SHA-384 or SHA-512")
def test_sha2_algorithms(lrs: XAPIClient, factory: Factory, algorithm: str) -> None:
    data = Attachment(f"{algorithm} {factory.uuid()}".encode(), algorithm=algorithm)
    statement = _statement_with(factory, data)
    expect.status(_post(lrs, statement, [data.part()]), 200)
    _, parts = _attachment_parts(lrs.fetch(statement["id"], attachments=True))
    assert _by_hash(parts).get(data.sha2) == data.data, f"{algorithm} attachment not returned"


@requirement(MULTIPART, "multipart/mixed MUST follow RFC 2046: any valid boundary (e.g. with ' ( ) + _ , - . / : = ?)")
def test_boundary_with_special_characters(lrs: XAPIClient, factory: Factory) -> None:
    data = _text(factory)
    statement = _statement_with(factory, data)
    expect.status(_post(lrs, statement, [data.part()], boundary="abcABC0123'()+_,-./:=?"), 200)
    _, parts = _attachment_parts(lrs.fetch(statement["id"], attachments=True))
    assert _by_hash(parts).get(data.sha2) == data.data, "attachment lost with a special-character boundary"


@requirement(MULTIPART, "An LRS SHOULD assume a Content-Transfer-Encoding of binary for Attachment parts")
def test_part_without_transfer_encoding_accepted(lrs: XAPIClient, factory: Factory) -> None:
    data = _text(factory)
    statement = _statement_with(factory, data)
    expect.status(_post(lrs, statement, [data.part(encoding=False)]), 200)
    _, parts = _attachment_parts(lrs.fetch(statement["id"], attachments=True))
    assert _by_hash(parts).get(data.sha2) == data.data, "attachment sent without Content-Transfer-Encoding lost"


@requirement(MULTIPART, "The LRS MUST reject a batch in which any Statement's Attachment has no data (none stored)")
def test_batch_with_one_unmatched_attachment_rejected(lrs: XAPIClient, factory: Factory) -> None:
    good, missing = _text(factory), _text(factory)
    batch = [_statement_with(factory, good), _statement_with(factory, missing)]
    expect.rejected(_post(lrs, batch, [good.part()]))
    for statement in batch:
        status = lrs.get_statements({"statementId": statement["id"]}).status_code
        assert status == 404, f"statement {statement['id']} of a rejected batch was stored"
