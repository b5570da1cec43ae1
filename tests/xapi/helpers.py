"""Statement builders and assertions shared by the xAPI layer tests."""

from __future__ import annotations

import copy
import re
from typing import Any

import msgspec
import pytest

from lrs.errors import ValidationError
from lrs.xapi import Statement, parse_statements

MBOX = "mailto:learner@example.com"
VERB = "http://adlnet.gov/expapi/verbs/experienced"
ACTIVITY = "http://example.com/activities/course-1"
STATEMENT_ID = "0a3f3f5e-1c2b-4d8e-9f70-5b6c7d8e9f00"
OTHER_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
REGISTRATION = "ec531277-b57b-4c15-8d91-d292c5b2b8f7"
SHA256_OF_HELLO = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"

DELETE = object()
_STEP_RE = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def minimal() -> dict[str, Any]:
    """The smallest valid statement."""
    return {"actor": {"mbox": MBOX}, "verb": {"id": VERB}, "object": {"id": ACTIVITY}}


def agent(name: str = "learner") -> dict[str, Any]:
    return {"objectType": "Agent", "mbox": f"mailto:{name}@example.com"}


def rich() -> dict[str, Any]:
    """A statement using most properties, valid in 1.0.3 and 2.0."""
    return {
        "id": STATEMENT_ID,
        "actor": {"objectType": "Agent", "name": "Ann", "mbox": MBOX},
        "verb": {"id": VERB, "display": {"en-US": "experienced", "de": "erlebte"}},
        "object": {
            "objectType": "Activity",
            "id": ACTIVITY,
            "definition": {
                "name": {"en-US": "Course one", "fr": "Cours un"},
                "description": {"en-US": "The first course"},
                "type": "http://adlnet.gov/expapi/activities/course",
                "moreInfo": "https://example.com/courses/1",
                "extensions": {"http://example.com/ext/level": 3},
            },
        },
        "result": {
            "score": {"scaled": 0.75, "raw": 75, "min": 0, "max": 100},
            "success": True,
            "completion": True,
            "response": "done",
            "duration": "PT1H2M3.45S",
            "extensions": {"http://example.com/ext/attempts": 2},
        },
        "context": {
            "registration": REGISTRATION,
            "instructor": {"objectType": "Agent", "account": {"homePage": "https://lms.example.com", "name": "t1"}},
            "team": {"objectType": "Group", "name": "Team", "member": [agent("a"), agent("b")]},
            "contextActivities": {
                "parent": [{"id": "http://example.com/activities/program"}],
                "grouping": [{"objectType": "Activity", "id": "http://example.com/activities/school"}],
                "category": [{"id": "http://example.com/profiles/cmi5"}],
                "other": [{"id": "http://example.com/activities/book"}],
            },
            "revision": "r2",
            "platform": "web",
            "language": "en-US",
            "statement": {"objectType": "StatementRef", "id": OTHER_ID},
            "extensions": {"http://example.com/ext/room": None},
        },
        "timestamp": "2024-05-06T07:08:09.123+02:00",
        "attachments": [
            {
                "usageType": "http://example.com/attachment-usage/certificate",
                "display": {"en-US": "Certificate"},
                "description": {"en-US": "Completion certificate"},
                "contentType": "text/plain; charset=utf-8",
                "length": 5,
                "sha2": SHA256_OF_HELLO,
                "fileUrl": "https://example.com/files/certificate.txt",
            }
        ],
    }


def substatement() -> dict[str, Any]:
    """A statement whose object is a SubStatement."""
    doc = minimal()
    doc["object"] = {
        "objectType": "SubStatement",
        "actor": {"mbox": "mailto:other@example.com"},
        "verb": {"id": "http://example.com/verbs/planned"},
        "object": {"id": "http://example.com/activities/visit"},
        "context": {"contextActivities": {"parent": {"id": "http://example.com/activities/trip"}}},
        "timestamp": "2030-01-01T00:00:00Z",
    }
    return doc


def with_value(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of `doc` with `path` (``a.b[0].c``) set to `value`, or removed for DELETE."""
    out = copy.deepcopy(doc)
    steps = [int(index) if index else key for key, index in _STEP_RE.findall(path)]
    target: Any = out
    for step in steps[:-1]:
        if isinstance(step, str) and isinstance(target, dict) and step not in target:
            target[step] = {}
        target = target[step]
    if value is DELETE:
        del target[steps[-1]]
    else:
        target[steps[-1]] = value
    return out


def body(doc: Any) -> bytes:
    return msgspec.json.encode(doc)


def parse_one(doc: dict[str, Any], version: str = "2.0.0") -> Statement:
    statements = parse_statements(body(doc), version)
    assert len(statements) == 1
    return statements[0]


def rejected(doc: Any, version: str = "1.0.3") -> ValidationError:
    """The ValidationError `doc` is rejected with."""
    with pytest.raises(ValidationError) as info:
        parse_statements(body(doc), version)
    return info.value
