"""Models, on-demand training and scoring jobs, and feedback on insights, on a simulated cohort.

Jobs are checked end to end: the API records the job and enqueues it in Redis with the row's id, then the
engine's own job function (run here in place of a worker) picks the row's parameters up and finishes it.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import asyncpg
import msgspec
import numpy as np
import pytest
from arq import create_pool
from litestar.testing import AsyncTestClient

from analytics.predictors import TrainedModel
from lrs.app import create_app
from lrs.queue import SCORE_COURSES_JOB, TRAIN_MODELS_JOB, redis_settings
from lrs.settings import Settings
from tests.conftest import BASE_URL, StoreContext
from tests.insights_cohort import Cohort, seeded_store
from workers import jobs

Client = AsyncTestClient[Any]


@pytest.fixture(scope="module")
async def seeded(pool: asyncpg.Pool) -> tuple[StoreContext, Cohort]:
    return await seeded_store(pool)


async def _queued(settings: Settings, job_id: str) -> tuple[str, tuple[Any, ...]]:
    """The function and arguments Redis holds for the arq job the API enqueued for `job_id`."""
    assert settings.redis_url
    redis = await create_pool(redis_settings(settings.redis_url))
    try:
        for job in await redis.queued_jobs():
            if job.job_id == f"api:{job_id}":
                return job.function, tuple(job.args)
    finally:
        await redis.aclose()
    raise AssertionError(f"job {job_id} is not queued")


async def test_models_are_listed_newest_first_and_paged(client: Client, seeded: tuple[StoreContext, Cohort]) -> None:
    store, cohort = seeded
    ids = sorted(cohort.model_ids.values(), reverse=True)
    seen: list[dict[str, Any]] = []
    params = {"limit": "2"}
    while True:
        page = (await client.get("/analytics/models", params=params, headers=store.headers())).json()
        seen += page["items"]
        if not page["next"]:
            break
        params = {"limit": "2", "cursor": page["next"]}
    assert [m["id"] for m in seen] == ids
    for model in seen:
        assert model["metrics"]["splits"]["count"] == 10 and "holdout" in model["metrics"]
        assert model["trained_on"]["courses"] == cohort.ended
        assert model["active"] == cohort.passed[model["cut_key"]]
        assert model["insights"] == sum(1 for s in cohort.insights if s.insight.cut_point == model["cut_key"])
    one = (await client.get("/analytics/models", params={"cut_key": "week-2"}, headers=store.headers())).json()
    assert [m["id"] for m in one["items"]] == [cohort.model_ids["week-2"]]
    active = (await client.get("/analytics/models", params={"active": "true"}, headers=store.headers())).json()
    assert {m["cut_key"] for m in active["items"]} == {k for k, passed in cohort.passed.items() if passed}


async def test_model_detail_explains_the_model(
    client: Client, pool: asyncpg.Pool, seeded: tuple[StoreContext, Cohort]
) -> None:
    store, cohort = seeded
    model_id = cohort.model_ids["week-4"]
    response = await client.get(f"/analytics/models/{model_id}", headers=store.headers())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model"]["cut_key"] == "week-4"
    assert body["quality"]["calibration"] == body["model"]["metrics"]["holdout"]["calibration"]
    assert sum(b["count"] for b in body["quality"]["calibration"]) == body["model"]["metrics"]["holdout"]["n"]
    artifact = await pool.fetchval("SELECT artifact FROM analytics_models WHERE store_id = $1 AND id = $2",
                                   store.id, model_id)  # fmt: skip
    coefficients = TrainedModel.from_bytes(artifact).estimator.named_steps["model"].coef_[0]
    expected = sorted(zip(body["model"]["feature_columns"], np.abs(coefficients), strict=True), key=lambda x: -x[1])
    assert body["importance_method"] == "standardised_coefficient"
    assert [f["feature"] for f in body["feature_importances"]] == [name for name, _ in expected]
    assert body["feature_importances"][0]["importance"] == pytest.approx(expected[0][1], abs=1e-4)
    assert {f["direction"] for f in body["feature_importances"]} <= {"raises_risk", "lowers_risk", None}
    missing = await client.get("/analytics/models/999999999", headers=store.headers())
    assert missing.status_code == 404 and missing.json()["path"] == "model_id"


async def test_feedback_is_stored_and_reported_with_the_model(
    client: Client, seeded: tuple[StoreContext, Cohort]
) -> None:
    store, cohort = seeded
    model_id = cohort.model_ids["week-2"]
    targets = [s for s in cohort.insights if s.insight.cut_point == "week-2"][:4]
    kinds = ["useful", "useful", "incorrectly_flagged", "fixed"]
    for target, kind in zip(targets, kinds, strict=True):
        response = await client.post(
            f"/analytics/insights/{target.id}/feedback", json={"kind": kind, "note": f"{kind} note"},
            headers=store.headers(),
        )  # fmt: skip
        assert response.status_code == 201, response.text
        assert response.json()["kind"] == kind and response.json()["insight_id"] == target.id
        assert response.json()["author"].startswith("account:")
    quality = (await client.get(f"/analytics/models/{model_id}", headers=store.headers())).json()["quality"]
    assert quality["feedback"] == dict(Counter(kinds))
    assert quality["feedback_total"] == 4
    assert quality["useful_share"] == 0.75 and quality["incorrectly_flagged_share"] == 0.25
    listed = (await client.get("/analytics/models", params={"cut_key": "week-2"}, headers=store.headers())).json()
    assert listed["items"][0]["feedback"] == dict(Counter(kinds))

    detail = (await client.get(f"/analytics/insights/{targets[2].id}", headers=store.headers())).json()
    assert detail["insight"]["learner"] == targets[2].insight.learner
    assert [f["kind"] for f in detail["feedback"]] == ["incorrectly_flagged"]
    by_kind = (await client.get("/analytics/feedback", params={"kind": "useful"}, headers=store.headers())).json()
    assert {f["insight_id"] for f in by_kind["items"]} == {targets[0].id, targets[1].id}
    first = (await client.get("/analytics/feedback", params={"limit": "3", "model": str(model_id)},
                              headers=store.headers())).json()  # fmt: skip
    rest = (await client.get("/analytics/feedback", params={"cursor": first["next"], "model": str(model_id)},
                             headers=store.headers())).json()  # fmt: skip
    assert [f["kind"] for f in first["items"] + rest["items"]] == kinds[::-1] and rest["next"] is None

    for url, body, status, path in (
        (f"/analytics/insights/{targets[0].id}/feedback", {"kind": "great"}, 400, "kind"),
        (f"/analytics/insights/{targets[0].id}/feedback", {"kind": "useful", "note": "x" * 2001}, 400, "note"),
        ("/analytics/insights/999999999/feedback", {"kind": "useful"}, 404, "insight_id"),
    ):
        response = await client.post(url, json=body, headers=store.headers())
        assert response.status_code == status, response.text
        assert response.json()["path"].endswith(path)
    assert (await client.get("/analytics/insights/999999999", headers=store.headers())).status_code == 404


async def test_activation_respects_the_quality_gate(client: Client, seeded: tuple[StoreContext, Cohort]) -> None:
    store, cohort = seeded
    failed = [k for k, passed in cohort.passed.items() if not passed]
    target = failed[0] if failed else "week-2"
    model_id = cohort.model_ids[target]
    if failed:
        refused = await client.post(f"/analytics/models/{model_id}/activate", headers=store.headers())
        assert refused.status_code == 409 and refused.json()["path"] == "force"
    forced = await client.post(f"/analytics/models/{model_id}/activate", params={"force": "true"},
                               headers=store.headers())  # fmt: skip
    assert forced.status_code == 200 and forced.json()["active"] is True
    off = await client.post(f"/analytics/models/{model_id}/deactivate", headers=store.headers())
    assert off.status_code == 200 and off.json()["active"] is False
    active = (await client.get("/analytics/models", params={"active": "true"}, headers=store.headers())).json()
    assert model_id not in {m["id"] for m in active["items"]}
    assert (await client.post("/analytics/models/999999999/activate", headers=store.headers())).status_code == 404


async def test_model_activation_is_audited(
    client: Client, pool: asyncpg.Pool, seeded: tuple[StoreContext, Cohort]
) -> None:
    store, cohort = seeded
    model_id = next(iter(cohort.model_ids.values()))
    await client.post(f"/analytics/models/{model_id}/activate", params={"force": "true"}, headers=store.headers())
    await client.post(f"/analytics/models/{model_id}/deactivate", headers=store.headers())
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT actor, target::text, details::text FROM audit_log WHERE store_id = $1 AND action = 'model.activate'"
            " ORDER BY id",
            store.id,
        )
    assert [msgspec.json.decode(r["details"])["active"] for r in rows][-2:] == [True, False]
    assert all(msgspec.json.decode(r["target"]) == {"model_id": model_id} for r in rows[-2:])
    assert rows[-1]["actor"] == f"credential:{store.credential.key}"


async def test_training_job_is_queued_polled_and_run_by_the_engine(
    client: Client, pool: asyncpg.Pool, settings: Settings, seeded: tuple[StoreContext, Cohort]
) -> None:
    store, cohort = seeded
    response = await client.post("/analytics/models/train", headers=store.headers())
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["status"] == "queued" and job["kind"] == TRAIN_MODELS_JOB
    assert response.headers["location"] == f"/analytics/jobs/{job['id']}"
    assert await _queued(settings, job["id"]) == (TRAIN_MODELS_JOB, (store.id, job["id"]))
    polled = (await client.get(f"/analytics/jobs/{job['id']}", headers=store.headers())).json()
    assert polled["status"] == "queued"

    await jobs.train_models({"pool": pool, "settings": settings}, store.id, job["id"])
    done = (await client.get(f"/analytics/jobs/{job['id']}", headers=store.headers())).json()
    assert done["status"] == "done" and done["finished"] is not None
    assert done["result"]["ended_courses"] == len(cohort.ended)
    listed = (await client.get("/analytics/models", params={"limit": "500"}, headers=store.headers())).json()
    assert len(listed["items"]) > len(cohort.model_ids)

    unknown = await client.get(f"/analytics/jobs/{uuid.uuid4()}", headers=store.headers())
    assert unknown.status_code == 404 and unknown.json()["path"] == "job_id"
    assert (await client.get("/analytics/jobs/not-a-uuid", headers=store.headers())).status_code in (400, 404)


async def test_scoring_as_of_a_past_time(
    client: Client, pool: asyncpg.Pool, settings: Settings, seeded: tuple[StoreContext, Cohort]
) -> None:
    store, cohort = seeded
    course = cohort.running
    as_of = datetime.fromtimestamp(cohort.calendars[course].start, UTC) + timedelta(days=30, hours=3)
    response = await client.post(
        "/analytics/score", params={"course": course, "as_of": as_of.isoformat()}, headers=store.headers()
    )
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["params"]["course_id"] == course and job["params"]["as_of"] == as_of.isoformat()
    assert await _queued(settings, job["id"]) == (SCORE_COURSES_JOB, (store.id, job["id"]))
    await jobs.score_courses({"pool": pool, "settings": settings}, store.id, job["id"])
    done = (await client.get(f"/analytics/jobs/{job['id']}", headers=store.headers())).json()
    assert done["status"] == "done", done
    written = await pool.fetchval(
        "SELECT count(*) FROM analytics_insights WHERE store_id = $1 AND course_id = $2 AND as_of = $3",
        store.id, course, as_of,
    )  # fmt: skip
    assert written > 0

    future = datetime.now(UTC) + timedelta(days=1)
    for params, status, path in (
        ({"as_of": future.isoformat()}, 400, "as_of"),
        ({"as_of": "last tuesday"}, 400, "as_of"),
        ({"course": "https://courses.example.com/unknown"}, 404, "course"),
        ({"courses": course}, 400, "courses"),
    ):
        bad = await client.post("/analytics/score", params=params, headers=store.headers())
        assert bad.status_code == status, bad.text
        assert bad.json()["path"] == path


async def test_jobs_are_refused_with_503_when_the_queue_is_down(
    settings: Settings, seeded: tuple[StoreContext, Cohort]
) -> None:
    store, _ = seeded
    offline = Settings.from_env({}, database_url=settings.database_url, redis_url="redis://127.0.0.1:9/0",
                                public_url=BASE_URL)  # fmt: skip
    async with AsyncTestClient(app=create_app(offline), base_url=BASE_URL) as other:
        response = await other.post("/analytics/models/train", headers=store.headers())
        assert response.status_code == 503, response.text
        course = quote("https://courses.example.com/x", safe="")
        assert (await other.get(f"/analytics/courses/{course}", headers=store.headers())).status_code == 404
