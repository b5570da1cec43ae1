"""multipart/mixed statement requests and responses (Communication 1.5.2)."""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec
import pytest

from lrs.errors import BadRequest, PayloadTooLarge, ValidationError
from lrs.xapi import parse_statements
from lrs.xapi.multipart import (
    AttachmentPart,
    MultipartMixedParser,
    build_multipart_mixed,
    check_attachment_parts,
    parse_multipart_mixed,
)

from .helpers import minimal, substatement

BOUNDARY = "abcABC0123'()+_,-./:=?"
CONTENT_TYPE = f'multipart/mixed; boundary="{BOUNDARY}"'
DATA_1 = b"here is a simple attachment"
DATA_2 = b"\x00\x01binary\r\n--not-a-boundary\r\n\xff" * 50


def sha(data: bytes, name: str = "sha256") -> str:
    return hashlib.new(name, data).hexdigest()


def attachment(data: bytes, **changes: Any) -> dict[str, Any]:
    return {
        "usageType": "http://example.com/attachment-usage/test",
        "display": {"en-US": "A test attachment"},
        "contentType": "text/plain; charset=ascii",
        "length": len(data),
        "sha2": sha(data),
        **changes,
    }


def statement_with(*attachments: dict[str, Any]) -> dict[str, Any]:
    doc = minimal()
    doc["attachments"] = list(attachments)
    return doc


def part(data: bytes, headers: dict[str, str] | None = None, *, digest: str | None = None) -> bytes:
    lines = {
        "Content-Type": "text/plain",
        "Content-Transfer-Encoding": "binary",
        "X-Experience-API-Hash": digest or sha(data),
    }
    lines.update(headers or {})
    head = "".join(f"{name}:{value}\r\n" for name, value in lines.items() if value)
    return head.encode() + b"\r\n" + data


def message(statements: Any, *parts: bytes, boundary: str = BOUNDARY, json_type: str = "application/json") -> bytes:
    delimiter = f"--{boundary}".encode()
    chunks = [delimiter + b"\r\nContent-Type:" + json_type.encode() + b"\r\n\r\n" + msgspec.json.encode(statements)]
    chunks += [b"\r\n" + delimiter + b"\r\n" + item for item in parts]
    return b"".join(chunks) + b"\r\n" + delimiter + b"--\r\n"


def parse(body: bytes, content_type: str = CONTENT_TYPE, limit: int = 1 << 20) -> tuple[bytes, list[AttachmentPart]]:
    return parse_multipart_mixed(body, content_type, max_part_bytes=limit)


def test_statement_with_two_attachments_parses_and_matches() -> None:
    doc = statement_with(attachment(DATA_1), attachment(DATA_2, contentType="application/octet-stream"))
    raw, parts = parse(message(doc, part(DATA_1), part(DATA_2, {"Content-Type": "application/octet-stream"})))
    assert msgspec.json.decode(raw) == doc
    assert [(p.sha2, p.data) for p in parts] == [(sha(DATA_1), DATA_1), (sha(DATA_2), DATA_2)]
    assert parts[0].content_type == "text/plain"
    check_attachment_parts(parse_statements(raw, "1.0.3"), parts)


def test_preamble_epilogue_padding_and_unquoted_boundary_are_accepted() -> None:
    body = b"preamble text\r\n" + message(minimal(), boundary="simple").replace(b"--simple\r\n", b"--simple  \r\n", 1)
    raw, parts = parse(body + b"epilogue", "multipart/mixed; boundary=simple")
    assert msgspec.json.decode(raw) == minimal()
    assert parts == []


@pytest.mark.parametrize("chunk_size", [1, 7, 64, 1000])
def test_feeding_in_chunks_gives_the_same_result(chunk_size: int) -> None:
    body = message(statement_with(attachment(DATA_2, contentType="text/plain")), part(DATA_2))
    parser = MultipartMixedParser(CONTENT_TYPE, max_part_bytes=1 << 20)
    for start in range(0, len(body), chunk_size):
        parser.feed(body[start : start + chunk_size])
    raw, parts = parser.close()
    assert parts[0].data == DATA_2
    assert msgspec.json.decode(raw)["attachments"][0]["sha2"] == sha(DATA_2)


def test_sha384_and_sha512_hashes_are_accepted() -> None:
    for name in ("sha384", "sha512"):
        _, parts = parse(message(minimal(), part(DATA_1, digest=sha(DATA_1, name).upper())))
        assert parts[0].sha2 == sha(DATA_1, name)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (message(minimal()), "multipart/form-data; boundary=abc"),
        (message(minimal()), "multipart/mixed;"),
        (message(minimal()), "multipart/mixed; boundary="),
        (message(minimal()), "application/json"),
        (b"Content-Type: application/json\r\n\r\n{}", CONTENT_TYPE),
        (message(minimal())[:-10], CONTENT_TYPE),
        (f"--{BOUNDARY}--\r\n".encode(), CONTENT_TYPE),
        (message(minimal(), json_type="text/plain"), CONTENT_TYPE),
        (message(minimal()).replace(b"Content-Type:application/json\r\n", b""), CONTENT_TYPE),
        (message(minimal()).replace(b"Content-Type:", b" Content-Type:"), CONTENT_TYPE),
        (message(minimal()).replace(b"\r\nContent-Type", b"garbage\r\nContent-Type", 1), CONTENT_TYPE),
    ],
)
def test_framing_errors_are_bad_requests(body: bytes, content_type: str) -> None:
    with pytest.raises(BadRequest):
        parse(body, content_type)


def test_body_without_leading_boundary_takes_the_wrong_first_part() -> None:
    doc = statement_with(attachment(DATA_1))
    delimiter = f"\r\n--{BOUNDARY}".encode()
    body = b"Content-Type: application/json\r\n\r\n" + msgspec.json.encode(doc)
    body += delimiter + b"\r\n" + part(DATA_1) + delimiter + b"--\r\n"
    with pytest.raises(BadRequest, match="application/json"):
        parse(body)


@pytest.mark.parametrize(
    "attachment_part",
    [
        part(DATA_1, {"X-Experience-API-Hash": ""}),
        part(DATA_1, digest="not-hex"),
        part(DATA_1, digest=sha(b"other data")),
        part(DATA_1, {"Content-Transfer-Encoding": "base64"}),
    ],
)
def test_attachment_part_rules(attachment_part: bytes) -> None:
    with pytest.raises(ValidationError):
        parse(message(statement_with(attachment(DATA_1)), attachment_part))


def test_missing_transfer_encoding_is_assumed_binary() -> None:
    _, parts = parse(message(statement_with(attachment(DATA_1)), part(DATA_1, {"Content-Transfer-Encoding": ""})))
    assert parts[0].data == DATA_1


def test_part_over_the_limit_is_payload_too_large() -> None:
    with pytest.raises(PayloadTooLarge):
        parse(message(minimal(), part(DATA_2)), limit=len(DATA_2) - 1)
    _, parts = parse(message(minimal(), part(DATA_2)), limit=len(DATA_2))
    assert parts[0].data == DATA_2


def _check(doc: Any, *parts: bytes) -> None:
    raw, found = parse(message(doc, *parts))
    check_attachment_parts(parse_statements(raw, "2.0.0"), found)


def test_attachment_without_file_url_needs_a_part() -> None:
    with pytest.raises(ValidationError) as info:
        _check(statement_with(attachment(DATA_1), attachment(DATA_2)), part(DATA_1))
    assert info.value.path == "$.attachments[1]"
    with pytest.raises(ValidationError) as info:
        _check([minimal(), statement_with(attachment(DATA_2))])
    assert info.value.path == "$[1].attachments[0]"


def test_attachment_with_file_url_needs_no_part() -> None:
    _check(statement_with(attachment(DATA_1, fileUrl="http://over.there.com/file.txt")))
    _check(statement_with(attachment(DATA_1, fileUrl="http://over.there.com/file.txt")), part(DATA_1))


def test_extra_part_is_rejected() -> None:
    with pytest.raises(ValidationError, match="belongs to no attachment"):
        _check(statement_with(attachment(DATA_1)), part(DATA_1), part(DATA_2))


def test_part_content_type_must_agree_with_the_attachment() -> None:
    with pytest.raises(ValidationError, match="Content-Type"):
        _check(statement_with(attachment(DATA_1)), part(DATA_1, {"Content-Type": "image/png"}))
    _check(statement_with(attachment(DATA_1)), part(DATA_1, {"Content-Type": "TEXT/PLAIN; charset=utf-8"}))
    _check(statement_with(attachment(DATA_1)), part(DATA_1, {"Content-Type": ""}))


def test_one_part_serves_several_statements_and_substatements() -> None:
    sub = substatement()
    sub["object"]["attachments"] = [attachment(DATA_1)]
    _check([statement_with(attachment(DATA_1)), sub], part(DATA_1))


def test_build_then_parse_round_trips() -> None:
    parts = [
        AttachmentPart(sha(DATA_1), "text/plain", DATA_1),
        AttachmentPart(sha(DATA_2), None, DATA_2),
        AttachmentPart(sha(DATA_1), "text/plain", DATA_1),
    ]
    statements = msgspec.json.encode({"statements": [], "more": ""})
    body, content_type = build_multipart_mixed(statements, parts)
    assert content_type.startswith('multipart/mixed; boundary="')
    raw, parsed = parse(body, content_type)
    assert raw == statements
    assert [(p.sha2, p.content_type, p.data) for p in parsed] == [
        (sha(DATA_1), "text/plain", DATA_1),
        (sha(DATA_2), "application/octet-stream", DATA_2),
    ]
