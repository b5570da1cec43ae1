"""Insights, their statements and the profile that defines their vocabulary; interventions; detectors."""

from __future__ import annotations

import msgspec
import pytest

from analytics.courses import CourseCalendar
from analytics.dataset import build_dataset
from analytics.detectors import (
    DUE_SOON_NO_ATTEMPT,
    NO_RECENT_ACCESS,
    NO_TEACHING_ACTIVITY,
    due_soon_without_attempt,
    no_recent_access,
    no_teaching_activity,
)
from analytics.engagement import engagement_scores
from analytics.explain import Factor
from analytics.features import compute_features
from analytics.insights import (
    Insight,
    RiskBands,
    alert_statement,
    insight_statement,
    needs_new_insight,
    predict_insights,
)
from analytics.interventions import InterventionRules, recommend
from analytics.predictors import ModelKind, train_model
from analytics.profile import insight_profile, profile_iri
from analytics.splitting import cut_point_for
from analytics.vocabulary import Family
from lrs.xapi import parse_statements
from tests.analytics.conftest import Cohort
from tests.analytics.helpers import COURSE, DAY, T0, event, key

BASE = "https://lrs.example.org"
STATEMENT_ID = "6a1c3c0e-9d4e-4d0a-8f7e-2b1f6f3e9a10"


def an_insight(level: str = "high") -> Insight:
    return Insight(
        course=COURSE,
        learner=key("ann"),
        probability=0.81,
        level=level,
        factors=[Factor("days_since_last_activity", 12.0, 0.9, "days since the last learning activity")],
        interventions=recommend({"days_since_last_activity": 12.0}),
        model_version="abc123def456",
        cut_point="pct-25",
        as_of=T0 + 20 * DAY,
        engagement=23.5,
    )


def test_risk_bands() -> None:
    bands = RiskBands()
    assert [bands.level(p) for p in (0.0, 0.29, 0.3, 0.59, 0.6, 1.0)] == [
        "low",
        "low",
        "moderate",
        "moderate",
        "high",
        "high",
    ]
    assert RiskBands(moderate=0.5, high=0.8).level(0.6) == "moderate"
    with pytest.raises(ValueError):
        RiskBands(moderate=0.7, high=0.6)


def test_the_insight_statement_shape() -> None:
    statement = insight_statement(
        an_insight(), base_url=BASE + "/", statement_id=STATEMENT_ID, timestamp=T0 + 21 * DAY, learner_name="Ann"
    )
    ext = f"{BASE}/xapi/profiles/insights/extensions/"
    assert statement["actor"] == {
        "objectType": "Agent",
        "name": "LRS analytics",
        "account": {"homePage": BASE, "name": "analytics"},
    }
    assert statement["verb"]["id"] == f"{BASE}/xapi/profiles/insights/verbs/predicted-at-risk"
    assert statement["object"] == {
        "objectType": "Agent",
        "name": "Ann",
        "account": {"homePage": "https://lms.example.org", "name": "ann"},
    }
    assert statement["result"]["score"] == {"scaled": 0.81}
    result_ext = statement["result"]["extensions"]
    assert result_ext[ext + "risk-level"] == "high"
    assert result_ext[ext + "factors"][0]["feature"] == "days_since_last_activity"
    assert result_ext[ext + "interventions"][0]["code"] == "re-engagement-nudge"
    assert result_ext[ext + "engagement-score"] == 23.5
    assert statement["context"]["contextActivities"]["parent"] == [{"objectType": "Activity", "id": COURSE}]
    assert statement["context"]["extensions"][ext + "model-version"] == "abc123def456"
    assert statement["context"]["extensions"][ext + "as-of"] == "2026-01-21T00:00:00.000Z"
    assert "platform" not in statement["context"]  # the object is not an Activity
    parse_statements(msgspec.json.encode(statement), "1.0.3")
    low = insight_statement(an_insight("low"), base_url=BASE, statement_id=STATEMENT_ID, timestamp=T0)
    assert low["verb"]["id"].endswith("/predicted-on-track")


def test_alert_statements_are_valid() -> None:
    events = [event("ann", 0, "played", Family.CONTENT), event("bob", 9, "played", Family.CONTENT)]
    alerts = no_recent_access(events, T0 + 10 * DAY) + no_teaching_activity(events, T0 + 10 * DAY)
    statements = [
        alert_statement(a, base_url=BASE, statement_id=STATEMENT_ID[:-2] + f"{i:02d}", timestamp=T0)
        for i, a in enumerate(alerts)
    ]
    parse_statements(msgspec.json.encode(statements), "1.0.3")
    assert statements[0]["object"]["account"]["name"] == "ann"
    assert statements[-1]["object"] == {"objectType": "Activity", "id": COURSE}


def test_the_profile_defines_every_iri_the_statements_use() -> None:
    profile = insight_profile(BASE)
    assert profile["id"] == profile_iri(BASE) == f"{BASE}/xapi/profiles/insights"
    assert profile["type"] == "Profile" and profile["conformsTo"] == "https://w3id.org/xapi/profiles#1.0"
    assert profile["@context"] == "https://w3id.org/xapi/profiles/context"
    version = profile["versions"][0]["id"]
    defined = {c["id"] for c in profile["concepts"]}
    assert len(defined) == len(profile["concepts"])
    assert all(c["inScheme"] == version for c in profile["concepts"] + profile["templates"])
    statement = insight_statement(an_insight(), base_url=BASE, statement_id=STATEMENT_ID, timestamp=T0)
    used = {statement["verb"]["id"], *statement["result"]["extensions"], *statement["context"]["extensions"]}
    assert used <= defined
    assert {t["verb"] for t in profile["templates"]} <= defined
    for concept in profile["concepts"]:
        if "inlineSchema" in concept:
            msgspec.json.decode(concept["inlineSchema"])
    msgspec.json.encode(profile)


def test_insights_are_rewritten_on_a_level_change_or_each_period() -> None:
    assert needs_new_insight(None, None, "low", T0)
    assert not needs_new_insight("low", T0, "low", T0 + DAY)
    assert needs_new_insight("low", T0, "high", T0 + DAY)
    assert needs_new_insight("low", T0, "low", T0 + 8 * DAY)


def test_intervention_rules() -> None:
    quiet = {
        "days_since_last_activity": 2.0,
        "content_completion_rate": 0.8,
        "assessment_trend": 0.0,
        "assessment_count": 5.0,
        "missing_submissions": 0.0,
    }
    assert recommend(quiet) == []
    troubled = {
        "days_since_last_activity": 9.0,
        "content_completion_rate": 0.1,
        "assessment_trend": -0.08,
        "assessment_count": 4.0,
        "missing_submissions": 2.0,
    }
    assert [i.code for i in recommend(troubled)] == [
        "re-engagement-nudge",
        "content-recommendation",
        "instructor-alert",
        "deadline-reminder",
    ]
    assert recommend(troubled | {"assessment_count": 2.0})[2].code == "deadline-reminder"
    assert recommend(troubled | {"assessment_trend": float("nan")})[2].code == "deadline-reminder"
    off = InterventionRules(inactive_days=None, low_completion=None, declining_trend=None, missing_submissions=None)
    assert recommend(troubled, off) == []
    assert recommend(troubled)[2].audience == "instructor"


def test_predicted_insights_for_a_running_course(ended_cohort: Cohort, running_cohort: Cohort) -> None:
    data = build_dataset(ended_cohort.by_course, ended_cohort.calendars, ended_cohort.labels, "week-2")
    model = train_model(data.X, data.y, data.columns, kind=ModelKind.LOGISTIC, cut_key="week-2")
    running = running_cohort.offerings[-1]
    calendar = running_cohort.calendars[running.course_id]
    assert calendar.end is not None and calendar.end > running_cohort.now  # the typical length of ended runs
    point = cut_point_for(calendar, running_cohort.now, available={"week-2", "week-4"})
    assert point is not None and point.key == "week-2"  # 3.6 weeks into a 6-week course
    matrix = compute_features(running_cohort.by_course[running.course_id], running_cohort.now, running_cohort.calendars)
    insights = predict_insights(model, matrix, engagement=engagement_scores(matrix))
    assert len(insights) == int((~matrix.withdrawn).sum()) > 0
    assert {i.level for i in insights} <= {"low", "moderate", "high"}
    high = [i for i in insights if i.level == "high"]
    assert all(i.factors for i in high)
    assert all(i.cut_point == "week-2" and i.model_version == model.version for i in insights)


def test_engagement_scores_rank_the_busy_above_the_idle() -> None:
    calendar = CourseCalendar(COURSE, T0, T0 + 70 * DAY, {"hw1": T0 + 5 * DAY})
    events = [event("ann", d, "played", Family.CONTENT, f"v{d}", completion=True) for d in range(10)]
    events += [event("ann", 4, "submitted", Family.SUBMISSION, "hw1"), event("bob", 1, "played", Family.CONTENT)]
    matrix = compute_features(events, T0 + 10 * DAY, {COURSE: calendar})
    scores = dict(zip(matrix.learners, engagement_scores(matrix).tolist(), strict=True))
    assert 0 <= scores[key("bob")] < scores[key("ann")] <= 100


def test_detectors() -> None:
    calendar = CourseCalendar(COURSE, T0, T0 + 70 * DAY, {"hw1": T0 + 12 * DAY, "hw2": T0 + 30 * DAY})
    events = [
        event("ann", -1, "registered", Family.ENROLMENT, "c"),
        event("ann", 9.5, "initialized", Family.SUBMISSION, "hw1"),
        event("bob", 1, "played", Family.CONTENT),
        event("cat", 2, "played", Family.CONTENT),
        event("cat", 3, "unregistered", Family.ENROLMENT, "c"),
        event("tess", 1, "posted", Family.DISCUSSION, "p", instructor=key("tess")),
    ]
    now = T0 + 10 * DAY
    idle = no_recent_access(events, now, days=7, calendars={COURSE: calendar})
    assert [(a.kind, a.learner) for a in idle] == [(NO_RECENT_ACCESS, key("bob"))]
    assert no_teaching_activity(events, now, days=14) == []
    quiet_teacher = no_teaching_activity(events, now, days=5)
    assert [(a.kind, a.course, a.learner) for a in quiet_teacher] == [(NO_TEACHING_ACTIVITY, COURSE, None)]
    due = due_soon_without_attempt(events, {COURSE: calendar}, now, within_days=3)
    assert [(a.kind, a.learner, a.activity) for a in due] == [(DUE_SOON_NO_ATTEMPT, key("bob"), "hw1")]
    assert no_recent_access(events, T0 + 80 * DAY, calendars={COURSE: calendar}) == []  # the course is over
