"""JWS signatures for signed statements (Data 2.6), made at run time with `cryptography`.

A fresh RSA key and a self-signed X.509 certificate are generated once per run; signatures use
JWS Compact Serialization with the certificate in the `x5c` header, as the spec recommends.
Helpers also produce the broken forms an LRS must reject (wrong algorithm, foreign key, ...).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from conformance_tests.multipart import Attachment

SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"
_HASHES: dict[str, hashes.HashAlgorithm] = {
    "RS256": hashes.SHA256(),
    "RS384": hashes.SHA384(),
    "RS512": hashes.SHA512(),
}


def b64url(data: bytes) -> str:
    """Base64url without padding (RFC 7515)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@lru_cache(maxsize=2)
def signer(name: str = "conformance") -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """An RSA key and a matching self-signed certificate (cached per name)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"xAPI {name} signer")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def compact(
    payload: bytes,
    *,
    alg: str = "RS256",
    key: rsa.RSAPrivateKey | None = None,
    certificate: x509.Certificate | None = None,
    x5c: bool = True,
) -> str:
    """A JWS Compact Serialization of `payload` signed with RSA (or HMAC for HS* algorithms)."""
    own_key, own_certificate = signer()
    key = key or own_key
    certificate = certificate or own_certificate
    header: dict[str, Any] = {"alg": alg}
    if x5c:
        der = certificate.public_bytes(serialization.Encoding.DER)
        header["x5c"] = [base64.b64encode(der).decode("ascii")]
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(payload)}".encode("ascii")
    if alg in _HASHES:
        signature = key.sign(signing_input, padding.PKCS1v15(), _HASHES[alg])
    elif alg == "HS256":
        signature = hmac.new(b"shared-secret", signing_input, hashlib.sha256).digest()
    elif alg == "none":
        signature = b""
    else:
        raise ValueError(f"unsupported algorithm {alg}")
    return f"{signing_input.decode('ascii')}.{b64url(signature)}"


def json_serialization(payload: bytes) -> str:
    """The same signature in JWS JSON Serialization (discouraged in 1.0.3, not allowed in 2.0)."""
    protected, encoded_payload, signature = compact(payload).split(".")
    return json.dumps({"payload": encoded_payload, "signatures": [{"protected": protected, "signature": signature}]})


def signature_attachment(jws: str, content_type: str = "application/octet-stream") -> Attachment:
    """The attachment that carries a JWS for a signed statement."""
    return Attachment(jws.encode("ascii"), content_type=content_type, usage_type=SIGNATURE_USAGE)


def payload_of(statement: dict[str, Any]) -> bytes:
    """The serialization that gets signed: the statement as it was before the signature was added."""
    return json.dumps(statement).encode("utf-8")
