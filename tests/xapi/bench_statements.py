"""Throughput of the statement write path in the xAPI layer (not collected by pytest).

Run: ``python -m tests.xapi.bench_statements``. Reports statements per second on one core for
decode + validate + prepare_for_storage (+ index_entries), for single-statement bodies and for
batches of 100, with Python's default garbage collector settings and with a tuned one
(``gc.freeze()`` plus a higher generation-0 threshold), next to plain ``json.loads`` of the same
bodies to calibrate for the machine's speed.
"""

from __future__ import annotations

import gc
import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import msgspec

from lrs.xapi import index_entries, parse_statements, prepare_for_storage

AUTHORITY = {"objectType": "Agent", "account": {"homePage": "https://lrs.example.com", "name": "key-1"}}


def typical(number: int) -> dict[str, Any]:
    """A statement shaped like what an LMS or cmi5 content sends."""
    return {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "name": f"Learner {number}", "mbox": f"mailto:learner{number}@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered"}},
        "object": {
            "objectType": "Activity",
            "id": f"https://lms.example.com/courses/42/quiz/3/question/{number % 20}",
            "definition": {
                "name": {"en-US": "Question"},
                "description": {"en-US": "Which of these are prime?"},
                "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                "interactionType": "choice",
                "correctResponsesPattern": ["a[,]c"],
                "choices": [{"id": key, "description": {"en-US": key.upper()}} for key in "abcd"],
            },
        },
        "result": {
            "score": {"scaled": 0.5, "raw": 5, "min": 0, "max": 10},
            "success": False,
            "completion": True,
            "response": "a[,]b",
            "duration": "PT42.5S",
        },
        "context": {
            "registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7",
            "contextActivities": {
                "parent": [{"id": "https://lms.example.com/courses/42/quiz/3"}],
                "grouping": [{"id": "https://lms.example.com/courses/42"}],
                "category": [{"id": "https://w3id.org/xapi/cmi5/context/categories/moveon"}],
            },
            "platform": "Example LMS",
            "language": "en-US",
            "extensions": {"https://w3id.org/xapi/cmi5/context/extensions/sessionid": "s-1"},
        },
        "timestamp": "2024-05-06T07:08:09.123+02:00",
    }


def run(bodies: list[bytes], *, with_index: bool) -> float:
    """Statements per second for processing `bodies` once."""
    stored_at = datetime.now(UTC)
    count = 0
    start = time.perf_counter()
    for body in bodies:
        for statement in parse_statements(body, "1.0.3"):
            stored = prepare_for_storage(
                statement, authority=AUTHORITY, stored=stored_at, version="1.0.3", new_id=uuid.uuid4()
            )
            if with_index:
                index_entries(stored)
            count += 1
    return count / (time.perf_counter() - start)


def main() -> None:
    singles = [msgspec.json.encode(typical(n)) for n in range(5000)]
    batches = [msgspec.json.encode([typical(n * 100 + i) for i in range(100)]) for n in range(50)]
    start = time.perf_counter()
    for body in singles:
        json.loads(body)
    print(
        f"typical statement: {len(singles[0])} bytes; json.loads alone: {5000 / (time.perf_counter() - start):,.0f}/s"
    )
    for gc_setting in ("default GC", "tuned GC"):
        if gc_setting == "tuned GC":
            gc.freeze()
            gc.set_threshold(50_000, 20, 100)
        for name, bodies in (("1 per body", singles), ("100 per body", batches)):
            run(bodies[:10], with_index=True)
            parsed = max(run(bodies, with_index=False) for _ in range(3))
            indexed = max(run(bodies, with_index=True) for _ in range(3))
            print(f"{gc_setting}, {name}: {parsed:,.0f}/s decode+validate+prepare, {indexed:,.0f}/s with index_entries")


if __name__ == "__main__":
    main()
