"""From a batch of newly stored statements to the rows of `analytics_events`.

The engine's own statements (insights and alerts, whose actor or authority is the store's analytics
Agent) are skipped, so predictions never feed back as learner activity. Voiding statements yield no
event but name the statements whose events must go. A course with its own vocabulary has its events
extracted again with that vocabulary.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

from analytics.events import Event, events_from_statement, ifi_key
from analytics.vocabulary import Vocabulary

VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"

_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(Event)


def encode_event(event: Event) -> bytes:
    """The `analytics_events.event` column: the whole Event as msgpack (an array, so it stays small)."""
    return _encoder.encode(event)


def decode_event(data: bytes) -> Event:
    return _decoder.decode(data)


@dataclass
class Extraction:
    """What one batch adds: (statement seq, event) pairs, voided statement ids and course display names."""

    events: list[tuple[int, Event]] = field(default_factory=list)
    voided: list[str] = field(default_factory=list)
    course_names: dict[str, str] = field(default_factory=dict)

    @property
    def courses(self) -> dict[str, float]:
        """Each course of the batch with its latest event time."""
        latest: dict[str, float] = {}
        for _, event in self.events:
            latest[event.course] = max(latest.get(event.course, event.timestamp), event.timestamp)
        return latest


def is_engine_statement(statement: Mapping[str, Any], engine_key: str) -> bool:
    """Whether the analytics Agent (IFI key `engine_key`) wrote this statement, as actor or authority."""
    for role in ("actor", "authority"):
        agent = statement.get(role)
        if isinstance(agent, dict) and ifi_key(agent) == engine_key:
            return True
    return False


def voided_target(statement: Mapping[str, Any]) -> str | None:
    """The id of the statement a voiding statement voids; None for any other statement."""
    verb, obj = statement.get("verb"), statement.get("object")
    if not (isinstance(verb, dict) and verb.get("id") == VOIDED_VERB and isinstance(obj, dict)):
        return None
    target = obj.get("id")
    return target.lower() if obj.get("objectType") == "StatementRef" and isinstance(target, str) else None


def _display_name(activity: Mapping[str, Any]) -> str | None:
    definition = activity.get("definition")
    names = definition.get("name") if isinstance(definition, dict) else None
    if not isinstance(names, dict) or not names:
        return None
    for tag in ("en-US", "en", "en-GB"):
        if isinstance(names.get(tag), str):
            return str(names[tag])
    first = next(iter(names.values()))
    return first if isinstance(first, str) else None


def _course_activities(statement: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found: list[Mapping[str, Any]] = []
    obj = statement.get("object")
    if isinstance(obj, dict):
        found.append(obj)
    context = statement.get("context")
    activities = context.get("contextActivities") if isinstance(context, dict) else None
    if isinstance(activities, dict):
        for usage in ("grouping", "parent"):
            value = activities.get(usage)
            found.extend(a for a in (value if isinstance(value, list) else [value]) if isinstance(a, dict))
    return found


def extract(
    statements: Sequence[tuple[int, Mapping[str, Any]]],
    *,
    vocabulary: Vocabulary,
    engine_key: str,
    known_courses: Collection[str] = (),
    course_vocabularies: Mapping[str, Vocabulary] | None = None,
) -> Extraction:
    """The events of `(seq, statement)` pairs; statements already voided should be left out by the caller."""
    out = Extraction()
    own = course_vocabularies or {}
    for seq, statement in statements:
        if is_engine_statement(statement, engine_key):
            continue
        target = voided_target(statement)
        if target is not None:
            out.voided.append(target)
            continue
        events = events_from_statement(statement, vocabulary, known_courses)
        if own and any(e.course in own for e in events):
            events = [e for e in events if e.course not in own] + [
                e
                for course in sorted({e.course for e in events} & set(own))
                for e in events_from_statement(statement, own[course], known_courses)
                if e.course == course
            ]
        if not events:
            continue
        out.events.extend((seq, e) for e in events)
        courses = {e.course for e in events}
        if courses <= out.course_names.keys():
            continue
        for activity in _course_activities(statement):
            activity_id = activity.get("id")
            if activity_id in courses and activity_id not in out.course_names:
                name = _display_name(activity)
                if name:
                    out.course_names[activity_id] = name
    return out
