"""The Statements resource (Communication 2.1): PUT, POST, GET and HEAD on /xapi/statements.

Handlers stay thin: parameters and bodies are validated by pure code (`statement_params`, `lrs.xapi`),
storage happens in `lrs.store.statements` inside one transaction, and the response is shaped here.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from email.utils import format_datetime
from typing import Any

import asyncpg
import msgspec
from litestar import HttpMethod, Request, Response, post, put, route
from litestar.di import NamedDependency
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from lrs.api.deps import require
from lrs.api.statement_params import (
    ListRequest,
    Presentation,
    SingleRequest,
    decode_more,
    encode_more,
    parse_get,
)
from lrs.errors import BadRequest, NotFound, PayloadTooLarge, ValidationError
from lrs.security.authn import Principal
from lrs.security.scopes import Scope, grants, reads_all_statements
from lrs.settings import Settings
from lrs.store import statements as store
from lrs.store.db import in_transaction
from lrs.store.statements import AttachmentData, StatementRow
from lrs.xapi import (
    SIGNATURE_USAGE_TYPE,
    Statement,
    agent_ifi,
    format_statement,
    format_stored,
    index_entries,
    parse_accept_language,
    parse_statements,
    present_for_version,
    received_json,
    verify_signature,
)
from lrs.xapi.multipart import (
    AttachmentPart,
    build_multipart_mixed,
    check_attachment_parts,
    parse_multipart_mixed,
)

JSON = "application/json"
CONSISTENT_THROUGH = "X-Experience-API-Consistent-Through"
_decode = msgspec.json.decode
_encode = msgspec.json.encode


# -- writing ----------------------------------------------------------------------------------------------


@put("/xapi/statements", summary="Store one statement under the given id", tags=["xAPI"], status_code=204)
async def put_statement(
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
    version: NamedDependency[str],
    pool: NamedDependency[asyncpg.Pool],
    settings: NamedDependency[Settings],
) -> Response[None]:
    require(principal, Scope.STATEMENTS_WRITE)
    params = dict(request.query_params)
    unknown = sorted(params.keys() - {"statementId"})
    if unknown:
        raise BadRequest(f"unknown parameter {unknown[0]!r}", path=unknown[0])
    if "statementId" not in params:
        raise BadRequest("PUT /statements needs the statementId parameter", path="statementId")
    try:
        statement_id = uuid.UUID(params["statementId"])
    except ValueError:
        raise ValidationError("statementId is not a UUID", path="statementId") from None
    body = await request.body()
    statements, attachments = _read_statements(body, request.headers.get("content-type"), version, settings)
    if len(statements) != 1 or body.lstrip()[:1] == b"[":
        raise ValidationError("PUT /statements takes one statement object, not an array", path="$")
    given = statements[0].id
    if isinstance(given, str) and given.lower() != str(statement_id):
        raise ValidationError("the statement's id differs from the statementId parameter", path="$.id")
    batch = await _store(request, principal, version, pool, statements, attachments, put_id=statement_id)
    return Response(None, status_code=HTTP_204_NO_CONTENT, headers=_consistency_headers(batch))


@post("/xapi/statements", summary="Store statements (one or an array)", tags=["xAPI"], status_code=200)
async def post_statements(
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
    version: NamedDependency[str],
    pool: NamedDependency[asyncpg.Pool],
    settings: NamedDependency[Settings],
) -> Response[bytes]:
    require(principal, Scope.STATEMENTS_WRITE)
    if request.query_params:
        name = next(iter(request.query_params))
        raise BadRequest(f"unknown parameter {name!r} for POST /statements", path=name)
    body = await request.body()
    statements, attachments = _read_statements(body, request.headers.get("content-type"), version, settings)
    batch = await _store(request, principal, version, pool, statements, attachments, put_id=None)
    headers = {"Content-Type": JSON, **_consistency_headers(batch)}
    return Response(_encode(batch.ids), status_code=HTTP_200_OK, headers=headers, media_type=JSON)


def _read_statements(
    body: bytes, content_type: str | None, version: str, settings: Settings
) -> tuple[list[Statement], dict[str, AttachmentData]]:
    """Parse a JSON or multipart/mixed body; check attachments and signatures. Pure: raises 400/413."""
    essence = (content_type or JSON).split(";")[0].strip().lower()
    parts: list[AttachmentPart] = []
    if essence == "multipart/mixed":
        statement_bytes, parts = parse_multipart_mixed(body, content_type or "", max_part_bytes=settings.max_body_bytes)
        statements = parse_statements(statement_bytes, version)
        check_attachment_parts(statements, parts)
    elif essence == JSON:
        statements = parse_statements(body, version)
        _require_file_urls(statements)
    else:
        raise BadRequest(
            f"statements must be sent as application/json or multipart/mixed, not {essence!r}", path="Content-Type"
        )
    if len(statements) > settings.max_batch_statements:
        raise PayloadTooLarge(
            f"a batch may hold at most {settings.max_batch_statements} statements, this one has {len(statements)}"
        )
    by_hash = {p.sha2: p for p in parts}
    _verify_signatures(statements, by_hash, version)
    return statements, {
        sha: AttachmentData(p.content_type or "application/octet-stream", p.data) for sha, p in by_hash.items()
    }


def _statement_attachments(statement: Statement) -> list[Any]:
    found = list(statement.attachments or ()) if isinstance(statement.attachments, list) else []
    sub = statement.object
    sub_attachments = getattr(sub, "attachments", None)
    if getattr(sub, "objectType", None) == "SubStatement" and isinstance(sub_attachments, list):
        found.extend(sub_attachments)
    return found


def _require_file_urls(statements: list[Statement]) -> None:
    for position, statement in enumerate(statements):
        for index, attachment in enumerate(_statement_attachments(statement)):
            if not isinstance(getattr(attachment, "fileUrl", None), str):
                prefix = "$" if len(statements) == 1 else f"$[{position}]"
                raise ValidationError(
                    "an attachment without fileUrl must be sent as multipart/mixed with its data",
                    path=f"{prefix}.attachments[{index}].fileUrl",
                )


def _verify_signatures(statements: list[Statement], parts: dict[str, AttachmentPart], version: str) -> None:
    for position, statement in enumerate(statements):
        if not isinstance(statement.attachments, list):
            continue
        for attachment in statement.attachments:
            if attachment.usageType != SIGNATURE_USAGE_TYPE:
                continue
            part = parts.get(attachment.sha2.lower())
            if part is not None:
                data = received_json(statement) or msgspec.to_builtins(statement)
                try:
                    verify_signature(data, part.data, version=version)
                except ValidationError as error:
                    if len(statements) > 1 and error.path is not None and error.path.startswith("$"):
                        error.path = f"$[{position}]{error.path[1:]}"
                    raise


async def _store(
    request: Request[Any, Any, Any],
    principal: Principal,
    version: str,
    pool: asyncpg.Pool,
    statements: list[Statement],
    attachments: dict[str, AttachmentData],
    *,
    put_id: uuid.UUID | None,
) -> store.StoredBatch:
    may_define = grants(principal.scopes, Scope.DEFINE)

    async def work(conn: asyncpg.Connection) -> store.StoredBatch:
        return await store.store_statements(
            conn,
            store_id=principal.store_id,
            statements=statements,
            version=version,
            authority=principal.authority,
            may_define=may_define,
            attachments=attachments,
            put_id=put_id,
        )

    batch = await in_transaction(pool, work)
    if batch.inserted:
        await request.app.state.hinter.new_statements(principal.store_id)
    return batch


# -- reading ----------------------------------------------------------------------------------------------


@route(
    "/xapi/statements",
    http_method=[HttpMethod.GET, HttpMethod.HEAD],
    summary="Get one statement or query statements",
    tags=["xAPI"],
)
async def get_statements(
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
    version: NamedDependency[str],
    pool: NamedDependency[asyncpg.Pool],
    settings: NamedDependency[Settings],
) -> Response[bytes]:
    require(principal, Scope.STATEMENTS_READ_MINE)
    mine = None if reads_all_statements(principal.scopes) else agent_ifi(principal.authority)
    params = dict(request.query_params)
    if "more" in params:
        if len(params) > 1:
            extra = sorted(params.keys() - {"more"})[0]
            raise BadRequest("a more request takes no other parameter", path=extra)
        parsed: SingleRequest | ListRequest = decode_more(
            params["more"], principal.store_id, version, max_limit=settings.max_query_limit
        )
    else:
        parsed = parse_get(params, version, max_limit=settings.max_query_limit)
    languages = parse_accept_language(request.headers.get("accept-language"))
    async with pool.acquire() as conn:
        if isinstance(parsed, SingleRequest):
            row = await store.get_statement(
                conn, principal.store_id, parsed.statement_id, voided=parsed.voided, authority=mine
            )
            if row is None:
                what = "voided statement" if parsed.voided else "statement"
                raise NotFound(f"no {what} with id {parsed.statement_id}")
            body, content_type = await _render(
                conn, principal.store_id, [row], None, parsed.presentation, version, languages
            )
            headers = {
                "Last-Modified": _http_date(row.stored),
                CONSISTENT_THROUGH: format_stored(await store.consistent_through(conn)),
            }
        else:
            parsed.query.authority = mine
            limit = parsed.query.limit
            parsed.query.limit = limit + 1
            page = await store.query_page(conn, principal.store_id, parsed.query)
            rows = page.rows
            more = ""
            if len(rows) > limit:
                rows = rows[:limit]
                more = "/xapi/statements?more=" + encode_more(principal.store_id, parsed, rows[-1].seq)
            body, content_type = await _render(
                conn, principal.store_id, rows, more, parsed.presentation, version, languages
            )
            headers = {CONSISTENT_THROUGH: format_stored(page.consistent_through)}
    headers["Content-Type"] = content_type
    if request.method == HttpMethod.HEAD:
        return Response(b"", status_code=HTTP_200_OK, headers=headers, media_type=content_type)
    return Response(body, status_code=HTTP_200_OK, headers=headers, media_type=content_type)


async def _render(
    conn: asyncpg.Connection,
    store_id: int,
    rows: list[StatementRow],
    more: str | None,
    presentation: Presentation,
    version: str,
    languages: list[str],
) -> tuple[bytes, str]:
    """The JSON (or multipart) body: a statement, or a StatementResult when `more` is not None."""
    texts = await _statement_texts(conn, store_id, rows, presentation.format, version, languages)
    payload = texts[0] if more is None else b'{"statements":[' + b",".join(texts) + b'],"more":' + _encode(more) + b"}"
    if not presentation.attachments:
        return payload, JSON
    sha2 = sorted({sha for row in rows for sha in index_entries(_decode(row.payload)).attachment_sha2})
    data = await store.attachment_data(conn, store_id, sha2)
    parts = [AttachmentPart(sha, item.content_type, item.content) for sha, item in data.items()]
    body, content_type = build_multipart_mixed(payload, parts)
    return body, content_type


async def _statement_texts(
    conn: asyncpg.Connection,
    store_id: int,
    rows: list[StatementRow],
    fmt: str,
    version: str,
    languages: list[str],
) -> list[bytes]:
    """Each statement's JSON for the reader: passed through untouched whenever nothing needs to change."""
    if fmt == "exact" and (version.startswith("2.") or not any(_may_differ_for_1_0(row.payload) for row in rows)):
        return [row.payload.encode() for row in rows]
    documents = [_decode(row.payload) for row in rows]
    if not version.startswith("2."):
        documents = [present_for_version(d, version) for d in documents]
    definitions: dict[str, dict[str, Any]] = {}
    if fmt == "canonical":
        ids = sorted({a for d in documents for a, _ in index_entries(d).activities})
        definitions = await store.activity_definitions(conn, store_id, ids)
    return [_encode(format_statement(d, fmt, languages, definitions)) for d in documents]


_V2_MARKERS = ('"version": "2.', '"version":"2.', '"contextAgents"', '"contextGroups"')


def _may_differ_for_1_0(payload: str) -> bool:
    """Whether `present_for_version` might change this stored statement for a 1.0.x reader: only a 2.0 statement
    or one with 2.0 context keys does, and a statement whose text has none of these markers (PostgreSQL writes
    `"key": value`) certainly has neither (one that has them only inside a value is merely decoded for nothing)."""
    return any(marker in payload for marker in _V2_MARKERS)


def _http_date(moment: datetime) -> str:
    return format_datetime(moment, usegmt=True)


def _consistency_headers(batch: store.StoredBatch) -> dict[str, str]:
    """Taken when the write's transaction started: once it has committed, every statement stored before that
    instant is visible (this write's own included), so no second query is needed."""
    return {CONSISTENT_THROUGH: format_stored(batch.consistent_through)}


ROUTES = [put_statement, post_statements, get_statements]
