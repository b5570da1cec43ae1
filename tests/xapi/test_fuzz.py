"""Property tests: whatever a client sends, the xAPI layer answers with a ValidationError or a result.

Random JSON, random bytes and random mutations of valid statements go through parsing; accepted
statements must also survive preparation, indexing, formatting and compare equal to their stored
form.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lrs.errors import LRSError, ValidationError
from lrs.xapi import (
    format_statement,
    index_entries,
    parse_agent_param,
    parse_statements,
    prepare_for_storage,
    present_for_version,
    statements_equivalent,
    verify_signature,
)
from lrs.xapi.multipart import parse_multipart_mixed

from .helpers import OTHER_ID, SHA256_OF_HELLO, agent, minimal, rich, substatement

# XAPI_FUZZ_EXAMPLES=5000 for a deeper run than the quick default.
FUZZ = settings(
    max_examples=int(os.environ.get("XAPI_FUZZ_EXAMPLES", "150")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _v2() -> dict[str, Any]:
    doc = rich()
    doc["context"]["contextAgents"] = [
        {"objectType": "contextAgent", "agent": agent("coach"), "relevantTypes": ["http://e.com/t"]}
    ]
    doc["context"]["contextGroups"] = [
        {"objectType": "contextGroup", "group": {"objectType": "Group", "member": [agent("m")]}}
    ]
    return doc


def _interaction() -> dict[str, Any]:
    doc = minimal()
    doc["object"]["definition"] = {
        "interactionType": "matching",
        "source": [{"id": "a", "description": {"en": "A"}}],
        "target": [{"id": "1", "description": {"en": "One"}}],
        "correctResponsesPattern": ["a[.]1"],
    }
    doc["actor"] = {"objectType": "Group", "member": [agent("x"), agent("y")]}
    doc["authority"] = {"objectType": "Group", "member": [agent("app"), agent("user")]}
    return doc


BASES: list[Callable[[], dict[str, Any]]] = [minimal, rich, substatement, _v2, _interaction]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
interesting: st.SearchStrategy[Any] = st.sampled_from(
    [
        "",
        "x",
        "mailto:a@example.com",
        "mailto:bad",
        "http://example.com/x",
        "no-scheme",
        "en-US",
        "de-419-DE",
        "x-private",
        OTHER_ID,
        OTHER_ID.upper(),
        "not-a-uuid",
        "2024-01-01T00:00:00Z",
        "2024-01-01 00:00:00Z",
        "2024-13-01T00:00:00Z",
        "2024-01-01T00:00:00-00:00",
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-01:00",
        "0000-01-01T00:00:00Z",
        "2024-02-30T00:00:00Z",
        "PT1.5S",
        "P4W1D",
        "1.0.0",
        "2.0.0",
        "1.1.0",
        "Agent",
        "Group",
        "Activity",
        "StatementRef",
        "SubStatement",
        "contextAgent",
        "contextGroup",
        "agent",
        "choice",
        "likert",
        SHA256_OF_HELLO,
        "text/plain",
        "\u0000",
        "\ud7ff",
        "€",
        -1,
        0,
        1,
        2,
        1.5,
        -1.01,
        10**30,
        True,
        False,
        None,
        [],
        {},
        [{}],
        {"id": "http://e.com/a"},
        {"mbox": "mailto:b@example.com"},
        {"objectType": "Group", "member": []},
        {"objectType": "SubStatement"},
    ]
)
new_values = interesting | json_values


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


def _mutate(doc: Any, path: tuple[Any, ...], action: str, key: str, value: Any) -> Any:
    if not path:
        return value if action == "replace" else doc
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if action == "delete":
        del parent[last]
    elif action == "add" and isinstance(parent[last], dict):
        parent[last][key] = value
    else:
        parent[last] = value
    return doc


def _accepts_or_rejects(raw: bytes, version: str) -> None:
    try:
        statements = parse_statements(raw, version)
    except ValidationError as error:
        assert error.status == 400
        assert isinstance(error.path, str)
        assert error.path.startswith("$")
        return
    when = datetime(2024, 1, 1, tzinfo=UTC)
    for statement in statements:
        stored = prepare_for_storage(
            statement, authority=agent("lrs"), stored=when, version=version, new_id=uuid.uuid4()
        )
        index_entries(stored)
        for fmt in ("exact", "ids", "canonical"):
            format_statement(stored, fmt, ["en-US", "fr"])
        present_for_version(stored, "1.0.3")
        received = json.loads(raw)
        original = received if isinstance(received, dict) else received[statements.index(statement)]
        assert statements_equivalent(original, stored)


@FUZZ
@given(st.data(), st.sampled_from(["1.0.3", "2.0.0"]))
def test_mutated_statements_are_accepted_or_rejected_cleanly(data: st.DataObject, version: str) -> None:
    doc: Any = data.draw(st.sampled_from(BASES))()
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        path = data.draw(st.sampled_from(_paths(doc)))
        action = data.draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "delete" and not path:
            continue
        doc = _mutate(doc, path, action, data.draw(st.text(max_size=8)), copy.deepcopy(data.draw(new_values)))
    batch = data.draw(st.booleans())
    _accepts_or_rejects(json.dumps([doc, minimal()] if batch else doc).encode(), version)


@FUZZ
@given(json_values, st.sampled_from(["1.0.3", "2.0.0"]))
def test_random_json_is_accepted_or_rejected_cleanly(value: Any, version: str) -> None:
    _accepts_or_rejects(json.dumps(value).encode(), version)


@FUZZ
@given(st.binary(max_size=200))
def test_random_bytes_only_raise_validation_errors(raw: bytes) -> None:
    with pytest.raises(ValidationError):
        parse_statements(raw + b"\x00", "2.0.0")
    with contextlib.suppress(ValidationError):
        parse_statements(raw, "1.0.3")


@FUZZ
@given(st.text(max_size=80) | json_values.map(json.dumps))
def test_agent_parameter_only_raises_validation_errors(text: str) -> None:
    try:
        parse_agent_param(text, "2.0.0")
    except ValidationError as error:
        assert error.path is not None
        assert error.path.startswith("agent")


@FUZZ
@given(st.binary(max_size=300), st.sampled_from(["multipart/mixed; boundary=b", 'multipart/mixed; boundary="x y"']))
def test_multipart_parser_only_raises_lrs_errors(raw: bytes, content_type: str) -> None:
    try:
        parse_multipart_mixed(b"--b\r\n" + raw, content_type, max_part_bytes=100)
        parse_multipart_mixed(raw, content_type, max_part_bytes=100)
    except LRSError as error:
        assert error.status in (400, 413)


@FUZZ
@given(st.binary(max_size=120))
def test_signature_check_only_raises_validation_errors(jws: bytes) -> None:
    with pytest.raises(ValidationError):
        verify_signature(rich(), jws)
