"""multipart/mixed bodies for statements with attachments (Communication 1.5.2), built and parsed by hand.

Requests are built exactly as the spec's example shows (CRLF line ends, the statements first as
application/json, then each attachment with X-Experience-API-Hash and Content-Transfer-Encoding);
responses to `attachments=true` are parsed with the same rules.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

CRLF = b"\r\n"
HASH_HEADER = "X-Experience-API-Hash"


@dataclass
class Part:
    """One body part: its headers (case-insensitive lookup via `header`) and raw bytes."""

    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        """A header value by case-insensitive name."""
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None


@dataclass(frozen=True)
class Attachment:
    """Raw attachment data and the metadata that describes it in a statement."""

    data: bytes
    content_type: str = "text/plain"
    usage_type: str = "http://conformance.example.org/attachment-usage/report"
    algorithm: str = "sha256"

    @property
    def sha2(self) -> str:
        """Hex digest of the data with this attachment's SHA-2 algorithm."""
        return hashlib.new(self.algorithm, self.data).hexdigest()

    def metadata(self, **extra: Any) -> dict[str, Any]:
        """The Attachment object to put in a statement's `attachments` array."""
        return {
            "usageType": self.usage_type,
            "display": {"en-US": "Conformance attachment"},
            "contentType": self.content_type,
            "length": len(self.data),
            "sha2": self.sha2,
            **extra,
        }

    def part(self, *, hash_header: str | None = None, encoding: bool = True) -> Part:
        """The body part carrying the raw data (hash header overridable to test mismatches)."""
        headers = {"Content-Type": self.content_type, HASH_HEADER: hash_header or self.sha2}
        if encoding:
            headers["Content-Transfer-Encoding"] = "binary"
        return Part(self.data, headers)


def statements_part(statements: Any, content_type: str = "application/json") -> Part:
    """The first part: the statement(s) as JSON."""
    return Part(json.dumps(statements).encode("utf-8"), {"Content-Type": content_type})


def build(parts: list[Part], boundary: str | None = None) -> tuple[bytes, str]:
    """Serialize parts; returns the body and the Content-Type header value."""
    boundary = boundary or f"conformance-{uuid.uuid4().hex}"
    delimiter = b"--" + boundary.encode("ascii")
    chunks: list[bytes] = []
    for part in parts:
        chunks.append(delimiter + CRLF)
        for name, value in part.headers.items():
            chunks.append(f"{name}:{value}".encode("ascii") + CRLF)
        chunks.append(CRLF + part.body + CRLF)
    chunks.append(delimiter + b"--" + CRLF)
    return b"".join(chunks), f'multipart/mixed; boundary="{boundary}"'


def request(statements: Any, attachments: list[Attachment], boundary: str | None = None) -> tuple[bytes, str]:
    """A complete statements request: the JSON part then one part per attachment."""
    return build([statements_part(statements), *(a.part() for a in attachments)], boundary)


_BOUNDARY = re.compile(r'boundary=(?:"([^"]+)"|([^;\s]+))', re.IGNORECASE)


def boundary_of(content_type: str) -> str:
    """The boundary parameter of a multipart Content-Type header."""
    match = _BOUNDARY.search(content_type)
    if match is None:
        raise ValueError(f"no boundary in Content-Type {content_type!r}")
    return match.group(1) or match.group(2)


def parse(body: bytes, content_type: str) -> list[Part]:
    """Split a multipart/mixed body into parts (RFC 2046 delimiters, CRLF or bare LF tolerated)."""
    delimiter = b"--" + boundary_of(content_type).encode("latin-1")
    sections = body.split(delimiter)
    parts: list[Part] = []
    for raw in sections[1:]:
        if raw.startswith(b"--"):
            break
        line_end = raw.find(b"\n")
        section = raw[line_end + 1 :] if line_end >= 0 else b""
        if section.endswith(b"\r\n"):
            section = section[:-2]
        elif section.endswith(b"\n"):
            section = section[:-1]
        head, body_part = _split_head(section)
        headers: dict[str, str] = {}
        for line in head.splitlines():
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip():
                headers[name.strip()] = value.strip()
        parts.append(Part(body_part, headers))
    return parts


def _split_head(section: bytes) -> tuple[bytes, bytes]:
    if section.startswith(b"\r\n"):
        return b"", section[2:]
    if section.startswith(b"\n"):
        return b"", section[1:]
    for separator in (b"\r\n\r\n", b"\n\n"):
        index = section.find(separator)
        if index >= 0:
            return section[:index], section[index + len(separator) :]
    return section, b""
