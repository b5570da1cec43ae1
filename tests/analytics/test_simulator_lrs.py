"""The simulator's statements are accepted by our LRS, posted the way `lrs simulate --endpoint` posts them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from analytics.simulate_cli import Progress, post_statements
from analytics.simulator import SimulationConfig, simulate
from tests.conftest import BASE_URL, StoreContext


async def test_simulated_statements_are_stored(
    client: AsyncTestClient[Any], store: StoreContext, pool: asyncpg.Pool
) -> None:
    config = SimulationConfig(learners=8, courses=2, weeks=3, seed=21, now=datetime(2026, 2, 1, tzinfo=UTC))
    expected = sum(1 for _ in simulate(config))
    sent = await post_statements(
        config,
        f"{BASE_URL}/xapi",
        (store.credential.key, store.credential.secret),
        batch=50,
        concurrency=4,
        progress=Progress(None, "posting"),
        client=client,
    )
    assert sent == expected
    async with pool.acquire() as conn:
        stored = await conn.fetchval("SELECT count(*) FROM statements WHERE store_id = $1", store.id)
    assert stored == expected
    again = await post_statements(
        config,
        f"{BASE_URL}/xapi",
        (store.credential.key, store.credential.secret),
        batch=200,
        concurrency=2,
        progress=Progress(None, "posting"),
        client=client,
    )
    assert again == expected  # the same statements again are accepted and not duplicated
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM statements WHERE store_id = $1", store.id) == expected
