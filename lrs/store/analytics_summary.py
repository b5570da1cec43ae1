"""The event-based half of a course overview, computed from `analytics_events` and cached per course.

Aggregating every event of a large course takes seconds (10,000 learners have millions of events), so the result
is stored in `analytics_course_summaries` with a fingerprint of the course's events and calendar (the highest
statement seq among its events, its start and end). A read returns the cached summary; when the fingerprint
changed and the summary is older than `refresh_after` seconds (or older than `max_age` in any case: "active in
the last 7 days" moves with the clock), the caller refreshes it in the background. Only a course never
summarised is computed while the request waits. One refresh per course runs at a time (an advisory lock).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
import msgspec

from lrs.store.sql import q

WEEK = timedelta(days=7)
LEARNING_FAMILIES = ("content", "assessment", "submission")
"""The event families whose activities count for completion by activity type."""
DONE_ACTIONS = ("completed", "passed", "mastered", "satisfied")
"""Actions that complete an activity even without `result.completion`."""
STOPPED_AFTER_DAYS = 14.0
"""A learner without any event for this long (and without an outcome) has stopped."""
DROP_OFF_POINTS = 10
SCORE_BINS = 10
REFRESH_AFTER_SECONDS = 60.0
MAX_AGE_SECONDS = 3600.0
SUMMARY_WORK_MEM = "64MB"


class WeekActivity(msgspec.Struct, kw_only=True):
    """One course week (0 = the week the course starts): events and learners with at least one event."""

    week: int
    start: datetime
    events: int
    learners: int


class TypeCompletion(msgspec.Struct, kw_only=True):
    """Completion of one activity type: of every (learner, activity) pair possible, the share touched and the
    share completed (`result.completion` true, or completed / passed / mastered / satisfied)."""

    activity_type: str | None
    family: str
    activities: int
    accessed_rate: float
    completion_rate: float


class ScoreBin(msgspec.Struct, kw_only=True):
    lower: float
    upper: float
    learners: int


class ScoreDistribution(msgspec.Struct, kw_only=True):
    """Learners' mean scaled assessment score (clamped to 0-1): quartiles and a 10-bin histogram."""

    learners: int
    mean: float | None
    p25: float | None
    median: float | None
    p75: float | None
    bins: list[ScoreBin]


class DropPoint(msgspec.Struct, kw_only=True):
    """An activity after which `learners` stopped (it was their last), and their share of all who stopped."""

    activity: str
    activity_type: str | None
    learners: int
    share: float


class DropOff(msgspec.Struct, kw_only=True):
    """Learners who stopped: withdrew, or no event for `inactive_days` before the course ended (or now) and no
    outcome; the activities they did last, most frequent first."""

    stopped: int
    withdrew: int
    inactive_days: float
    points: list[DropPoint]


class CourseSummary(msgspec.Struct, kw_only=True):
    """What the course's events say, as of `as_of` (when it was computed)."""

    as_of: datetime
    start: datetime | None
    learners: int
    active_last_7_days: int
    events_last_7_days: int
    weeks: list[WeekActivity]
    completion: list[TypeCompletion]
    scores: ScoreDistribution
    drop_off: DropOff


@dataclass(frozen=True)
class CachedSummary:
    summary: CourseSummary
    stale: bool


def _moment(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(float(epoch), UTC)


def quantile(ordered: Sequence[float], p: float) -> float | None:
    """Linear interpolation between closest ranks (PostgreSQL's percentile_cont, numpy's default)."""
    if not ordered:
        return None
    position = p * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def score_distribution(means: Sequence[float], bins: int = SCORE_BINS) -> ScoreDistribution:
    values = sorted(min(1.0, max(0.0, v)) for v in means)
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, int(v * bins))] += 1
    return ScoreDistribution(
        learners=len(values),
        mean=math.fsum(values) / len(values) if values else None,
        p25=quantile(values, 0.25),
        median=quantile(values, 0.5),
        p75=quantile(values, 0.75),
        bins=[ScoreBin(lower=b / bins, upper=(b + 1) / bins, learners=counts[b]) for b in range(bins)],
    )


async def compute(
    conn: asyncpg.Connection,
    store_id: int,
    course_id: str,
    *,
    as_of: datetime,
    start: datetime | None,
    end: datetime | None,
    withdrawal_actions: Sequence[str],
) -> CourseSummary:
    """Aggregate the course's events up to `as_of`; weeks count from `start` (None: no weekly series)."""
    learners = await conn.fetch(
        q("analytics_read", "summary_learners"), store_id, course_id, as_of, list(withdrawal_actions)
    )
    horizon = min(as_of, end) if end is not None else as_of
    inactive_before = (horizon - timedelta(days=STOPPED_AFTER_DAYS)).timestamp()
    stopped = [
        r["learner"] for r in learners if not r["finished"] and (r["withdrew"] or float(r["last_ts"]) < inactive_before)
    ]
    last = await conn.fetch(q("analytics_read", "summary_last_activities"), store_id, course_id, stopped, as_of)
    counts = Counter((r["activity"], r["activity_type"]) for r in last)
    points = [
        DropPoint(activity=activity, activity_type=kind, learners=n, share=round(n / len(stopped), 4))
        for (activity, kind), n in sorted(counts.items(), key=lambda item: (-item[1], item[0][0]))[:DROP_OFF_POINTS]
    ]
    weeks: list[WeekActivity] = []
    if start is not None:
        rows = await conn.fetch(q("analytics_read", "summary_weeks"), store_id, course_id, start, as_of)
        weeks = [
            WeekActivity(week=r["week"], start=start + WEEK * r["week"], events=r["events"], learners=r["learners"])
            for r in rows
        ]
    completion_rows = await conn.fetch(
        q("analytics_read", "summary_completion"), store_id, course_id, list(LEARNING_FAMILIES), list(DONE_ACTIONS)
    )
    total = len(learners)
    completion = [
        TypeCompletion(
            activity_type=r["activity_type"] or None,
            family=r["family"],
            activities=r["activities"],
            accessed_rate=round(r["touched"] / (r["activities"] * total), 4) if total else 0.0,
            completion_rate=round(r["completed"] / (r["activities"] * total), 4) if total else 0.0,
        )
        for r in completion_rows
    ]
    return CourseSummary(
        as_of=as_of,
        start=start,
        learners=total,
        active_last_7_days=sum(1 for r in learners if r["recent"] > 0),
        events_last_7_days=sum(int(r["recent"]) for r in learners),
        weeks=weeks,
        completion=completion,
        scores=score_distribution([float(r["mean_score"]) for r in learners if r["mean_score"] is not None]),
        drop_off=DropOff(
            stopped=len(stopped),
            withdrew=sum(1 for r in learners if r["withdrew"] and not r["finished"]),
            inactive_days=STOPPED_AFTER_DAYS,
            points=points,
        ),
    )


async def _state(conn: asyncpg.Connection, store_id: int, course_id: str) -> asyncpg.Record:
    return await conn.fetchrow(q("analytics_read", "summary_cached"), store_id, course_id)


def _week_zero(state: asyncpg.Record) -> datetime | None:
    """The course start; without a calendar, the day of its first event."""
    start = _moment(state["start_at"])
    if start is None and state["first_event"] is not None:
        first = float(state["first_event"])
        start = _moment(first - first % 86400.0)
    return start


async def refresh(
    pool: asyncpg.Pool,
    store_id: int,
    course_id: str,
    *,
    withdrawal_actions: Sequence[str],
    wait: bool = False,
) -> CourseSummary | None:
    """Recompute and store the course's summary; None when another refresh holds the lock and `wait` is False.

    With `wait`, a summary that another refresh finished meanwhile (same fingerprint) is returned as it is.
    """
    async with pool.acquire() as conn, conn.transaction():
        if wait:
            await conn.execute(q("analytics_actions", "summary_lock"), store_id, course_id)
        elif not await conn.fetchval(q("analytics_actions", "try_summary_lock"), store_id, course_id):
            return None
        state = await _state(conn, store_id, course_id)
        if wait and state["body"] is not None and state["fingerprint"] == state["current_fingerprint"]:
            return msgspec.json.decode(state["body"], type=CourseSummary)  # made while this one waited
        await conn.execute(f"SET LOCAL work_mem = '{SUMMARY_WORK_MEM}'")
        summary = await compute(
            conn,
            store_id,
            course_id,
            as_of=datetime.now(UTC),
            start=_week_zero(state),
            end=_moment(state["end_at"]),
            withdrawal_actions=withdrawal_actions,
        )
        await conn.execute(
            q("analytics_actions", "save_summary"),
            store_id,
            course_id,
            state["current_fingerprint"],
            summary.as_of,
            msgspec.json.encode(summary).decode(),
        )
    return summary


async def cached(
    pool: asyncpg.Pool,
    store_id: int,
    course_id: str,
    *,
    withdrawal_actions: Sequence[str],
) -> CachedSummary:
    """The course's summary: the cached one (`stale` when the caller should refresh it), or a new one."""
    async with pool.acquire() as conn:
        state = await _state(conn, store_id, course_id)
    if state["body"] is not None:
        age = (datetime.now(UTC) - state["computed_at"]).total_seconds()
        changed = state["fingerprint"] != state["current_fingerprint"]
        summary = msgspec.json.decode(state["body"], type=CourseSummary)
        return CachedSummary(summary, stale=(changed and age >= REFRESH_AFTER_SECONDS) or age >= MAX_AGE_SECONDS)
    fresh = await refresh(pool, store_id, course_id, withdrawal_actions=withdrawal_actions, wait=True)
    assert fresh is not None
    return CachedSummary(fresh, stale=False)
