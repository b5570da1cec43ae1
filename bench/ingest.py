"""Ingest: POST batches of statements with concurrent clients, against a raw asyncpg COPY of the same rows.

    python -m bench ingest [--statements 40000] [--batch 100] [--concurrency 8] [--workers 2] [--rounds 4]

The baseline COPYs exactly the rows the LRS writes (statements plus their agent and activity rows) into the
same tables, in one transaction. The machine is shared, so the run is split into rounds: each round COPYs its
segment of statements, POSTs the same segment to the LRS, and COPYs it again, and its ratio compares the LRS
with the mean of the two COPYs around it. The headline ratio is the median of the rounds; the overall ratio
(total LRS time against total baseline time) is printed too. The LRS runs as `lrs serve` with authentication on.

CPU seconds of the benchmark client, the LRS processes and (embedded) PostgreSQL are counted per phase, so the
cost per statement can be read even when other work on the machine slows the wall clock down.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing
import os
import statistics
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import msgspec

from analytics.simulator import SimulationConfig, simulate
from bench._harness import (
    Services,
    database,
    describe,
    emit,
    lrs_serve,
    machine,
    new_store,
    services,
    table,
    tree_cpu_seconds,
)
from lrs.bulk.writer import RELATION_COLUMNS, STATEMENT_COLUMNS
from lrs.security.credentials import default_authority
from lrs.xapi import StatementIndex, agent_ifi, index_entries, parse_statements, prepare_for_storage

encode = msgspec.json.encode
Row = tuple[dict[str, Any], StatementIndex]


def simulated(count: int, seed: int) -> Iterator[dict[str, Any]]:
    """`count` simulated statements (about 150 per learner), streamed."""
    learners = max(50, count // 150)
    config = SimulationConfig(learners=learners, courses=2, weeks=12, seed=seed, now=datetime(2026, 11, 1, tzinfo=UTC))
    for produced, statement in enumerate(simulate(config), start=1):
        yield statement
        if produced == count:
            return


def make_statements(count: int, seed: int) -> list[dict[str, Any]]:
    return list(simulated(count, seed))


def rows_for_copy(statements: list[dict[str, Any]], authority: dict[str, Any]) -> list[Row]:
    """The stored payload and index of each statement, exactly as the LRS would write them (validated too)."""
    parsed = parse_statements(encode(statements), "1.0.3")
    now = datetime.now(UTC)
    out = []
    for i, statement in enumerate(parsed):
        payload = prepare_for_storage(
            statement, authority=authority, stored=now + timedelta(microseconds=i), version="1.0.3", new_id=uuid.uuid4()
        )
        out.append((payload, index_entries(payload)))
    return out


async def copy_rows(conn: asyncpg.Connection, store_id: int, rows: list[Row]) -> None:
    """Reserve seqs and COPY the rows into statements, statement_agents and statement_activities (the caller
    owns the transaction)."""
    seqs = [
        r[0]
        for r in await conn.fetch(
            "SELECT nextval(pg_get_serial_sequence('statements', 'seq')) FROM generate_series(1, $1)", len(rows)
        )
    ]
    authority_ifi = agent_ifi(rows[0][0]["authority"])
    statement_records: list[tuple[Any, ...]] = []
    agent_records: list[tuple[Any, ...]] = []
    activity_records: list[tuple[Any, ...]] = []
    for seq, (payload, ix) in zip(seqs, rows, strict=True):
        statement_records.append(
            (
                store_id,
                seq,
                ix.statement_id,
                encode(payload).decode(),
                ix.verb_id,
                ix.actor_ifi,
                ix.object_type,
                ix.object_activity_id,
                ix.object_agent_ifi,
                ix.object_statement_id,
                ix.registration,
                ix.timestamp,
                ix.stored,
                authority_ifi,
                payload["version"],
                ix.is_voiding,
                False,
            )
        )
        agent_records.extend((store_id, ifi, seq, usage) for ifi, usage in ix.agents)
        activity_records.extend((store_id, a, seq, usage) for a, usage in ix.activities)
    await conn.copy_records_to_table("statements", records=statement_records, columns=list(STATEMENT_COLUMNS))
    await conn.copy_records_to_table(
        "statement_agents", records=agent_records, columns=list(RELATION_COLUMNS["statement_agents"])
    )
    await conn.copy_records_to_table(
        "statement_activities", records=activity_records, columns=list(RELATION_COLUMNS["statement_activities"])
    )


async def copy_baseline(pool: asyncpg.Pool, store_id: int, rows: list[Row]) -> float:
    """Seconds to COPY the rows (statements, statement_agents, statement_activities) in one transaction."""
    async with pool.acquire() as conn:
        started = time.perf_counter()
        async with conn.transaction():
            await copy_rows(conn, store_id, rows)
        return time.perf_counter() - started


# -- loading a large store ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadJob:
    """One loader process's share: every `parts`-th of `count` simulated statements, starting at `part`."""

    database_url: str
    store_id: int
    count: int
    seed: int
    authority: dict[str, Any]
    part: int
    parts: int
    chunk: int


def load_simulated(
    database_url: str,
    store_id: int,
    count: int,
    *,
    seed: int,
    authority: dict[str, Any],
    processes: int = 2,
    chunk: int = 5000,
) -> float:
    """COPY `count` simulated statements into one store, as the LRS would store them, with `processes` loader
    processes (each validates, prepares and COPYs every `processes`-th statement, in transactions of `chunk`).
    Returns the seconds it took."""
    started = time.perf_counter()
    context = multiprocessing.get_context("spawn")
    jobs = [
        context.Process(
            target=_load_partition,
            args=(LoadJob(database_url, store_id, count, seed, authority, part, processes, chunk),),
        )
        for part in range(processes)
    ]
    for job in jobs:
        job.start()
    for job in jobs:
        job.join()
    failed = [job.exitcode for job in jobs if job.exitcode != 0]
    if failed:
        raise RuntimeError(f"a loader process failed (exit codes {failed})")
    return time.perf_counter() - started


def _load_partition(job: LoadJob) -> None:
    # Millions of short-lived containers: the default collector thresholds would make this several times slower.
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)
    asyncio.run(_load_partition_async(job))


async def _load_partition_async(job: LoadJob) -> None:
    conn = await asyncpg.connect(job.database_url)
    try:
        batch: list[dict[str, Any]] = []
        for position, statement in enumerate(simulated(job.count, job.seed)):
            if position % job.parts != job.part:
                continue
            batch.append(statement)
            if len(batch) == job.chunk:
                await _copy_chunk(conn, job.store_id, batch, job.authority)
                batch = []
        if batch:
            await _copy_chunk(conn, job.store_id, batch, job.authority)
    finally:
        await conn.close()


async def _copy_chunk(
    conn: asyncpg.Connection, store_id: int, batch: list[dict[str, Any]], authority: dict[str, Any]
) -> None:
    rows = rows_for_copy(batch, authority)
    async with conn.transaction():
        await copy_rows(conn, store_id, rows)


# -- the benchmark -------------------------------------------------------------------------------------------


async def post_all(
    base: str, auth: tuple[str, str], bodies: list[bytes], concurrency: int
) -> tuple[float, list[float]]:
    """Seconds to POST every batch with `concurrency` clients, and each request's latency."""
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    latencies: list[float] = []
    headers = {"X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"}

    async def client(http: httpx.AsyncClient) -> None:
        while not queue.empty():
            body = queue.get_nowait()
            started = time.perf_counter()
            response = await http.post("/xapi/statements", content=body, headers=headers)
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise RuntimeError(f"POST failed: {response.status_code} {response.text[:300]}")

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, auth=auth, limits=limits, timeout=60) as http:
        await http.get("/xapi/about")
        started = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(concurrency)))
        return time.perf_counter() - started, latencies


@dataclass
class Phase:
    """Wall seconds and CPU seconds (benchmark client, LRS processes, PostgreSQL) of a measured phase."""

    seconds: float = 0.0
    client_cpu: float = 0.0
    lrs_cpu: float = 0.0
    postgres_cpu: float = 0.0
    statements: int = 0

    def per_statement_us(self, cpu: float) -> float:
        return round(cpu / self.statements * 1e6, 1) if self.statements else 0.0


class Meter:
    """Adds a phase's wall and CPU time to a `Phase`."""

    def __init__(self, lrs_pid: int, postgres_pid: int | None) -> None:
        self.lrs_pid = lrs_pid
        self.postgres_pid = postgres_pid

    def reading(self) -> tuple[float, float, float]:
        return time.process_time(), tree_cpu_seconds(self.lrs_pid), tree_cpu_seconds(self.postgres_pid)

    def add(self, phase: Phase, before: tuple[float, float, float], seconds: float, statements: int) -> None:
        after = self.reading()
        phase.seconds += seconds
        phase.client_cpu += after[0] - before[0]
        phase.lrs_cpu += after[1] - before[1]
        phase.postgres_cpu += after[2] - before[2]
        phase.statements += statements


async def _measured_copy(pool: asyncpg.Pool, base: str, rows: list[Row], meter: Meter, phase: Phase) -> float:
    """COPY the rows into a fresh store; returns the seconds it took (also added to `phase`)."""
    store, _, _ = await new_store(pool, base)
    before = meter.reading()
    seconds = await copy_baseline(pool, store, rows)
    meter.add(phase, before, seconds, len(rows))
    return seconds


async def run(svc: Services, args: argparse.Namespace) -> dict[str, Any]:
    statements = make_statements(args.statements, args.seed)
    count = len(statements)
    batches = [statements[i : i + args.batch] for i in range(0, count, args.batch)]
    per_round = -(-len(batches) // args.rounds)
    segments = [batches[i : i + per_round] for i in range(0, len(batches), per_round)]
    lrs_phase, copy_phase = Phase(), Phase()
    ratios: list[float] = []
    latencies: list[float] = []
    load_before = os.getloadavg()[0]
    async with database(svc) as pool:
        with lrs_serve(svc, extra_env={"LRS_WEB_CONCURRENCY": str(args.workers)}) as server:
            lrs_store, key, secret = await new_store(pool, server.base)
            authority = default_authority(key, server.base)
            meter = Meter(server.pid, svc.postgres_pid)
            # Not measured: every worker process authenticates the credential and prepares its statements once.
            warm_up = make_statements(args.batch * args.concurrency * 2, args.seed + 1)
            warm_bodies = [encode(warm_up[i : i + args.batch]) for i in range(0, len(warm_up), args.batch)]
            await post_all(server.base, (key, secret), warm_bodies, args.concurrency)
            await _measured_copy(pool, server.base, rows_for_copy(warm_up, authority), meter, Phase())
            for segment in segments:
                flat = [s for batch in segment for s in batch]
                rows = rows_for_copy(flat, authority)
                copy_before = await _measured_copy(pool, server.base, rows, meter, copy_phase)
                before = meter.reading()
                elapsed, round_latencies = await post_all(
                    server.base, (key, secret), [encode(b) for b in segment], args.concurrency
                )
                meter.add(lrs_phase, before, elapsed, len(flat))
                latencies.extend(round_latencies)
                copy_after = await _measured_copy(pool, server.base, rows, meter, copy_phase)
                ratios.append(statistics.mean([copy_before, copy_after]) / elapsed)
        async with pool.acquire() as conn:
            stored = await conn.fetchval("SELECT count(*) FROM statements WHERE store_id = $1", lrs_store)
    if stored != count + len(warm_up):
        raise RuntimeError(f"the LRS stored {stored} of {count + len(warm_up)} statements")
    lrs_rate = count / lrs_phase.seconds
    baseline_rate = copy_phase.statements / copy_phase.seconds
    ratio = statistics.median(ratios)
    print(
        f"\ningest: {count} statements, batches of {args.batch}, {args.concurrency} concurrent clients, "
        f"{args.workers} LRS worker processes, {len(segments)} rounds (load average {load_before:.1f})\n"
    )
    print(
        table(
            [
                ("LRS (HTTP POST, auth on)", f"{lrs_rate:,.0f} statements/s  ({describe(latencies)} per batch)"),
                ("raw COPY", f"{baseline_rate:,.0f} statements/s"),
                ("ratio per round", "  ".join(f"{r:.2f}" for r in ratios)),
                ("ratio LRS / raw (median)", f"{ratio:.2f}"),
                ("ratio LRS / raw (overall)", f"{lrs_rate / baseline_rate:.2f}"),
                (
                    "CPU per statement, LRS",
                    f"LRS {lrs_phase.per_statement_us(lrs_phase.lrs_cpu)} us, "
                    f"PostgreSQL {lrs_phase.per_statement_us(lrs_phase.postgres_cpu)} us, "
                    f"client {lrs_phase.per_statement_us(lrs_phase.client_cpu)} us",
                ),
                (
                    "CPU per statement, COPY",
                    f"PostgreSQL {copy_phase.per_statement_us(copy_phase.postgres_cpu)} us, "
                    f"client {copy_phase.per_statement_us(copy_phase.client_cpu)} us",
                ),
            ]
        )
    )
    print()
    return {
        "bench": "ingest",
        "statements": count,
        "batch": args.batch,
        "concurrency": args.concurrency,
        "lrs_workers": args.workers,
        "rounds": len(segments),
        "lrs_per_s": round(lrs_rate),
        "baseline_per_s": round(baseline_rate),
        "ratio": round(ratio, 3),
        "ratio_overall": round(lrs_rate / baseline_rate, 3),
        "ratio_rounds": [round(r, 3) for r in ratios],
        "batch_p95_ms": round(sorted(latencies)[int(0.95 * (len(latencies) - 1))] * 1000, 1),
        "lrs_cpu_us_per_statement": lrs_phase.per_statement_us(lrs_phase.lrs_cpu),
        "lrs_postgres_cpu_us_per_statement": lrs_phase.per_statement_us(lrs_phase.postgres_cpu),
        "lrs_client_cpu_us_per_statement": lrs_phase.per_statement_us(lrs_phase.client_cpu),
        "copy_postgres_cpu_us_per_statement": copy_phase.per_statement_us(copy_phase.postgres_cpu),
        "copy_client_cpu_us_per_statement": copy_phase.per_statement_us(copy_phase.client_cpu),
        "load_average": round(load_before, 2),
        **machine(),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench ingest", description=__doc__)
    parser.add_argument("--statements", type=int, default=40_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2, help="LRS HTTP worker processes (lrs serve --workers)")
    parser.add_argument("--rounds", type=int, default=4, help="COPY / LRS / COPY rounds the statements are split into")
    args = parser.parse_args(argv)
    with services() as svc:
        figures = asyncio.run(run(svc, args))
    emit(figures)
    return 0
