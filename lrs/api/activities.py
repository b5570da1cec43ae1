"""`GET /xapi/activities?activityId=` (Communication 2.5): the canonical Activity Object."""

from __future__ import annotations

from typing import Any

import asyncpg
import msgspec
from litestar import HttpMethod, Request, Response, route
from litestar.di import NamedDependency

from lrs.api.deps import require
from lrs.api.documents import Reply, answer, check_names, param
from lrs.security.principal import Principal
from lrs.security.scopes import Scope
from lrs.store.activities_read import activity_definition
from lrs.xapi import validate_iri

READ_SCOPES = (Scope.STATEMENTS_READ, Scope.DEFINE, Scope.ALL_READ)
"""Activity definitions come from statements: readable with any statement read scope but `mine`, or `define`."""


async def activity_object(request: Request[Any, Any, Any], principal: Principal, pool: asyncpg.Pool) -> dict[str, Any]:
    """The Activity with its merged definition; an Activity never defined is still returned, with its id only."""
    require(principal, *READ_SCOPES)
    check_names(request.query_params, frozenset({"activityId"}))
    activity_id = validate_iri(param(request.query_params, "activityId", required=True) or "", path="activityId")
    activity: dict[str, Any] = {"objectType": "Activity", "id": activity_id}
    definition = await activity_definition(pool, principal.store_id, activity_id)
    if definition:
        activity["definition"] = definition
    return activity


@route(
    "/xapi/activities",
    http_method=[HttpMethod.GET, HttpMethod.HEAD],
    summary="The canonical Activity Object",
    tags=["xAPI Activities"],
)
async def get_activity(
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
    pool: NamedDependency[asyncpg.Pool],
    version: NamedDependency[str],
) -> Response[bytes]:
    body = msgspec.json.encode(await activity_object(request, principal, pool))
    return answer(request, Reply(body, {"Content-Type": "application/json"}))
