"""One representative, valid request per resource and method, for checks that apply to all of them
(authentication, version header, unknown parameters, HEAD)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from conformance_tests.client import XAPIClient
from conformance_tests.factory import Factory


@dataclass(frozen=True)
class Endpoint:
    """A request that succeeds with the right credential and version header."""

    name: str
    method: str
    path: str
    build: Callable[[Factory], tuple[dict[str, Any], Any]]  # -> (query params, JSON body or None)
    ok: int

    def send(self, lrs: XAPIClient, factory: Factory, **kwargs: Any) -> httpx.Response:
        """Send the request; extra params go in `params`, everything else to `request`."""
        params, body = self.build(factory)
        params = {**params, **kwargs.pop("params", {})}
        if body is None:
            return lrs.request(self.method, self.path, params=params, **kwargs)
        return lrs.request(self.method, self.path, params=params, json_body=body, **kwargs)


def _state(f: Factory) -> dict[str, Any]:
    return {"activityId": f.iri("activity"), "agent": f.agent(), "stateId": "s"}


def _state_set(f: Factory) -> tuple[dict[str, Any], Any]:
    params = _state(f)
    del params["stateId"]
    return params, None


def _put_statement(f: Factory) -> tuple[dict[str, Any], Any]:
    return {"statementId": f.uuid()}, f.statement(with_id=False)


ENDPOINTS = (
    Endpoint("statements-GET", "GET", "statements", lambda f: ({"limit": 1}, None), 200),
    Endpoint("statements-POST", "POST", "statements", lambda f: ({}, f.statement()), 200),
    Endpoint("statements-PUT", "PUT", "statements", _put_statement, 204),
    Endpoint("state-PUT", "PUT", "activities/state", lambda f: (_state(f), {"a": 1}), 204),
    Endpoint("state-GET-ids", "GET", "activities/state", _state_set, 200),
    Endpoint(
        "activity-profile-GET-ids",
        "GET",
        "activities/profile",
        lambda f: ({"activityId": f.iri("activity")}, None),
        200,
    ),
    Endpoint("agent-profile-GET-ids", "GET", "agents/profile", lambda f: ({"agent": f.agent()}, None), 200),
    Endpoint("activities-GET", "GET", "activities", lambda f: ({"activityId": f.iri("activity")}, None), 200),
    Endpoint("agents-GET", "GET", "agents", lambda f: ({"agent": f.agent()}, None), 200),
)
