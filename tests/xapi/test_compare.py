"""Statement comparison (Data 2.3.1) used for id conflicts and signatures."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from lrs.xapi import prepare_for_storage, statements_equivalent

from .helpers import OTHER_ID, STATEMENT_ID, agent, minimal, parse_one, rich, substatement, with_value

Change = Callable[[dict[str, Any]], dict[str, Any]]


def test_a_statement_matches_its_stored_form() -> None:
    doc = rich()
    stored = prepare_for_storage(
        parse_one(doc, "2.0.0"),
        authority={"mbox": "mailto:lrs@example.com"},
        stored=datetime(2024, 1, 1, tzinfo=UTC),
        version="2.0.0",
        new_id=uuid.uuid4(),
    )
    assert statements_equivalent(doc, stored)
    assert statements_equivalent(stored, doc)


SAME: list[tuple[str, Change]] = [
    (
        "lrs assigned properties",
        lambda d: {
            **d,
            "stored": "2020-01-01T00:00:00Z",
            "version": "1.0.0",
            "authority": agent("x"),
            "id": STATEMENT_ID,
        },
    ),
    ("timestamp absent on one side", lambda d: {k: v for k, v in d.items() if k != "timestamp"}),
    ("timestamp in another zone", lambda d: with_value(d, "timestamp", "2024-05-06T05:08:09.1234Z")),
    ("id in upper case", lambda d: with_value(d, "id", STATEMENT_ID.upper())),
    (
        "default objectType",
        lambda d: (
            with_value(d, "actor.objectType", "Agent")
            if "objectType" not in d["actor"]
            else with_value(d, "actor", {k: v for k, v in d["actor"].items() if k != "objectType"})
        ),
    ),
    (
        "activity objectType omitted",
        lambda d: with_value(d, "object", {k: v for k, v in d["object"].items() if k != "objectType"}),
    ),
    ("activity definition changed", lambda d: with_value(d, "object.definition.name", {"en": "Another name"})),
    ("verb display changed", lambda d: with_value(d, "verb.display", {"en-GB": "experienced"})),
    ("mbox domain case", lambda d: with_value(d, "actor.mbox", "mailto:learner@EXAMPLE.COM")),
    ("team members reordered", lambda d: with_value(d, "context.team.member", d["context"]["team"]["member"][::-1])),
    (
        "single context activity",
        lambda d: with_value(d, "context.contextActivities.parent", d["context"]["contextActivities"]["parent"][0]),
    ),
    ("duration beyond hundredths", lambda d: with_value(d, "result.duration", "PT1H2M3.459S")),
    ("duration trailing zero", lambda d: with_value(d, "result.duration", "PT1H2M3.450S")),
    ("language key case", lambda d: with_value(d, "context.language", "EN-us")),
    ("registration case", lambda d: with_value(d, "context.registration", d["context"]["registration"].upper())),
    (
        "attachment hash and language case",
        lambda d: with_value(
            d,
            "attachments[0]",
            {**d["attachments"][0], "sha2": d["attachments"][0]["sha2"].upper(), "display": {"EN-US": "Certificate"}},
        ),
    ),
    ("score as float", lambda d: with_value(d, "result.score.raw", 75.0)),
]

DIFFERENT: list[tuple[str, Change]] = [
    ("verb id", lambda d: with_value(d, "verb.id", "http://example.com/different/verb/iri")),
    ("actor", lambda d: with_value(d, "actor.mbox", "mailto:someone@example.com")),
    ("mbox local part case", lambda d: with_value(d, "actor.mbox", "mailto:LEARNER@example.com")),
    ("actor name", lambda d: with_value(d, "actor.name", "Bob")),
    ("object id", lambda d: with_value(d, "object.id", "http://example.com/other")),
    ("id", lambda d: with_value(d, "id", OTHER_ID)),
    ("timestamp instant", lambda d: with_value(d, "timestamp", "2024-05-06T07:08:10.123+02:00")),
    ("result success", lambda d: with_value(d, "result.success", False)),
    ("duration in other units", lambda d: with_value(d, "result.duration", "PT62M3.45S")),
    ("duration at hundredths", lambda d: with_value(d, "result.duration", "PT1H2M3.46S")),
    ("extension value", lambda d: with_value(d, "result.extensions", {"http://example.com/ext/attempts": 3})),
    ("context extension null vs absent", lambda d: with_value(d, "context.extensions", {})),
    (
        "extra context activity",
        lambda d: with_value(
            d,
            "context.contextActivities.other",
            [*d["context"]["contextActivities"]["other"], {"id": "http://e.com/z"}],
        ),
    ),
    ("team member", lambda d: with_value(d, "context.team.member", [agent("a"), agent("c")])),
    ("attachment removed", lambda d: {k: v for k, v in d.items() if k != "attachments"}),
    ("platform", lambda d: with_value(d, "context.platform", "mobile")),
    ("registration", lambda d: with_value(d, "context.registration", OTHER_ID)),
]


@pytest.mark.parametrize(("name", "change"), SAME, ids=[name for name, _ in SAME])
def test_allowed_differences_are_ignored(name: str, change: Change) -> None:
    assert statements_equivalent(rich(), change(rich())), name


@pytest.mark.parametrize(("name", "change"), DIFFERENT, ids=[name for name, _ in DIFFERENT])
def test_other_differences_count(name: str, change: Change) -> None:
    assert not statements_equivalent(rich(), change(rich())), name


def test_context_activity_order_is_ignored() -> None:
    left = with_value(
        minimal(), "context.contextActivities.other", [{"id": "http://e.com/1"}, {"id": "http://e.com/2"}]
    )
    right = with_value(
        minimal(), "context.contextActivities.other", [{"id": "http://e.com/2"}, {"id": "http://e.com/1"}]
    )
    assert statements_equivalent(left, right)


def test_substatements_compare_their_content_and_timestamp() -> None:
    assert statements_equivalent(substatement(), substatement())
    assert not statements_equivalent(substatement(), with_value(substatement(), "object.verb.id", "http://e.com/v2"))
    moved = with_value(substatement(), "object.timestamp", "2030-01-01T01:00:00+01:00")
    assert statements_equivalent(substatement(), moved)
    assert not statements_equivalent(
        substatement(), with_value(substatement(), "object.timestamp", "2031-01-01T00:00:00Z")
    )
    assert statements_equivalent(
        substatement(),
        with_value(
            substatement(), "object.context.contextActivities.parent", [{"id": "http://example.com/activities/trip"}]
        ),
    )
