"""Signed statements (Data 2.6): JWS compact serialization with an x5c certificate."""

from __future__ import annotations

import base64
import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from lrs.errors import ValidationError
from lrs.xapi import SIGNATURE_USAGE_TYPE, prepare_for_storage, verify_signature

from .helpers import minimal, parse_one, rich, with_value

_HASHES = {"RS256": hashes.SHA256(), "RS384": hashes.SHA384(), "RS512": hashes.SHA512()}


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _certificate(private_key: Any) -> str:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "xAPI signer")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(private_key, hashes.SHA256())
    )
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def _b64url(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def sign(payload: Any, private_key: rsa.RSAPrivateKey, *, alg: str = "RS256", x5c: list[str] | None = None) -> bytes:
    header: dict[str, Any] = {"alg": alg}
    if x5c is not None:
        header["x5c"] = x5c
    signing_input = _b64url(msgspec.json.encode(header)) + b"." + _b64url(msgspec.json.encode(payload))
    signature = private_key.sign(signing_input, padding.PKCS1v15(), _HASHES.get(alg, hashes.SHA256()))
    return signing_input + b"." + _b64url(signature)


def signed_statement(original: dict[str, Any], jws: bytes, **attachment: Any) -> dict[str, Any]:
    doc = dict(original)
    doc["attachments"] = [
        *original.get("attachments", []),
        {
            "usageType": SIGNATURE_USAGE_TYPE,
            "display": {"en-US": "Signature"},
            "contentType": "application/octet-stream",
            "length": len(jws),
            "sha2": hashlib.sha256(jws).hexdigest(),
            **attachment,
        },
    ]
    return doc


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
def test_valid_signature_with_certificate(key: rsa.RSAPrivateKey, alg: str) -> None:
    original = rich()
    jws = sign(original, key, alg=alg, x5c=[_certificate(key)])
    verify_signature(signed_statement(original, jws), jws)


def test_valid_signature_without_certificate_is_checked_for_structure(key: rsa.RSAPrivateKey) -> None:
    original = minimal()
    jws = sign(original, key)
    verify_signature(signed_statement(original, jws), jws)


def test_signature_of_the_stored_form_verifies(key: rsa.RSAPrivateKey) -> None:
    original = rich()
    jws = sign(original, key, x5c=[_certificate(key)])
    stored = prepare_for_storage(
        parse_one(signed_statement(original, jws), "2.0.0"),
        authority={"mbox": "mailto:lrs@example.com"},
        stored=datetime.now(UTC),
        version="2.0.0",
        new_id=uuid.uuid4(),
    )
    verify_signature(stored, jws)


def _reject(statement: dict[str, Any], jws: bytes) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        verify_signature(statement, jws)
    return info.value


def test_payload_that_differs_from_the_statement_is_rejected(key: rsa.RSAPrivateKey) -> None:
    original = minimal()
    jws = sign(with_value(original, "verb.id", "http://example.com/other"), key)
    assert "does not match" in _reject(signed_statement(original, jws), jws).message


def test_signature_that_does_not_verify_with_the_certificate_is_rejected(key: rsa.RSAPrivateKey) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    original = minimal()
    jws = sign(original, key, x5c=[_certificate(other)])
    error = _reject(signed_statement(original, jws), jws)
    assert "does not verify" in error.message
    assert error.path == "$.attachments[0]"


def test_tampered_signature_is_rejected(key: rsa.RSAPrivateKey) -> None:
    original = minimal()
    jws = sign(original, key, x5c=[_certificate(key)])
    head, payload, signature = jws.split(b".")
    tampered = head + b"." + payload + b"." + _b64url(bytes(reversed(base64.urlsafe_b64decode(signature + b"=="))))
    assert "does not verify" in _reject(signed_statement(original, tampered), tampered).message


def test_non_rsa_certificate_is_rejected(key: rsa.RSAPrivateKey) -> None:
    original = minimal()
    jws = sign(original, key, x5c=[_certificate(ec.generate_private_key(ec.SECP256R1()))])
    assert "RSA" in _reject(signed_statement(original, jws), jws).message


@pytest.mark.parametrize("alg", ["HS256", "none", "ES256", None])
def test_algorithms_other_than_rs_sha2_are_rejected(key: rsa.RSAPrivateKey, alg: str | None) -> None:
    original = minimal()
    jws = sign(original, key, alg=alg)  # type: ignore[arg-type]
    assert "algorithm" in _reject(signed_statement(original, jws), jws).message


@pytest.mark.parametrize(
    "jws",
    [
        b"not a jws",
        b"a.b",
        b"a.b.c.d",
        b"!!!.e30.c2ln",
        _b64url(b"[1]") + b"." + _b64url(b"{}") + b".c2ln",
        _b64url(b'{"alg": "RS256"}') + b"." + _b64url(b"not json") + b".c2ln",
        _b64url(b'{"alg": "RS256"}') + b"." + _b64url(b'{"actor": 1}') + b".c2ln",
        _b64url(b'{"alg": "RS256", "x5c": "abc"}') + b"." + _b64url(msgspec.json.encode(minimal())) + b".c2ln",
        _b64url(b'{"alg": "RS256", "x5c": ["bm90IGEgY2VydA=="]}')
        + b"."
        + _b64url(msgspec.json.encode(minimal()))
        + b".c2ln",
        _b64url(b'{"alg": "RS256", "x5c": ["%%%"]}') + b"." + _b64url(msgspec.json.encode(minimal())) + b".c2ln",
    ],
)
def test_malformed_signatures_are_rejected(jws: bytes) -> None:
    error = _reject(signed_statement(minimal(), jws), jws)
    assert error.path == "$.attachments[0]"


def test_signature_attachment_must_be_octet_stream(key: rsa.RSAPrivateKey) -> None:
    original = minimal()
    jws = sign(original, key)
    error = _reject(signed_statement(original, jws, contentType="text/plain"), jws)
    assert error.path == "$.attachments[0].contentType"


def test_data_without_a_matching_signature_attachment_is_rejected(key: rsa.RSAPrivateKey) -> None:
    original = minimal()
    jws = sign(original, key)
    statement = signed_statement(original, jws, sha2=hashlib.sha256(b"other").hexdigest())
    assert _reject(statement, jws).path == "$.attachments"
    assert _reject(minimal(), jws).path == "$.attachments"
