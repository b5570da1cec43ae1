"""Signed statements (Data 2.6): checking the JWS attached to a statement.

The LRS must reject a malformed signature. Following the spec's "LRS Requirements" it:
decodes the JWS (compact serialization), requires alg RS256/RS384/RS512, reads the payload as a
statement and checks it is equivalent (Data 2.3.1 rules) to the received statement without its
signature attachment, and, when the header has an ``x5c`` chain, verifies the signature with the
first certificate's key. The chain itself is not validated against a trust root nor checked for
expiry: the spec says this check catches mistakes, it is not a security measure (its own example
certificates are SHA-1 signed and long expired).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from lrs.errors import ValidationError
from lrs.xapi._compare import statements_equivalent
from lrs.xapi._parse import decode_json, parse_statement_object

SIGNATURE_USAGE_TYPE = "http://adlnet.gov/expapi/attachments/signature"
SIGNATURE_CONTENT_TYPE = "application/octet-stream"
_ALGORITHMS: dict[str, hashes.HashAlgorithm] = {
    "RS256": hashes.SHA256(),
    "RS384": hashes.SHA384(),
    "RS512": hashes.SHA512(),
}
_SHA2_BY_HEX_LENGTH = {56: "sha224", 64: "sha256", 96: "sha384", 128: "sha512"}


def sha2_matches(data: bytes, sha2: str) -> bool:
    """True when `sha2` (hex, any SHA-2 length) is the digest of `data`."""
    name = _SHA2_BY_HEX_LENGTH.get(len(sha2))
    return name is not None and hashlib.new(name, data).hexdigest() == sha2.lower()


def _b64url(segment: bytes, what: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(segment + b"=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        raise ValidationError(f"malformed signature: the JWS {what} is not base64url") from None


def verify_signature(statement: dict[str, Any], jws_compact: bytes, *, version: str = "2.0.0") -> None:
    """Raise ValidationError unless `jws_compact` is a well-formed signature of `statement`.

    `statement` is the received (or prepared) statement JSON, including its signature attachment;
    `jws_compact` is the data of that attachment. `version` selects the rules the payload is
    validated with.
    """
    index = _signature_attachment(statement, jws_compact)
    path = f"$.attachments[{index}]"
    segments = jws_compact.strip().split(b".")
    if len(segments) != 3 or not all(segments[:2]):
        raise ValidationError("malformed signature: expected a JWS in compact serialization", path=path)
    header = decode_json(_b64url(segments[0], "header"), path=path)
    if not isinstance(header, dict):
        raise ValidationError("malformed signature: the JWS header is not a JSON object", path=path)
    alg = header.get("alg")
    algorithm = _ALGORITHMS.get(alg) if isinstance(alg, str) else None
    if algorithm is None:
        raise ValidationError(f"signature algorithm {alg!r} is not RS256, RS384 or RS512", path=path)
    payload = decode_json(_b64url(segments[1], "payload"), path=path)
    try:
        parse_statement_object(payload, version, "$")
    except ValidationError as exc:
        raise ValidationError(
            f"the signed payload is not a valid statement: {exc.message} (at {exc.path})", path=path
        ) from None
    if not statements_equivalent(payload, _without_attachment(statement, index)):
        raise ValidationError("the signed payload does not match the statement", path=path)
    if "x5c" in header:
        signature = _b64url(segments[2], "signature")
        _verify_with_certificate(header["x5c"], segments[0] + b"." + segments[1], signature, algorithm, path)


def _signature_attachment(statement: dict[str, Any], jws: bytes) -> int:
    attachments = statement.get("attachments")
    for index, attachment in enumerate(attachments if isinstance(attachments, list) else ()):
        if (
            isinstance(attachment, dict)
            and attachment.get("usageType") == SIGNATURE_USAGE_TYPE
            and isinstance(attachment.get("sha2"), str)
            and sha2_matches(jws, attachment["sha2"])
        ):
            content_type = str(attachment.get("contentType", "")).split(";")[0].strip().lower()
            if content_type != SIGNATURE_CONTENT_TYPE:
                raise ValidationError(
                    f"a signature attachment must have contentType {SIGNATURE_CONTENT_TYPE}",
                    path=f"$.attachments[{index}].contentType",
                )
            return index
    raise ValidationError("the statement has no signature attachment for this data", path="$.attachments")


def _without_attachment(statement: dict[str, Any], index: int) -> dict[str, Any]:
    remaining = [item for position, item in enumerate(statement["attachments"]) if position != index]
    out = {key: value for key, value in statement.items() if key != "attachments"}
    if remaining:
        out["attachments"] = remaining
    return out


def _verify_with_certificate(
    chain: Any, signed: bytes, signature: bytes, algorithm: hashes.HashAlgorithm, path: str
) -> None:
    if not isinstance(chain, list) or not chain or not all(isinstance(item, str) for item in chain):
        raise ValidationError("malformed signature: x5c must be a non-empty array of strings", path=path)
    try:
        certificates = [x509.load_der_x509_certificate(base64.b64decode(item, validate=True)) for item in chain]
    except (binascii.Error, ValueError):
        raise ValidationError("malformed signature: x5c holds an unreadable certificate", path=path) from None
    key = certificates[0].public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValidationError("the x5c certificate does not hold an RSA key", path=path)
    try:
        key.verify(signature, signed, padding.PKCS1v15(), algorithm)
    except InvalidSignature:
        raise ValidationError("the signature does not verify with the x5c certificate", path=path) from None
