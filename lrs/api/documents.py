"""The document resources (Communication 2.2-2.3, 2.6-2.7): State, Activity Profile and Agent Profile.

All three share one set of handlers, parameterised by a `Resource` saying which key parameters it takes. Handlers
parse and check parameters and headers, then call `lrs.store.documents`, which decides concurrency in SQL.
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import msgspec
from litestar import HttpMethod, Request, Response, Router, delete, post, put, route
from litestar.datastructures import MultiDict
from litestar.di import NamedDependency

from lrs.api.deps import require
from lrs.errors import BadRequest, NotFound, ValidationError
from lrs.security.principal import Principal
from lrs.security.scopes import Scope
from lrs.store import documents as store
from lrs.store.documents import Context, Kind, Preconditions
from lrs.xapi import agent_ifi, parse_agent_param, parse_timestamp_param, validate_iri, validate_uuid


@dataclass(frozen=True, slots=True)
class Resource:
    """What distinguishes one document resource from another."""

    path: str
    kind: Kind
    id_param: str
    scope: Scope
    title: str
    takes_activity: bool
    takes_agent: bool
    takes_registration: bool = False
    deletes_many: bool = False

    @property
    def parameters(self) -> frozenset[str]:
        """Every parameter the resource defines (`since` only matters to the GET of many)."""
        names = {self.id_param, "since"}
        names |= {"activityId"} if self.takes_activity else set()
        names |= {"agent"} if self.takes_agent else set()
        names |= {"registration"} if self.takes_registration else set()
        return frozenset(names)


STATE = Resource(
    "/xapi/activities/state",
    Kind.STATE,
    "stateId",
    Scope.STATE,
    "State",
    takes_activity=True,
    takes_agent=True,
    takes_registration=True,
    deletes_many=True,
)
ACTIVITY_PROFILE = Resource(
    "/xapi/activities/profile",
    Kind.ACTIVITY_PROFILE,
    "profileId",
    Scope.PROFILE,
    "Activity Profile",
    takes_activity=True,
    takes_agent=False,
)
AGENT_PROFILE = Resource(
    "/xapi/agents/profile",
    Kind.AGENT_PROFILE,
    "profileId",
    Scope.PROFILE,
    "Agent Profile",
    takes_activity=False,
    takes_agent=True,
)


@dataclass(frozen=True, slots=True)
class Reply:
    """A GET answer before it becomes a GET or a HEAD response (see `answer`)."""

    body: bytes
    headers: dict[str, str]


def answer(request: Request[Any, Any, Any], reply: Reply) -> Response[bytes]:
    """The GET response, or for HEAD the same headers (Content-Length included) without the body."""
    if request.method == HttpMethod.HEAD:
        return Response(b"", headers={**reply.headers, "Content-Length": str(len(reply.body))})
    return Response(reply.body, headers=reply.headers)


def quote_etag(etag: str) -> str:
    return f'"{etag}"'


def parse_etags(value: str | None) -> frozenset[str] | None:
    """The ETags of an If-Match / If-None-Match header (quotes and `W/` dropped); None when the header is absent.

    Unquoted values are accepted too, since clients often send the bare SHA-1 they were given.
    """
    if value is None or not value.strip():
        return None
    tags: set[str] = set()
    for part in value.split(","):
        tag = part.strip()
        tag = tag.removeprefix("W/")
        if len(tag) >= 2 and tag[0] == tag[-1] == '"':
            tag = tag[1:-1]
        if tag:
            tags.add(tag if tag == store.ANY_ETAG else tag.lower())
    return frozenset(tags)


def http_date(moment: datetime) -> str:
    """An HTTP-date (RFC 9110 IMF-fixdate) for Last-Modified."""
    return email.utils.format_datetime(moment.astimezone(UTC), usegmt=True)


def check_names(params: MultiDict[Any], known: frozenset[str]) -> None:
    """400 for any parameter this resource does not define (Communication 3.2), naming a case slip as such."""
    by_lower = {name.lower(): name for name in known}
    for name in params:
        if name in known:
            continue
        meant = by_lower.get(name.lower())
        hint = f"; parameter names are case-sensitive: did you mean {meant!r}?" if meant else ""
        raise BadRequest(f"unknown parameter {name!r}{hint}", path=name)


def param(params: MultiDict[Any], name: str, *, required: bool) -> str | None:
    """One query parameter's value; an empty value counts as absent. Given twice, or required and absent: 400."""
    values = params.getall(name, [])
    if len(values) > 1:
        raise ValidationError(f"the {name} parameter is given {len(values)} times; give it once", path=name)
    if not values or values[0] == "":
        if required:
            raise ValidationError(f"the {name} parameter is required", path=name)
        return None
    value: str = values[0]
    if "\x00" in value:
        raise ValidationError(f"the {name} parameter contains a NUL character", path=name)
    return value


def parse_context(resource: Resource, params: MultiDict[Any], store_id: int, version: str) -> Context:
    """The activity / agent / registration a request addresses, validated like statement properties."""
    check_names(params, resource.parameters)
    activity_id = ""
    if resource.takes_activity:
        activity_id = validate_iri(param(params, "activityId", required=True) or "", path="activityId")
    ifi = ""
    if resource.takes_agent:
        agent = parse_agent_param(param(params, "agent", required=True) or "", version, "agent", allow_group=False)
        ifi = agent_ifi(agent) or ""
    registration = None
    if resource.takes_registration:
        given = param(params, "registration", required=False)
        if given is not None:
            registration = validate_uuid(given, path="registration").lower()
    return Context(store_id, resource.kind, activity_id=activity_id, agent_ifi=ifi, registration=registration)


def preconditions(request: Request[Any, Any, Any]) -> Preconditions:
    return Preconditions(
        if_match=parse_etags(request.headers.get("if-match")),
        if_none_match=parse_etags(request.headers.get("if-none-match")),
    )


def overwrite_needs_precondition(resource: Resource, version: str) -> bool:
    """A PUT without If-Match/If-None-Match may not replace a Profile (1.0.3), nor State in xAPI 2.0 (409)."""
    return resource.kind is not Kind.STATE or not version.startswith("1.")


def _written(written: store.Written) -> Response[None]:
    return Response(
        content=None,
        status_code=204,
        headers={"ETag": quote_etag(written.etag), "Last-Modified": http_date(written.updated)},
    )


async def read(
    resource: Resource, request: Request[Any, Any, Any], principal: Principal, pool: asyncpg.Pool, version: str
) -> Reply:
    """One document (with `stateId`/`profileId`) or the array of ids in the context (optionally `since`)."""
    require(principal, resource.scope, Scope.ALL_READ)
    params = request.query_params
    context = parse_context(resource, params, principal.store_id, version)
    since_text = param(params, "since", required=False)
    since = parse_timestamp_param(since_text, param="since") if since_text is not None else None
    document_id = param(params, resource.id_param, required=False)
    if document_id is not None:
        document = await store.get_document(pool, context, document_id)
        if document is None:
            raise NotFound(f"no {resource.title} document with {resource.id_param} {document_id!r} here")
        return Reply(
            document.content,
            {
                "Content-Type": document.content_type,
                "ETag": quote_etag(document.etag),
                "Last-Modified": http_date(document.updated),
            },
        )
    ids, latest = await store.list_ids(pool, context, since)
    body = msgspec.json.encode(ids)
    headers = {"Content-Type": store.JSON_MEDIA_TYPE, "ETag": quote_etag(store.etag_of(body))}
    if latest is not None:
        headers["Last-Modified"] = http_date(latest)
    return Reply(body, headers)


async def write(
    resource: Resource, request: Request[Any, Any, Any], principal: Principal, pool: asyncpg.Pool, version: str
) -> Response[None]:
    """PUT (replace) or POST (create or JSON-merge) one document."""
    require(principal, resource.scope)
    params = request.query_params
    context = parse_context(resource, params, principal.store_id, version)
    document_id = param(params, resource.id_param, required=True) or ""
    content = await request.body()
    content_type = request.headers.get("content-type") or store.DEFAULT_MEDIA_TYPE
    if request.method == "PUT":
        written = await store.put_document(
            pool,
            context,
            document_id,
            content,
            content_type,
            preconditions=preconditions(request),
            overwrite_needs_precondition=overwrite_needs_precondition(resource, version),
        )
    else:
        written = await store.post_document(
            pool, context, document_id, content, content_type, preconditions=preconditions(request)
        )
    return _written(written)


async def remove(
    resource: Resource, request: Request[Any, Any, Any], principal: Principal, pool: asyncpg.Pool, version: str
) -> Response[None]:
    """DELETE one document, or (State without `stateId`) every document of the context."""
    require(principal, resource.scope)
    params = request.query_params
    context = parse_context(resource, params, principal.store_id, version)
    document_id = param(params, resource.id_param, required=not resource.deletes_many)
    if document_id is None:
        await store.delete_documents(pool, context)
    else:
        await store.delete_document(pool, context, document_id, preconditions(request))
    return Response(content=None, status_code=204)


def document_router(resource: Resource) -> Router:
    """The GET/HEAD/PUT/POST/DELETE handlers of one document resource."""
    tags = [f"xAPI {resource.title}"]

    @route(
        "/",
        http_method=[HttpMethod.GET, HttpMethod.HEAD],
        summary=f"{resource.title}: one document, or the array of ids",
        tags=tags,
    )
    async def get_documents(
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        pool: NamedDependency[asyncpg.Pool],
        version: NamedDependency[str],
    ) -> Response[bytes]:
        return answer(request, await read(resource, request, principal, pool, version))

    @put("/", summary=f"{resource.title}: store or replace a document", tags=tags, status_code=204)
    async def put_document(
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        pool: NamedDependency[asyncpg.Pool],
        version: NamedDependency[str],
    ) -> Response[None]:
        return await write(resource, request, principal, pool, version)

    @post("/", summary=f"{resource.title}: store, or merge JSON into, a document", tags=tags, status_code=204)
    async def post_document(
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        pool: NamedDependency[asyncpg.Pool],
        version: NamedDependency[str],
    ) -> Response[None]:
        return await write(resource, request, principal, pool, version)

    @delete("/", summary=f"{resource.title}: delete a document", tags=tags, status_code=204)
    async def delete_documents(
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        pool: NamedDependency[asyncpg.Pool],
        version: NamedDependency[str],
    ) -> Response[None]:
        return await remove(resource, request, principal, pool, version)

    return Router(
        path=resource.path,
        route_handlers=[get_documents, put_document, post_document, delete_documents],
    )


def routers() -> list[Router]:
    """The three document resources, for `create_app`."""
    return [document_router(STATE), document_router(ACTIVITY_PROFILE), document_router(AGENT_PROFILE)]
