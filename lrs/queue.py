"""Hints to the workers over Redis ("store S has new statements"). PostgreSQL stays the source of truth.

A hint that cannot be sent is logged and dropped: statements are still accepted, and the workers catch up
from their durable cursor (a periodic sweep) once Redis is back.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from arq import create_pool
from arq.connections import ArqRedis, RedisSettings

log = logging.getLogger("lrs.queue")

NEW_STATEMENTS_JOB = "process_new_statements"
# On-demand analytics work, enqueued by the insights API and run by workers/: (store_id, job_id, ...).
TRAIN_MODELS_JOB = "train_models"
SCORE_COURSES_JOB = "score_courses"
RECONNECT_AFTER_SECONDS = 2.0
HINT_INTERVAL_SECONDS = 0.05
"""At most one "new statements" hint per store in this interval; writes in between share one trailing hint."""


def new_statements_job_id(store_id: int) -> str:
    """One queued hint per store at a time: enqueueing again while one waits is a no-op."""
    return f"new-statements:{store_id}"


def redis_settings(url: str, *, fail_fast: bool = False) -> RedisSettings:
    """arq's connection settings; `fail_fast` for the API's hints, which must never wait on Redis."""
    settings = RedisSettings.from_dsn(url)
    if fail_fast:
        settings.conn_timeout = 1
        settings.conn_retries = 0
    return settings


class Hinter:
    """Sends hints; never raises. Reconnects lazily after a failure, at most every few seconds."""

    def __init__(self, redis_url: str | None) -> None:
        self._url = redis_url
        self._pool: ArqRedis | None = None
        self._retry_at = 0.0
        # Concurrent first writes must share one pool, not each open (and leak) their own.
        self._connecting = asyncio.Lock()
        self._last_hint: dict[int, float] = {}
        self._trailing: dict[int, asyncio.Task[bool]] = {}

    async def _connection(self) -> ArqRedis | None:
        if self._url is None:
            return None
        if self._pool is None and time.monotonic() >= self._retry_at:
            async with self._connecting:
                if self._pool is None and time.monotonic() >= self._retry_at:
                    try:
                        self._pool = await create_pool(redis_settings(self._url, fail_fast=True))
                    except Exception as exc:
                        self._retry_at = time.monotonic() + RECONNECT_AFTER_SECONDS
                        log.warning("Redis unavailable (%s); hints are dropped until it returns", exc)
        return self._pool

    async def enqueue(self, function: str, *args: Any, job_id: str | None = None) -> bool:
        pool = await self._connection()
        if pool is None:
            return False
        try:
            await pool.enqueue_job(function, *args, _job_id=job_id)
        except Exception as exc:
            log.warning("could not enqueue %s (%s); the workers' sweep will catch up", function, exc)
            await self._drop()
            return False
        return True

    async def new_statements(self, store_id: int) -> bool:
        """Hint that `store_id` has new statements; call it after they are committed.

        Every call is followed by a hint sent after it: at once when none was sent for the store within
        `HINT_INTERVAL_SECONDS`, else by the one trailing hint (sent when the interval is over) that all calls
        in between share. So a busy store costs one Redis round trip per interval, not one per request.
        Returns False when the hint sent at once could not be delivered.
        """
        if store_id in self._trailing:
            return True
        wait = self._last_hint.get(store_id, -HINT_INTERVAL_SECONDS) + HINT_INTERVAL_SECONDS - time.monotonic()
        if wait > 0:
            self._trailing[store_id] = asyncio.create_task(self._hint_later(store_id, wait))
            return True
        return await self._hint(store_id)

    async def _hint(self, store_id: int) -> bool:
        self._last_hint[store_id] = time.monotonic()
        return await self.enqueue(NEW_STATEMENTS_JOB, store_id, job_id=new_statements_job_id(store_id))

    async def _hint_later(self, store_id: int, delay: float) -> bool:
        await asyncio.sleep(delay)
        # Leave the trailing slot before sending: a commit from now on needs (and schedules) a hint of its own.
        del self._trailing[store_id]
        return await self._hint(store_id)

    async def ping(self) -> bool:
        pool = await self._connection()
        if pool is None:
            return False
        try:
            return bool(await pool.ping())
        except Exception:
            await self._drop()
            return False

    async def _drop(self) -> None:
        pool, self._pool = self._pool, None
        self._retry_at = time.monotonic() + RECONNECT_AFTER_SECONDS
        if pool is not None:
            try:
                await pool.aclose()
            except Exception as exc:
                log.debug("closing a broken Redis connection failed: %s", exc)

    async def close(self) -> None:
        """Send the trailing hints still waiting, then close the connection."""
        if self._trailing:
            await asyncio.gather(*self._trailing.values())
        if self._pool is not None:
            await self._pool.aclose()
            self._pool = None
