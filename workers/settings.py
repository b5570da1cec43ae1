"""arq `WorkerSettings`: the job functions, their schedules, and the pools they share through `ctx`."""

from __future__ import annotations

import dataclasses
import gc
import os
from typing import Any

from arq import cron
from arq.cron import CronJob
from arq.worker import func

from lrs.queue import NEW_STATEMENTS_JOB, SCORE_COURSES_JOB, TRAIN_MODELS_JOB, redis_settings
from lrs.settings import Settings
from lrs.store.db import create_pool
from workers import governance, jobs
from workers.scoring import ModelCache

# keep_result=0 everywhere: a finished job must not block the next one with the same (idempotent) job id.
# On-demand callers follow their job in `analytics_jobs`, not in arq's results.
FUNCTIONS = [
    func(jobs.process_new_statements, name=NEW_STATEMENTS_JOB, keep_result=0, max_tries=5, timeout=300),
    # A scoring killed with its worker is retried once its in-progress mark expires (the timeout).
    func(jobs.score_courses, name=SCORE_COURSES_JOB, keep_result=0, max_tries=3, timeout=120),
    func(jobs.train_models, name=TRAIN_MODELS_JOB, keep_result=0, max_tries=2, timeout=3600),
]
SWEEP_SECONDS = set(range(0, 60, 10))
CRON_JOBS = [
    cron(jobs.sweep_all_stores, second=SWEEP_SECONDS, run_at_startup=True, keep_result=0, timeout=300),
    cron(jobs.periodic_scoring, minute={7, 37}, second=0, keep_result=0, timeout=300),
    cron(jobs.nightly_training, hour=2, minute=30, second=0, keep_result=0, timeout=300),
    *governance.CRON_JOBS,
]


def cron_jobs() -> list[CronJob]:
    """Fresh copies of the schedules for one worker: arq keeps a schedule's next run time on the object, so a
    second worker in the same process (tests, a restarted `lrs dev` worker) would skip its start-up sweep."""
    return [dataclasses.replace(job, next_run=None) for job in CRON_JOBS]


POLL_DELAY = 0.1
"""Seconds between queue polls: short, so a debounced scoring starts soon after its delay (freshness)."""


GC_THRESHOLD = (100_000, 50, 100)


def tune_garbage_collector() -> None:
    """The feed decodes thousands of statements per batch into short-lived containers: collect cycles rarely and
    never re-scan what exists after start-up (as `lrs serve` does; several times faster decoding)."""
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)


async def startup(ctx: dict[str, Any]) -> None:
    tune_garbage_collector()
    settings: Settings = ctx.get("settings") or Settings.from_env()
    if not settings.database_url:
        raise RuntimeError("LRS_DATABASE_URL is not set")
    ctx["settings"] = settings
    ctx["pool"] = await create_pool(settings.database_url, min_size=1, max_size=4)
    ctx["models"] = ModelCache()


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
    poll_delay = POLL_DELAY


def worker_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for `arq.worker.Worker` bound to `settings` (used by `lrs worker` and `lrs dev`)."""
    if not settings.redis_url:
        raise RuntimeError("LRS_REDIS_URL is not set")
    return {
        "functions": FUNCTIONS,
        "cron_jobs": cron_jobs(),
        "on_startup": startup,
        "on_shutdown": shutdown,
        "redis_settings": redis_settings(settings.redis_url),
        "ctx": {"settings": settings},
        "max_jobs": WorkerSettings.max_jobs,
        "job_timeout": WorkerSettings.job_timeout,
        "poll_delay": POLL_DELAY,
    }
