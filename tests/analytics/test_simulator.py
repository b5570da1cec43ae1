"""The simulator: deterministic by seed, a plausible timeline, and statements of the right shape."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime

import msgspec
import pytest

from analytics.events import parse_duration, parse_timestamp
from analytics.simulator import SimulationConfig, plan_offerings, simulate
from lrs.xapi import parse_statements
from tests.analytics.conftest import Cohort

SMALL = SimulationConfig(learners=15, courses=2, weeks=4, seed=11, now=datetime(2026, 2, 1, tzinfo=UTC))


def _bytes(config: SimulationConfig) -> list[bytes]:
    return [msgspec.json.encode(s) for s in simulate(config)]


def test_the_same_seed_gives_the_same_statements() -> None:
    assert _bytes(SMALL) == _bytes(SMALL)


def test_another_seed_gives_other_statements() -> None:
    other = SimulationConfig(learners=15, courses=2, weeks=4, seed=12, now=SMALL.now)
    first, second = _bytes(SMALL), _bytes(other)
    assert first != second
    assert not {msgspec.json.decode(b)["id"] for b in first} & {msgspec.json.decode(b)["id"] for b in second}


def test_a_config_needs_an_anchor_in_time() -> None:
    with pytest.raises(ValueError, match="now or start"):
        SimulationConfig()


def test_offerings_are_consecutive_and_the_last_is_in_progress_at_now(running_cohort: Cohort) -> None:
    first, last = running_cohort.offerings
    now = datetime(2026, 3, 1, 12, tzinfo=UTC).timestamp()
    assert first.end <= last.start and not first.in_progress
    assert last.in_progress and last.cutoff == now
    assert last.start <= now - 0.6 * 6 * 7 * 86400 < last.start + 86400
    stamps = [parse_timestamp(s["timestamp"]) for s in running_cohort.statements]
    assert max(stamps) <= now
    assert now - max(stamps) < 2 * 86400


def test_ended_offerings_have_an_outcome_for_every_learner_and_the_running_one_none(running_cohort: Cohort) -> None:
    first, last = running_cohort.offerings
    outcomes: Counter[tuple[str, str]] = Counter()
    for s in running_cohort.statements:
        verb = s["verb"]["id"].rsplit("/", 1)[-1]
        if s["object"]["id"] in (first.course_id, last.course_id) and verb != "registered":
            outcomes[(s["object"]["id"], s["actor"]["account"]["name"])] += 1
    learners_first = {t.learner for t in running_cohort.truths if t.course_id == first.course_id}
    assert len([k for k in outcomes if k[0] == first.course_id]) == len(learners_first)
    running = [t for t in running_cohort.truths if t.course_id == last.course_id]
    assert all(t.outcome in (None, "unregistered") for t in running)
    assert all(v == 1 for v in outcomes.values())


def test_a_start_date_fixes_the_calendar() -> None:
    config = SimulationConfig(learners=5, courses=2, weeks=3, start=datetime(2025, 9, 1, 15, tzinfo=UTC))
    first, second = plan_offerings(config)
    assert first.start == datetime(2025, 9, 1, tzinfo=UTC).timestamp()
    assert second.start == first.end + 2 * 7 * 86400


def test_learners_include_strong_starters_who_fail_and_slow_starters_who_pass(ended_cohort: Cohort) -> None:
    arcs = Counter((t.archetype, t.outcome) for t in ended_cohort.truths)
    assert arcs[("fader", "failed")] + arcs[("fader", "unregistered")] >= 10
    assert arcs[("late-bloomer", "passed")] >= 10
    outcomes = Counter(t.outcome for t in ended_cohort.truths)
    assert set(outcomes) == {"passed", "failed", "unregistered"}
    assert 0.3 < (outcomes["failed"] + outcomes["unregistered"]) / len(ended_cohort.truths) < 0.7


def test_statements_have_ids_agents_and_registrations(running_cohort: Cohort) -> None:
    ids = set()
    registrations: dict[tuple[str, str], set[str]] = {}
    for s in running_cohort.statements:
        assert uuid.UUID(s["id"]).version == 4
        ids.add(s["id"])
        account = s["actor"]["account"]
        assert account["homePage"] == "https://lms.example.org" and s["actor"]["name"]
        assert s["object"]["id"].startswith("https://courses.example.com/")
        course = (s["context"].get("contextActivities", {}).get("grouping") or [s["object"]])[0]["id"]
        if not account["name"].startswith("staff"):
            registrations.setdefault((course, account["name"]), set()).add(s["context"]["registration"])
    assert len(ids) == len(running_cohort.statements)
    assert all(len(r) == 1 for r in registrations.values())
    assert len({next(iter(r)) for r in registrations.values()}) == len(registrations)


def test_video_statements_follow_the_video_profile(running_cohort: Cohort) -> None:
    videos = [
        s
        for s in running_cohort.statements
        if s["object"]["definition"]["type"] == "https://w3id.org/xapi/video/activity-type/video"
    ]
    verbs = Counter(s["verb"]["id"] for s in videos)
    assert {
        "https://w3id.org/xapi/video/verbs/played",
        "http://adlnet.gov/expapi/verbs/initialized",
        "http://adlnet.gov/expapi/verbs/completed",
    } <= set(verbs)
    for s in videos:
        assert s["context"]["contextActivities"]["category"][0]["id"] == "https://w3id.org/xapi/video"
        assert "https://w3id.org/xapi/video/extensions/session-id" in s["context"]["extensions"]


def test_scores_and_durations_are_well_formed(running_cohort: Cohort) -> None:
    scored = 0
    for s in running_cohort.statements:
        result = s.get("result", {})
        if "score" in result:
            score = result["score"]
            scored += 1
            assert -1 <= score["scaled"] <= 1
            if "raw" in score:
                assert score["min"] <= score["raw"] <= score["max"]
        if "duration" in result:
            assert parse_duration(result["duration"]) is not None
    assert scored > 0


def test_assignments_carry_a_due_date_and_some_are_late(ended_cohort: Cohort) -> None:
    submissions = [s for s in ended_cohort.statements if s["verb"]["id"] == "http://activitystrea.ms/schema/1.0/submit"]
    late = 0
    for s in submissions:
        due = parse_timestamp(s["object"]["definition"]["extensions"]["http://xapi.jisc.ac.uk/dueDate"])
        late += parse_timestamp(s["timestamp"]) > due
    assert submissions and 0 < late < len(submissions) / 2


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_every_simulated_statement_passes_the_validator(running_cohort: Cohort, version: str) -> None:
    statements = running_cohort.statements
    for i in range(0, len(statements), 500):
        parsed = parse_statements(msgspec.json.encode(statements[i : i + 500]), version)
        assert len(parsed) == len(statements[i : i + 500])
