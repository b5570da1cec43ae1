"""Course calendars inferred from events."""

from __future__ import annotations

from analytics.courses import CourseCalendar, infer_calendars, instructors_of
from analytics.events import Event
from analytics.vocabulary import Family
from tests.analytics.conftest import Cohort
from tests.analytics.helpers import COURSE, DAY, T0, event, key

OTHER = "https://courses.example.com/c2"


def test_start_end_and_due_dates() -> None:
    events = [
        event("tess", -5, "posted", Family.DISCUSSION, "p", instructor=key("tess")),
        event("ann", -2, "registered", Family.ENROLMENT, COURSE),
        event("ann", 0.6, "played", Family.CONTENT),
        event("ann", 3, "submitted", Family.SUBMISSION, "hw", due=T0 + 6 * DAY),
        event("bob", 4, "submitted", Family.SUBMISSION, "hw", due=T0 + 8 * DAY),
        event("bob", 2, "submitted", Family.SUBMISSION, "hw", due=T0 + 5 * DAY),
        *(event(n, 69.5, "passed", Family.OUTCOME, COURSE) for n in ("ann", "bob", "cat")),
        event("dan", 90, "failed", Family.OUTCOME, COURSE),
    ]
    (calendar,) = infer_calendars(events).values()
    assert calendar.start == T0  # the teacher's early post and registrations do not count
    assert calendar.end == T0 + 70 * DAY  # the median outcome, rounded up to midnight
    assert calendar.due_dates == {"hw": T0 + 8 * DAY}  # the latest statement wins
    assert calendar.week_of(T0 + 8 * DAY) == 1 and calendar.week_of(T0 - DAY) == 0
    assert instructors_of(events) == {COURSE: {key("tess")}}


def test_a_running_course_ends_after_the_typical_length() -> None:
    ended = [event("ann", 0, "played", Family.CONTENT), event("ann", 41.5, "passed", Family.OUTCOME, COURSE)]
    running = [Event(key("bob"), OTHER, T0 + 100 * DAY, "played", Family.CONTENT, "v")]
    calendars = infer_calendars([*ended, *running])
    assert calendars[OTHER].end == calendars[OTHER].start + 42 * DAY
    assert infer_calendars(running)[OTHER].end is None
    assert infer_calendars(running, typical_length=7 * DAY)[OTHER].end == T0 + 107 * DAY
    fixed = CourseCalendar(OTHER, T0, T0 + DAY)
    assert infer_calendars(running, overrides={OTHER: fixed})[OTHER] is fixed
    assert not fixed.ended(T0) and fixed.ended(T0 + DAY)


def test_simulated_calendars_match_the_plan(ended_cohort: Cohort) -> None:
    for offering in ended_cohort.offerings:
        calendar = ended_cohort.calendars[offering.course_id]
        assert (calendar.start, calendar.end) == (offering.start, offering.end)
        assert len(calendar.due_dates) == 4
