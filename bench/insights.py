"""Insights API: latency of the course overview and the at-risk list for one large running course.

    python -m bench insights [--learners 10000] [--weeks 12] [--progress 0.5] [--requests 200] [--clients 1]

Seeds a store the way the engine would have filled it: the simulator's statements for one offering of
`--learners` learners, `--progress` through its `--weeks` weeks, turned into `analytics_events` rows; a weekly
insight for every learner since week 2 (synthetic risks: the API reads them, it does not compute them) and the
interventions (or hold-out rows) of the learners flagged at risk; then vacuums and analyzes, as autovacuum would.
`lrs serve` then answers `--requests` requests per endpoint, endpoints taking turns, from `--clients` concurrent
clients, after one unmeasured warm-up request each (the first overview computes the course's cached summary: its
time is reported as `summary_cold_ms`, as is a forced recomputation).
Target: overview and at-risk p95 at most 100 ms for 10,000 learners.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import asyncpg
import httpx
import msgspec

from analytics.courses import WEEK
from analytics.events import events_from_statements
from analytics.insights import RiskBands
from analytics.pipeline.ids import in_holdout
from analytics.simulator import SimulationConfig, plan_offerings, simulate_chunks
from bench._harness import Services, database, describe, emit, lrs_server, machine, new_store, percentile, services
from bench._harness import table as format_table
from lrs.store import analytics_summary

EVENT_COLUMNS = [
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
]
INSIGHT_COLUMNS = [
    "store_id",
    "course_id",
    "learner",
    "as_of",
    "model_id",
    "cut_key",
    "risk",
    "level",
    "engagement",
    "factors",
    "interventions",
]
FACTORS = ("days_since_last_activity", "content_completion_rate", "assessment_mean", "missing_submissions")
ADVICE = {
    "days_since_last_activity": ("re-engagement-nudge", "Send a re-engagement nudge"),
    "content_completion_rate": ("content-recommendation", "Recommend the content not yet completed"),
    "assessment_mean": ("instructor-alert", "Alert the instructor: scores are declining"),
    "missing_submissions": ("deadline-reminder", "Remind of missed and upcoming deadlines"),
}
HOLDOUT_SHARE = 0.1


def _moment(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


async def seed_events(conn: asyncpg.Connection, store_id: int, config: SimulationConfig) -> tuple[int, set[str]]:
    """The offering's events, simulated week by week and copied in as they come (memory stays at a week)."""
    count, learners = 0, set()
    encoder = msgspec.msgpack.Encoder()
    for _, chunk in simulate_chunks(config):
        records = []
        for event in events_from_statements(chunk):
            count += 1
            learners.add(event.learner)
            records.append(
                (
                    store_id,
                    event.course,
                    count,
                    event.learner,
                    _moment(event.timestamp),
                    str(event.family),
                    event.action,
                    event.activity,
                    event.activity_type,
                    event.score,
                    event.success,
                    event.completion,
                    event.duration,
                    encoder.encode(event),
                )
            )
        await conn.copy_records_to_table("analytics_events", records=records, columns=EVENT_COLUMNS)
    return count, learners


def synthetic_insights(
    store_id: int, course: str, learners: list[str], start: float, now: float, rng: random.Random
) -> list[tuple[Any, ...]]:
    """A weekly insight per learner from week 2: a personal base risk drifting a little each week."""
    bands = RiskBands()
    rows = []
    base = {learner: rng.betavariate(1.6, 3.2) for learner in learners}
    week = 2
    while start + week * WEEK <= now:
        as_of = _moment(start + week * WEEK)
        for learner in learners:
            risk = min(1.0, max(0.0, base[learner] + rng.gauss(0.0, 0.05)))
            level = bands.level(risk)
            named = rng.sample(FACTORS, 3)
            factors = [{"feature": f, "value": round(rng.random(), 3), "contribution": round(0.4 / (i + 1), 4),
                        "description": f.replace("_", " ")} for i, f in enumerate(named)]  # fmt: skip
            advice = [] if level == "low" else [
                {"code": ADVICE[f][0], "title": ADVICE[f][1], "reason": "synthetic", "audience": "learner"}
                for f in named[:2]
            ]  # fmt: skip
            rows.append(
                (
                    store_id,
                    course,
                    learner,
                    as_of,
                    None,
                    f"week-{min(week, 10)}",
                    risk,
                    level,
                    round(100.0 * (1.0 - risk) * rng.uniform(0.8, 1.0), 1),
                    msgspec.json.encode(factors).decode(),
                    msgspec.json.encode(advice).decode(),
                )
            )
        week += 1
    return rows


async def seed(pool: asyncpg.Pool, store_id: int, args: argparse.Namespace) -> dict[str, Any]:
    now = datetime.now(UTC)
    config = SimulationConfig(
        learners=args.learners, courses=1, weeks=args.weeks, seed=args.seed, now=now, progress=args.progress
    )
    offering = plan_offerings(config)[0]
    started = time.perf_counter()
    async with pool.acquire() as conn:
        events, learners = await seed_events(conn, store_id, config)
        await conn.execute(
            "INSERT INTO analytics_courses (store_id, course_id, name, inferred_start, inferred_end, last_event_at, "
            "changed_at) VALUES ($1, $2, $3, $4, $5, now(), now())",
            store_id,
            offering.course_id,
            offering.title,
            _moment(offering.start),
            _moment(offering.end),
        )
        rows = synthetic_insights(
            store_id, offering.course_id, sorted(learners), offering.start, now.timestamp(), random.Random(args.seed)
        )
        await conn.copy_records_to_table("analytics_insights", records=rows, columns=INSIGHT_COLUMNS)
        await conn.execute(
            """
            INSERT INTO analytics_interventions (store_id, course_id, learner, kind, source, insight_id, details)
            SELECT c.store_id, c.course_id, c.learner, a ->> 'code',
                   CASE WHEN c.learner = ANY($2::text[]) THEN 'holdout' ELSE 'automated' END, c.insight_id, '{}'
            FROM analytics_insights_current AS c
            JOIN analytics_insights AS i ON i.store_id = c.store_id AND i.id = c.insight_id
            CROSS JOIN LATERAL jsonb_array_elements(i.interventions) AS a
            WHERE c.store_id = $1
            """,
            store_id,
            [lr for lr in learners if in_holdout(lr, offering.course_id, HOLDOUT_SHARE)],
        )
        # A bulk load leaves the tables for autovacuum to visit; do it now, so it does not run during the measurement.
        await conn.execute(
            "VACUUM (ANALYZE) analytics_events, analytics_insights, analytics_insights_current, analytics_interventions"
        )
        interventions = await conn.fetchval(
            "SELECT count(*) FROM analytics_interventions WHERE store_id = $1", store_id
        )
    return {
        "course": offering.course_id,
        "learners": len(learners),
        "events": events,
        "insights": len(rows),
        "interventions": interventions,
        "seed_seconds": round(time.perf_counter() - started, 1),
    }


async def measure(
    base: str, auth: tuple[str, str], paths: dict[str, str], requests: int, clients: int
) -> dict[str, list[float]]:
    """Per endpoint, the latency of each request, after one unmeasured request each. Endpoints take turns (one
    request of each per round), so a passing load on the machine weighs on all of them alike; `clients` run
    their rounds concurrently."""
    timings: dict[str, list[float]] = {name: [] for name in paths}
    async with httpx.AsyncClient(base_url=base, auth=auth, timeout=120) as http:
        for path in paths.values():
            (await http.get(path)).raise_for_status()
        rounds = iter(range(requests))

        async def client() -> None:
            for _ in rounds:
                for name, path in paths.items():
                    started = time.perf_counter()
                    response = await http.get(path)
                    timings[name].append(time.perf_counter() - started)
                    response.raise_for_status()

        await asyncio.gather(*(client() for _ in range(clients)))
    return timings


async def run(svc: Services, args: argparse.Namespace) -> dict[str, Any]:
    async with database(svc) as pool:
        store_id, key, secret = await new_store(pool, "http://bench.invalid", scopes=("analytics",))
        seeded = await seed(pool, store_id, args)
        with lrs_server(svc) as base:
            course = quote(seeded["course"], safe="")
            async with httpx.AsyncClient(base_url=base, auth=(key, secret), timeout=600) as http:
                started = time.perf_counter()
                (await http.get(f"/analytics/courses/{course}/overview")).raise_for_status()
                cold = time.perf_counter() - started
                page = (await http.get(f"/analytics/courses/{course}/at-risk")).json()
                learner = quote(page["items"][0]["learner"], safe="")
            paths = {
                "overview": f"/analytics/courses/{course}/overview",
                "at-risk": f"/analytics/courses/{course}/at-risk",
                "at-risk page 2": f"/analytics/courses/{course}/at-risk?cursor={page['next']}",
                "at-risk high, 200": f"/analytics/courses/{course}/at-risk?level=high&limit=200",
                "courses": "/analytics/courses",
                "timeline": f"/analytics/learners/{learner}/timeline?course={course}",
            }
            timings = await measure(base, (key, secret), paths, args.requests, args.clients)
            started = time.perf_counter()
            async with httpx.AsyncClient(base_url=base, auth=(key, secret), timeout=600) as http:
                export = await http.get(f"/analytics/courses/{course}/at-risk/export")
                export.raise_for_status()
            export_seconds = time.perf_counter() - started
        await pool.execute("DELETE FROM analytics_course_summaries WHERE store_id = $1", store_id)
        started = time.perf_counter()
        await analytics_summary.refresh(
            pool, store_id, seeded["course"], withdrawal_actions=["abandoned", "unregistered"], wait=True
        )
        recompute = time.perf_counter() - started
    rows = [(k, str(v)) for k, v in seeded.items() if k != "course"]
    rows += [(name, describe(values)) for name, values in timings.items()]
    rows += [
        ("overview, first request (summary computed)", f"{cold * 1000:.0f} ms"),
        ("summary recomputation", f"{recompute * 1000:.0f} ms"),
        ("at-risk CSV export (all flagged learners)", f"{export_seconds * 1000:.0f} ms, {len(export.content)} bytes"),
    ]
    print(f"Insights API, one running course ({args.clients} client(s), {args.requests} requests per endpoint)")
    print(format_table(rows))
    p95 = {name: round(percentile(values, 95) * 1000, 1) for name, values in timings.items()}
    return {
        "benchmark": "insights",
        **{k: v for k, v in seeded.items() if k != "course"},
        "clients": args.clients,
        "requests": args.requests,
        "p50_ms": {name: round(percentile(values, 50) * 1000, 1) for name, values in timings.items()},
        "p95_ms": p95,
        "summary_cold_ms": round(cold * 1000),
        "summary_recompute_ms": round(recompute * 1000),
        "export_ms": round(export_seconds * 1000),
        "target_met": p95["overview"] <= 100.0 and p95["at-risk"] <= 100.0,
        **machine(),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench insights", description=__doc__)
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--progress", type=float, default=0.5, help="share of the course run so far")
    parser.add_argument("--requests", type=int, default=200, help="measured requests per endpoint")
    parser.add_argument("--clients", type=int, default=1, help="concurrent clients")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    with services() as svc:
        figures = asyncio.run(run(svc, args))
    emit(figures)
    return 0 if figures["target_met"] else 1
