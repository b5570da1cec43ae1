"""Compact learning events extracted from stored xAPI statements.

A statement is a deep JSON tree; the features need a dozen flat fields. `events_from_statement`
reads a statement once and yields one `Event` per course it belongs to, so everything downstream
works on small immutable records (and numpy arrays built from them). Statements by Groups, about
non-Activity objects, without any course, or voiding others yield no event; callers drop voided
statements before extraction (the store knows which are voided).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import msgspec

from analytics.vocabulary import DEFAULT_VOCABULARY, Family, Vocabulary
from lrs.xapi import agent_ifi


class Event(msgspec.Struct, frozen=True, array_like=True, gc=False):
    """One statement as seen by one course: who did what, when, and how it went.

    `timestamp` is Unix seconds; `score` is scaled to [-1, 1] (derived from raw/min/max when the
    statement has no `scaled`); `duration` is seconds; `instructor` is the IFI key of
    `context.instructor`, which tells teachers from learners.
    """

    learner: str
    course: str
    timestamp: float
    action: str
    family: Family
    activity: str
    activity_type: str | None = None
    score: float | None = None
    raw: float | None = None
    score_min: float | None = None
    score_max: float | None = None
    success: bool | None = None
    completion: bool | None = None
    duration: float | None = None
    response_length: int = 0
    due: float | None = None
    instructor: str | None = None
    registration: str | None = None
    statement_id: str | None = None


def ifi_key(agent: Mapping[str, Any]) -> str | None:
    """The one text key of an Agent's IFI (`account:<homePage>|<name>`), as the store indexes it."""
    return agent_ifi(agent if isinstance(agent, dict) else dict(agent))


def agent_from_key(key: str, name: str | None = None) -> dict[str, Any]:
    """The xAPI Agent whose IFI key is `key` (the inverse of `ifi_key`)."""
    kind, _, value = key.partition(":")
    agent: dict[str, Any] = {"objectType": "Agent"}
    if name:
        agent["name"] = name
    if kind == "account":
        home_page, _, account_name = value.rpartition("|")
        agent["account"] = {"homePage": home_page, "name": account_name}
    elif kind in ("mbox", "mbox_sha1sum", "openid"):
        agent[kind] = value
    else:
        raise ValueError(f"not an IFI key: {key!r}")
    return agent


def parse_timestamp(value: str) -> float:
    """Unix seconds of an ISO 8601 timestamp; one without a zone is taken as UTC."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


_DURATION = re.compile(
    r"^P(?:(?P<y>\d+(?:\.\d+)?)Y)?(?:(?P<mo>\d+(?:\.\d+)?)M)?(?:(?P<w>\d+(?:\.\d+)?)W)?"
    r"(?:(?P<d>\d+(?:\.\d+)?)D)?(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<mi>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)
# In the order of the pattern's groups.
_DURATION_UNITS = {
    "y": 365 * 86400.0,
    "mo": 30 * 86400.0,
    "w": 7 * 86400.0,
    "d": 86400.0,
    "h": 3600.0,
    "mi": 60.0,
    "s": 1.0,
}


def parse_duration(value: str) -> float | None:
    """Seconds of an ISO 8601 duration (`PT1H2M3.5S`); years and months are approximate; None if invalid."""
    match = _DURATION.match(value)
    if match is None or value in ("P", "PT") or value.endswith("T"):
        return None
    total = 0.0
    for value_text, unit in zip(match.groups(), _DURATION_UNITS.values(), strict=True):
        if value_text is not None:
            total += float(value_text) * unit
    return total


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    return [value] if isinstance(value, dict) else []


def _definition_type(activity: Mapping[str, Any]) -> str | None:
    definition = activity.get("definition")
    if isinstance(definition, dict):
        kind = definition.get("type")
        return kind if isinstance(kind, str) else None
    return None


def due_date_of(activity: Mapping[str, Any], vocabulary: Vocabulary = DEFAULT_VOCABULARY) -> float | None:
    """The due date (Unix seconds) an activity definition states in a due-date extension, if any."""
    definition = activity.get("definition")
    if not isinstance(definition, dict):
        return None
    extensions = definition.get("extensions")
    if not isinstance(extensions, dict):
        return None
    for key in vocabulary.due_date_extensions:
        value = extensions.get(key)
        if isinstance(value, str):
            try:
                return parse_timestamp(value)
            except ValueError:
                return None
    return None


def courses_of(
    statement: Mapping[str, Any],
    action: str,
    vocabulary: Vocabulary = DEFAULT_VOCABULARY,
    known_courses: Collection[str] = (),
) -> list[str]:
    """The courses a statement belongs to.

    A course is the object when it is typed as a course or the statement is an enrolment, else the
    `grouping` / `parent` context activities typed as a course or already known as courses; with none
    of those, the untyped `grouping` activities (else `parent`) are taken as courses.
    """
    obj = statement.get("object") or {}
    found: list[str] = []
    if obj.get("objectType", "Activity") == "Activity" and isinstance(obj.get("id"), str):
        is_enrolment = vocabulary.actions.get(action) is Family.ENROLMENT
        if _definition_type(obj) in vocabulary.course_types or obj["id"] in known_courses or is_enrolment:
            found.append(obj["id"])
    context = statement.get("context")
    context_activities = context.get("contextActivities") if isinstance(context, dict) else None
    if not isinstance(context_activities, dict):
        return found
    untyped: dict[str, list[str]] = {"grouping": [], "parent": []}
    for usage in ("grouping", "parent"):
        for activity in _as_list(context_activities.get(usage)):
            activity_id = activity.get("id")
            if not isinstance(activity_id, str):
                continue
            kind = _definition_type(activity)
            if kind in vocabulary.course_types or activity_id in known_courses:
                if activity_id not in found:
                    found.append(activity_id)
            elif kind is None:
                untyped[usage].append(activity_id)
    if not found:
        found = untyped["grouping"] or untyped["parent"]
    return found


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def events_from_statement(
    statement: Mapping[str, Any],
    vocabulary: Vocabulary = DEFAULT_VOCABULARY,
    known_courses: Collection[str] = (),
) -> list[Event]:
    """The events of one statement: one per course it belongs to (none if it is not about a course)."""
    actor = statement.get("actor")
    if not isinstance(actor, dict) or actor.get("objectType", "Agent") != "Agent":
        return []
    learner = ifi_key(actor)
    verb = statement.get("verb")
    obj = statement.get("object")
    if learner is None or not isinstance(verb, dict) or not isinstance(obj, dict):
        return []
    if obj.get("objectType", "Activity") != "Activity" or not isinstance(obj.get("id"), str):
        return []
    action = vocabulary.action_of(str(verb.get("id", "")))
    if action in vocabulary.ignored_actions:
        return []
    when = statement.get("timestamp") or statement.get("stored")
    if not isinstance(when, str):
        return []
    courses = courses_of(statement, action, vocabulary, known_courses)
    if not courses:
        return []
    activity_type = _definition_type(obj)
    result = statement.get("result")
    result = result if isinstance(result, dict) else {}
    score = result.get("score")
    score = score if isinstance(score, dict) else {}
    scaled = _number(score.get("scaled"))
    raw, low, high = _number(score.get("raw")), _number(score.get("min")), _number(score.get("max"))
    if scaled is None and raw is not None and low is not None and high is not None and high > low:
        scaled = (raw - low) / (high - low)
    duration = result.get("duration")
    response = result.get("response")
    context = statement.get("context")
    context = context if isinstance(context, dict) else {}
    instructor = context.get("instructor")
    success, completion = result.get("success"), result.get("completion")
    common = {
        "timestamp": parse_timestamp(when),
        "action": action,
        "activity": obj["id"],
        "activity_type": activity_type,
        "score": scaled,
        "raw": raw,
        "score_min": low,
        "score_max": high,
        "success": success if isinstance(success, bool) else None,
        "completion": completion if isinstance(completion, bool) else None,
        "duration": parse_duration(duration) if isinstance(duration, str) else None,
        "response_length": len(response) if isinstance(response, str) else 0,
        "due": due_date_of(obj, vocabulary),
        "instructor": ifi_key(instructor) if isinstance(instructor, dict) else None,
        "registration": context.get("registration") if isinstance(context.get("registration"), str) else None,
        "statement_id": statement.get("id") if isinstance(statement.get("id"), str) else None,
    }
    return [
        Event(
            learner=learner,
            course=course,
            family=vocabulary.family_of(action, activity_type, on_course=course == obj["id"]),
            **common,
        )
        for course in courses
    ]


def events_from_statements(
    statements: Iterable[Mapping[str, Any]],
    vocabulary: Vocabulary = DEFAULT_VOCABULARY,
    known_courses: Collection[str] = (),
) -> Iterator[Event]:
    """The events of many statements, in their order."""
    for statement in statements:
        yield from events_from_statement(statement, vocabulary, known_courses)
