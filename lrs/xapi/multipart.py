"""``multipart/mixed`` statement requests and responses with attachments (Communication 1.5.2).

Parsing is incremental: `MultipartMixedParser` takes the body in chunks as they arrive, keeps at
most one part in memory, hashes attachment data as it streams and stops with PayloadTooLarge as
soon as a part exceeds its limit. `parse_multipart_mixed` is the one-call form for a body already
in memory. Rules enforced while parsing (RFC 2046 framing plus the xAPI transmission format):

- the first part holds the statements and is ``application/json``;
- every other part has an ``X-Experience-API-Hash`` header (a hex SHA-2) that matches its data
  and, when it has a ``Content-Transfer-Encoding`` header, the value ``binary`` (the LRS "SHOULD
  assume" binary when the header is absent);

and, once the statements are parsed, by `check_attachment_parts`: every attachment without a
``fileUrl`` has a part with its hash, every part belongs to an attachment, and a part's
Content-Type agrees with the attachment's contentType.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from msgspec import UNSET

from lrs.errors import BadRequest, PayloadTooLarge, ValidationError
from lrs.xapi._models import Attachment, Statement, SubStatement
from lrs.xapi._syntax import SHA2_HEX_PATTERN, media_type_essence

__all__ = [
    "AttachmentPart",
    "MultipartMixedParser",
    "build_multipart_mixed",
    "check_attachment_parts",
    "parse_multipart_mixed",
]

_SHA2_RE = re.compile(SHA2_HEX_PATTERN)
_HASH_BY_HEX_LENGTH = {56: "sha224", 64: "sha256", 96: "sha384", 128: "sha512"}
_BOUNDARY_RE = re.compile(r"^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]\Z")
_CRLF = b"\r\n"
_MAX_HEADER_BYTES = 16 * 1024
_MAX_PREAMBLE_BYTES = 64 * 1024
_MAX_BOUNDARY_LINE_PADDING = 1024


@dataclass(frozen=True, slots=True)
class AttachmentPart:
    """The raw data of one attachment, matched to statements by its SHA-2."""

    sha2: str
    """Lower-case hex SHA-2 of `data` (verified)."""
    content_type: str | None
    """The part's Content-Type header, or None when the part had none."""
    data: bytes


def _content_type_params(value: str) -> tuple[str, dict[str, str]]:
    """Split ``type/subtype; name=value; name="quoted"`` into the lower-case type and params."""
    kind, _, rest = value.partition(";")
    params: dict[str, str] = {}
    for match in re.finditer(r'\s*([^=;\s]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)\s*;?', rest):
        name, raw = match.group(1).lower(), match.group(2).strip()
        if raw.startswith('"'):
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
        params[name] = raw
    return kind.strip().lower(), params


def boundary_of(content_type: str) -> bytes:
    """The boundary of a ``multipart/mixed`` Content-Type header; BadRequest when there is none."""
    kind, params = _content_type_params(content_type)
    if kind != "multipart/mixed":
        raise BadRequest(f"expected a multipart/mixed body, got {kind!r}", path="Content-Type")
    boundary = params.get("boundary")
    if not boundary or not _BOUNDARY_RE.match(boundary):
        raise BadRequest("multipart/mixed needs a valid boundary parameter", path="Content-Type")
    return boundary.encode("ascii")


def _parse_headers(block: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in block.decode("latin-1").split("\r\n"):
        name, colon, value = line.partition(":")
        if not colon or not name.strip() or name != name.strip():
            raise BadRequest(f"malformed header line in a multipart part: {line[:80]!r}")
        headers[name.lower()] = value.strip()
    return headers


class MultipartMixedParser:
    """Incremental parser of an xAPI ``multipart/mixed`` statement request.

    Feed the body with `feed` as it arrives, then call `close` for the statements part and the
    attachment parts. Framing errors raise BadRequest, xAPI rule violations ValidationError and
    a part larger than `max_part_bytes` PayloadTooLarge.
    """

    def __init__(self, content_type: str, *, max_part_bytes: int) -> None:
        boundary = boundary_of(content_type)
        self._dash_boundary = b"--" + boundary
        self._delimiter = _CRLF + self._dash_boundary
        self._max_part_bytes = max_part_bytes
        self._buffer = bytearray()
        self._state = "preamble"
        self._data = bytearray()
        self._headers: dict[str, str] = {}
        self._hasher: Any = None
        self._statements: bytes | None = None
        self._parts: list[AttachmentPart] = []

    def feed(self, chunk: bytes) -> None:
        """Consume the next piece of the body (the epilogue after the close delimiter is ignored)."""
        if self._state == "done":
            return
        self._buffer += chunk
        while self._step():
            pass

    def close(self) -> tuple[bytes, list[AttachmentPart]]:
        """End of body: the statements part's bytes and the attachment parts, in body order."""
        if self._state != "done" or self._statements is None:
            raise BadRequest("the multipart body ends before its closing boundary")
        return self._statements, self._parts

    def _step(self) -> bool:
        """Advance the state machine once; False when more input is needed (or parsing is done)."""
        if self._state == "preamble":
            return self._read_preamble()
        if self._state == "headers":
            return self._read_headers()
        if self._state == "body":
            return self._read_body()
        return False

    def _read_preamble(self) -> bool:
        start = 0
        while True:
            index = self._buffer.find(self._dash_boundary, start)
            if index < 0:
                if len(self._buffer) > _MAX_PREAMBLE_BYTES:
                    raise BadRequest("no multipart boundary found at the start of the body")
                return False
            if index == 0 or self._buffer[index - 2 : index] == _CRLF:
                break
            start = index + 1
        del self._buffer[:index]
        return self._after_boundary(len(self._dash_boundary), first=True)

    def _after_boundary(self, offset: int, *, first: bool) -> bool:
        """The buffer starts with a boundary of `offset` bytes: decide between next part and end."""
        if len(self._buffer) < offset + 2:
            return False
        if self._buffer[offset : offset + 2] == b"--":
            if first:
                raise BadRequest("the multipart body has no parts")
            self._finish_part()
            self._state = "done"
            self._buffer.clear()
            return False
        line_end = self._buffer.find(_CRLF, offset)
        if line_end < 0:
            if len(self._buffer) - offset > _MAX_BOUNDARY_LINE_PADDING:
                raise BadRequest("malformed multipart boundary line")
            return False
        if self._buffer[offset:line_end].strip(b" \t"):
            raise BadRequest("malformed multipart boundary line")
        if not first:
            self._finish_part()
        del self._buffer[: line_end + 2]
        self._state = "headers"
        return True

    def _read_headers(self) -> bool:
        if self._buffer.startswith(_CRLF):
            block, consumed = b"", 2
        else:
            end = self._buffer.find(_CRLF + _CRLF)
            if end < 0:
                if len(self._buffer) > _MAX_HEADER_BYTES:
                    raise BadRequest("multipart part headers are too long")
                return False
            block, consumed = bytes(self._buffer[:end]), end + 4
        del self._buffer[:consumed]
        self._start_part(_parse_headers(block))
        self._state = "body"
        return True

    def _read_body(self) -> bool:
        index = self._buffer.find(self._delimiter)
        if index < 0:
            keep = len(self._delimiter) - 1
            if len(self._buffer) > keep:
                self._append(self._buffer[: len(self._buffer) - keep])
                del self._buffer[: len(self._buffer) - keep]
            return False
        if index > 0:
            self._append(self._buffer[:index])
            del self._buffer[:index]
        return self._after_boundary(len(self._delimiter), first=False)

    def _start_part(self, headers: dict[str, str]) -> None:
        self._headers = headers
        self._data = bytearray()
        self._hasher = None
        content_type = headers.get("content-type")
        if self._statements is None:
            if content_type is None or media_type_essence(content_type) != "application/json":
                raise BadRequest("the first part of a multipart/mixed body must be application/json")
            return
        sha2 = headers.get("x-experience-api-hash", "").lower()
        if not _SHA2_RE.match(sha2):
            raise ValidationError("an attachment part needs an X-Experience-API-Hash header with a hex SHA-2")
        encoding = headers.get("content-transfer-encoding")
        if encoding is not None and encoding.lower() != "binary":
            raise ValidationError("an attachment part's Content-Transfer-Encoding must be binary")
        self._hasher = hashlib.new(_HASH_BY_HEX_LENGTH[len(sha2)])

    def _append(self, data: bytes | bytearray) -> None:
        if len(self._data) + len(data) > self._max_part_bytes:
            raise PayloadTooLarge(f"a multipart part is larger than {self._max_part_bytes} bytes")
        self._data += data
        if self._hasher is not None:
            self._hasher.update(data)

    def _finish_part(self) -> None:
        if self._statements is None:
            self._statements = bytes(self._data)
            return
        sha2 = self._headers["x-experience-api-hash"].lower()
        if self._hasher.hexdigest() != sha2:
            raise ValidationError(f"attachment data does not match its X-Experience-API-Hash {sha2}")
        self._parts.append(AttachmentPart(sha2, self._headers.get("content-type"), bytes(self._data)))


def parse_multipart_mixed(body: bytes, content_type: str, *, max_part_bytes: int) -> tuple[bytes, list[AttachmentPart]]:
    """Split a whole ``multipart/mixed`` body into the statements JSON and the attachment parts."""
    parser = MultipartMixedParser(content_type, max_part_bytes=max_part_bytes)
    parser.feed(body)
    return parser.close()


def _attachments_of(statement: Statement) -> list[Attachment]:
    found = [] if statement.attachments is UNSET else list(statement.attachments)
    sub = statement.object
    if isinstance(sub, SubStatement) and sub.attachments is not UNSET:
        found.extend(sub.attachments)
    return found


def check_attachment_parts(statements: Sequence[Statement], parts: Sequence[AttachmentPart]) -> None:
    """Check that the parts and the statements' attachments correspond (Communication 1.5.2).

    Raises ValidationError when an attachment without ``fileUrl`` has no part, when a part matches
    no attachment, or when a part's Content-Type disagrees with the attachment's contentType.
    """
    by_hash = {part.sha2: part for part in parts}
    declared: set[str] = set()
    for position, statement in enumerate(statements):
        prefix = "$" if len(statements) == 1 else f"$[{position}]"
        for index, attachment in enumerate(_attachments_of(statement)):
            sha2 = attachment.sha2.lower()
            declared.add(sha2)
            part = by_hash.get(sha2)
            path = f"{prefix}.attachments[{index}]"
            if part is None:
                if attachment.fileUrl is UNSET:
                    raise ValidationError("no multipart part carries this attachment's data", path=path)
                continue
            if part.content_type is not None and media_type_essence(part.content_type) != media_type_essence(
                attachment.contentType
            ):
                raise ValidationError(
                    f"the part's Content-Type {part.content_type!r} differs from contentType", path=path
                )
    for part in parts:
        if part.sha2 not in declared:
            raise ValidationError(f"multipart part {part.sha2} belongs to no attachment of the statements")


def build_multipart_mixed(statements_json: bytes, attachments: Sequence[AttachmentPart]) -> tuple[bytes, str]:
    """A ``multipart/mixed`` response body and its Content-Type, each attachment sent once."""
    unique = list({part.sha2: part for part in attachments}.values())
    while True:
        boundary = secrets.token_hex(16).encode("ascii")
        if boundary not in statements_json and not any(boundary in part.data for part in unique):
            break
    chunks = [b"--", boundary, b"\r\nContent-Type: application/json\r\n\r\n", statements_json]
    for part in unique:
        chunks += [
            b"\r\n--",
            boundary,
            b"\r\nContent-Type: ",
            (part.content_type or "application/octet-stream").encode("latin-1"),
            b"\r\nContent-Transfer-Encoding: binary\r\nX-Experience-API-Hash: ",
            part.sha2.encode("ascii"),
            b"\r\n\r\n",
            part.data,
        ]
    chunks += [b"\r\n--", boundary, b"--\r\n"]
    return b"".join(chunks), f'multipart/mixed; boundary="{boundary.decode("ascii")}"'
