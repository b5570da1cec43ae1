"""Interventions recorded over HTTP and by xAPI statements, and their impact against the hold-out, on a simulated
cohort; the statistics are recomputed here with numpy formulas and scipy's own Welch test."""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import quote

import asyncpg
import numpy as np
import pytest
from litestar.testing import AsyncTestClient
from scipy import stats

from analytics.events import agent_from_key
from lrs.api.analytics_interventions import intervention_verb, kind_extension
from tests.conftest import BASE_URL, StoreContext
from tests.insights_cohort import Cohort, seeded_store

Client = AsyncTestClient[Any]


@pytest.fixture(scope="module")
async def seeded(pool: asyncpg.Pool) -> tuple[StoreContext, Cohort]:
    return await seeded_store(pool)


def _experiment(
    cohort: Cohort, course: str | None = None, kind: str | None = None
) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Outcomes (1 = succeeded) of treated and control learners with a label, and the counts still pending."""
    treated: set[tuple[str, str]] = set()
    any_treatment: set[tuple[str, str]] = set()
    held: set[tuple[str, str]] = set()
    for r in cohort.interventions:
        if course is not None and r["course"] != course:
            continue
        key = (r["course"], r["learner"])
        if r["source"] == "holdout":
            if kind is None or r["kind"] == kind:
                held.add(key)
        else:
            any_treatment.add(key)
            if kind is None or r["kind"] == kind:
                treated.add(key)
    control = held - any_treatment
    outcome = {(lb.course, lb.learner): 0.0 if lb.at_risk else 1.0 for lb in cohort.labels}
    a = np.array([outcome[k] for k in sorted(treated) if k in outcome])
    b = np.array([outcome[k] for k in sorted(control) if k in outcome])
    return a, b, sum(1 for k in treated if k not in outcome), sum(1 for k in control if k not in outcome)


async def test_impact_matches_an_independent_welch_test(client: Client, seeded: tuple[StoreContext, Cohort]) -> None:
    store, cohort = seeded
    response = await client.get("/analytics/interventions/impact", params={"min_group": "5"}, headers=store.headers())
    assert response.status_code == 200, response.text
    body = response.json()
    a, b, pending_a, pending_b = _experiment(cohort)
    assert len(a) >= 5 and len(b) >= 5, (len(a), len(b))
    impact = body["impact"]
    assert impact["status"] == "ok"
    assert impact["treated"]["n"] == len(a) and impact["control"]["n"] == len(b)
    assert impact["treated"]["successes"] == int(a.sum()) and impact["control"]["successes"] == int(b.sum())
    assert impact["treated"]["mean"] == pytest.approx(a.mean()) and impact["control"]["mean"] == pytest.approx(b.mean())
    reference = stats.ttest_ind(a, b, equal_var=False)
    assert impact["t"] == pytest.approx(reference.statistic)
    assert impact["p_value"] == pytest.approx(reference.pvalue)
    pooled = np.sqrt(((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1)) / (len(a) + len(b) - 2))
    assert impact["cohens_d"] == pytest.approx((a.mean() - b.mean()) / pooled)
    assert body["pending"] == {"treated": pending_a, "control": pending_b}
    assert pending_a > 0  # the running course has no outcomes yet

    course = cohort.ended[1]
    one = (await client.get("/analytics/interventions/impact", params={"course": course, "min_group": "2"},
                            headers=store.headers())).json()  # fmt: skip
    a1, b1, _, _ = _experiment(cohort, course)
    assert (one["impact"]["treated"]["n"], one["impact"]["control"]["n"]) == (len(a1), len(b1))
    assert one["course"] == course

    kind = "re-engagement-nudge"
    by_kind = (await client.get("/analytics/interventions/impact", params={"kind": kind, "min_group": "2"},
                                headers=store.headers())).json()  # fmt: skip
    a2, b2, _, _ = _experiment(cohort, kind=kind)
    assert (by_kind["impact"]["treated"]["n"], by_kind["impact"]["control"]["n"]) == (len(a2), len(b2))


async def test_impact_says_not_enough_data_below_the_minimum(
    client: Client, seeded: tuple[StoreContext, Cohort]
) -> None:
    store, cohort = seeded
    a, b, _, _ = _experiment(cohort)
    response = await client.get("/analytics/interventions/impact", params={"min_group": str(len(b) + 1)},
                                headers=store.headers())  # fmt: skip
    impact = response.json()["impact"]
    assert impact["status"] == "not_enough_data" and "not enough data" in impact["message"]
    assert impact["p_value"] is None and impact["treated"]["n"] == len(a)
    default = (await client.get("/analytics/interventions/impact", headers=store.headers())).json()["impact"]
    assert default["min_group"] == 10
    for params, path in (({"min_group": "1"}, "min_group"), ({"course": ""}, "course"), ({"x": "1"}, "x")):
        bad = await client.get("/analytics/interventions/impact", params=params, headers=store.headers())
        assert bad.status_code == 400 and bad.json()["path"] == path


async def test_instructors_record_interventions_over_http(client: Client, seeded: tuple[StoreContext, Cohort]) -> None:
    store, cohort = seeded
    course = cohort.running
    insight = next(s for s in reversed(cohort.insights) if s.insight.course == course and s.insight.level != "low")
    learner = insight.insight.learner
    body = {"course": course, "learner": agent_from_key(learner), "kind": "meeting", "insight_id": insight.id,
            "details": {"note": "talked about the deadline"}}  # fmt: skip
    response = await client.post("/analytics/interventions", json=body, headers=store.headers())
    assert response.status_code == 201, response.text
    recorded = response.json()
    assert recorded["source"] == "instructor" and recorded["learner"] == learner and recorded["kind"] == "meeting"
    assert recorded["details"]["note"] == "talked about the deadline"
    listed = (await client.get("/analytics/interventions", params={"learner": learner, "source": "instructor"},
                               headers=store.headers())).json()  # fmt: skip
    assert [r["id"] for r in listed["items"]] == [recorded["id"]]
    agent = quote(json.dumps(agent_from_key(learner)), safe="")
    timeline = (await client.get(f"/analytics/learners/{agent}/timeline", params={"course": course},
                                 headers=store.headers())).json()  # fmt: skip
    assert recorded["id"] in {i["id"] for i in timeline["courses"][0]["interventions"]}

    other = next(s for s in cohort.insights if s.insight.course == course and s.insight.learner != learner)
    bad_bodies = [
        ({**body, "course": "https://courses.example.com/unknown"}, 404, "course"),
        ({**body, "learner": "mbox:mailto:stranger@example.org", "insight_id": None}, 404, "learner"),
        ({**body, "insight_id": other.id}, 400, "insight_id"),
        ({**body, "learner": "stranger"}, 400, "learner"),
        ({**body, "kind": " "}, 400, "kind"),
        ({**body, "surprise": 1}, 400, "data"),
    ]
    for bad, status, path in bad_bodies:
        response = await client.post("/analytics/interventions", json=bad, headers=store.headers())
        assert response.status_code == status, (bad, response.text)
        assert response.json()["path"] == path


async def test_interventions_recorded_by_xapi_statements(client: Client, seeded: tuple[StoreContext, Cohort]) -> None:
    store, cohort = seeded
    course = cohort.ended[0]
    learner = next(e.learner for e in cohort.course_events(course))
    statement_id = str(uuid.uuid4())
    statement = {
        "id": statement_id,
        "actor": {"objectType": "Agent", "name": "Tutor", "mbox": "mailto:tutor@example.org"},
        "verb": {"id": intervention_verb(BASE_URL), "display": {"en-US": "intervened"}},
        "object": agent_from_key(learner),
        "context": {
            "contextActivities": {"parent": [{"id": course}]},
            "extensions": {kind_extension(BASE_URL): "phone-call"},
        },
        "result": {"response": "called about missed quizzes"},
    }
    stored = await client.post("/xapi/statements", json=statement, headers=store.headers())
    assert stored.status_code == 200, stored.text
    listed = (await client.get("/analytics/interventions", params={"source": "statement"},
                               headers=store.headers())).json()  # fmt: skip
    assert [(r["statement_id"], r["course"], r["learner"], r["kind"]) for r in listed["items"]] == [
        (statement_id, course, learner, "phone-call")
    ]
    assert listed["items"][0]["details"]["response"] == "called about missed quizzes"
    again = (await client.get("/analytics/interventions", params={"source": "statement"},
                              headers=store.headers())).json()  # fmt: skip
    assert len(again["items"]) == 1  # recorded once

    voiding = {
        "actor": {"mbox": "mailto:tutor@example.org"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"},
        "object": {"objectType": "StatementRef", "id": statement_id},
    }
    assert (await client.post("/xapi/statements", json=voiding, headers=store.headers())).status_code == 200
    gone = (await client.get("/analytics/interventions", params={"source": "statement"},
                             headers=store.headers())).json()  # fmt: skip
    assert gone["items"] == []


async def test_the_lrs_profile_defines_the_intervention_vocabulary(client: Client) -> None:
    profile = (await client.get("/xapi/profiles/insights")).json()
    concepts = {c["id"]: c for c in profile["concepts"]}
    assert concepts[intervention_verb(BASE_URL)]["type"] == "Verb"
    assert concepts[kind_extension(BASE_URL)]["type"] == "ContextExtension"
    for iri in (intervention_verb(BASE_URL), kind_extension(BASE_URL)):
        assert (await client.get(iri.removeprefix(BASE_URL))).status_code == 200, iri


async def test_interventions_are_listed_newest_first_and_paged(
    client: Client, seeded: tuple[StoreContext, Cohort]
) -> None:
    store, cohort = seeded
    course = cohort.ended[1]
    expected = [r for r in cohort.interventions if r["course"] == course]
    seen: list[dict[str, Any]] = []
    params = {"course": course, "limit": "7"}
    while True:
        page = (await client.get("/analytics/interventions", params=params, headers=store.headers())).json()
        seen += page["items"]
        if not page["next"]:
            break
        params = {**params, "cursor": page["next"]}
    assert len(seen) == len(expected)
    assert [r["id"] for r in seen] == sorted((r["id"] for r in seen), reverse=True)
    assert sorted((r["learner"], r["kind"], r["source"]) for r in seen) == sorted(
        (r["learner"], r["kind"], r["source"]) for r in expected
    )
    holdout = (await client.get("/analytics/interventions", params={"course": course, "source": "holdout",
                                "limit": "500"}, headers=store.headers())).json()  # fmt: skip
    assert len(holdout["items"]) == sum(1 for r in expected if r["source"] == "holdout")
    bad = await client.get("/analytics/interventions", params={"source": "magic"}, headers=store.headers())
    assert bad.status_code == 400 and bad.json()["path"] == "source"
