"""A simulated cohort written straight into the analytics tables of a fresh store, for the insights API tests.

Three offerings of one course (two ended with outcome labels, the last running now), their events, real models
trained on the ended offerings, weekly insights scored with them for every offering, and the interventions the
engine would record (automated ones, or a `holdout` row for the random hold-out group). Seeding the tables
directly keeps these tests independent of the engine's progress; one test goes through the engine instead.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import msgspec

from analytics.courses import WEEK, CourseCalendar, infer_calendars
from analytics.dataset import group_by_course
from analytics.events import Event, events_from_statements
from analytics.insights import Insight
from analytics.pipeline.config import DEFAULT_CONFIG
from analytics.pipeline.ids import in_holdout
from analytics.pipeline.learning import train_store
from analytics.predictors import TrainedModel
from analytics.simulator import Offering, SimulationConfig, plan_offerings, simulate_offering
from analytics.targets import Label, generate_labels
from analytics.training import score_course
from tests.conftest import StoreContext, make_store

HOLDOUT_SHARE = 0.3


@dataclass
class SeededInsight:
    id: int
    insight: Insight


@dataclass
class Cohort:
    """What was written, for tests to compute expectations from independently of the API."""

    store_id: int
    offerings: list[Offering]
    events: list[Event]
    calendars: dict[str, CourseCalendar]
    labels: list[Label]
    model_ids: dict[str, int]
    passed: dict[str, bool]
    insights: list[SeededInsight]
    interventions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def running(self) -> str:
        return self.offerings[-1].course_id

    @property
    def ended(self) -> list[str]:
        return [o.course_id for o in self.offerings[:-1]]

    def course_events(self, course: str) -> list[Event]:
        return [e for e in self.events if e.course == course]

    def current(self, course: str) -> dict[str, SeededInsight]:
        """Each learner's latest insight in the course (latest as_of, then highest id)."""
        latest: dict[str, SeededInsight] = {}
        for s in self.insights:
            if s.insight.course != course:
                continue
            held = latest.get(s.insight.learner)
            if held is None or (s.insight.as_of, s.id) > (held.insight.as_of, held.id):
                latest[s.insight.learner] = s
        return latest


def _ts(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def simulate(now: datetime, learners: int = 80, seed: int = 11) -> tuple[list[Offering], list[Event]]:
    config = SimulationConfig(learners=learners, courses=3, weeks=8, seed=seed, now=now, progress=0.6)
    offerings = plan_offerings(config)
    statements: list[dict[str, Any]] = []
    for offering in offerings:
        statements.extend(simulate_offering(config, offering)[0])
    return offerings, list(events_from_statements(statements))


async def _insert_events(conn: asyncpg.Connection, store_id: int, events: list[Event]) -> None:
    records = [
        (
            store_id,
            e.course,
            seq,
            e.learner,
            _ts(e.timestamp),
            str(e.family),
            e.action,
            e.activity,
            e.activity_type,
            e.score,
            e.success,
            e.completion,
            e.duration,
            msgspec.msgpack.encode(e),
        )
        for seq, e in enumerate(events, start=1)
    ]
    await conn.copy_records_to_table(
        "analytics_events",
        records=records,
        columns=[
            "store_id",
            "course_id",
            "statement_seq",
            "learner",
            "ts",
            "family",
            "action",
            "activity",
            "activity_type",
            "score",
            "success",
            "completion",
            "duration",
            "event",
        ],
    )


async def _insert_insights(
    conn: asyncpg.Connection, store_id: int, model_id: int, insights: list[Insight]
) -> list[SeededInsight]:
    rows = await conn.fetch(
        """
        INSERT INTO analytics_insights (store_id, course_id, learner, as_of, model_id, cut_key, risk, level,
                                        engagement, factors, interventions)
        SELECT $1, u.course, u.learner, to_timestamp(u.as_of), $2, u.cut_key, u.risk, u.level, u.engagement,
               u.factors::jsonb, u.interventions::jsonb
        FROM unnest($3::text[], $4::text[], $5::float8[], $6::text[], $7::float8[], $8::text[], $9::float8[],
                    $10::text[], $11::text[])
             AS u(course, learner, as_of, cut_key, risk, level, engagement, factors, interventions)
        RETURNING id, learner, extract(epoch FROM as_of) AS as_of
        """,
        store_id,
        model_id,
        [i.course for i in insights],
        [i.learner for i in insights],
        [i.as_of for i in insights],
        [i.cut_point for i in insights],
        [i.probability for i in insights],
        [i.level for i in insights],
        [i.engagement for i in insights],
        [msgspec.json.encode(i.factors).decode() for i in insights],
        [msgspec.json.encode(i.interventions).decode() for i in insights],
    )
    by_key = {(i.learner, round(i.as_of, 3)): i for i in insights}
    return [SeededInsight(r["id"], by_key[(r["learner"], round(float(r["as_of"]), 3))]) for r in rows]


async def seed(pool: asyncpg.Pool, store_id: int, now: datetime | None = None) -> Cohort:
    """Simulate, train, score and write a cohort into the store's analytics tables."""
    moment = (now or datetime.now(UTC)).replace(microsecond=0)
    offerings, events = simulate(moment)
    calendars = infer_calendars(events)
    by_course = group_by_course(events)
    labels = generate_labels(events, calendars, moment.timestamp())
    outcome = train_store(by_course, calendars, labels, DEFAULT_CONFIG, now=moment.timestamp())
    cohort = Cohort(store_id, offerings, events, calendars, labels, {}, {}, [])
    async with pool.acquire() as conn, conn.transaction():
        await _insert_events(conn, store_id, events)
        for o in offerings:
            calendar = calendars[o.course_id]
            last = max(e.timestamp for e in by_course[o.course_id])
            await conn.execute(
                """
                INSERT INTO analytics_courses (store_id, course_id, name, inferred_start, inferred_end,
                                               last_event_at, changed_at)
                VALUES ($1, $2, $3, $4, $5, $6, now())
                """,
                store_id,
                o.course_id,
                o.title,
                _ts(calendar.start),
                None if calendar.end is None else _ts(calendar.end),
                _ts(last),
            )
        await conn.executemany(
            "INSERT INTO analytics_labels (store_id, course_id, learner, at_risk, reason, decided_at) "
            "VALUES ($1, $2, $3, $4, $5, $6)",
            [(store_id, lb.course, lb.learner, lb.at_risk, lb.reason, _ts(lb.decided_at)) for lb in labels],
        )
        models: dict[str, TrainedModel] = {}
        for record in outcome.records:
            cohort.model_ids[record.cut_key] = await conn.fetchval(
                """
                INSERT INTO analytics_models (store_id, kind, cut_key, version, trained_on, metrics, gate,
                                              feature_columns, artifact, active)
                VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7::jsonb, $8, $9, $10) RETURNING id
                """,
                store_id,
                record.kind,
                record.cut_key,
                record.version,
                json.dumps(record.trained_on),
                json.dumps(record.metrics),
                json.dumps(record.gate),
                record.feature_columns,
                record.artifact,
                record.passed,
            )
            cohort.passed[record.cut_key] = record.passed
            models[record.cut_key] = TrainedModel.from_bytes(record.artifact)
        for o in offerings:
            calendar = calendars[o.course_id]
            horizon = min(moment.timestamp(), o.end)
            week = 2
            while calendar.start + week * WEEK <= horizon:
                as_of = calendar.start + week * WEEK
                found = score_course(models, by_course[o.course_id], calendar, as_of)
                by_cut: dict[str, list[Insight]] = defaultdict(list)
                for insight in found:
                    by_cut[insight.cut_point].append(insight)
                for cut, group in sorted(by_cut.items()):
                    cohort.insights += await _insert_insights(conn, store_id, cohort.model_ids[cut], group)
                week += 1
        cohort.interventions = await _insert_interventions(conn, store_id, cohort)
    return cohort


async def _insert_interventions(conn: asyncpg.Connection, store_id: int, cohort: Cohort) -> list[dict[str, Any]]:
    """As the engine does: when a learner is first flagged, the recommended interventions (automated), or one
    `holdout` row per recommendation for the hold-out group."""
    rows: list[dict[str, Any]] = []
    flagged: set[tuple[str, str]] = set()
    for s in sorted(cohort.insights, key=lambda s: (s.insight.as_of, s.id)):
        insight = s.insight
        key = (insight.course, insight.learner)
        if insight.level == "low" or not insight.interventions or key in flagged:
            continue
        flagged.add(key)
        source = "holdout" if in_holdout(insight.learner, insight.course, HOLDOUT_SHARE) else "automated"
        for advice in insight.interventions:
            rows.append(
                {
                    "course": insight.course,
                    "learner": insight.learner,
                    "kind": advice.code,
                    "source": source,
                    "insight_id": s.id,
                    "created": _ts(insight.as_of) + timedelta(minutes=5),
                }
            )
    await conn.executemany(
        "INSERT INTO analytics_interventions (store_id, course_id, learner, kind, source, insight_id, created) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7)",
        [(store_id, r["course"], r["learner"], r["kind"], r["source"], r["insight_id"], r["created"]) for r in rows],
    )
    return rows


def quantile(values: list[float], p: float) -> float:
    """Linear interpolation between closest ranks, written out for the tests."""
    ordered = sorted(values)
    position = p * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


async def seeded_store(pool: asyncpg.Pool) -> tuple[StoreContext, Cohort]:
    """A fresh store (all scopes) holding a seeded cohort: each test module seeds its own, so none interfere."""
    store = await make_store(pool)
    return store, await seed(pool, store.id)
