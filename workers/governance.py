"""The retention job: once a day, every store with `retention_days` loses the statements stored before its
cut-off and the analytics older than it (`lrs.governance.deletion.apply_retention`), in batches, audited."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import asyncpg
from arq import cron

from lrs.governance.audit import RETENTION_ACTOR
from lrs.governance.deletion import apply_retention
from lrs.store import governance as store

log = logging.getLogger("lrs.worker.retention")

RETENTION_HOUR = 3
RETENTION_MINUTE = 17


async def apply_retention_everywhere(ctx: dict[str, Any]) -> int:
    """Apply each store's retention limit as of now; returns the number of statements deleted."""
    pool: asyncpg.Pool = ctx["pool"]
    now = datetime.now(UTC)
    total = 0
    async with pool.acquire() as conn:
        for store_id, name, _days in await store.stores_with_retention(conn):
            try:
                report = await apply_retention(conn, store_id, now=now, actor=RETENTION_ACTOR)
            except Exception:
                # One store's failure must not keep the others' data past its limit; the next run retries it.
                log.exception("retention failed for store %s", name)
                continue
            if report is not None:
                total += report.statements.statements
                log.info("store %s: retention removed %d statements", name, report.statements.statements)
    return total


CRON_JOBS = [
    cron(
        apply_retention_everywhere,
        hour={RETENTION_HOUR},
        minute={RETENTION_MINUTE},
        second=0,
        unique=True,
        keep_result=0,
        timeout=3600,
    )
]
