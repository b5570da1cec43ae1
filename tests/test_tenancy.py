"""Stores are isolated tenants: what store A holds is invisible to every read of store B (statements, documents,
activities, agents), B can reuse A's ids freely, and `statements/read/mine` sees only its own statements."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any
from urllib.parse import quote

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from lrs.security.credentials import issue_credential
from tests.conftest import BASE_URL, StoreContext, make_store

Client = AsyncTestClient[Any]
ACTIVITY = "http://example.com/activities/tenancy"
ACTOR = {"objectType": "Agent", "name": "Alice of Store A", "mbox": "mailto:alice-tenancy@example.com"}
AGENT = json.dumps({"mbox": ACTOR["mbox"]})


def _statement(statement_id: str, verb: str = "http://adlnet.gov/expapi/verbs/completed") -> dict[str, Any]:
    return {
        "id": statement_id,
        "actor": ACTOR,
        "verb": {"id": verb, "display": {"en-US": "completed"}},
        "object": {"id": ACTIVITY, "definition": {"name": {"en-US": "Secret course of store A"}}},
    }


@pytest.fixture(scope="module")
async def stores_ab(pool: asyncpg.Pool) -> tuple[StoreContext, StoreContext]:
    return await make_store(pool), await make_store(pool)


@pytest.fixture(scope="module")
async def written_in_a(client: Client, stores_ab: tuple[StoreContext, StoreContext]) -> dict[str, str]:
    """Store A gets statements, a state document and both kinds of profile documents."""
    a, _ = stores_ab
    ids = {"statement": str(uuid.uuid4()), "second": str(uuid.uuid4())}
    for statement_id in ids.values():
        response = await client.post("/xapi/statements", json=_statement(statement_id), headers=a.headers())
        assert response.status_code == 200, response.text
    documents = [
        ("/xapi/activities/state", {"activityId": ACTIVITY, "agent": AGENT, "stateId": "bookmark"}),
        ("/xapi/activities/profile", {"activityId": ACTIVITY, "profileId": "syllabus"}),
        ("/xapi/agents/profile", {"agent": AGENT, "profileId": "preferences"}),
    ]
    for path, params in documents:
        response = await client.put(
            path, params=params, json={"secret": "of store A"}, headers=a.headers(**{"If-None-Match": "*"})
        )
        assert response.status_code == 204, response.text
    return ids


async def test_statements_of_a_are_invisible_to_b(
    client: Client, stores_ab: tuple[StoreContext, StoreContext], written_in_a: dict[str, str]
) -> None:
    a, b = stores_ab
    statement_id = written_in_a["statement"]
    assert (await client.get("/xapi/statements", params={"statementId": statement_id}, headers=a.headers())).is_success
    for params in (
        {"statementId": statement_id},
        {"voidedStatementId": statement_id},
    ):
        response = await client.get("/xapi/statements", params=params, headers=b.headers())
        assert response.status_code == 404
    for params in (
        {},
        {"agent": AGENT},
        {"verb": "http://adlnet.gov/expapi/verbs/completed"},
        {"activity": ACTIVITY, "related_activities": "true"},
        {"agent": AGENT, "related_agents": "true"},
        {"format": "canonical"},
    ):
        response = await client.get("/xapi/statements", params=params, headers=b.headers())
        assert response.status_code == 200
        assert response.json()["statements"] == [], params


async def test_a_more_link_of_a_does_not_page_b(
    client: Client, stores_ab: tuple[StoreContext, StoreContext], written_in_a: dict[str, str]
) -> None:
    a, b = stores_ab
    page = (await client.get("/xapi/statements", params={"limit": "1"}, headers=a.headers())).json()
    assert page["more"]
    response = await client.get(page["more"], headers=b.headers())
    assert response.status_code != 200 or response.json()["statements"] == []
    assert "Secret course" not in response.text


async def test_documents_of_a_are_invisible_to_b(
    client: Client, stores_ab: tuple[StoreContext, StoreContext], written_in_a: dict[str, str]
) -> None:
    _, b = stores_ab
    single = [
        ("/xapi/activities/state", {"activityId": ACTIVITY, "agent": AGENT, "stateId": "bookmark"}),
        ("/xapi/activities/profile", {"activityId": ACTIVITY, "profileId": "syllabus"}),
        ("/xapi/agents/profile", {"agent": AGENT, "profileId": "preferences"}),
    ]
    for path, params in single:
        assert (await client.get(path, params=params, headers=b.headers())).status_code == 404, path
    listing = [
        ("/xapi/activities/state", {"activityId": ACTIVITY, "agent": AGENT}),
        ("/xapi/activities/profile", {"activityId": ACTIVITY}),
        ("/xapi/agents/profile", {"agent": AGENT}),
    ]
    for path, params in listing:
        response = await client.get(path, params=params, headers=b.headers())
        assert response.status_code == 200 and response.json() == [], path


async def test_activities_and_agents_of_a_are_invisible_to_b(
    client: Client, stores_ab: tuple[StoreContext, StoreContext], written_in_a: dict[str, str]
) -> None:
    a, b = stores_ab
    seen_by_a = await client.get("/xapi/activities", params={"activityId": ACTIVITY}, headers=a.headers())
    assert "Secret course of store A" in seen_by_a.text  # the data exists, in A
    seen_by_b = await client.get("/xapi/activities", params={"activityId": ACTIVITY}, headers=b.headers())
    assert seen_by_b.status_code == 200
    assert "definition" not in seen_by_b.json()
    person_a = await client.get("/xapi/agents", params={"agent": AGENT}, headers=a.headers())
    assert "Alice of Store A" in person_a.text
    person_b = await client.get("/xapi/agents", params={"agent": AGENT}, headers=b.headers())
    assert person_b.status_code == 200
    assert "Alice of Store A" not in person_b.text


async def test_b_may_reuse_the_ids_of_a(
    client: Client, stores_ab: tuple[StoreContext, StoreContext], written_in_a: dict[str, str]
) -> None:
    a, b = stores_ab
    statement_id = written_in_a["second"]
    other = _statement(statement_id, verb="http://adlnet.gov/expapi/verbs/failed")
    reused = await client.put("/xapi/statements", params={"statementId": statement_id}, json=other, headers=b.headers())
    assert reused.status_code == 204  # no 409: A's statement with this id is not B's business
    params = {"activityId": ACTIVITY, "agent": AGENT, "stateId": "bookmark"}
    created = await client.put(
        "/xapi/activities/state", params=params, json={"b": 1}, headers=b.headers(**{"If-None-Match": "*"})
    )
    assert created.status_code == 204
    in_a = await client.get("/xapi/statements", params={"statementId": statement_id}, headers=a.headers())
    assert in_a.json()["verb"]["id"] == "http://adlnet.gov/expapi/verbs/completed"
    state_a = await client.get("/xapi/activities/state", params=params, headers=a.headers())
    assert state_a.json() == {"secret": "of store A"}


# --- statements/read/mine ---------------------------------------------------------------------------------------


def _basic(key: str, secret: str) -> dict[str, str]:
    token = base64.b64encode(f"{key}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"}


async def test_read_mine_sees_only_statements_with_its_own_authority(client: Client, pool: asyncpg.Pool) -> None:
    context = await make_store(pool, scopes=("statements/read",))
    async with pool.acquire() as conn:
        one, two = [
            await issue_credential(
                conn, store_id=context.id, base_url=BASE_URL, scopes=["statements/write", "statements/read/mine"]
            )
            for _ in range(2)
        ]
    ids = {}
    for credential in (one, two):
        statement_id = str(uuid.uuid4())
        body = {**_statement(statement_id), "actor": {"mbox": "mailto:shared-learner@example.com"}}
        response = await client.post("/xapi/statements", json=body, headers=_basic(credential.key, credential.secret))
        assert response.status_code == 200
        ids[credential.key] = statement_id

    headers_one = _basic(one.key, one.secret)
    listed = (await client.get("/xapi/statements", headers=headers_one)).json()["statements"]
    assert [s["id"] for s in listed] == [ids[one.key]]
    assert listed[0]["authority"] == one.authority
    by_agent = await client.get(
        "/xapi/statements", params={"agent": json.dumps({"mbox": "mailto:shared-learner@example.com"})},
        headers=headers_one,
    )  # fmt: skip
    assert [s["id"] for s in by_agent.json()["statements"]] == [ids[one.key]]
    theirs = await client.get("/xapi/statements", params={"statementId": ids[two.key]}, headers=headers_one)
    assert theirs.status_code == 404

    everything = (await client.get("/xapi/statements", headers=context.headers())).json()["statements"]
    assert {s["id"] for s in everything} == set(ids.values())


# --- insights API ------------------------------------------------------------------------------------------------


async def _analytics_of_a(pool: asyncpg.Pool, store_id: int) -> dict[str, Any]:
    """One course with an event, an insight, feedback, an intervention, a model and a job, written for store A."""
    learner = "mbox:mailto:alice-tenancy@example.com"
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO analytics_courses (store_id, course_id, name) VALUES ($1, $2, 'Secret course of store A')",
            store_id,
            ACTIVITY,
        )
        await conn.execute(
            "INSERT INTO analytics_events (store_id, course_id, statement_seq, learner, ts, family, action, activity, "
            "event) VALUES ($1, $2, 1, $3, now(), 'content', 'viewed', $2, '\\x90')",
            store_id,
            ACTIVITY,
            learner,
        )
        model = await conn.fetchval(
            "INSERT INTO analytics_models (store_id, kind, cut_key, version, trained_on, metrics, gate, "
            "feature_columns, artifact) VALUES ($1, 'logistic', 'week-2', 'v', '{}', '{}', '{}', '{}', '\\x00') "
            "RETURNING id",
            store_id,
        )
        insight = await conn.fetchval(
            "INSERT INTO analytics_insights (store_id, course_id, learner, as_of, model_id, risk, level) "
            "VALUES ($1, $2, $3, now(), $4, 0.9, 'high') RETURNING id",
            store_id,
            ACTIVITY,
            learner,
            model,
        )
        await conn.execute(
            "INSERT INTO analytics_feedback (store_id, insight_id, kind) VALUES ($1, $2, 'useful')", store_id, insight
        )
        await conn.execute(
            "INSERT INTO analytics_interventions (store_id, course_id, learner, kind, source) "
            "VALUES ($1, $2, $3, 'email', 'instructor')",
            store_id,
            ACTIVITY,
            learner,
        )
        job = uuid.uuid4()
        await conn.execute(
            "INSERT INTO analytics_jobs (store_id, id, kind) VALUES ($1, $2, 'train_models')", store_id, job
        )
    return {"learner": learner, "model": model, "insight": insight, "job": job}


async def test_insights_of_a_are_invisible_to_b(client: Client, pool: asyncpg.Pool) -> None:
    a, b = await make_store(pool), await make_store(pool)
    ids = await _analytics_of_a(pool, a.id)
    course = quote(ACTIVITY, safe="")
    learner = quote(ids["learner"], safe="")
    in_a = await client.get(f"/analytics/courses/{course}/at-risk", headers=a.headers())
    assert [r["learner"] for r in in_a.json()["items"]] == [ids["learner"]]  # the data exists, in A
    for path in (
        f"/analytics/courses/{course}",
        f"/analytics/courses/{course}/overview",
        f"/analytics/courses/{course}/at-risk",
        f"/analytics/courses/{course}/at-risk/export",
        f"/analytics/learners/{learner}/timeline",
        f"/analytics/models/{ids['model']}",
        f"/analytics/insights/{ids['insight']}",
        f"/analytics/jobs/{ids['job']}",
    ):
        response = await client.get(path, headers=b.headers())
        assert response.status_code == 404, path
        assert "Secret" not in response.text
    for path in ("/analytics/courses", "/analytics/models", "/analytics/feedback", "/analytics/interventions"):
        response = await client.get(path, headers=b.headers())
        assert response.status_code == 200 and response.json()["items"] == [], path
    impact = (await client.get("/analytics/interventions/impact", headers=b.headers())).json()["impact"]
    assert impact["treated"]["n"] == 0 and impact["control"]["n"] == 0
    feedback = await client.post(f"/analytics/insights/{ids['insight']}/feedback", json={"kind": "useful"},
                                 headers=b.headers())  # fmt: skip
    assert feedback.status_code == 404
    for action in ("activate", "deactivate"):
        response = await client.post(f"/analytics/models/{ids['model']}/{action}", params={"force": "true"}
                                     if action == "activate" else {}, headers=b.headers())  # fmt: skip
        assert response.status_code == 404
    record = {"course": ACTIVITY, "learner": ids["learner"], "kind": "email"}
    assert (await client.post("/analytics/interventions", json=record, headers=b.headers())).status_code == 404
    assert (await client.post("/analytics/score", params={"course": ACTIVITY}, headers=b.headers())).status_code == 404
    # B configuring a course of the same IRI creates B's own, leaving A's alone.
    assert (
        await client.put(f"/analytics/courses/{course}", json={"name": "B's"}, headers=b.headers())
    ).status_code == 201
    mine = (await client.get(f"/analytics/courses/{course}", headers=a.headers())).json()
    assert mine["course"]["name"] == "Secret course of store A"
