"""Small builders of statements and events for hand-made scenarios."""

from __future__ import annotations

from typing import Any

from analytics.events import Event
from analytics.vocabulary import Family

COURSE = "https://courses.example.com/c1"
HOME = "https://lms.example.org"
DAY = 86400.0
T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z


def agent(name: str) -> dict[str, Any]:
    return {"objectType": "Agent", "name": name.title(), "account": {"homePage": HOME, "name": name}}


def key(name: str) -> str:
    return f"account:{HOME}|{name}"


def statement(
    verb: str,
    obj: dict[str, Any],
    *,
    actor: str = "ann",
    timestamp: str = "2026-01-05T10:00:00Z",
    context: dict[str, Any] | None = None,
    result: dict[str, Any] | None = None,
) -> dict[str, Any]:
    s: dict[str, Any] = {"actor": agent(actor), "verb": {"id": verb}, "object": obj, "timestamp": timestamp}
    if context is not None:
        s["context"] = context
    if result is not None:
        s["result"] = result
    return s


def event(
    learner: str,
    day: float,
    action: str,
    family: Family,
    activity: str = "a1",
    **fields: Any,
) -> Event:
    """An event `day` days after T0 in COURSE."""
    return Event(
        learner=key(learner),
        course=COURSE,
        timestamp=T0 + day * DAY,
        action=action,
        family=family,
        activity=activity,
        **fields,
    )
