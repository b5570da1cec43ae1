"""Data 2.6: signed statements — a JWS over the statement, carried as a signature attachment."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from conformance_tests import expect, jws, multipart
from conformance_tests.client import XAPIClient
from conformance_tests.factory import JSON, Factory
from conformance_tests.multipart import Attachment
from conformance_tests.requirements import ONLY_2_0, requirement

SECTION = "Data 2.6"
MALFORMED = "The LRS MUST reject Statements that contain malformed signatures with 400 Bad Request"


def _send(lrs: XAPIClient, statement: JSON, signature: Attachment) -> httpx.Response:
    signed = dict(statement)
    signed["attachments"] = [signature.metadata(display={"en-US": "Signature"})]
    body, content_type = multipart.request(signed, [signature])
    return lrs.send_multipart(body, content_type)


def _signed(lrs: XAPIClient, statement: JSON, token: str, content_type: str = "application/octet-stream") -> Any:
    return _send(lrs, statement, jws.signature_attachment(token, content_type))


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
@requirement(SECTION, "The LRS MUST accept a well-formed signed Statement (JWS RS256/RS384/RS512 with x5c)")
def test_valid_signature_accepted(lrs: XAPIClient, factory: Factory, alg: str) -> None:
    statement = factory.statement()
    token = jws.compact(jws.payload_of(statement), alg=alg)
    expect.status(_signed(lrs, statement, token), 200)
    got = lrs.fetch_json(statement["id"])
    usages = [a.get("usageType") for a in got.get("attachments", [])]
    assert jws.SIGNATURE_USAGE in usages, f"signature attachment not kept: {got.get('attachments')}"


@requirement(SECTION, "A signed Statement's signature MUST be retrievable as its attachment")
def test_signature_retrievable(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement()
    token = jws.compact(jws.payload_of(statement))
    expect.status(_signed(lrs, statement, token), 200)
    response = expect.status(lrs.fetch(statement["id"], attachments=True), 200)
    parts = multipart.parse(response.content, response.headers["Content-Type"])
    assert any(p.body == token.encode() for p in parts[1:]), "the JWS is not returned as an attachment"


@requirement(SECTION, "The LRS MUST accept a payload logically equivalent to the Statement (any key order)")
def test_equivalent_payload_accepted(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement()
    reordered = dict(reversed(list(statement.items())))
    token = jws.compact(json.dumps(reordered, indent=2).encode())
    expect.status(_signed(lrs, statement, token), 200)
    lrs.fetch_json(statement["id"])


@requirement(SECTION, "The LRS MUST reject a signature whose payload is not equivalent to the Statement")
def test_mismatching_payload_rejected(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement()
    tampered = dict(statement, verb=factory.verb("tampered"))
    token = jws.compact(jws.payload_of(tampered))
    expect.rejected(_signed(lrs, statement, token))
    assert lrs.get_statements({"statementId": statement["id"]}).status_code == 404, "rejected statement was stored"


@requirement(SECTION, "The LRS MUST reject a signature whose payload changes the result of the Statement")
def test_payload_with_other_result_rejected(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement(result={"success": False})
    token = jws.compact(jws.payload_of(dict(statement, result={"success": True})))
    expect.rejected(_signed(lrs, statement, token))


@requirement(SECTION, "The LRS MUST reject a signature whose payload has a different statement id")
def test_payload_with_other_id_rejected(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement()
    token = jws.compact(jws.payload_of(dict(statement, id=factory.uuid())))
    expect.rejected(_signed(lrs, statement, token))


@requirement(SECTION, "If the JWS header includes an X.509 certificate, the signature MUST validate against it")
def test_signature_by_other_key_rejected(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement()
    other_key, _ = jws.signer("impostor")
    _, certificate = jws.signer()
    token = jws.compact(jws.payload_of(statement), key=other_key, certificate=certificate)
    expect.rejected(_signed(lrs, statement, token))


@pytest.mark.parametrize("alg", ["HS256", "none"])
@requirement(SECTION, "The JWS signature MUST use an algorithm of RS256, RS384 or RS512")
def test_other_algorithms_rejected(lrs: XAPIClient, factory: Factory, alg: str) -> None:
    statement = factory.statement()
    token = jws.compact(jws.payload_of(statement), alg=alg)
    expect.rejected(_signed(lrs, statement, token))


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("not-a-jws", id="no-dots"),
        pytest.param("a.b", id="two-segments"),
        pytest.param("!!!.@@@.###", id="not-base64url"),
        pytest.param("e30.e30.e30.e30", id="four-segments"),
    ],
)
@requirement(SECTION, MALFORMED)
def test_malformed_jws_rejected(lrs: XAPIClient, factory: Factory, token: str) -> None:
    expect.rejected(_signed(lrs, factory.statement(), token))


@requirement(SECTION, "The JWS payload MUST be a valid JSON serialization of the complete Statement")
def test_payload_not_json_rejected(lrs: XAPIClient, factory: Factory) -> None:
    token = jws.compact(b"this is not json")
    expect.rejected(_signed(lrs, factory.statement(), token))


@requirement(SECTION, "A signature MUST be an Attachment with contentType application/octet-stream")
def test_signature_wrong_content_type_rejected(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement()
    token = jws.compact(jws.payload_of(statement))
    expect.rejected(_signed(lrs, statement, token, content_type="text/plain"))


@requirement(SECTION, "Signatures MUST use JWS Compact Serialization in xAPI 2.0", versions=ONLY_2_0)
def test_json_serialization_rejected_in_2_0(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement()
    token = jws.json_serialization(jws.payload_of(statement))
    expect.rejected(_signed(lrs, statement, token))


@requirement(SECTION, "The LRS SHOULD include a message in the response of a rejected signed Statement")
def test_rejection_has_message(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement()
    token = jws.compact(jws.payload_of(dict(statement, verb=factory.verb("other"))))
    response = expect.rejected(_signed(lrs, statement, token))
    assert response.text.strip(), "the 400 response has no explanation"
