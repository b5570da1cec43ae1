"""A course's calendar as the engine uses it: what an admin set wins over what the events suggest.

`inferred_start` / `inferred_end` are stored as the events show them (the end only once outcomes arrived);
a course still without an end gets the store's typical course length at the moment it is used, so that
length never feeds on itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from statistics import median

from analytics.courses import CourseCalendar, infer_calendars
from analytics.events import Event


@dataclass(frozen=True)
class CourseDates:
    """A course's dates as stored (Unix seconds or None): set by an admin, and inferred from its events."""

    course: str
    start_at: float | None = None
    end_at: float | None = None
    inferred_start: float | None = None
    inferred_end: float | None = None

    @property
    def start(self) -> float | None:
        return self.start_at if self.start_at is not None else self.inferred_start

    @property
    def end(self) -> float | None:
        return self.end_at if self.end_at is not None else self.inferred_end


def typical_length(courses: Iterable[CourseDates], now: float) -> float | None:
    """The median length of the courses that have ended by `now`; None before any has."""
    lengths = [
        c.end - c.start
        for c in courses
        if c.start is not None and c.end is not None and c.end <= now and c.end > c.start
    ]
    return float(median(lengths)) if lengths else None


def inferred_dates(course: str, events: Sequence[Event]) -> tuple[float | None, float | None]:
    """(start, end) the events of one course suggest; the end stays None until outcomes arrive."""
    calendar = infer_calendars(e for e in events if e.course == course).get(course)
    return (None, None) if calendar is None else (calendar.start, calendar.end)


def course_calendar(
    dates: CourseDates,
    events: Sequence[Event],
    *,
    typical: float | None = None,
    due_dates: dict[str, float] | None = None,
) -> CourseCalendar | None:
    """The calendar of one course; None while it has neither a start date nor any learner activity."""
    inferred = infer_calendars(e for e in events if e.course == dates.course).get(dates.course)
    start = dates.start_at if dates.start_at is not None else (inferred.start if inferred else dates.inferred_start)
    if start is None:
        return None
    end = dates.end_at if dates.end_at is not None else (inferred.end if inferred else dates.inferred_end)
    if end is None and typical is not None:
        end = start + typical
    if end is not None and end <= start:
        end = None
    dues = {**(inferred.due_dates if inferred else {}), **(due_dates or {})}
    return CourseCalendar(dates.course, start, end, dues)


def running_courses(
    courses: Sequence[CourseDates], last_events: Mapping[str, float | None], now: float, *, idle_days: float = 30.0
) -> list[str]:
    """Courses to score on a schedule: started and not yet ended (an end unknown even with the typical
    length taken as one that has not come while the course saw learner activity in the last `idle_days`)."""
    typical = typical_length(courses, now)
    found = []
    for c in courses:
        start = c.start
        if start is None or start > now:
            continue
        end = c.end if c.end is not None else (start + typical if typical is not None else None)
        if end is not None:
            if now < end:
                found.append(c.course)
            continue
        last = last_events.get(c.course)
        if last is not None and now - last <= idle_days * 86400.0:
            found.append(c.course)
    return sorted(found)
