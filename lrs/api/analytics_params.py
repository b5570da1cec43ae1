"""Parameters of the insights API: course and learner path segments, keyset cursors, query names, times.

Course ids are IRIs and learners are IFI keys or Agent JSON, so both contain `/` and travel URL-encoded in one
path segment (`/analytics/courses/https%3A%2F%2Flms.example.org%2Fc%2F1/overview`). ASGI servers decode the
path before routing, which would split such a segment; `route_on_raw_path` makes `/analytics/` requests route on
the raw path instead, and the handlers decode the segment (`course_segment`, `learner_segment`).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import msgspec
from litestar import Request

from lrs.errors import BadRequest, ValidationError
from lrs.xapi import agent_ifi, parse_agent_param

PREFIX = "/analytics/"
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_ID_LENGTH = 2048
IFI_KINDS = ("mbox", "mbox_sha1sum", "openid", "account")


def route_on_raw_path(scope: dict[str, Any]) -> dict[str, Any]:
    """For `/analytics/` requests, route on the undecoded path so an encoded `/` stays inside its segment.

    Left alone when the raw path is missing or is not the encoded form of the decoded one (a proxy rewrote it).
    """
    path = scope.get("path")
    raw = scope.get("raw_path")
    if scope.get("type") != "http" or not isinstance(path, str) or not path.startswith(PREFIX) or not raw:
        return scope
    try:
        text = raw.decode("ascii").split("?", 1)[0]  # some clients' raw_path carries the query string too
    except UnicodeDecodeError:
        return scope
    if text == path or unquote(text) != path:
        return scope
    return {**scope, "path": text}


def _identifier(value: str, name: str) -> str:
    if not value.strip():
        raise ValidationError(f"{name} must not be empty", path=name)
    if len(value) > MAX_ID_LENGTH:
        raise ValidationError(f"{name} is longer than {MAX_ID_LENGTH} characters", path=name)
    return value


def course_segment(segment: str) -> str:
    """The course IRI of a path segment (URL-encoded, e.g. with JavaScript's `encodeURIComponent`)."""
    return _identifier(unquote(segment), "course")


def course_query(value: str | None) -> str | None:
    return None if value is None else _identifier(value, "course")


def learner_id(value: str, name: str = "learner") -> str:
    """A learner's IFI key from an IFI key (`mbox:mailto:a@example.org`, `account:<homePage>|<name>`) or from
    Agent JSON (`{"mbox": "mailto:a@example.org"}`)."""
    value = _identifier(value.strip(), name)
    if value.startswith("{"):
        parsed = parse_agent_param(value, "2.0.0", name, allow_group=False)
        key = agent_ifi(parsed)
        if key is None:
            raise ValidationError(f"{name} has no identifier", path=name)
        return key
    kind, sep, rest = value.partition(":")
    if not sep or kind not in IFI_KINDS or not rest:
        raise ValidationError(
            f"{name} must be an IFI key ({', '.join(k + ':...' for k in IFI_KINDS)}) or Agent JSON", path=name
        )
    if kind == "account":
        home_page, bar, account_name = rest.rpartition("|")
        if not bar or not home_page or not account_name:
            raise ValidationError(f"{name}: an account key is account:<homePage>|<name>", path=name)
        agent: dict[str, Any] = {"account": {"homePage": home_page, "name": account_name}}
    elif kind == "mbox" and not rest.lower().startswith("mailto:"):
        raise ValidationError(f"{name}: an mbox key is mbox:mailto:<address>", path=name)
    else:
        agent = {kind: rest}
    key = agent_ifi(agent)  # the store's own normalisation (mbox case, sha1 case)
    assert key is not None
    return key


def learner_segment(segment: str) -> str:
    return learner_id(unquote(segment), "agent")


def only(request: Request[Any, Any, Any], names: Iterable[str]) -> None:
    """400 naming the first query parameter this endpoint does not take (a typo would otherwise be ignored)."""
    allowed = set(names)
    for name in request.query_params:
        if name not in allowed:
            known = ", ".join(sorted(allowed)) or "none"
            raise BadRequest(f"unknown parameter {name!r} (this endpoint takes: {known})", path=name)


def encode_cursor(*values: Any) -> str:
    """An opaque cursor holding the sort key of the last row returned."""
    return base64.urlsafe_b64encode(msgspec.json.encode(list(values))).decode().rstrip("=")


def decode_cursor(text: str | None, *types: type) -> tuple[Any, ...] | None:
    """The sort key a cursor holds, checked against the expected types; 400 naming `cursor` otherwise."""
    if text is None:
        return None
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        values = msgspec.json.decode(data)
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise ValidationError("cursor is not a cursor this endpoint returned", path="cursor") from None
    if not isinstance(values, list) or len(values) != len(types):
        raise ValidationError("cursor is not a cursor this endpoint returned", path="cursor")
    checked = []
    for value, kind in zip(values, types, strict=True):
        number = kind is float and isinstance(value, int) and not isinstance(value, bool)
        item = float(value) if number else value
        if not isinstance(item, kind) or isinstance(item, bool):
            raise ValidationError("cursor is not a cursor this endpoint returned", path="cursor")
        checked.append(item)
    return tuple(checked)


def levels(values: list[str] | None) -> list[str] | None:
    """Risk levels from `level=high&level=moderate` or `level=high,moderate`."""
    if not values:
        return None
    found = [v.strip() for value in values for v in value.split(",") if v.strip()]
    for value in found:
        if value not in ("low", "moderate", "high"):
            raise ValidationError(f"level {value!r} is not one of low, moderate, high", path="level")
    return found


def utc(moment: datetime | None) -> datetime | None:
    """A moment with a zone; one given without is taken as UTC."""
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
