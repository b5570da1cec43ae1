"""Random and mutated bodies against POST /xapi/statements: the LRS answers 200 or a client error (400, 409, 413),
never 500, and a rejected request leaves the store exactly as it was."""

from __future__ import annotations

import copy
import json
from typing import Any

import asyncpg
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.conftest import StoreContext
from tests.statement_factory import URL, Client, count_rows

ALLOWED = {200, 400, 409, 413}
FIXED_ID = "6f1e0c1a-8a52-4f8e-9d1c-6a3f7e0b2c44"

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(
        [
            "mailto:a@b.c",
            "http://example.com/x",
            FIXED_ID,
            "2024-01-01T00:00:00Z",
            "PT1S",
            "en-US",
            "http://example.com/" + "long" * 1200,  # longer than a btree index entry may be
            "mailto:" + "a" * 4000 + "@example.com",
        ]
    ),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


def valid_statement() -> dict[str, Any]:
    """A statement touching most properties (valid for 1.0.3 and 2.0)."""
    return {
        "id": FIXED_ID,
        "actor": {"objectType": "Agent", "name": "Ann", "mbox": "mailto:ann@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
        "object": {
            "objectType": "Activity",
            "id": "http://example.com/activities/fuzz",
            "definition": {
                "name": {"en-US": "Fuzz"},
                "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                "interactionType": "choice",
                "correctResponsesPattern": ["a"],
                "choices": [{"id": "a", "description": {"en-US": "A"}}],
            },
        },
        "result": {"score": {"scaled": 0.5, "raw": 5, "min": 0, "max": 10}, "success": True, "duration": "PT1M"},
        "context": {
            "registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7",
            "instructor": {"account": {"homePage": "https://lms.example.com", "name": "t"}},
            "team": {"objectType": "Group", "member": [{"mbox": "mailto:b@example.com"}]},
            "contextActivities": {"parent": [{"id": "http://example.com/p"}]},
            "language": "en-US",
            "statement": {"objectType": "StatementRef", "id": "7c9e6679-7425-40de-944b-e07fc1f90ae7"},
        },
        "timestamp": "2024-05-06T07:08:09.123Z",
        "attachments": [
            {
                "usageType": "http://example.com/usage",
                "display": {"en-US": "file"},
                "contentType": "text/plain",
                "length": 5,
                "sha2": "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
                "fileUrl": "https://example.com/file.txt",
            }
        ],
    }


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside `value` (dict keys and list indexes)."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, inner in value.items():
            found += paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += paths(inner, (*prefix, index))
    return found


ALL_PATHS = paths(valid_statement())


BENIGN: list[tuple[tuple[str, ...], st.SearchStrategy[Any]]] = [
    (("result", "score", "raw"), st.integers(0, 10)),
    (("result", "success"), st.booleans()),
    (("result", "response"), st.text(max_size=10)),
    (("actor", "name"), st.text(max_size=10)),
    (("context", "language"), st.sampled_from(["en", "fr-CA", "de-DE"])),
    (("object", "definition", "name", "en-US"), st.text(max_size=10)),
    (
        ("timestamp",),
        st.sampled_from(["2024-05-06T07:08:09.123Z", "2024-05-06T09:08:09.123+02:00", "2020-01-01T00:00:00Z"]),
    ),
]
"""Changes that keep the statement valid (so the same id may come back equivalent, 200, or different, 409)."""


def _set(doc: dict[str, Any], path: tuple[Any, ...], action: str, value: Any) -> None:
    parent: Any = doc
    try:
        for step in path[:-1]:
            parent = parent[step]
        if action == "replace":
            parent[path[-1]] = value
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[f"x{len(parent)}"] = value
    except (KeyError, IndexError, TypeError):
        pass  # an earlier change removed or replaced this path


@st.composite
def mutated_statements(draw: st.DrawFn) -> dict[str, Any]:
    """A valid statement with up to two harmless changes and up to two that may break it (a value replaced by
    any JSON, a property removed, an unknown one added)."""
    doc = valid_statement()
    if draw(st.booleans()):
        del doc["id"]
    for path, values in draw(st.lists(st.sampled_from(BENIGN), max_size=2)):
        _set(doc, path, "replace", draw(values))
    for _ in range(draw(st.integers(0, 2))):
        path = draw(st.sampled_from(ALL_PATHS))
        _set(doc, path, draw(st.sampled_from(["replace", "delete", "add"])), draw(json_values))
    return doc


bodies = st.one_of(
    json_values.map(lambda v: json.dumps(v).encode()),
    mutated_statements().map(lambda d: json.dumps(d).encode()),
    st.lists(mutated_statements() | st.just(valid_statement()), min_size=1, max_size=4).map(
        lambda items: json.dumps(
            [{k: v for k, v in d.items() if k != "id"} if i else d for i, d in enumerate(items)]
        ).encode()
    ),
    st.binary(max_size=64),
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=bodies, version=st.sampled_from(["1.0.3", "2.0.0"]))
async def test_any_body_gets_200_or_a_client_error_and_a_rejection_writes_nothing(
    client: Client, store: StoreContext, pool: asyncpg.Pool, body: bytes, version: str
) -> None:
    before = await count_rows(pool, store.id)
    response = await client.post(
        URL, content=body, headers=store.headers(version, **{"Content-Type": "application/json"})
    )
    event(f"status {response.status_code}")
    assert response.status_code in ALLOWED, (response.status_code, response.text, body[:500])
    assert response.headers["X-Experience-API-Version"] == version
    if response.status_code != 200:
        assert "message" in response.json()
        assert await count_rows(pool, store.id) == before, body[:500]
    else:
        ids = response.json()
        assert isinstance(ids, list) and ids
        assert (await count_rows(pool, store.id))["statements"] <= before["statements"] + len(ids)


async def test_the_valid_statement_of_the_fuzzer_is_valid(client: Client, store: StoreContext) -> None:
    """The fuzzer's starting point must be accepted, or every mutation would be rejected for the wrong reason."""
    body = json.dumps(copy.deepcopy(valid_statement())).encode()
    for version in ("1.0.3", "2.0.0"):
        response = await client.post(
            URL, content=body, headers=store.headers(version, **{"Content-Type": "application/json"})
        )
        assert response.status_code == 200, response.text
