"""Assertions whose failure messages show what the LRS actually did (request, status, body)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from conformance_tests.client import CONSISTENT_THROUGH, VERSION_HEADER

BODY_PREVIEW = 300


def describe(response: httpx.Response) -> str:
    """`PUT /xapi/statements?... -> 200: {...}` for failure messages."""
    request = response.request
    body = response.text[:BODY_PREVIEW] if request.method != "HEAD" else "<HEAD>"
    return f"{request.method} {request.url} -> {response.status_code}: {body!r}"


def status(response: httpx.Response, *codes: int) -> httpx.Response:
    """Fail unless the response has one of the expected status codes."""
    if response.status_code not in codes:
        wanted = " or ".join(str(c) for c in codes)
        raise AssertionError(f"expected HTTP {wanted}; LRS answered {describe(response)}")
    return response


def rejected(response: httpx.Response) -> httpx.Response:
    """The LRS must answer 400 Bad Request."""
    return status(response, 400)


def json_body(response: httpx.Response) -> Any:
    """The response body parsed as JSON; fails with a readable message otherwise."""
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise AssertionError(f"response is not valid JSON ({error}); {describe(response)}") from error


def header(response: httpx.Response, name: str) -> str:
    """The value of a header that must be present."""
    value: str | None = response.headers.get(name)
    if value is None:
        raise AssertionError(f"response lacks the {name} header; {describe(response)}")
    return value


def version_header(response: httpx.Response) -> str:
    """The X-Experience-API-Version response header, which every response must carry."""
    return header(response, VERSION_HEADER)


def consistent_through(response: httpx.Response) -> datetime:
    """The X-Experience-API-Consistent-Through header, parsed as an ISO 8601 timestamp."""
    value = header(response, CONSISTENT_THROUGH)
    try:
        return parse_timestamp(value)
    except ValueError as error:
        raise AssertionError(f"{CONSISTENT_THROUGH} {value!r} is not an ISO 8601 timestamp") from error


def parse_timestamp(value: str) -> datetime:
    """Parse an ISO 8601 / RFC 3339 timestamp with an offset into an aware UTC datetime."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError(f"timestamp {value!r} has no time zone")
    return parsed.astimezone(UTC)


def last_modified(response: httpx.Response) -> datetime:
    """The Last-Modified header (an HTTP-date), parsed."""
    value = header(response, "Last-Modified")
    try:
        return parsedate_to_datetime(value).astimezone(UTC)
    except (TypeError, ValueError) as error:
        raise AssertionError(f"Last-Modified {value!r} is not an HTTP-date") from error


def content_type(response: httpx.Response) -> str:
    """The media type of the response, without parameters, lowercased."""
    value: str = response.headers.get("Content-Type", "")
    return value.split(";", maxsplit=1)[0].strip().lower()


def statement_ids(result: Any) -> list[str]:
    """The ids of a StatementResult's statements, in the order returned."""
    if not isinstance(result, dict) or not isinstance(result.get("statements"), list):
        raise AssertionError(f"not a StatementResult object: {str(result)[:BODY_PREVIEW]}")
    return [str(s.get("id")) for s in result["statements"]]


def same_set(found: Iterable[str], expected: Iterable[str], what: str) -> None:
    """Fail with the missing and unexpected members when two id sets differ."""
    found_set, expected_set = set(found), set(expected)
    if found_set != expected_set:
        missing = sorted(expected_set - found_set)
        extra = sorted(found_set - expected_set)
        raise AssertionError(f"{what}: missing {missing}, unexpected {extra}")


def json_dumps(value: Any) -> bytes:
    """UTF-8 JSON bytes of a value (what a client sends)."""
    return json.dumps(value, ensure_ascii=False).encode("utf-8")
