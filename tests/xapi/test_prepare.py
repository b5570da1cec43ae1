"""What the LRS stores (prepare_for_storage) and what each reader version sees."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime
from typing import Any

import msgspec

from lrs.xapi import (
    Activity,
    Agent,
    Statement,
    Verb,
    prepare_for_storage,
    present_for_version,
    received_json,
)

from .helpers import MBOX, STATEMENT_ID, minimal, parse_one, rich, substatement, with_value

AUTHORITY = {"objectType": "Agent", "account": {"homePage": "https://lrs.example.com", "name": "key-1"}}
STORED = datetime(2024, 6, 1, 12, 0, 0, 123456, UTC)
NEW_ID = uuid.UUID("11111111-2222-4333-8444-555555555555")


def prepare(doc: dict[str, Any], version: str = "1.0.3") -> dict[str, Any]:
    statement = parse_one(doc, version)
    return prepare_for_storage(statement, authority=AUTHORITY, stored=STORED, version=version, new_id=NEW_ID)


def test_lrs_assigns_id_stored_timestamp_authority_and_version() -> None:
    stored = prepare(minimal())
    assert stored["id"] == str(NEW_ID)
    assert stored["stored"] == "2024-06-01T12:00:00.123Z"
    assert stored["timestamp"] == stored["stored"]
    assert stored["authority"] == AUTHORITY
    assert stored["version"] == "1.0.0"
    assert prepare(minimal(), "2.0.0")["version"] == "2.0.0"


def test_given_values_are_kept_except_stored_and_authority() -> None:
    doc = with_value(rich(), "version", "1.0.3")
    doc["stored"] = "2001-01-01T00:00:00Z"
    doc["authority"] = {"mbox": "mailto:claimed@example.com"}
    stored = prepare(doc)
    assert stored["id"] == STATEMENT_ID
    assert stored["version"] == "1.0.3"
    assert stored["stored"] == "2024-06-01T12:00:00.123Z"
    assert stored["authority"] == AUTHORITY
    for key in ("actor", "verb", "result", "attachments"):
        assert stored[key] == doc[key]


def test_received_json_is_not_modified() -> None:
    doc = rich()
    statement = parse_one(doc, "1.0.3")
    before = copy.deepcopy(received_json(statement))
    prepare_for_storage(statement, authority=AUTHORITY, stored=STORED, version="2.0.0", new_id=NEW_ID)
    assert received_json(statement) == before == doc


def test_default_object_types_are_not_added() -> None:
    stored = prepare(minimal())
    assert stored["actor"] == {"mbox": MBOX}
    assert "objectType" not in stored["object"]


def test_context_activities_become_arrays() -> None:
    doc = with_value(minimal(), "context.contextActivities", {"parent": {"id": "http://e.com/p"}, "other": []})
    stored = prepare(doc)
    assert stored["context"]["contextActivities"] == {"parent": [{"id": "http://e.com/p"}], "other": []}
    sub = prepare(substatement())
    assert sub["object"]["context"]["contextActivities"]["parent"] == [{"id": "http://example.com/activities/trip"}]


def test_timestamps_with_a_zone_are_stored_in_utc_keeping_precision() -> None:
    doc = with_value(minimal(), "timestamp", "2024-05-06T07:08:09.123456+02:00")
    assert prepare(doc, "1.0.3")["timestamp"] == "2024-05-06T05:08:09.123456Z"
    assert prepare(doc, "2.0.0")["timestamp"] == "2024-05-06T05:08:09.123456Z"
    sub = with_value(substatement(), "object.timestamp", "2030-01-01T01:00:00+01:00")
    assert prepare(sub, "2.0.0")["object"]["timestamp"] == "2030-01-01T00:00:00Z"


def test_timestamp_without_zone_is_kept_in_1_0_3_and_read_as_utc_in_2_0() -> None:
    doc = with_value(minimal(), "timestamp", "2024-05-06T07:08:09")
    assert prepare(doc, "1.0.3")["timestamp"] == "2024-05-06T07:08:09"
    assert prepare(doc, "2.0.0")["timestamp"] == "2024-05-06T07:08:09Z"
    spaced = with_value(minimal(), "timestamp", "2024-05-06 07:08:09+00:00")
    assert prepare(spaced, "2.0.0")["timestamp"] == "2024-05-06T07:08:09Z"


def test_statement_built_in_code_is_prepared_from_its_fields() -> None:
    statement = Statement(actor=Agent(mbox=MBOX), verb=Verb(id="http://e.com/v"), object=Activity(id="http://e.com/a"))
    stored = prepare_for_storage(statement, authority=AUTHORITY, stored=STORED, version="2.0.0", new_id=NEW_ID)
    assert stored["actor"] == {"objectType": "Agent", "mbox": MBOX}
    assert stored["object"] == {"objectType": "Activity", "id": "http://e.com/a"}
    assert stored["id"] == str(NEW_ID)
    assert msgspec.json.decode(msgspec.json.encode(stored)) == stored


def _v2_statement() -> dict[str, Any]:
    doc = minimal()
    doc["context"] = {
        "contextAgents": [{"objectType": "contextAgent", "agent": {"mbox": "mailto:coach@example.com"}}],
        "contextGroups": [{"objectType": "contextGroup", "group": {"objectType": "Group", "mbox": MBOX}}],
        "registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7",
    }
    return doc


def test_a_1_0_3_reader_gets_2_0_statements_without_2_0_properties() -> None:
    stored = prepare(_v2_statement(), "2.0.0")
    shown = present_for_version(stored, "1.0.3")
    assert shown["version"] == "1.0.0"
    assert shown["context"] == {"registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7"}
    assert stored["version"] == "2.0.0"
    assert "contextAgents" in stored["context"]
    assert present_for_version(stored, "2.0.0") is stored


def test_a_1_0_3_reader_gets_a_substatement_without_2_0_properties() -> None:
    doc = with_value(substatement(), "object.context.contextAgents", _v2_statement()["context"]["contextAgents"])
    shown = present_for_version(prepare(doc, "2.0.0"), "1.0.3")
    assert "contextAgents" not in shown["object"]["context"]
    assert "contextActivities" in shown["object"]["context"]


def test_1_0_statements_are_presented_unchanged() -> None:
    stored = prepare(rich(), "1.0.3")
    assert present_for_version(stored, "1.0.3") is stored
