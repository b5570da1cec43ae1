"""format=exact|ids|canonical, Accept-Language, and the canonical Activity definition."""

from __future__ import annotations

from typing import Any

import pytest

from lrs.xapi import best_language, format_statement, merge_activity_definition, parse_accept_language

from .helpers import MBOX, OTHER_ID, agent, rich


def _statement() -> dict[str, Any]:
    doc = rich()
    doc["object"] = {
        "objectType": "SubStatement",
        "actor": {"objectType": "Group", "name": "G", "mbox": "mailto:g@example.com", "member": [agent("m")]},
        "verb": {"id": "http://e.com/v", "display": {"en-US": "did", "en-GB": "did (GB)"}},
        "object": {
            "objectType": "Activity",
            "id": "http://e.com/q",
            "definition": {
                "name": {"en-US": "Question", "en-GB": "Question (GB)", "fr": "Question (FR)"},
                "interactionType": "choice",
                "choices": [{"id": "a", "description": {"en-US": "A", "en-GB": "A (GB)"}}],
            },
        },
    }
    doc["authority"] = {"objectType": "Group", "member": [agent("app"), agent("user")]}
    return doc


def test_exact_returns_the_stored_statement() -> None:
    doc = _statement()
    assert format_statement(doc, "exact", ["en-GB"]) is doc


def test_ids_keeps_only_identifiers() -> None:
    out = format_statement(_statement(), "ids", [])
    assert out["actor"] == {"objectType": "Agent", "mbox": MBOX}
    assert out["verb"] == {"id": "http://adlnet.gov/expapi/verbs/experienced"}
    sub = out["object"]
    assert sub["actor"] == {"objectType": "Group", "mbox": "mailto:g@example.com"}
    assert sub["verb"] == {"id": "http://e.com/v"}
    assert sub["object"] == {"id": "http://e.com/q"}
    assert out["context"]["instructor"] == {
        "objectType": "Agent",
        "account": rich()["context"]["instructor"]["account"],
    }
    assert out["context"]["team"] == {
        "objectType": "Group",
        "member": [
            {"objectType": "Agent", "mbox": "mailto:a@example.com"},
            {"objectType": "Agent", "mbox": "mailto:b@example.com"},
        ],
    }
    assert out["context"]["contextActivities"]["grouping"] == [{"id": "http://example.com/activities/school"}]
    assert out["context"]["statement"] == {"objectType": "StatementRef", "id": OTHER_ID}
    assert out["authority"]["member"][0] == {"objectType": "Agent", "mbox": "mailto:app@example.com"}
    assert out["result"] == rich()["result"]
    assert out["attachments"] == rich()["attachments"]


def test_ids_reduces_2_0_context_agents_and_groups() -> None:
    doc = rich()
    doc["context"]["contextAgents"] = [{"objectType": "contextAgent", "agent": {"name": "Coach", "mbox": MBOX}}]
    doc["context"]["contextGroups"] = [
        {"objectType": "contextGroup", "group": {"objectType": "Group", "name": "T", "mbox": MBOX, "member": [agent()]}}
    ]
    out = format_statement(doc, "ids", [])["context"]
    assert out["contextAgents"] == [{"objectType": "contextAgent", "agent": {"mbox": MBOX}}]
    assert out["contextGroups"][0]["group"] == {"objectType": "Group", "mbox": MBOX}


def test_canonical_keeps_one_language_per_map_and_agents_as_exact() -> None:
    doc = _statement()
    out = format_statement(doc, "canonical", parse_accept_language("en-GB"))
    assert out["verb"]["display"] == {"en-US": "experienced"}
    sub = out["object"]
    assert sub["verb"]["display"] == {"en-GB": "did (GB)"}
    definition = sub["object"]["definition"]
    assert definition["name"] == {"en-GB": "Question (GB)"}
    assert definition["choices"] == [{"id": "a", "description": {"en-GB": "A (GB)"}}]
    assert definition["interactionType"] == "choice"
    assert sub["actor"] == doc["object"]["actor"]
    assert out["actor"] == doc["actor"]
    assert out["object"]["object"]["definition"]["name"] != doc["object"]["object"]["definition"]["name"]
    assert doc["object"]["object"]["definition"]["name"]["fr"] == "Question (FR)"


def test_canonical_uses_the_lrs_definition_when_given() -> None:
    doc = rich()
    canonical = {doc["object"]["id"]: {"name": {"de": "Kurs", "en-US": "Course"}, "type": "http://e.com/t"}}
    out = format_statement(doc, "canonical", ["de"], canonical)
    assert out["object"]["definition"] == {"name": {"de": "Kurs"}, "type": "http://e.com/t"}
    category = out["context"]["contextActivities"]["category"][0]
    assert "definition" not in category


def test_unknown_format_is_an_error() -> None:
    with pytest.raises(ValueError, match="format"):
        format_statement(rich(), "compact", [])


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, []),
        ("", []),
        ("en-GB", ["en-GB"]),
        ("fr;q=0.5, en-GB, de;q=0.8", ["en-GB", "de", "fr"]),
        ("da, en-gb;q=0.8, en;q=0.7", ["da", "en-gb", "en"]),
        ("*;q=0.1, es", ["es", "*"]),
        ("en;q=0, fr", ["fr"]),
        ("en;q=abc, fr", ["fr"]),
        ("bad tag!, it", ["it"]),
    ],
)
def test_accept_language_is_ordered_by_quality(header: str | None, expected: list[str]) -> None:
    assert parse_accept_language(header) == expected


@pytest.mark.parametrize(
    ("available", "preferences", "expected"),
    [
        (["en-US", "en-GB"], ["en-GB"], "en-GB"),
        (["en-US", "fr"], ["en"], "en-US"),
        (["en-US", "fr"], ["en-GB"], "en-US"),
        (["en", "fr"], ["en-GB"], "en"),
        (["de", "en-US"], ["en-GB"], "en-US"),
        (["en-US", "en"], ["en"], "en"),
        (["de", "en-US", "en-GB"], ["fr", "en-GB"], "en-GB"),
        (["de", "fr"], ["fr", "de"], "fr"),
        (["de", "fr"], ["es"], "de"),
        (["de", "fr"], [], "de"),
        (["de", "fr"], ["*"], "de"),
        (["EN-us"], ["en-US"], "EN-us"),
        ([], ["en"], None),
    ],
)
def test_best_language(available: list[str], preferences: list[str], expected: str | None) -> None:
    assert best_language(available, preferences) == expected


def test_merge_activity_definition_merges_language_maps_and_replaces_the_rest() -> None:
    existing = {
        "name": {"en-US": "Quiz"},
        "type": "http://e.com/old",
        "moreInfo": "http://e.com/info",
        "interactionType": "choice",
        "choices": [{"id": "a", "description": {"en-US": "A"}}, {"id": "b", "description": {"en-US": "B"}}],
    }
    new = {
        "name": {"fr": "Quiz (FR)"},
        "description": {"en-US": "A quiz"},
        "type": "http://e.com/new",
        "choices": [{"id": "a", "description": {"fr": "A (FR)"}}, {"id": "c"}],
    }
    merged = merge_activity_definition(existing, new)
    assert merged == {
        "name": {"en-US": "Quiz", "fr": "Quiz (FR)"},
        "description": {"en-US": "A quiz"},
        "type": "http://e.com/new",
        "moreInfo": "http://e.com/info",
        "interactionType": "choice",
        "choices": [{"id": "a", "description": {"en-US": "A", "fr": "A (FR)"}}, {"id": "c"}],
    }
    assert existing["name"] == {"en-US": "Quiz"}
    assert merge_activity_definition(None, new) == new
    assert merge_activity_definition(existing, {"choices": [{"id": "b"}]})["choices"] == [
        {"id": "b", "description": {"en-US": "B"}}
    ]
