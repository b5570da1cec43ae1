"""Communication 2.5: the Activities resource (canonical Activity definitions)."""

from __future__ import annotations

from typing import Any

import pytest

from conformance_tests import expect, flows
from conformance_tests.client import XAPIClient
from conformance_tests.factory import Factory
from conformance_tests.requirements import requirement

SECTION = "Communication 2.5"


def _activity(lrs: XAPIClient, activity_id: str, **headers: str) -> dict[str, Any]:
    response = expect.status(lrs.request("GET", "activities", params={"activityId": activity_id}, headers=headers), 200)
    assert expect.content_type(response) == "application/json", response.headers.get("Content-Type")
    body: dict[str, Any] = expect.json_body(response)
    return body


@requirement(SECTION, "GET activities MUST return the Activity Object with its definition from Statements")
def test_known_activity(lrs: XAPIClient, factory: Factory) -> None:
    activity = factory.activity()
    flows.accepted(lrs, factory.statement(object=activity))
    got = _activity(lrs, activity["id"])
    assert got.get("id") == activity["id"], f"returned {got!r}"
    assert got.get("objectType", "Activity") == "Activity"
    assert got.get("definition", {}).get("name") == activity["definition"]["name"], f"definition lost: {got!r}"
    assert got["definition"].get("type") == activity["definition"]["type"]


@requirement(SECTION, "Without a canonical definition the LRS SHOULD* still return an Activity Object")
def test_unknown_activity(lrs: XAPIClient, factory: Factory) -> None:
    activity_id = factory.iri("never-used")
    got = _activity(lrs, activity_id)
    assert got.get("id") == activity_id, f"returned {got!r}"


@requirement(SECTION, "Activities seen only in context are known to the Activities resource")
def test_context_activity_known(lrs: XAPIClient, factory: Factory) -> None:
    parent = factory.activity()
    flows.accepted(lrs, factory.statement(context={"contextActivities": {"parent": [parent]}}))
    got = _activity(lrs, parent["id"])
    assert got.get("definition", {}).get("name") == parent["definition"]["name"], f"returned {got!r}"


@requirement(SECTION, "Activities seen only in a SubStatement are known to the Activities resource")
def test_substatement_activity_known(lrs: XAPIClient, factory: Factory) -> None:
    sub = factory.substatement()
    flows.accepted(lrs, factory.statement(object=sub))
    got = _activity(lrs, sub["object"]["id"])
    assert got.get("definition", {}).get("name") == sub["object"]["definition"]["name"], f"returned {got!r}"


@requirement("Data 2.4.4.1", "The LRS SHOULD update the stored Activity Definition from a newer Statement")
def test_definition_updated(lrs: XAPIClient, factory: Factory) -> None:
    activity = factory.activity()
    flows.accepted(lrs, factory.statement(object=activity))
    newer = {**activity, "definition": {**activity["definition"], "description": {"en-US": "Updated description"}}}
    flows.accepted(lrs, factory.statement(object=newer))
    got = _activity(lrs, activity["id"])
    assert got["definition"].get("description") == {"en-US": "Updated description"}, f"returned {got!r}"


@requirement(
    "Data 2.4.4.1", "The LRS SHOULD NOT make significant changes (e.g. erase) to a canonical Activity Definition"
)
def test_definition_kept_when_omitted(lrs: XAPIClient, factory: Factory) -> None:
    activity = factory.activity()
    flows.accepted(lrs, factory.statement(object=activity))
    flows.accepted(lrs, factory.statement(object={"id": activity["id"]}))
    got = _activity(lrs, activity["id"])
    assert got.get("definition", {}).get("name") == activity["definition"]["name"], f"definition lost: {got!r}"


@requirement(SECTION, "The returned Activity MUST be a valid Activity Object (id IRI, definition object)")
def test_activity_shape(lrs: XAPIClient, factory: Factory) -> None:
    activity = factory.activity()
    flows.accepted(lrs, factory.statement(object=activity))
    got = _activity(lrs, activity["id"])
    assert got.get("id") == activity["id"], f"returned {got!r}"
    extra = set(got) - {"id", "objectType", "definition"}
    assert not extra, f"Activity has properties outside the spec: {sorted(extra)}"


@requirement("Communication 1.1", "HEAD activities MUST answer like GET without a body")
def test_head_activities(lrs: XAPIClient, factory: Factory) -> None:
    response = expect.status(lrs.request("HEAD", "activities", params={"activityId": factory.iri("a")}), 200)
    assert response.content == b""
    assert expect.content_type(response) == "application/json", "HEAD must carry GET's headers"


@requirement(SECTION, "The activityId parameter is required (400 without it)")
def test_activity_id_required(lrs: XAPIClient) -> None:
    expect.rejected(lrs.request("GET", "activities"))


@pytest.mark.parametrize("value", ["not an iri", "", "/relative"])
@requirement(SECTION, "activityId MUST be an IRI (400 otherwise)")
def test_invalid_activity_id(lrs: XAPIClient, value: str) -> None:
    expect.rejected(lrs.request("GET", "activities", params={"activityId": value}))
