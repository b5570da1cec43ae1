"""Simulated cohorts shared by the analytics tests (built once per session: they take a few seconds)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from analytics.courses import CourseCalendar, infer_calendars
from analytics.dataset import group_by_course
from analytics.events import Event, events_from_statements
from analytics.simulator import LearnerTruth, Offering, SimulationConfig, plan_offerings, simulate_offering
from analytics.targets import Label, generate_labels

FIRST_START = datetime(2025, 1, 6, tzinfo=UTC)


@dataclass
class Cohort:
    config: SimulationConfig
    offerings: list[Offering]
    statements: list[dict[str, Any]]
    truths: list[LearnerTruth]
    events: list[Event]
    by_course: dict[str, list[Event]]
    calendars: dict[str, CourseCalendar]
    labels: list[Label]
    now: float


def build_cohort(config: SimulationConfig) -> Cohort:
    offerings = plan_offerings(config)
    statements: list[dict[str, Any]] = []
    truths: list[LearnerTruth] = []
    for offering in offerings:
        chunk, truth = simulate_offering(config, offering)
        statements.extend(chunk)
        truths.extend(truth)
    events = list(events_from_statements(statements))
    calendars = infer_calendars(events)
    now = max(o.cutoff for o in offerings)
    labels = generate_labels(events, calendars, now + 30 * 86400.0)  # after every grace period
    return Cohort(config, offerings, statements, truths, events, group_by_course(events), calendars, labels, now)


@pytest.fixture(scope="session")
def ended_cohort() -> Cohort:
    """Three ended offerings of 300 learners over 10 weeks: history to train and test on."""
    return build_cohort(SimulationConfig(learners=300, courses=3, weeks=10, seed=0, start=FIRST_START, progress=1.0))


@pytest.fixture(scope="session")
def running_cohort() -> Cohort:
    """Two small offerings anchored at a fixed `now`; the second is 60 % through."""
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    return build_cohort(SimulationConfig(learners=40, courses=2, weeks=6, seed=7, now=now, progress=0.6))
