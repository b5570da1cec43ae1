"""Labels and cut points."""

from __future__ import annotations

import random

import pytest

from analytics.courses import CourseCalendar
from analytics.splitting import cut_point_for, cut_points
from analytics.targets import TargetDefinition, generate_labels
from analytics.vocabulary import Family
from tests.analytics.conftest import Cohort
from tests.analytics.helpers import COURSE, DAY, T0, event, key

CALENDAR = CourseCalendar(COURSE, T0, T0 + 70 * DAY)
AFTER = T0 + 80 * DAY


def outcomes() -> list:  # type: ignore[type-arg]
    return [
        event("ann", 69, "passed", Family.OUTCOME, COURSE),
        event("bob", 69, "failed", Family.OUTCOME, COURSE),
        event("cat", 20, "unregistered", Family.ENROLMENT, COURSE),
        event("dan", 5, "played", Family.CONTENT),
        event("eve", 30, "failed", Family.OUTCOME, COURSE),
        event("eve", 60, "passed", Family.OUTCOME, COURSE),
        event("fay", 69, "completed", Family.OUTCOME, COURSE, success=True),
        event("gus", 69, "completed", Family.OUTCOME, COURSE, completion=True),
        event("hal", 90, "passed", Family.OUTCOME, COURSE),
        event("tess", 1, "posted", Family.DISCUSSION, "p", instructor=key("tess")),
    ]


def test_default_labels() -> None:
    labels = {label.learner: label for label in generate_labels(outcomes(), {COURSE: CALENDAR}, AFTER)}
    got = {k.rsplit("|", 1)[1]: (v.at_risk, v.reason) for k, v in labels.items()}
    assert got == {
        "ann": (False, "success"),
        "bob": (True, "failed"),
        "cat": (True, "withdrew"),
        "dan": (True, "no-success"),
        "eve": (False, "success"),
        "fay": (False, "success"),
        "gus": (True, "no-success"),
        "hal": (True, "no-success"),  # passed after the end and the grace period
    }
    assert labels[key("cat")].decided_at == T0 + 20 * DAY
    assert labels[key("dan")].decided_at == T0 + 77 * DAY


def test_labels_are_idempotent_and_order_independent() -> None:
    events = outcomes()
    first = generate_labels(events, {COURSE: CALENDAR}, AFTER)
    random.Random(3).shuffle(events)
    assert generate_labels(events, {COURSE: CALENDAR}, AFTER) == first


def test_a_running_course_has_no_labels() -> None:
    assert generate_labels(outcomes(), {COURSE: CALENDAR}, T0 + 75 * DAY) == []
    assert generate_labels(outcomes(), {COURSE: CourseCalendar(COURSE, T0)}, AFTER) == []


def test_the_target_is_configurable() -> None:
    strict = TargetDefinition(success_actions=frozenset(), grace_days=0.0)
    labels = {label.learner: label.at_risk for label in generate_labels(outcomes(), {COURSE: CALENDAR}, AFTER, strict)}
    assert labels[key("ann")] and not labels[key("fay")]


def test_simulated_labels_match_the_simulated_outcomes(ended_cohort: Cohort) -> None:
    truth = {(t.course_id, t.learner): t.outcome for t in ended_cohort.truths}
    labels = ended_cohort.labels
    assert len(labels) == len(truth)
    for label in labels:
        assert label.at_risk == (truth[(label.course, label.learner)] != "passed")


def test_cut_points_of_a_ten_week_course() -> None:
    points = cut_points(CALENDAR)
    assert [p.key for p in points] == ["week-2", "pct-25", "week-4", "pct-50", "week-6", "pct-75"]
    assert points[1].at == T0 + 17.5 * DAY
    assert "week-10" in [p.key for p in cut_points(CourseCalendar(COURSE, T0, T0 + 100 * DAY))]
    assert [p.key for p in cut_points(CourseCalendar(COURSE, T0))] == ["week-2", "week-4", "week-6", "week-10"]


@pytest.mark.parametrize(
    ("day", "available", "expected"),
    [
        (13.9, None, None),
        (14.0, None, "week-2"),
        (20.0, None, "pct-25"),
        (20.0, {"week-2", "week-4"}, "week-2"),
        (69.0, None, "pct-75"),
        (69.0, {"week-4"}, "week-4"),
    ],
)
def test_a_prediction_uses_the_latest_cut_point_not_after_it(
    day: float, available: set[str] | None, expected: str | None
) -> None:
    point = cut_point_for(CALENDAR, T0 + day * DAY, available)
    assert (point.key if point else None) == expected
