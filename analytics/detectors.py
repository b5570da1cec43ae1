"""Rule-based detectors that need no training, so they help from a course's first day.

- no recent access: an enrolled learner with no learning activity for N days;
- no teaching activity: a course with active learners and no instructor activity for N days;
- due soon, no attempt: an activity due within N days that a learner has not touched.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import msgspec

from analytics.courses import DAY, CourseCalendar
from analytics.events import Event
from analytics.vocabulary import DEFAULT_VOCABULARY, Family, Vocabulary

NO_RECENT_ACCESS = "no-recent-access"
NO_TEACHING_ACTIVITY = "no-teaching-activity"
DUE_SOON_NO_ATTEMPT = "due-soon-no-attempt"


class Alert(msgspec.Struct, frozen=True):
    """One detector finding: its kind, where, about whom (None for the course) and a readable detail."""

    kind: str
    course: str
    learner: str | None
    activity: str | None
    detail: str
    as_of: float


class _Roster:
    """Who is in a course as of a time: learners still enrolled, their last activity, and the staff."""

    def __init__(self, events: Sequence[Event], as_of: float, vocabulary: Vocabulary) -> None:
        self.staff: dict[str, set[str]] = {}
        self.last_activity: dict[tuple[str, str], float] = {}
        self.touched: set[tuple[str, str, str]] = set()
        joined: dict[tuple[str, str], float] = {}
        left: dict[tuple[str, str], float] = {}
        for e in events:
            if e.timestamp > as_of:
                continue
            key = (e.course, e.learner)
            if e.instructor is not None:
                self.staff.setdefault(e.course, set()).add(e.instructor)
            if e.family is Family.ENROLMENT:
                target = left if e.action in vocabulary.withdrawal_actions else joined
                target[key] = max(target.get(key, -math.inf), e.timestamp)
                continue
            self.last_activity[key] = max(self.last_activity.get(key, -math.inf), e.timestamp)
            self.touched.add((e.course, e.learner, e.activity))
        everyone = set(joined) | set(self.last_activity)
        self.learners = sorted(
            key
            for key in everyone
            if key[1] not in self.staff.get(key[0], set())
            and not (key in left and left[key] >= joined.get(key, -math.inf))
        )


def _running(calendars: Mapping[str, CourseCalendar] | None, course: str, as_of: float) -> bool:
    if calendars is None or course not in calendars:
        return True
    calendar = calendars[course]
    return calendar.start <= as_of and (calendar.end is None or as_of < calendar.end)


def no_recent_access(
    events: Sequence[Event],
    as_of: float,
    days: float = 7.0,
    calendars: Mapping[str, CourseCalendar] | None = None,
    vocabulary: Vocabulary = DEFAULT_VOCABULARY,
) -> list[Alert]:
    """Enrolled learners of running courses whose last learning activity is `days` or more ago (or never)."""
    roster = _Roster(events, as_of, vocabulary)
    alerts = []
    for course, learner in roster.learners:
        if not _running(calendars, course, as_of):
            continue
        last = roster.last_activity.get((course, learner))
        if last is None:
            alerts.append(Alert(NO_RECENT_ACCESS, course, learner, None, "no learning activity yet", as_of))
        elif as_of - last >= days * DAY:
            alerts.append(
                Alert(
                    NO_RECENT_ACCESS,
                    course,
                    learner,
                    None,
                    f"no learning activity for {(as_of - last) / DAY:.0f} days",
                    as_of,
                )
            )
    return alerts


def no_teaching_activity(
    events: Sequence[Event],
    as_of: float,
    days: float = 14.0,
    calendars: Mapping[str, CourseCalendar] | None = None,
    vocabulary: Vocabulary = DEFAULT_VOCABULARY,
) -> list[Alert]:
    """Running courses with learner activity in the last `days` but no instructor activity in that time."""
    roster = _Roster(events, as_of, vocabulary)
    since = as_of - days * DAY
    learner_active: set[str] = set()
    teacher_active: set[str] = set()
    for (course, actor), last in roster.last_activity.items():
        if last < since:
            continue
        if actor in roster.staff.get(course, ()):
            teacher_active.add(course)
        else:
            learner_active.add(course)
    return [
        Alert(
            NO_TEACHING_ACTIVITY,
            course,
            None,
            None,
            f"learners active but no instructor activity in {days:.0f} days",
            as_of,
        )
        for course in sorted(learner_active - teacher_active)
        if _running(calendars, course, as_of)
    ]


def due_soon_without_attempt(
    events: Sequence[Event],
    calendars: Mapping[str, CourseCalendar],
    as_of: float,
    within_days: float = 3.0,
    vocabulary: Vocabulary = DEFAULT_VOCABULARY,
) -> list[Alert]:
    """Per enrolled learner, activities due in the next `within_days` that they have not touched yet."""
    roster = _Roster(events, as_of, vocabulary)
    alerts = []
    for course, learner in roster.learners:
        calendar = calendars.get(course)
        if calendar is None:
            continue
        for activity, due in sorted(calendar.due_dates.items(), key=lambda item: (item[1], item[0])):
            if as_of < due <= as_of + within_days * DAY and (course, learner, activity) not in roster.touched:
                alerts.append(
                    Alert(
                        DUE_SOON_NO_ATTEMPT,
                        course,
                        learner,
                        activity,
                        f"due in {(due - as_of) / DAY:.1f} days, not attempted",
                        as_of,
                    )
                )
    return alerts
