"""Through the engine: statements posted over xAPI, read by the engine's feed handler into the analytics tables,
then reported by the insights API (the other insights API tests seed the tables directly)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import asyncpg
from litestar.testing import AsyncTestClient

from analytics.events import events_from_statements
from analytics.simulator import SimulationConfig, plan_offerings, simulate_offering
from lrs.settings import Settings
from tests.conftest import make_store
from workers import jobs

Client = AsyncTestClient[Any]


async def test_statements_reach_the_overview_through_the_engine(
    client: Client, pool: asyncpg.Pool, settings: Settings
) -> None:
    store = await make_store(pool)
    config = SimulationConfig(learners=15, courses=2, weeks=4, seed=5, now=datetime.now(UTC), progress=0.5)
    statements: list[dict[str, Any]] = []
    titles = {}
    for offering in plan_offerings(config):
        statements += simulate_offering(config, offering)[0]
        titles[offering.course_id] = offering.title
    for start in range(0, len(statements), 500):
        response = await client.post("/xapi/statements", json=statements[start : start + 500], headers=store.headers())
        assert response.status_code == 200, response.text
    assert await jobs.process_new_statements({"pool": pool, "settings": settings}, store.id) == len(statements)

    learners: dict[str, set[str]] = defaultdict(set)
    for event in events_from_statements(statements):
        learners[event.course].add(event.learner)
    listed = (await client.get("/analytics/courses", headers=store.headers())).json()["items"]
    assert {c["id"]: (c["name"], c["learners"]) for c in listed} == {
        course: (titles[course], len(found)) for course, found in learners.items()
    }
    running = max(titles)
    overview = await client.get(f"/analytics/courses/{quote(running, safe='')}/overview", headers=store.headers())
    assert overview.status_code == 200, overview.text
    body = overview.json()
    assert body["learners"] == len(learners[running]) and body["active_last_7_days"] > 0
    assert sum(w["events"] for w in body["weeks"]) > 0
    learner = sorted(learners[running])[0]
    timeline = await client.get(f"/analytics/learners/{quote(learner, safe='')}/timeline", headers=store.headers())
    assert timeline.status_code == 200 and timeline.json()["courses"][0]["weeks"]
