"""GET /statements query parameters: validated into a `StatementQuery`, and the `more` cursor token.

Pure functions of the parameters (no I/O), so every rule here is tested without a server.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from lrs.errors import BadRequest, ValidationError
from lrs.store.statements import StatementQuery
from lrs.xapi import (
    ACTIVITY_FILTER_USAGES,
    AGENT_FILTER_USAGES,
    FORMATS,
    agent_ifi,
    parse_agent_param,
    parse_timestamp_param,
    validate_iri,
    validate_uuid,
)

SINGLE_PARAMS = frozenset({"statementId", "voidedStatementId"})
# Beside statementId / voidedStatementId only these may appear (Communication 2.1.3).
SINGLE_COMPANIONS = frozenset({"attachments", "format"})
QUERY_PARAMS = frozenset(
    {
        "agent",
        "verb",
        "activity",
        "registration",
        "related_activities",
        "related_agents",
        "since",
        "until",
        "limit",
        "format",
        "attachments",
        "ascending",
    }
)


@dataclass(frozen=True, slots=True)
class Presentation:
    """How statements are sent back: format, attachments, languages (from Accept-Language)."""

    format: str = "exact"
    attachments: bool = False


@dataclass(frozen=True, slots=True)
class SingleRequest:
    statement_id: uuid.UUID
    voided: bool
    presentation: Presentation


@dataclass(frozen=True, slots=True)
class ListRequest:
    query: StatementQuery
    presentation: Presentation
    params: dict[str, str]
    """The original filter parameters, carried in the `more` token."""


def parse_boolean(params: Mapping[str, str], name: str) -> bool:
    value = params.get(name)
    if value is None:
        return False
    if value not in ("true", "false"):
        raise ValidationError(f"{name} must be true or false, not {value!r}", path=name)
    return value == "true"


def parse_presentation(params: Mapping[str, str]) -> Presentation:
    fmt = params.get("format", "exact")
    if fmt not in FORMATS:
        raise ValidationError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}", path="format")
    return Presentation(format=fmt, attachments=parse_boolean(params, "attachments"))


def parse_get(params: Mapping[str, str], version: str, *, max_limit: int) -> SingleRequest | ListRequest:
    """Validate GET /statements parameters; every problem names the parameter."""
    single = set(SINGLE_PARAMS & params.keys())
    if len(single) == 2:
        raise BadRequest("statementId and voidedStatementId cannot be used together", path="statementId")
    if single:
        name = single.pop()
        extra = sorted(params.keys() - {name} - SINGLE_COMPANIONS)
        if extra:
            raise BadRequest(f"{name} cannot be combined with {', '.join(extra)}", path=extra[0])
        statement_id = uuid.UUID(validate_uuid(params[name], path=name))
        return SingleRequest(statement_id, name == "voidedStatementId", parse_presentation(params))

    unknown = sorted(params.keys() - QUERY_PARAMS)
    if unknown:
        raise BadRequest(f"unknown parameter {unknown[0]!r}", path=unknown[0])
    query = StatementQuery()
    if "agent" in params:
        agent = parse_agent_param(params["agent"], version, "agent")
        query.agent = agent_ifi(agent)
        related = parse_boolean(params, "related_agents")
        query.agent_usages = None if related else tuple(sorted(AGENT_FILTER_USAGES))
    else:
        parse_boolean(params, "related_agents")
    if "verb" in params:
        query.verb = validate_iri(params["verb"], path="verb")
    if "activity" in params:
        query.activity = validate_iri(params["activity"], path="activity")
        related = parse_boolean(params, "related_activities")
        query.activity_usages = None if related else tuple(sorted(ACTIVITY_FILTER_USAGES))
    else:
        parse_boolean(params, "related_activities")
    if "registration" in params:
        query.registration = uuid.UUID(validate_uuid(params["registration"], path="registration"))
    if "since" in params:
        query.since = parse_timestamp_param(params["since"], param="since")
    if "until" in params:
        query.until = parse_timestamp_param(params["until"], param="until")
    query.ascending = parse_boolean(params, "ascending")
    query.limit = parse_limit(params.get("limit"), max_limit)
    filters = {k: v for k, v in params.items() if k not in ("format", "attachments")}
    return ListRequest(query, parse_presentation(params), filters)


def parse_limit(value: str | None, max_limit: int) -> int:
    if value is None:
        return max_limit
    if not value.isdigit():
        raise ValidationError(f"limit must be a non-negative integer, not {value!r}", path="limit")
    limit = int(value)
    return max_limit if limit == 0 or limit > max_limit else limit


# -- the `more` cursor --------------------------------------------------------------------------------------


class _Cursor(msgspec.Struct, forbid_unknown_fields=True):
    store: int
    after: int
    params: dict[str, str]
    format: str
    attachments: bool


def encode_more(store_id: int, request: ListRequest, last_seq: int) -> str:
    """An opaque keyset token: the filters plus the last seq sent. New statements never shift its pages."""
    cursor = _Cursor(
        store=store_id,
        after=last_seq,
        params=request.params,
        format=request.presentation.format,
        attachments=request.presentation.attachments,
    )
    return base64.urlsafe_b64encode(msgspec.json.encode(cursor)).decode().rstrip("=")


def decode_more(token: str, store_id: int, version: str, *, max_limit: int) -> ListRequest:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        cursor = msgspec.json.decode(raw, type=_Cursor)
    except (binascii.Error, ValueError, msgspec.DecodeError, msgspec.ValidationError):
        raise BadRequest("the more token is malformed", path="more") from None
    if cursor.store != store_id:
        raise BadRequest("the more token belongs to other credentials", path="more")
    params: dict[str, Any] = dict(cursor.params)
    params["format"] = cursor.format
    params["attachments"] = "true" if cursor.attachments else "false"
    request = parse_get(params, version, max_limit=max_limit)
    if not isinstance(request, ListRequest):
        raise BadRequest("the more token is malformed", path="more")
    request.query.after = cursor.after
    return request
