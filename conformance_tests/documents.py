"""The three document resources (State, Activity Profile, Agent Profile) behind one small interface.

Checks that hold for every document resource are written once and parametrized with
`over_resources`, which gives each resource its own check under its own spec section.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from conformance_tests import expect
from conformance_tests.client import XAPIClient
from conformance_tests.factory import JSON, Factory
from conformance_tests.requirements import ALL_VERSIONS, requirement


@dataclass(frozen=True)
class DocResource:
    """One document resource: where it lives and which parameters address a document."""

    name: str
    path: str
    id_param: str
    section: str
    needs_activity: bool
    needs_agent: bool

    def scope(self, factory: Factory, **extra: Any) -> dict[str, Any]:
        """Fresh parameters naming a context (activity and/or agent) that holds documents."""
        params: dict[str, Any] = {}
        if self.needs_activity:
            params["activityId"] = factory.iri("activity")
        if self.needs_agent:
            params["agent"] = factory.agent()
        params.update(extra)
        return params


STATE = DocResource("state", "activities/state", "stateId", "Communication 2.3", True, True)
ACTIVITY_PROFILE = DocResource("activity-profile", "activities/profile", "profileId", "Communication 2.7", True, False)
AGENT_PROFILE = DocResource("agent-profile", "agents/profile", "profileId", "Communication 2.6", False, True)
RESOURCES = (STATE, ACTIVITY_PROFILE, AGENT_PROFILE)


def over_resources(
    text: str,
    *,
    section: str | None = None,
    resources: tuple[DocResource, ...] = RESOURCES,
    versions: frozenset[str] | None = None,
) -> pytest.MarkDecorator:
    """Parametrize a check over resources; each case carries its own requirement mark."""
    params = []
    for resource in resources:
        mark = requirement(section or resource.section, text, versions=versions or ALL_VERSIONS)
        params.append(pytest.param(resource, id=resource.name, marks=mark))
    return pytest.mark.parametrize("res", params)


def sha1(content: bytes) -> str:
    """Lowercase hex SHA-1, the value an LRS must use as the ETag of identity-encoded content."""
    return hashlib.sha1(content).hexdigest()


def quoted(etag: str) -> str:
    """An ETag as it goes in If-Match (quoted)."""
    return etag if etag.startswith(('"', "W/")) else f'"{etag}"'


class Documents:
    """Requests against one document resource through the shared client."""

    def __init__(self, lrs: XAPIClient, resource: DocResource) -> None:
        self.lrs = lrs
        self.resource = resource

    def _params(self, scope: dict[str, Any], doc_id: str | None) -> dict[str, Any]:
        params = dict(scope)
        if doc_id is not None:
            params[self.resource.id_param] = doc_id
        return params

    def send(
        self,
        method: str,
        scope: dict[str, Any],
        doc_id: str | None,
        body: bytes | JSON | None = None,
        *,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """One request on a document (or, with doc_id None, on the context's document set)."""
        all_headers = dict(headers or {})
        content: bytes | None = None
        if body is not None:
            content = body if isinstance(body, bytes) else expect.json_dumps(body)
            all_headers.setdefault("Content-Type", content_type)
        return self.lrs.request(
            method, self.resource.path, params=self._params(scope, doc_id), content=content, headers=all_headers
        )

    def create(
        self, scope: dict[str, Any], doc_id: str, body: bytes | JSON, content_type: str = "application/json"
    ) -> httpx.Response:
        """PUT a new document (If-None-Match: * as a careful client would); must succeed."""
        response = self.send("PUT", scope, doc_id, body, content_type=content_type, headers={"If-None-Match": "*"})
        return expect.status(response, 204)

    def get(self, scope: dict[str, Any], doc_id: str | None) -> httpx.Response:
        """GET one document, or the ids in the context when doc_id is None."""
        return self.send("GET", scope, doc_id)

    def etag(self, scope: dict[str, Any], doc_id: str) -> str:
        """The current ETag of a stored document."""
        return expect.header(expect.status(self.get(scope, doc_id), 200), "ETag")

    def content(self, scope: dict[str, Any], doc_id: str) -> bytes:
        """The current bytes of a stored document."""
        return expect.status(self.get(scope, doc_id), 200).content
