"""The engine's pure decisions: settings, extraction from the feed, calendars, what a scoring writes, when to
train, and deterministic identities."""

from __future__ import annotations

import math
from typing import Any

import pytest

from analytics.courses import DAY, CourseCalendar
from analytics.detectors import DUE_SOON_NO_ATTEMPT, NO_RECENT_ACCESS, Alert
from analytics.events import Event
from analytics.insights import Insight
from analytics.interventions import Intervention
from analytics.pipeline.calendars import CourseDates, course_calendar, running_courses, typical_length
from analytics.pipeline.config import DEFAULT_CONFIG, EngineConfig, config_or_default, parse_config
from analytics.pipeline.decisions import AUTOMATED, HOLDOUT, PreviousInsight, dedupe_key, plan_insights
from analytics.pipeline.ids import in_holdout, insight_statement_id, unit_hash
from analytics.pipeline.ingest import decode_event, encode_event, extract, is_engine_statement, voided_target
from analytics.pipeline.learning import ended_count, ready_to_train
from analytics.vocabulary import DEFAULT_VOCABULARY, Family

BASE = "http://lrs.test"
ENGINE = f"account:{BASE}|analytics"
COURSE = "https://courses.example.com/c1"
T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z


def _statement(actor: str, verb: str = "http://adlnet.gov/expapi/verbs/completed", **extra: Any) -> dict[str, Any]:
    return {
        "id": f"00000000-0000-4000-8000-{abs(hash((actor, verb))) % 10**12:012d}",
        "actor": {"account": {"homePage": "https://lms.example.org", "name": actor}},
        "verb": {"id": verb},
        "object": {
            "id": f"{COURSE}/video-1",
            "definition": {"type": "https://w3id.org/xapi/video/activity-type/video"},
        },
        "context": {
            "contextActivities": {
                "grouping": [
                    {
                        "id": COURSE,
                        "definition": {"type": "http://adlnet.gov/expapi/activities/course", "name": {"en-US": "C1"}},
                    }
                ]
            }
        },
        "timestamp": "2026-01-05T10:00:00Z",
        **extra,
    }


# -- settings ----------------------------------------------------------------------------------------------


def test_a_store_without_settings_gets_the_defaults() -> None:
    assert parse_config({}) == DEFAULT_CONFIG
    assert parse_config({"analytics": {}}) == DEFAULT_CONFIG


def test_course_settings_replace_store_keys() -> None:
    store = {"analytics": {"holdout_share": 0.2, "bands": {"moderate": 0.2, "high": 0.5}}}
    course = {"bands": {"moderate": 0.4, "high": 0.8}, "due_dates": {f"{COURSE}/a1": "2026-02-01T00:00:00Z"}}
    config = parse_config(store, course)
    assert config.holdout_share == 0.2
    assert config.bands.level(0.45) == "moderate" and config.bands.level(0.85) == "high"
    assert config.due_timestamps() == {f"{COURSE}/a1": 1_769_904_000.0}


def test_vocabulary_overrides_extend_the_default() -> None:
    config = parse_config({"analytics": {"vocabulary": {"verbs": {"https://example.org/v/watched": "played"}}}})
    vocabulary = config.vocabulary_mapping
    assert vocabulary.action_of("https://example.org/v/watched") == "played"
    assert vocabulary.action_of("http://adlnet.gov/expapi/verbs/passed") == "passed"
    assert DEFAULT_CONFIG.vocabulary_mapping is DEFAULT_VOCABULARY


@pytest.mark.parametrize(
    "analytics",
    [
        {"holdout_share": 1.5},
        {"bands": {"moderate": 0.7, "high": 0.6}},
        {"due_dates": {"x": "next week"}},
        {"gate": {"min_f1": "high"}},
        "not an object",
    ],
)
def test_invalid_settings_are_refused_and_the_engine_falls_back(analytics: Any) -> None:
    with pytest.raises(ValueError):
        parse_config({"analytics": analytics})
    assert config_or_default({"analytics": analytics}) == DEFAULT_CONFIG


def test_bad_course_settings_fall_back_to_the_store_settings() -> None:
    store = {"analytics": {"holdout_share": 0.25}}
    assert config_or_default(store, {"holdout_share": 7}).holdout_share == 0.25


def test_keys_of_other_tools_are_ignored() -> None:
    assert parse_config({"analytics": {"retention_days": 30}}, {"display": "x"}) == DEFAULT_CONFIG


# -- extraction --------------------------------------------------------------------------------------------


def test_extraction_skips_the_engines_own_statements() -> None:
    learner = _statement("ann")
    insight = _statement("bob", authority={"account": {"homePage": BASE, "name": "analytics"}})
    by_engine = {**_statement("x"), "actor": {"account": {"homePage": BASE, "name": "analytics"}}}
    assert is_engine_statement(insight, ENGINE) and is_engine_statement(by_engine, ENGINE)
    found = extract([(1, learner), (2, insight), (3, by_engine)], vocabulary=DEFAULT_VOCABULARY, engine_key=ENGINE)
    assert [(seq, e.learner) for seq, e in found.events] == [(1, "account:https://lms.example.org|ann")]
    assert found.course_names == {COURSE: "C1"}
    assert found.courses == {COURSE: found.events[0][1].timestamp}


def test_voiding_statements_name_their_target() -> None:
    voiding = _statement(
        "ann",
        "http://adlnet.gov/expapi/verbs/voided",
        object={"objectType": "StatementRef", "id": "AAAAAAAA-0000-4000-8000-000000000001"},
    )
    assert voided_target(voiding) == "aaaaaaaa-0000-4000-8000-000000000001"
    assert voided_target(_statement("ann")) is None
    found = extract([(5, voiding)], vocabulary=DEFAULT_VOCABULARY, engine_key=ENGINE)
    assert found.events == [] and found.voided == ["aaaaaaaa-0000-4000-8000-000000000001"]


def test_a_course_vocabulary_applies_to_that_course_only() -> None:
    statement = _statement("ann", "https://example.org/v/binged")
    default = extract([(1, statement)], vocabulary=DEFAULT_VOCABULARY, engine_key=ENGINE)
    own = DEFAULT_VOCABULARY.with_overrides(verbs={"https://example.org/v/binged": "played"})
    special = extract(
        [(1, statement)], vocabulary=DEFAULT_VOCABULARY, engine_key=ENGINE, course_vocabularies={COURSE: own}
    )
    other = extract(
        [(1, statement)], vocabulary=DEFAULT_VOCABULARY, engine_key=ENGINE, course_vocabularies={"elsewhere": own}
    )
    assert default.events[0][1].action == "binged" == other.events[0][1].action
    assert special.events[0][1].action == "played"


def test_events_round_trip_through_their_column() -> None:
    event = Event("k", COURSE, T0, "played", Family.CONTENT, f"{COURSE}/v", score=0.5, due=T0 + DAY)
    assert decode_event(encode_event(event)) == event


# -- calendars ---------------------------------------------------------------------------------------------


def _event(learner: str, ts: float, action: str = "played", family: Family = Family.CONTENT) -> Event:
    return Event(learner, COURSE, ts, action, family, f"{COURSE}/v")


def test_admin_dates_win_and_an_open_course_takes_the_typical_length() -> None:
    events = [_event("a", T0 + 3 * DAY + 100), _event("b", T0 + 5 * DAY)]
    inferred = course_calendar(CourseDates(COURSE), events)
    assert inferred == CourseCalendar(COURSE, T0 + 3 * DAY, None, {})
    with_typical = course_calendar(CourseDates(COURSE), events, typical=70 * DAY)
    assert with_typical is not None and with_typical.end == T0 + 73 * DAY
    admin = course_calendar(CourseDates(COURSE, start_at=T0, end_at=T0 + 30 * DAY), events, typical=70 * DAY)
    assert admin is not None and (admin.start, admin.end) == (T0, T0 + 30 * DAY)
    assert course_calendar(CourseDates(COURSE), []) is None
    due = course_calendar(CourseDates(COURSE), events, due_dates={f"{COURSE}/a": T0 + 9 * DAY})
    assert due is not None and due.due_dates == {f"{COURSE}/a": T0 + 9 * DAY}


def test_typical_length_counts_ended_courses_only() -> None:
    courses = [
        CourseDates("a", inferred_start=T0, inferred_end=T0 + 60 * DAY),
        CourseDates("b", inferred_start=T0, inferred_end=T0 + 80 * DAY),
        CourseDates("c", inferred_start=T0 + 100 * DAY, inferred_end=T0 + 300 * DAY),  # not ended yet
        CourseDates("d", inferred_start=T0),
    ]
    assert typical_length(courses, T0 + 120 * DAY) == 70 * DAY
    assert typical_length(courses[2:], T0 + 120 * DAY) is None


def test_running_courses() -> None:
    now = T0 + 100 * DAY
    courses = [
        CourseDates("ended", inferred_start=T0, inferred_end=T0 + 70 * DAY),
        CourseDates("running", inferred_start=T0 + 80 * DAY),  # typical 70 days: ends at day 150
        CourseDates("future", start_at=T0 + 200 * DAY),
        CourseDates("admin-ended", start_at=T0 + 50 * DAY, end_at=T0 + 90 * DAY),
    ]
    assert running_courses(courses, {}, now) == ["running"]
    idle = [CourseDates("quiet", inferred_start=T0), CourseDates("busy", inferred_start=T0)]
    assert running_courses(idle, {"quiet": now - 40 * DAY, "busy": now - DAY}, now) == ["busy"]


# -- what a scoring writes ---------------------------------------------------------------------------------


def _insight(learner: str, probability: float, level: str, as_of: float = T0 + 20 * DAY) -> Insight:
    nudge = Intervention("re-engagement-nudge", "Nudge", "idle", "learner")
    return Insight(COURSE, learner, probability, level, [], [nudge], "v1", "week-2", as_of)


def test_a_first_insight_is_stated_and_at_risk_learners_get_interventions() -> None:
    config = EngineConfig(holdout_share=0.0)
    plan = plan_insights([_insight("a", 0.7, "high"), _insight("b", 0.1, "low")], {}, store_id=1, config=config)
    assert [p.statement_id is not None for p in plan] == [True, True]
    assert plan[0].interventions == [("re-engagement-nudge", AUTOMATED)]
    assert plan[1].interventions == []  # low risk: recommended, not acted on
    assert plan[0].statement_id == insight_statement_id(1, COURSE, "a", T0 + 20 * DAY, "v1")


def test_a_steady_level_is_not_stated_again_until_the_period_passes() -> None:
    config = EngineConfig()
    said = T0 + 19 * DAY
    previous = {"a": PreviousInsight(0.70, said, "high", said), "b": PreviousInsight(0.70, said, "high", said)}
    plan = plan_insights(
        [_insight("a", 0.71, "high"), _insight("b", 0.62, "high")], previous, store_id=1, config=config
    )
    assert [(p.insight.learner, p.statement_id) for p in plan] == [("b", None)]  # b moved 0.08: a row, no statement
    later = T0 + 19 * DAY + config.scoring_period
    plan = plan_insights([_insight("a", 0.71, "high", later)], previous, store_id=1, config=config)
    assert plan[0].statement_id is not None


def test_a_level_change_is_stated() -> None:
    said = T0 + 19 * DAY
    plan = plan_insights(
        [_insight("a", 0.2, "low")],
        {"a": PreviousInsight(0.35, said, "moderate", said)},
        store_id=1,
        config=EngineConfig(),
    )
    assert plan[0].statement_id is not None and plan[0].interventions == []


def test_the_same_moment_is_never_planned_twice() -> None:
    moment = T0 + 20 * DAY
    previous = {"a": PreviousInsight(0.9, moment, "high", moment)}
    assert plan_insights([_insight("a", 0.1, "low", moment)], previous, store_id=1, config=EngineConfig()) == []


def test_the_holdout_group_is_deterministic_and_about_its_share() -> None:
    learners = [f"account:https://lms.example.org|s{i}" for i in range(4000)]
    held = [k for k in learners if in_holdout(k, COURSE, 0.2)]
    assert 0.17 < len(held) / len(learners) < 0.23
    assert held == [k for k in learners if in_holdout(k, COURSE, 0.2)]
    assert not any(in_holdout(k, COURSE, 0.0) for k in learners)
    config = EngineConfig(holdout_share=0.2)
    plan = plan_insights([_insight(k, 0.9, "high") for k in learners[:200]], {}, store_id=1, config=config)
    sources = {p.insight.learner: p.interventions[0][1] for p in plan}
    assert {k for k, s in sources.items() if s == HOLDOUT} == set(held) & set(sources)


def test_unit_hash_is_uniform_enough() -> None:
    values = [unit_hash(str(i)) for i in range(2000)]
    assert all(0.0 <= v < 1.0 for v in values) and abs(sum(values) / len(values) - 0.5) < 0.03


def test_alert_dedupe_keys() -> None:
    period = 7 * DAY
    calendar = CourseCalendar(COURSE, T0, T0 + 70 * DAY, {f"{COURSE}/a1": T0 + 30 * DAY})
    idle = Alert(NO_RECENT_ACCESS, COURSE, "k", None, "no activity for 8 days", T0 + 20 * DAY)
    same_week = Alert(NO_RECENT_ACCESS, COURSE, "k", None, "no activity for 9 days", T0 + 20 * DAY + 3600)
    next_week = Alert(NO_RECENT_ACCESS, COURSE, "k", None, "no activity for 15 days", T0 + 20 * DAY + period)
    assert dedupe_key(idle, calendar, period) == dedupe_key(same_week, calendar, period)
    assert dedupe_key(idle, calendar, period) != dedupe_key(next_week, calendar, period)
    due = Alert(DUE_SOON_NO_ATTEMPT, COURSE, "k", f"{COURSE}/a1", "due in 2 days", T0 + 28 * DAY)
    due_later = Alert(DUE_SOON_NO_ATTEMPT, COURSE, "k", f"{COURSE}/a1", "due in 1 day", T0 + 29 * DAY + period)
    assert dedupe_key(due, calendar, period) == dedupe_key(due_later, calendar, period)
    assert dedupe_key(due, calendar, period).startswith(DUE_SOON_NO_ATTEMPT + ":")
    assert len(dedupe_key(due, calendar, period)) < 64


# -- when to train -----------------------------------------------------------------------------------------


def test_automatic_training_waits_for_enough_ended_courses_and_new_ones() -> None:
    config = EngineConfig()
    now = T0 + 200 * DAY
    courses = [
        CourseDates("a", inferred_start=T0, inferred_end=T0 + 70 * DAY),
        CourseDates("b", inferred_start=T0 + 80 * DAY, inferred_end=T0 + 150 * DAY),
        CourseDates("c", inferred_start=T0 + 160 * DAY, inferred_end=now - 3 * DAY),  # in its grace period
        CourseDates("d", inferred_start=T0 + 170 * DAY),
    ]
    assert ended_count(courses, now, config) == 2
    assert not ready_to_train(1, config, ended_at_last_training=None)
    assert ready_to_train(2, config, ended_at_last_training=None)
    assert not ready_to_train(2, config, ended_at_last_training=2)
    assert ready_to_train(3, config, ended_at_last_training=2)
    assert math.isclose(config.scoring_period, 7 * DAY)
