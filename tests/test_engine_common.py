"""Shared helpers of the engine tests: simulated cohorts anchored at the real present (live scoring reads the
clock), loading them through the statements storage path, and a worker context without arq."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg
import msgspec

from lrs.settings import Settings
from lrs.store.db import in_transaction
from lrs.store.statements import store_statements
from lrs.xapi import parse_statements
from tests.conftest import StoreContext
from workers.scoring import ModelCache

# Small models on small cohorts are judged by a softer gate than the default; the default's own behaviour
# is tested in tests/analytics.
SOFT_GATE = {"gate": {"min_f1": 0.55, "max_f1_std": 0.3}}


def present() -> datetime:
    """Now, to the minute: simulated cohorts end where the live scoring's clock is."""
    return datetime.now(UTC).replace(second=0, microsecond=0)


async def load(pool: asyncpg.Pool, store: StoreContext, statements: list[dict[str, Any]], batch: int = 1000) -> None:
    """Store statements exactly as a POST would (validated, indexed, visible to the feed)."""
    for start in range(0, len(statements), batch):
        parsed = parse_statements(msgspec.json.encode(statements[start : start + batch]), "1.0.3")

        async def work(conn: asyncpg.Connection, parsed: Any = parsed) -> None:
            await store_statements(
                conn,
                store_id=store.id,
                statements=parsed,
                version="1.0.3",
                authority=store.credential.authority,
                may_define=True,
            )

        await in_transaction(pool, work)


async def configure(pool: asyncpg.Pool, store_id: int, analytics: dict[str, Any]) -> None:
    async with pool.acquire() as conn:
        await conn.execute(
            "UPDATE stores SET settings = jsonb_set(settings, '{analytics}', $2::jsonb) WHERE id = $1",
            store_id,
            msgspec.json.encode(analytics).decode(),
        )


def worker_ctx(pool: asyncpg.Pool, settings: Settings, redis: Any = None) -> dict[str, Any]:
    """What arq's startup puts in `ctx`, for calling job functions directly."""
    return {"pool": pool, "settings": settings, "redis": redis, "models": ModelCache()}


async def count(pool: asyncpg.Pool, sql: str, *args: Any) -> int:
    async with pool.acquire() as conn:
        return int(await conn.fetchval(sql, *args))
