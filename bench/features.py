"""Features from scratch: 10,000 learners and about 1,000,000 statements, read from PostgreSQL and turned into one
feature row per (course, learner), against the plain SQL read of the same rows.

    python -m bench features [--learners 2500] [--courses 4] [--weeks 5] [--seed 0]

`--learners` is per offering and every offering has its own learners, so the defaults give 10,000 learners and
about 1.1 million statements (`lrs simulate`, loaded with `lrs import`; neither is timed). Timed, each from a cold
start of the step:
- `sql read`: the baseline, every statement payload of the store read through a cursor and dropped;
- `from statements`: the same read, decoded, turned into events (`analytics.pipeline.ingest.extract`, as the
  worker does) and features computed from scratch (`compute_features`) as of the end of the data; once in one
  process, and once with the read, decoding and extraction split by statement sequence ranges over
  `--processes` processes (default: one per CPU; the features are then computed in the main process);
- `handler -> events`: the worker's feed handler storing the events in `analytics_events`, over the same read in
  batches of 5,000 (what it does anyway as statements arrive; shown for scale);
- `from stored events`: what scoring and training read: the `analytics_events` rows, decoded, features computed.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import asyncpg
import msgspec

from analytics.events import Event
from analytics.features import compute_features
from analytics.pipeline.ingest import decode_event, extract
from analytics.vocabulary import DEFAULT_VOCABULARY
from bench._harness import LRS, Services, database, emit, machine, new_store, services, table
from workers.ingest import FeedHandler, engine_key
from workers.settings import tune_garbage_collector

BASE_URL = "http://bench.example"
FETCH = 10_000
BATCH = 5_000
"""Statements per feed batch (as `lrs.store.feed.consume` reads them)."""
NOW = "2026-11-01T00:00:00Z"


def load(svc: Services, store_name: str, args: argparse.Namespace, folder: Path) -> None:
    """Simulate the cohort to a file and import it with the LRS's own tools (not timed)."""
    path = folder / "statements.ndjson"
    simulate = [
        str(LRS), "simulate", "--learners", str(args.learners), "--courses", str(args.courses),
        "--weeks", str(args.weeks), "--seed", str(args.seed), "--now", NOW, "--progress", "1", "-o", str(path),
        "--quiet",
    ]  # fmt: skip
    subprocess.run(simulate, check=True)
    env = {**os.environ, "LRS_DATABASE_URL": svc.database_url, "LRS_PUBLIC_URL": BASE_URL, "LRS_LOG_LEVEL": "warning"}
    subprocess.run([str(LRS), "import", str(path), "--store", store_name], check=True, env=env)
    path.unlink()


async def timed(step: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = await step()
    return time.perf_counter() - started, result


async def read_payloads(pool: asyncpg.Pool, store_id: int, use: Callable[[list[str]], None]) -> int:
    """Every payload of the store, in chunks, through a server-side cursor."""
    total = 0
    async with pool.acquire() as conn, conn.transaction():
        cursor = await conn.cursor("SELECT payload::text FROM statements WHERE store_id = $1 ORDER BY seq", store_id)
        while chunk := await cursor.fetch(FETCH):
            use([r[0] for r in chunk])
            total += len(chunk)
    return total


async def sql_read(pool: asyncpg.Pool, store_id: int) -> int:
    return await read_payloads(pool, store_id, lambda _: None)


async def from_statements(pool: asyncpg.Pool, store_id: int, as_of: float) -> tuple[int, int, int]:
    events: list[Event] = []
    key = engine_key(BASE_URL)
    decoder = msgspec.json.Decoder()

    def use(chunk: list[str]) -> None:
        found = extract(list(enumerate(map(decoder.decode, chunk))), vocabulary=DEFAULT_VOCABULARY, engine_key=key)
        events.extend(e for _, e in found.events)

    statements = await read_payloads(pool, store_id, use)
    matrix = compute_features(events, as_of)
    return statements, len(events), len(matrix)


async def _extract_range(database_url: str, store_id: int, low: int, high: int) -> bytes:
    conn = await asyncpg.connect(database_url)
    events: list[Event] = []
    key = engine_key(BASE_URL)
    decoder = msgspec.json.Decoder()
    try:
        async with conn.transaction():
            cursor = await conn.cursor(
                "SELECT payload::text FROM statements WHERE store_id = $1 AND seq >= $2 AND seq < $3 ORDER BY seq",
                store_id,
                low,
                high,
            )
            while chunk := await cursor.fetch(FETCH):
                statements = [decoder.decode(r[0]) for r in chunk]
                found = extract(list(enumerate(statements)), vocabulary=DEFAULT_VOCABULARY, engine_key=key)
                events.extend(e for _, e in found.events)
    finally:
        await conn.close()
    return msgspec.msgpack.encode(events)


def extract_range(database_url: str, store_id: int, low: int, high: int) -> bytes:
    """One process's share: the events of the statements with `low <= seq < high`, as msgpack."""
    tune_garbage_collector()
    return asyncio.run(_extract_range(database_url, store_id, low, high))


async def from_statements_parallel(
    pool: asyncpg.Pool, database_url: str, store_id: int, as_of: float, processes: int
) -> tuple[int, int]:
    async with pool.acquire() as conn:
        low, high = await conn.fetchrow("SELECT min(seq), max(seq) + 1 FROM statements WHERE store_id = $1", store_id)
    step = -(-(high - low) // processes)
    bounds = [(start, min(high, start + step)) for start in range(low, high, step)]
    loop = asyncio.get_running_loop()
    decoder = msgspec.msgpack.Decoder(list[Event])
    with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn")) as executor:
        parts = await asyncio.gather(
            *(loop.run_in_executor(executor, extract_range, database_url, store_id, a, b) for a, b in bounds)
        )
    events = [e for part in parts for e in decoder.decode(part)]
    matrix = compute_features(events, as_of)
    return len(events), len(matrix)


async def handler_to_events(pool: asyncpg.Pool, store_id: int) -> int:
    """The feed handler over every statement, batch by batch, each batch in its own transaction as in the feed."""
    handler = FeedHandler(BASE_URL)
    decoder = msgspec.json.Decoder()
    async with pool.acquire() as reader, reader.transaction():
        cursor = await reader.cursor("SELECT payload::text FROM statements WHERE store_id = $1 ORDER BY seq", store_id)
        while chunk := await cursor.fetch(BATCH):
            async with pool.acquire() as conn, conn.transaction():
                await handler(conn, store_id, [decoder.decode(r[0]) for r in chunk])
    return handler.events


async def from_events(pool: asyncpg.Pool, store_id: int, as_of: float) -> tuple[int, int]:
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT event FROM analytics_events WHERE store_id = $1", store_id)
    events = [decode_event(r[0]) for r in rows]
    del rows
    matrix = compute_features(events, as_of)
    return len(events), len(matrix)


async def run(svc: Services, args: argparse.Namespace) -> dict[str, Any]:
    async with database(svc) as pool:
        store_id, _, _ = await new_store(pool, BASE_URL)
        async with pool.acquire() as conn:
            store_name = await conn.fetchval("SELECT name FROM stores WHERE id = $1", store_id)
        with tempfile.TemporaryDirectory(prefix="lrs-bench-features-") as folder:
            print(f"simulating and importing {args.learners * args.courses:,} learners ...", flush=True)
            await asyncio.to_thread(load, svc, store_name, args, Path(folder))
        async with pool.acquire() as conn:
            await conn.execute("ANALYZE statements")
            as_of = await conn.fetchval(
                "SELECT extract(epoch FROM max(timestamp))::float8 FROM statements WHERE store_id = $1", store_id
            )
        read_s, statements = await timed(lambda: sql_read(pool, store_id))
        print(f"sql read: {read_s:.1f} s", flush=True)
        scratch_s, (_, events, rows) = await timed(lambda: from_statements(pool, store_id, as_of))
        print(f"from statements: {scratch_s:.1f} s", flush=True)
        parallel_s, (parallel_events, parallel_rows) = await timed(
            lambda: from_statements_parallel(pool, svc.database_url, store_id, as_of, args.processes)
        )
        print(f"from statements, {args.processes} processes: {parallel_s:.1f} s", flush=True)
        feed_s, stored = await timed(lambda: handler_to_events(pool, store_id))
        print(f"handler -> events: {feed_s:.1f} s", flush=True)
        stored_s, (_, stored_rows) = await timed(lambda: from_events(pool, store_id, as_of))
    assert stored_rows == rows == parallel_rows and parallel_events == events, (stored_rows, rows, parallel_rows)
    print(
        table(
            [
                ("statements", f"{statements:,} ({args.learners * args.courses:,} learners, {args.courses} courses)"),
                ("events", f"{events:,}; feature rows {rows:,}"),
                ("sql read (baseline)", f"{read_s:.1f} s ({statements / read_s:,.0f} statements/s)"),
                ("from statements", f"{scratch_s:.1f} s in one process ({scratch_s / read_s:.1f}x the read)"),
                (f"  ... {args.processes} processes", f"{parallel_s:.1f} s (limit 60 s)"),
                ("handler -> events", f"{feed_s:.1f} s ({stored / feed_s:,.0f} events/s stored)"),
                ("from stored events", f"{stored_s:.1f} s"),
            ]
        )
    )
    return {
        "benchmark": "features",
        "statements": statements,
        "learners": args.learners * args.courses,
        "events": events,
        "feature_rows": rows,
        "sql_read_s": round(read_s, 2),
        "from_statements_s": round(scratch_s, 2),
        "processes": args.processes,
        "from_statements_parallel_s": round(parallel_s, 2),
        "handler_to_events_s": round(feed_s, 2),
        "from_stored_events_s": round(stored_s, 2),
        "within_limit": min(scratch_s, parallel_s) <= 60.0,
        **machine(),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench features", description=__doc__)
    parser.add_argument("--learners", type=int, default=2500, help="learners per offering")
    parser.add_argument("--courses", type=int, default=4)
    parser.add_argument("--weeks", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    tune_garbage_collector()  # as in the worker processes
    with services() as svc:
        figures = asyncio.run(run(svc, args))
    emit(figures)
    return 0
