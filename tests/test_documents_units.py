"""Pure pieces of the document resources: ETag headers, preconditions, JSON merge, Person assembly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from lrs.api.agents import person
from lrs.api.documents import (
    ACTIVITY_PROFILE,
    AGENT_PROFILE,
    STATE,
    http_date,
    overwrite_needs_precondition,
    parse_etags,
)
from lrs.errors import PreconditionFailed, ValidationError
from lrs.store.agents import names_with_ifi
from lrs.store.documents import Document, Preconditions, etag_of, merge_json
from lrs.xapi import parse_agent_param

NOW = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)


def test_etag_is_lowercase_hex_sha1() -> None:
    assert etag_of(b"abc") == "a9993e364706816aba3e25717850c26c9cd0d89d"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("   ", None),
        ('"abc"', frozenset({"abc"})),
        ("ABC", frozenset({"abc"})),
        ('W/"abc", "def"', frozenset({"abc", "def"})),
        ("*", frozenset({"*"})),
        ('""', frozenset()),
    ],
)
def test_parse_etags(header: str | None, expected: frozenset[str] | None) -> None:
    assert parse_etags(header) == expected


def test_if_match_needs_an_existing_document_with_a_listed_etag() -> None:
    pre = Preconditions(if_match=frozenset({"a"}))
    pre.check("a")
    with pytest.raises(PreconditionFailed):
        pre.check("b")
    with pytest.raises(PreconditionFailed):
        pre.check(None)
    Preconditions(if_match=frozenset({"*"})).check("zzz")
    with pytest.raises(PreconditionFailed):
        Preconditions(if_match=frozenset({"*"})).check(None)


def test_if_none_match_fails_only_on_a_matching_existing_document() -> None:
    Preconditions(if_none_match=frozenset({"*"})).check(None)
    with pytest.raises(PreconditionFailed):
        Preconditions(if_none_match=frozenset({"*"})).check("a")
    Preconditions(if_none_match=frozenset({"a"})).check("b")
    with pytest.raises(PreconditionFailed):
        Preconditions(if_none_match=frozenset({"a"})).check("a")


def test_409_rule_profiles_always_state_only_in_2_0() -> None:
    assert not overwrite_needs_precondition(STATE, "1.0.3")
    assert overwrite_needs_precondition(STATE, "2.0.0")
    assert overwrite_needs_precondition(ACTIVITY_PROFILE, "1.0.3")
    assert overwrite_needs_precondition(AGENT_PROFILE, "1.0.3")


def test_http_date_is_gmt_imf_fixdate() -> None:
    assert http_date(NOW) == "Mon, 06 May 2024 07:08:09 GMT"
    assert http_date(NOW.astimezone(timezone(timedelta(hours=2)))) == "Mon, 06 May 2024 07:08:09 GMT"


def _doc(content: bytes, content_type: str = "application/json") -> Document:
    return Document(content, content_type, etag_of(content), NOW)


def test_merge_replaces_top_level_properties_whole() -> None:
    existing = _doc(b'{"x": "foo", "y": "bar", "n": {"a": 1, "b": 2}}')
    merged = merge_json(existing, b'{"x": "bash", "z": "faz", "n": {"c": 3}}', "application/json; charset=utf-8")
    assert merged == b'{"x":"bash","y":"bar","n":{"c":3},"z":"faz"}'


@pytest.mark.parametrize(
    ("existing", "posted", "posted_type"),
    [
        (_doc(b'{"a": 1}'), b"abc", "text/plain"),
        (_doc(b"abc", "application/octet-stream"), b'{"a": 1}', "application/json"),
        (_doc(b'{"a": 1}'), b'{"a": 1}{', "application/json"),
        (_doc(b'{"a": 1}'), b"[1, 2]", "application/json"),
        (_doc(b'"text"'), b'{"a": 1}', "application/json"),
    ],
)
def test_merge_refuses_anything_but_two_json_objects(existing: Document, posted: bytes, posted_type: str) -> None:
    with pytest.raises(ValidationError):
        merge_json(existing, posted, posted_type)


def test_names_with_ifi_finds_agents_anywhere_but_in_extensions() -> None:
    statement = {
        "actor": {"mbox": "mailto:ann@Example.COM", "name": "Ann"},
        "object": {"objectType": "Agent", "mbox": "mailto:ann@example.com", "name": "Ann B."},
        "context": {
            "team": {"objectType": "Group", "member": [{"mbox": "mailto:ann@example.com", "name": "A. B."}]},
            "extensions": {"http://x.example/e": {"mbox": "mailto:ann@example.com", "name": "not an agent"}},
        },
        "authority": {"account": {"homePage": "http://lrs.example", "name": "ann@example.com"}},
    }
    found: dict[str, None] = {}
    names_with_ifi(statement, "mbox:mailto:ann@example.com", found)
    assert list(found) == ["Ann", "Ann B.", "A. B."]


def test_person_lists_the_agents_identifier_and_names() -> None:
    agent = parse_agent_param('{"mbox": "mailto:ann@example.com", "name": "Ann"}', "1.0.3", allow_group=False)
    assert person(agent, ["Annie", "Ann"]) == {
        "objectType": "Person",
        "name": ["Ann", "Annie"],
        "mbox": ["mailto:ann@example.com"],
    }
    account = parse_agent_param('{"account": {"homePage": "http://h.example", "name": "u1"}}', "2.0.0")
    assert person(account, []) == {
        "objectType": "Person",
        "account": [{"homePage": "http://h.example", "name": "u1"}],
    }
