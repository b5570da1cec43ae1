"""Features: hand-checked values, no look-ahead, and incremental == from scratch."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from analytics.courses import CourseCalendar
from analytics.events import Event
from analytics.feature_state import FeatureState
from analytics.features import COLUMNS, FEATURES, FeatureMatrix, compute_features, depth_level, social_level
from analytics.vocabulary import Family
from tests.analytics.conftest import Cohort
from tests.analytics.helpers import COURSE, DAY, T0, event, key

CALENDAR = CourseCalendar(COURSE, T0, T0 + 70 * DAY, {"hw1": T0 + 6 * DAY, "hw2": T0 + 13 * DAY, "hw3": T0 + 40 * DAY})
HOUR = 1 / 24


def scenario() -> list[Event]:
    """Ann works steadily, Bob fades, Tess teaches."""
    return [
        event("ann", -3, "registered", Family.ENROLMENT, COURSE),
        event("ann", 0.40, "launched", Family.SESSION, "m1"),
        event("ann", 0.40 + 10 / 1440, "played", Family.CONTENT, "v1"),
        event("ann", 0.40 + 25 / 1440, "completed", Family.CONTENT, "v1", completion=True, duration=1200.0),
        event("ann", 0.40 + 70 / 1440, "experienced", Family.CONTENT, "r1", duration=20 * 3600.0),
        event(
            "ann",
            2.5,
            "passed",
            Family.ASSESSMENT,
            "q1",
            score=0.6,
            raw=6.0,
            score_min=0.0,
            score_max=10.0,
            success=True,
        ),
        event("ann", 5.0, "submitted", Family.SUBMISSION, "hw1"),
        event(
            "ann",
            9.0,
            "passed",
            Family.ASSESSMENT,
            "q2",
            score=0.8,
            raw=16.0,
            score_min=0.0,
            score_max=20.0,
            success=True,
        ),
        event("ann", 14.5, "submitted", Family.SUBMISSION, "hw2"),
        event("ann", 16.0, "posted", Family.DISCUSSION, "post-ann"),
        event("ann", 16.1, "attempted", Family.ASSESSMENT, "q1"),
        event("bob", -2, "registered", Family.ENROLMENT, COURSE),
        event("bob", 1.0, "played", Family.CONTENT, "v1"),
        event("bob", 1.0 + HOUR, "failed", Family.ASSESSMENT, "q1", score=0.3, success=False),
        event("bob", 3.0, "replied", Family.DISCUSSION, "post-tess"),
        event("bob", 17.0, "replied", Family.DISCUSSION, "post-ann"),
        event("bob", 18.0, "unregistered", Family.ENROLMENT, COURSE),
        event("tess", 0.2, "posted", Family.DISCUSSION, "post-tess", instructor=key("tess")),
    ]


def features_of(matrix: FeatureMatrix, name: str) -> dict[str, float]:
    return matrix.row(COURSE, key(name))


def test_hand_checked_values() -> None:
    matrix = compute_features(scenario(), T0 + 20 * DAY, {COURSE: CALENDAR})
    assert sorted(matrix.learners) == [key("ann"), key("bob")]
    ann, bob = features_of(matrix, "ann"), features_of(matrix, "bob")
    assert ann["events_total"] == 10 and ann["content_events"] == 3
    assert ann["active_days"] == 6 and ann["sessions"] == 8  # the reading starts 45 minutes after the video
    assert ann["days_since_last_activity"] == pytest.approx(20 - 16.1)
    assert ann["longest_gap_days"] == 5  # day 9 -> day 14
    assert ann["active_weeks_ratio"] == pytest.approx(3 / 3)
    assert ann["time_on_task_hours"] == pytest.approx((1200 + 4 * 3600) / 3600)  # the reading is capped at 4 h
    assert ann["content_completion_rate"] == pytest.approx(1 / 2)  # v1 of {v1, r1}
    assert ann["assessment_count"] == 2 and ann["assessment_mean"] == pytest.approx(0.7)
    assert ann["assessment_min"] == pytest.approx(0.6)
    assert ann["assessment_trend"] == pytest.approx(0.2 / (6.5 / 7))
    assert ann["assessment_weighted"] == pytest.approx(22 / 30)
    assert ann["submissions"] == 2 and ann["late_submissions"] == 1
    assert ann["mean_lateness_days"] == pytest.approx(1.5 / 2)
    assert ann["missing_submissions"] == 0
    assert ann["discussion_posts"] == 1 and bob["discussion_posts"] == 2
    assert ann["events_last_7d"] == 3 and ann["events_last_14d"] == 4 and ann["events_last_28d"] == 10
    assert bob["missing_submissions"] == 2 and math.isnan(bob["assessment_trend"])
    assert ann["volume_percentile"] == pytest.approx(0.75) and bob["volume_percentile"] == pytest.approx(0.25)
    assert ann["social_breadth"] == 3 and bob["social_breadth"] == 3  # one and two peers
    assert ann["cognitive_depth"] == pytest.approx((1 + 1 + 5 + 3 + 2 + 2 + 2) / 7)
    assert dict(zip(matrix.learners, matrix.withdrawn.tolist(), strict=True)) == {key("ann"): False, key("bob"): True}


def test_level_rules() -> None:
    inf = math.inf
    assert depth_level(False, inf, 1.0, -inf) == 1
    assert depth_level(True, inf, 1.0, 1.0) == 2
    assert depth_level(True, 1.0, 1.0, 1.0) == 3
    assert depth_level(False, 1.0, 2.0, -inf) == 4
    assert depth_level(True, 1.0, 2.0, 2.0) == 5
    assert [
        social_level(0, 0, 0),
        social_level(3, 0, 0),
        social_level(3, 1, 0),
        social_level(3, 1, 2),
        social_level(3, 1, 3),
        social_level(3, 1, 6),
    ] == [0, 1, 2, 3, 4, 5]


def test_events_after_the_cut_off_change_nothing() -> None:
    events = scenario()
    cut = T0 + 10 * DAY
    before = compute_features([e for e in events if e.timestamp <= cut], cut, {COURSE: CALENDAR})
    everything = compute_features(events, cut, {COURSE: CALENDAR})
    assert before.learners == everything.learners
    np.testing.assert_array_equal(before.values, everything.values)


def test_teachers_are_not_learners() -> None:
    matrix = compute_features(scenario(), T0 + 20 * DAY, {COURSE: CALENDAR})
    assert key("tess") not in matrix.learners


def test_a_learner_with_only_a_registration_has_zero_activity() -> None:
    events = [event("cat", -1, "registered", Family.ENROLMENT, COURSE), *scenario()]
    cat = features_of(compute_features(events, T0 + 20 * DAY, {COURSE: CALENDAR}), "cat")
    assert cat["events_total"] == 0 and cat["days_since_last_activity"] == 20 and cat["longest_gap_days"] == 20
    assert math.isnan(cat["assessment_mean"]) and math.isnan(cat["score_percentile"])
    assert cat["missing_submissions"] == 2


def test_the_column_list_is_documented() -> None:
    assert len(COLUMNS) == len(set(COLUMNS)) == len(FEATURES)
    assert all(spec.description and spec.risk_direction in (-1, 1) for spec in FEATURES)


def _aligned(a: FeatureMatrix, b: FeatureMatrix) -> tuple[np.ndarray, np.ndarray]:
    rows_a, rows_b = a.rows(), b.rows()
    assert set(rows_a) == set(rows_b)
    order = sorted(rows_a)
    return a.values[[rows_a[k] for k in order]], b.values[[rows_b[k] for k in order]]


def test_incremental_equals_from_scratch_on_the_scenario() -> None:
    events = scenario()
    state = FeatureState()
    for e in reversed(events):
        state.add([e])
    incremental = state.features(T0 + 20 * DAY, {COURSE: CALENDAR})
    scratch = compute_features(events, T0 + 20 * DAY, {COURSE: CALENDAR})
    a, b = _aligned(scratch, incremental)
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("share", [0.15, 0.5, 0.8])
def test_incremental_equals_from_scratch_on_a_simulated_cohort(running_cohort: Cohort, share: float) -> None:
    first, last = running_cohort.offerings
    cut = first.start + share * (last.cutoff - first.start)
    seen = [e for e in running_cohort.events if e.timestamp <= cut]
    random.Random(int(share * 100)).shuffle(seen)
    state = FeatureState()
    step = max(1, len(seen) // 37)
    for i in range(0, len(seen), step):
        state.add(seen[i : i + step])
    restored = FeatureState.from_bytes(state.to_bytes())
    incremental = restored.features(cut, running_cohort.calendars)
    scratch = compute_features(running_cohort.events, cut, running_cohort.calendars)
    assert len(scratch) > 20
    a, b = _aligned(scratch, incremental)
    np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9)
    np.testing.assert_array_equal(
        scratch.withdrawn[np.argsort(scratch.learners)], incremental.withdrawn[np.argsort(incremental.learners)]
    )


def test_incremental_refuses_a_cut_off_before_its_latest_event() -> None:
    state = FeatureState()
    state.add(scenario())
    with pytest.raises(ValueError, match="before the latest event"):
        state.features(T0 + 10 * DAY, {COURSE: CALENDAR})


def test_calendars_are_inferred_when_missing(running_cohort: Cohort) -> None:
    cut = running_cohort.now
    matrix = compute_features(running_cohort.events, cut)
    given = compute_features(running_cohort.events, cut, running_cohort.calendars)
    np.testing.assert_allclose(*_aligned(matrix, given), rtol=1e-9)
