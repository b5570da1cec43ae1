"""Every scope on every resource over HTTP: a credential holding one scope gets the resource's success status
where `tests.test_scopes.EXPECTED` says its scope grants the permission, and 403 everywhere else."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from lrs.security.scopes import ALL_SCOPES, Permission
from tests.conftest import StoreContext, make_store
from tests.test_scopes import EXPECTED

Client = AsyncTestClient[Any]
P = Permission
ACTIVITY = "http://example.com/activities/scope-matrix"
AGENT = json.dumps({"mbox": "mailto:scope-matrix@example.com"})
COURSE = quote("https://courses.example.com/scope-matrix", safe="")
LEARNER = quote("mbox:mailto:scope-matrix@example.com", safe="")


def _id() -> str:
    return str(uuid.uuid4())


def _statement() -> dict[str, Any]:
    return {
        "actor": {"mbox": "mailto:scope-matrix@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
        "object": {"id": ACTIVITY},
    }


@dataclass(frozen=True)
class Call:
    """One request on one resource, the permission it needs and the statuses that mean it was allowed."""

    name: str
    needs: Permission
    method: str
    path: str
    params: Callable[[StoreContext], dict[str, str]] = lambda _: {}
    body: Callable[[], Any] | None = None
    ok: frozenset[int] = field(default_factory=lambda: frozenset({200}))
    headers: dict[str, str] = field(default_factory=dict)


def _state(**extra: str) -> Callable[[StoreContext], dict[str, str]]:
    return lambda _: {"activityId": ACTIVITY, "agent": AGENT, **extra}


def _activity_profile(**extra: str) -> Callable[[StoreContext], dict[str, str]]:
    return lambda _: {"activityId": ACTIVITY, **extra}


def _agent_profile(**extra: str) -> Callable[[StoreContext], dict[str, str]]:
    return lambda _: {"agent": AGENT, **extra}


NEW_DOC = {"If-None-Match": "*"}
OK_204 = frozenset({204})
OK_READ_ONE = frozenset({200, 404})

CALLS = [
    # Statements
    Call("statements PUT", P.STATEMENTS_WRITE, "PUT", "/xapi/statements", lambda _: {"statementId": _id()},
         _statement, OK_204),
    Call("statements POST", P.STATEMENTS_WRITE, "POST", "/xapi/statements", body=lambda: [_statement()]),
    Call("statements GET", P.STATEMENTS_READ, "GET", "/xapi/statements"),
    Call("statements GET one", P.STATEMENTS_READ, "GET", "/xapi/statements", lambda _: {"statementId": _id()},
         ok=frozenset({404})),
    Call("statements HEAD", P.STATEMENTS_READ, "HEAD", "/xapi/statements"),
    # State
    Call("state PUT", P.STATE_WRITE, "PUT", "/xapi/activities/state", _state(stateId="s"), lambda: {"a": 1}, OK_204),
    Call("state POST", P.STATE_WRITE, "POST", "/xapi/activities/state", _state(stateId="s"), lambda: {"b": 2},
         OK_204),
    Call("state GET", P.STATE_READ, "GET", "/xapi/activities/state", _state(stateId="s"), ok=OK_READ_ONE),
    Call("state GET ids", P.STATE_READ, "GET", "/xapi/activities/state", _state()),
    Call("state DELETE", P.STATE_WRITE, "DELETE", "/xapi/activities/state", _state(stateId="s"), ok=OK_204),
    Call("state DELETE all", P.STATE_WRITE, "DELETE", "/xapi/activities/state", _state(), ok=OK_204),
    # Activity Profile
    Call("activity profile PUT", P.PROFILE_WRITE, "PUT", "/xapi/activities/profile",
         lambda _: {"activityId": ACTIVITY, "profileId": _id()}, lambda: {"p": 1}, OK_204, NEW_DOC),
    Call("activity profile POST", P.PROFILE_WRITE, "POST", "/xapi/activities/profile",
         lambda _: {"activityId": ACTIVITY, "profileId": _id()}, lambda: {"p": 1}, OK_204),
    Call("activity profile GET", P.PROFILE_READ, "GET", "/xapi/activities/profile",
         _activity_profile(profileId="p"), ok=OK_READ_ONE),
    Call("activity profile GET ids", P.PROFILE_READ, "GET", "/xapi/activities/profile", _activity_profile()),
    Call("activity profile DELETE", P.PROFILE_WRITE, "DELETE", "/xapi/activities/profile",
         _activity_profile(profileId="p"), ok=OK_204),
    # Agent Profile
    Call("agent profile PUT", P.PROFILE_WRITE, "PUT", "/xapi/agents/profile",
         lambda _: {"agent": AGENT, "profileId": _id()}, lambda: {"p": 1}, OK_204, NEW_DOC),
    Call("agent profile POST", P.PROFILE_WRITE, "POST", "/xapi/agents/profile",
         lambda _: {"agent": AGENT, "profileId": _id()}, lambda: {"p": 1}, OK_204),
    Call("agent profile GET", P.PROFILE_READ, "GET", "/xapi/agents/profile", _agent_profile(profileId="p"),
         ok=OK_READ_ONE),
    Call("agent profile GET ids", P.PROFILE_READ, "GET", "/xapi/agents/profile", _agent_profile()),
    Call("agent profile DELETE", P.PROFILE_WRITE, "DELETE", "/xapi/agents/profile", _agent_profile(profileId="p"),
         ok=OK_204),
    # Activities and Agents
    Call("activities GET", P.ACTIVITIES_READ, "GET", "/xapi/activities", lambda _: {"activityId": ACTIVITY}),
    Call("activities HEAD", P.ACTIVITIES_READ, "HEAD", "/xapi/activities", lambda _: {"activityId": ACTIVITY}),
    Call("agents GET", P.AGENTS_READ, "GET", "/xapi/agents", lambda _: {"agent": AGENT}),
    Call("agents HEAD", P.AGENTS_READ, "HEAD", "/xapi/agents", lambda _: {"agent": AGENT}),
    # Administration of the caller's own store
    Call("admin stores GET", P.ADMIN, "GET", "/admin/stores"),
    Call("admin credentials GET", P.ADMIN, "GET", "/admin/stores/{store}/credentials"),
    Call("admin credentials POST", P.ADMIN, "POST", "/admin/stores/{store}/credentials",
         body=lambda: {"scopes": ["state"]}, ok=frozenset({201})),
    # Learner data rights and governance of the caller's own store (dry runs: the matrix changes nothing)
    Call("governance GET", P.ADMIN, "GET", "/admin/stores/{store}/governance"),
    Call("governance PATCH", P.ADMIN, "PATCH", "/admin/stores/{store}/governance",
         body=lambda: {"erasure_shared": "pseudonymise"}),
    Call("learner export", P.ADMIN, "POST", "/admin/stores/{store}/learners/export",
         body=lambda: {"agent": json.loads(AGENT)}),
    Call("learner erase", P.ADMIN, "POST", "/admin/stores/{store}/learners/erase",
         body=lambda: {"agent": json.loads(AGENT), "dry_run": True}),
    Call("statements delete", P.ADMIN, "POST", "/admin/stores/{store}/statements/delete",
         body=lambda: {"ids": [_id()], "dry_run": True}),
    Call("retention run", P.ADMIN, "POST", "/admin/stores/{store}/retention/run", body=lambda: {"dry_run": True},
         ok=frozenset({400})),
    Call("opt-outs GET", P.ADMIN, "GET", "/admin/stores/{store}/opt-outs"),
    Call("opt-outs POST", P.ADMIN, "POST", "/admin/stores/{store}/opt-outs",
         body=lambda: {"agent": {"mbox": "mailto:opted-out@example.com"}}),
    Call("opt-outs remove", P.ADMIN, "POST", "/admin/stores/{store}/opt-outs/remove",
         body=lambda: {"agent": {"mbox": "mailto:opted-out@example.com"}}),
    Call("audit GET", P.ADMIN, "GET", "/admin/stores/{store}/audit"),
    Call("audit export", P.ADMIN, "GET", "/admin/stores/{store}/audit/export"),
    # Insights API (an empty store: unknown courses, models, insights and jobs are 404)
    Call("analytics courses GET", P.ANALYTICS_READ, "GET", "/analytics/courses"),
    Call("analytics course GET", P.ANALYTICS_READ, "GET", f"/analytics/courses/{COURSE}", ok=OK_READ_ONE),
    Call("analytics course PUT", P.ANALYTICS_WRITE, "PUT", f"/analytics/courses/{COURSE}", body=lambda: {},
         ok=frozenset({200, 201})),
    Call("analytics overview GET", P.ANALYTICS_READ, "GET", f"/analytics/courses/{COURSE}/overview", ok=OK_READ_ONE),
    Call("analytics at-risk GET", P.ANALYTICS_READ, "GET", f"/analytics/courses/{COURSE}/at-risk", ok=OK_READ_ONE),
    Call("analytics at-risk export", P.ANALYTICS_READ, "GET", f"/analytics/courses/{COURSE}/at-risk/export",
         ok=OK_READ_ONE),
    Call("analytics overview export", P.ANALYTICS_READ, "GET", f"/analytics/courses/{COURSE}/overview/export",
         ok=OK_READ_ONE),
    Call("analytics timeline GET", P.ANALYTICS_READ, "GET", f"/analytics/learners/{LEARNER}/timeline",
         ok=frozenset({404})),
    Call("analytics settings GET", P.ANALYTICS_READ, "GET", "/analytics/settings"),
    Call("analytics settings PUT", P.ANALYTICS_WRITE, "PUT", "/analytics/settings", body=lambda: {}),
    Call("analytics models GET", P.ANALYTICS_READ, "GET", "/analytics/models"),
    Call("analytics model GET", P.ANALYTICS_READ, "GET", "/analytics/models/1", ok=frozenset({404})),
    Call("analytics train POST", P.ANALYTICS_WRITE, "POST", "/analytics/models/train", ok=frozenset({202})),
    Call("analytics activate POST", P.ANALYTICS_WRITE, "POST", "/analytics/models/1/activate", ok=frozenset({404})),
    Call("analytics deactivate POST", P.ANALYTICS_WRITE, "POST", "/analytics/models/1/deactivate",
         ok=frozenset({404})),
    Call("analytics score POST", P.ANALYTICS_WRITE, "POST", "/analytics/score", ok=frozenset({202})),
    Call("analytics job GET", P.ANALYTICS_READ, "GET", f"/analytics/jobs/{uuid.UUID(int=1)}", ok=frozenset({404})),
    Call("analytics insight GET", P.ANALYTICS_READ, "GET", "/analytics/insights/1", ok=frozenset({404})),
    Call("analytics feedback POST", P.ANALYTICS_WRITE, "POST", "/analytics/insights/1/feedback",
         body=lambda: {"kind": "useful"}, ok=frozenset({404})),
    Call("analytics feedback GET", P.ANALYTICS_READ, "GET", "/analytics/feedback"),
    Call("analytics interventions POST", P.ANALYTICS_WRITE, "POST", "/analytics/interventions",
         body=lambda: {"course": "https://courses.example.com/none", "learner": "mbox:mailto:a@example.com",
                       "kind": "email"}, ok=frozenset({404})),
    Call("analytics interventions GET", P.ANALYTICS_READ, "GET", "/analytics/interventions"),
    Call("analytics impact GET", P.ANALYTICS_READ, "GET", "/analytics/interventions/impact"),
]  # fmt: skip


@pytest.fixture(scope="module")
async def one_scope_stores(pool: asyncpg.Pool) -> dict[str, StoreContext]:
    """A store per scope, each with a credential holding only that scope."""
    return {scope: await make_store(pool, scopes=(scope,)) for scope in ALL_SCOPES}


async def _send(client: Client, context: StoreContext, call: Call) -> Any:
    headers = context.headers(**call.headers)
    content = None
    if call.body is not None:
        content = json.dumps(call.body()).encode()
        headers["Content-Type"] = "application/json"
    return await client.request(
        call.method, call.path.format(store=context.name), params=call.params(context), headers=headers, content=content
    )


@pytest.mark.parametrize("scope", ALL_SCOPES)
@pytest.mark.parametrize("call", CALLS, ids=[c.name for c in CALLS])
async def test_each_scope_on_each_resource(
    client: Client, one_scope_stores: dict[str, StoreContext], scope: str, call: Call
) -> None:
    response = await _send(client, one_scope_stores[scope], call)
    if call.needs in EXPECTED[scope]:
        assert response.status_code in call.ok, response.text
    else:
        assert response.status_code == 403, response.text
        if call.method != "HEAD":
            assert response.json()["error"] == "forbidden"


def test_every_permission_but_define_has_a_resource() -> None:
    """`define` is not a resource of its own (statements are stored with or without it), nor is reading every
    statement rather than one's own (a filter of the statements resource)."""
    covered = {call.needs for call in CALLS}
    assert set(Permission) - covered == {P.DEFINE, P.STATEMENTS_READ_ALL}
