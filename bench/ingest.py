"""Ingest: POST batches of statements with concurrent clients, against a raw asyncpg COPY of the same rows.

    python -m bench ingest [--statements 40000] [--batch 100] [--concurrency 8]

The baseline COPYs exactly the rows the LRS writes (statements plus their agent and activity rows) into the
same tables, in one transaction, measured before and after the LRS run in the same process; the figure is the
mean of the two. The LRS runs as `lrs serve` (one process) with authentication on.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import msgspec

from analytics.simulator import SimulationConfig, simulate
from bench._harness import Services, database, describe, emit, lrs_server, machine, new_store, services, table
from lrs.security.credentials import default_authority
from lrs.xapi import agent_ifi, index_entries, parse_statements, prepare_for_storage

encode = msgspec.json.encode


def make_statements(count: int, seed: int) -> list[dict[str, Any]]:
    learners = max(50, count // 150)
    config = SimulationConfig(learners=learners, courses=2, weeks=12, seed=seed, now=datetime(2026, 11, 1, tzinfo=UTC))
    statements: list[dict[str, Any]] = []
    for statement in simulate(config):
        statements.append(statement)
        if len(statements) == count:
            break
    return statements


def rows_for_copy(statements: list[dict[str, Any]], authority: dict[str, Any]) -> list[tuple[dict[str, Any], Any]]:
    """The stored payload and index of each statement, exactly as the LRS would write them."""
    parsed = parse_statements(encode(statements), "1.0.3")
    now = datetime.now(UTC)
    out = []
    for i, statement in enumerate(parsed):
        payload = prepare_for_storage(
            statement, authority=authority, stored=now + timedelta(microseconds=i), version="1.0.3", new_id=uuid.uuid4()
        )
        out.append((payload, index_entries(payload)))
    return out


async def copy_baseline(pool: asyncpg.Pool, store_id: int, rows: list[tuple[dict[str, Any], Any]]) -> float:
    """Seconds to COPY the rows (statements, statement_agents, statement_activities) in one transaction."""
    async with pool.acquire() as conn:
        started = time.perf_counter()
        async with conn.transaction():
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
                    )
                )
                agent_records.extend((store_id, ifi, seq, usage) for ifi, usage in ix.agents)
                activity_records.extend((store_id, a, seq, usage) for a, usage in ix.activities)
            await conn.copy_records_to_table(
                "statements",
                records=statement_records,
                columns=[
                    "store_id",
                    "seq",
                    "id",
                    "payload",
                    "verb_id",
                    "actor_ifi",
                    "object_type",
                    "object_activity_id",
                    "object_agent_ifi",
                    "object_statement_id",
                    "registration",
                    "timestamp",
                    "stored",
                    "authority_ifi",
                    "version",
                    "is_voiding",
                ],
            )
            await conn.copy_records_to_table(
                "statement_agents", records=agent_records, columns=["store_id", "agent_ifi", "statement_seq", "usage"]
            )
            await conn.copy_records_to_table(
                "statement_activities",
                records=activity_records,
                columns=["store_id", "activity_id", "statement_seq", "usage"],
            )
        return time.perf_counter() - started


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


async def run(svc: Services, args: argparse.Namespace) -> dict[str, Any]:
    statements = make_statements(args.statements, args.seed)
    count = len(statements)
    bodies = [encode(statements[i : i + args.batch]) for i in range(0, count, args.batch)]
    async with database(svc) as pool:
        with lrs_server(svc, extra_env={"LRS_WEB_CONCURRENCY": str(args.workers)}) as base:
            lrs_store, key, secret = await new_store(pool, base)
            copy_store_a, _, _ = await new_store(pool, base)
            copy_store_b, _, _ = await new_store(pool, base)
            authority = default_authority(key, base)
            rows = rows_for_copy(statements, authority)
            baseline_before = await copy_baseline(pool, copy_store_a, rows)
            elapsed, latencies = await post_all(base, (key, secret), bodies, args.concurrency)
            baseline_after = await copy_baseline(pool, copy_store_b, rows)
        async with pool.acquire() as conn:
            stored = await conn.fetchval("SELECT count(*) FROM statements WHERE store_id = $1", lrs_store)
    if stored != count:
        raise RuntimeError(f"the LRS stored {stored} of {count} statements")
    baseline = (baseline_before + baseline_after) / 2
    lrs_rate = count / elapsed
    baseline_rate = count / baseline
    print(
        f"\ningest: {count} statements, batches of {args.batch}, {args.concurrency} concurrent clients, "
        f"{args.workers} LRS worker processes\n"
    )
    print(
        table(
            [
                ("LRS (HTTP POST, auth on)", f"{lrs_rate:,.0f} statements/s  ({elapsed:.2f} s; {describe(latencies)})"),
                ("raw COPY, before", f"{count / baseline_before:,.0f} statements/s  ({baseline_before:.2f} s)"),
                ("raw COPY, after", f"{count / baseline_after:,.0f} statements/s  ({baseline_after:.2f} s)"),
                ("ratio LRS / raw", f"{lrs_rate / baseline_rate:.2f}"),
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
        "lrs_per_s": round(lrs_rate),
        "baseline_per_s": round(baseline_rate),
        "ratio": round(lrs_rate / baseline_rate, 3),
        "batch_p95_ms": round(sorted(latencies)[int(0.95 * (len(latencies) - 1))] * 1000, 1),
        **machine(),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench ingest", description=__doc__)
    parser.add_argument("--statements", type=int, default=40_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2, help="LRS HTTP worker processes (lrs serve --workers)")
    args = parser.parse_args(argv)
    with services() as svc:
        figures = asyncio.run(run(svc, args))
    emit(figures)
    return 0
