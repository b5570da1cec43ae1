"""arq job functions. Thin: they read the statement feed and hand batches to the analytics pipeline."""

from __future__ import annotations

import logging
from typing import Any

import asyncpg

from lrs.store import feed

log = logging.getLogger("lrs.worker")

FEED_NAME = "analytics"

# Handlers called with each batch of new statements, in order, inside the batch's transaction.
HANDLERS: list[feed.Handler] = []


async def _dispatch(conn: asyncpg.Connection, store_id: int, statements: list[dict[str, Any]]) -> None:
    for handler in HANDLERS:
        await handler(conn, store_id, statements)


async def process_new_statements(ctx: dict[str, Any], store_id: int) -> int:
    """Catch one store up with its new statements; enqueued as a hint after each statements commit."""
    count = await feed.consume(ctx["pool"], store_id, FEED_NAME, _dispatch)
    if count:
        log.info("store %s: processed %d new statements", store_id, count)
    return count


async def sweep_all_stores(ctx: dict[str, Any]) -> int:
    """Periodic catch-up for hints Redis lost (or never got while it was down)."""
    total = 0
    for store_id in await feed.store_ids(ctx["pool"]):
        total += await process_new_statements(ctx, store_id)
    return total
