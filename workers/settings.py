"""arq `WorkerSettings`: the job functions, the periodic sweep, and the pools they share through `ctx`."""

from __future__ import annotations

import os
from typing import Any

from arq import cron
from arq.worker import func

from lrs.queue import NEW_STATEMENTS_JOB, redis_settings
from lrs.settings import Settings
from lrs.store.db import create_pool
from workers import jobs

# keep_result=0: a finished hint must not block the next hint with the same job id.
FUNCTIONS = [func(jobs.process_new_statements, name=NEW_STATEMENTS_JOB, keep_result=0, max_tries=5)]
CRON_JOBS = [cron(jobs.sweep_all_stores, second={0, 30}, run_at_startup=True, keep_result=0)]


async def startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx.get("settings") or Settings.from_env()
    if not settings.database_url:
        raise RuntimeError("LRS_DATABASE_URL is not set")
    ctx["settings"] = settings
    ctx["pool"] = await create_pool(settings.database_url, min_size=1, max_size=4)


async def shutdown(ctx: dict[str, Any]) -> None:
    pool = ctx.get("pool")
    if pool is not None:
        await pool.close()


class WorkerSettings:
    """For the `arq` command (`arq workers.settings.WorkerSettings`); `lrs worker` uses `worker_options`."""

    functions = FUNCTIONS
    cron_jobs = CRON_JOBS
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = redis_settings(os.environ.get("LRS_REDIS_URL") or "redis://localhost:6379")
    max_jobs = 4
    job_timeout = 600


def worker_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for `arq.worker.Worker` bound to `settings` (used by `lrs worker` and `lrs dev`)."""
    if not settings.redis_url:
        raise RuntimeError("LRS_REDIS_URL is not set")
    return {
        "functions": FUNCTIONS,
        "cron_jobs": CRON_JOBS,
        "on_startup": startup,
        "on_shutdown": shutdown,
        "redis_settings": redis_settings(settings.redis_url),
        "ctx": {"settings": settings},
        "max_jobs": WorkerSettings.max_jobs,
        "job_timeout": WorkerSettings.job_timeout,
    }
