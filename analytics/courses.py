"""Course calendars: when a course runs and when its work is due, inferred from its events.

Cut points (week 2, 25 % of the course...), recency and lateness all need a calendar, but xAPI has
no standard place for one. So the calendar is inferred and may be overridden: the start is the day
of the first learner activity, the end is the day most final outcomes arrived by (or, for a course
still running, its start plus the typical length of the store's ended courses), and due dates come
from activity definitions (`Event.due`), the latest statement winning.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from statistics import median

import msgspec

from analytics.events import Event
from analytics.vocabulary import Family

DAY = 86400.0
WEEK = 7 * DAY


class CourseCalendar(msgspec.Struct, frozen=True):
    """When a course starts and ends (Unix seconds; `end` None while unknown) and its due dates."""

    course: str
    start: float
    end: float | None = None
    due_dates: dict[str, float] = msgspec.field(default_factory=dict)

    @property
    def length(self) -> float | None:
        return None if self.end is None else self.end - self.start

    def ended(self, now: float) -> bool:
        return self.end is not None and self.end <= now

    def week_of(self, timestamp: float) -> int:
        """The course week (0-based) a moment falls in; moments before the start fall in week 0."""
        return max(0, int((timestamp - self.start) // WEEK))


def instructors_of(events: Iterable[Event]) -> dict[str, set[str]]:
    """Per course, the IFI keys named as `context.instructor`: their own events are teaching, not learning."""
    found: dict[str, set[str]] = {}
    for event in events:
        if event.instructor is not None:
            found.setdefault(event.course, set()).add(event.instructor)
    return found


def _floor_day(ts: float) -> float:
    return math.floor(ts / DAY) * DAY


def _ceil_day(ts: float) -> float:
    return math.ceil(ts / DAY) * DAY


def infer_calendars(
    events: Iterable[Event],
    *,
    overrides: Mapping[str, CourseCalendar] | None = None,
    typical_length: float | None = None,
) -> dict[str, CourseCalendar]:
    """A calendar for every course in `events`.

    `overrides` replace inferred calendars (an admin knows best); `typical_length` (seconds) gives an
    end to courses without outcomes, defaulting to the median length of the courses that have them.
    """
    first: dict[str, float] = {}
    outcomes: dict[str, list[float]] = {}
    dues: dict[str, dict[str, tuple[float, float]]] = {}
    staff: dict[str, set[str]] = {}
    learner_events: list[Event] = []
    for event in events:
        if event.instructor is not None:
            staff.setdefault(event.course, set()).add(event.instructor)
        if event.due is not None:
            seen = dues.setdefault(event.course, {})
            previous = seen.get(event.activity)
            if previous is None or event.timestamp >= previous[0]:
                seen[event.activity] = (event.timestamp, event.due)
        if event.family is Family.OUTCOME:
            outcomes.setdefault(event.course, []).append(event.timestamp)
        elif event.family is not Family.ENROLMENT:
            learner_events.append(event)
    for event in learner_events:
        if event.learner in staff.get(event.course, ()):
            continue
        if event.timestamp < first.get(event.course, math.inf):
            first[event.course] = event.timestamp
    courses = set(first) | set(outcomes) | set(dues)
    calendars: dict[str, CourseCalendar] = {}
    for course in courses:
        start = _floor_day(first.get(course, min(outcomes.get(course, [math.inf]))))
        if not math.isfinite(start):
            continue
        end = _ceil_day(median(outcomes[course])) if course in outcomes else None
        due_dates = {activity: due for activity, (_, due) in dues.get(course, {}).items()}
        calendars[course] = CourseCalendar(course, start, end if end is None or end > start else None, due_dates)
    lengths = [c.length for c in calendars.values() if c.length is not None]
    if typical_length is None and lengths:
        typical_length = float(median(lengths))
    if typical_length is not None:
        for course, calendar in calendars.items():
            if calendar.end is None:
                calendars[course] = msgspec.structs.replace(calendar, end=calendar.start + typical_length)
    calendars.update(overrides or {})
    return calendars
