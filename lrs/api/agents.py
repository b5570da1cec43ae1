"""`GET /xapi/agents?agent=` (Communication 2.4): the Person Object the LRS knows for an Agent."""

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
from lrs.store.agents import known_names
from lrs.xapi import Agent, Group, agent_ifi, parse_agent_param

READ_SCOPES = (Scope.STATEMENTS_READ, Scope.ALL_READ)
"""A Person is assembled from statements: readable with any statement read scope but `mine`."""

IFI_PROPERTIES = ("mbox", "mbox_sha1sum", "openid", "account")


def person(agent: Agent | Group, names: list[str]) -> dict[str, Any]:
    """A Person: every property an array; the agent's own identifier, and its name first when it gave one."""
    data: dict[str, Any] = msgspec.to_builtins(agent)
    result: dict[str, Any] = {"objectType": "Person"}
    all_names = dict.fromkeys([data["name"], *names] if isinstance(data.get("name"), str) else names)
    if all_names:
        result["name"] = list(all_names)
    for key in IFI_PROPERTIES:
        if key in data:
            result[key] = [data[key]]
    return result


async def person_object(
    request: Request[Any, Any, Any], principal: Principal, pool: asyncpg.Pool, version: str
) -> dict[str, Any]:
    """The Person for the `agent` parameter: its identifier and every name it is known by here."""
    require(principal, *READ_SCOPES)
    check_names(request.query_params, frozenset({"agent"}))
    text = param(request.query_params, "agent", required=True) or ""
    agent = parse_agent_param(text, version, "agent", allow_group=False)
    ifi = agent_ifi(agent)
    names = await known_names(pool, principal.store_id, ifi) if ifi else []
    return person(agent, names)


@route(
    "/xapi/agents",
    http_method=[HttpMethod.GET, HttpMethod.HEAD],
    summary="The Person Object for an Agent",
    tags=["xAPI Agents"],
)
async def get_person(
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
    pool: NamedDependency[asyncpg.Pool],
    version: NamedDependency[str],
) -> Response[bytes]:
    body = msgspec.json.encode(await person_object(request, principal, pool, version))
    return answer(request, Reply(body, {"Content-Type": "application/json"}))
