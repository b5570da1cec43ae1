"""Request-level parsing: bodies, batches, malformed JSON, agent parameters, versions."""

from __future__ import annotations

import msgspec
import pytest

from lrs.errors import UnsupportedVersion, ValidationError
from lrs.xapi import (
    Agent,
    Group,
    negotiate_version,
    parse_agent_param,
    parse_statements,
    received_json,
)

from .helpers import MBOX, STATEMENT_ID, agent, body, minimal, rejected, with_value


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("1.0", "1.0.3"),
        ("1.0.0", "1.0.3"),
        ("1.0.2", "1.0.3"),
        ("1.0.3", "1.0.3"),
        ("1.0.9", "1.0.3"),
        (" 1.0.1 ", "1.0.3"),
        ("2.0", "2.0.0"),
        ("2.0.0", "2.0.0"),
        ("2.0.1", "2.0.0"),
    ],
)
def test_negotiate_version_accepts_1_0_x_and_2_0_x(header: str, expected: str) -> None:
    assert negotiate_version(header) == expected


@pytest.mark.parametrize("header", [None, "", "0.9", "0.95", "1.1.0", "1", "2.1.0", "1.0.x", "3.0.0", "1.0.3-beta"])
def test_negotiate_version_rejects_everything_else(header: str | None) -> None:
    with pytest.raises(UnsupportedVersion) as info:
        negotiate_version(header)
    assert info.value.status == 400


def test_single_statement_and_batch_are_both_accepted() -> None:
    assert len(parse_statements(body(minimal()), "1.0.3")) == 1
    assert len(parse_statements(body([minimal(), minimal()]), "2.0.0")) == 2


def test_parsed_statement_keeps_the_received_json_unchanged() -> None:
    doc = minimal()
    statement = parse_statements(body(doc), "1.0.3")[0]
    assert received_json(statement) == doc
    assert "objectType" not in received_json(statement)["actor"]  # type: ignore[index]


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        (b"", "$"),
        (b"{", "$"),
        (b'{"actor": }', "$"),
        (b"[]", "$"),
        (b'"a statement"', "$"),
        (b"42", "$"),
        (b"null", "$"),
        (b"\xff\xfe", "$"),
        (b'"\\ud800"', "$"),
        (b"[" * 5000 + b"]" * 5000, "$"),
        (b'{"actor": {"mbox": "mailto:a\\u0000@example.com"}}', "$"),
        (body([minimal(), "not a statement"]), "$[1]"),
        (body([minimal(), with_value(minimal(), "actor.mbox", "x")]), "$[1].actor.mbox"),
        (b"[1e400]", "$"),
    ],
)
def test_malformed_bodies_are_validation_errors(raw: bytes, path: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_statements(raw, "2.0.0")
    assert info.value.path == path


def test_batch_repeating_an_id_is_rejected() -> None:
    first = with_value(minimal(), "id", STATEMENT_ID)
    second = with_value(minimal(), "id", STATEMENT_ID.upper())
    error = rejected([first, minimal(), second], "2.0.0")
    assert error.path == "$[2].id"
    assert "$[0]" in error.message
    error = rejected([first, first], "1.0.3")
    assert error.path == "$[1].id"


def test_batch_with_distinct_ids_is_accepted() -> None:
    other = with_value(minimal(), "id", "7c9e6679-7425-40de-944b-e07fc1f90ae7")
    assert len(parse_statements(body([with_value(minimal(), "id", STATEMENT_ID), other, minimal()]), "2.0.0")) == 3


def test_agent_param_accepts_an_agent_with_one_ifi() -> None:
    parsed = parse_agent_param(msgspec.json.encode({"mbox": MBOX}).decode(), "1.0.3")
    assert isinstance(parsed, Agent)
    assert parsed.mbox == MBOX


def test_agent_param_accepts_an_identified_group() -> None:
    group = {"objectType": "Group", "account": {"homePage": "http://e.com", "name": "g"}}
    assert isinstance(parse_agent_param(msgspec.json.encode(group).decode(), "2.0.0"), Group)


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("wrong", "agent"),
        ("[]", "agent"),
        ('{"name": "nobody"}', "agent"),
        ('{"mbox": "mailto:a@example.com", "openid": "http://o.example.com"}', "agent"),
        ('{"mbox": "not-mailto"}', "agent.mbox"),
        ('{"mbox": "mailto:a@example.com", "extra": 1}', "agent.extra"),
        ('{"objectType": "Group", "member": [{"mbox": "mailto:a@example.com"}]}', "agent"),
        ('{"objectType": "Person", "mbox": "mailto:a@example.com"}', "agent.objectType"),
    ],
)
def test_agent_param_errors_name_the_parameter(text: str, path: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_agent_param(text, "1.0.3")
    assert info.value.path == path


def test_agent_param_can_refuse_groups() -> None:
    group = msgspec.json.encode({"objectType": "Group", "mbox": MBOX}).decode()
    with pytest.raises(ValidationError) as info:
        parse_agent_param(group, "2.0.0", "agent", allow_group=False)
    assert info.value.path == "agent.objectType"
    assert isinstance(parse_agent_param(msgspec.json.encode(agent()).decode(), "2.0.0", allow_group=False), Agent)


def test_agent_param_uses_the_given_parameter_name() -> None:
    with pytest.raises(ValidationError) as info:
        parse_agent_param('{"mbox": 1}', "1.0.3", "instructor")
    assert info.value.path == "instructor.mbox"
