"""Query: GET /xapi/statements with common filters on a large store, over HTTP and as plain SQL.

    python -m bench query [--statements 1000000] [--requests 500] [--concurrency 4] [--limit N]

Loads simulated statements into one store with COPY (as the LRS would store them: `bench.ingest.load_simulated`),
runs ANALYZE, then sends `--requests` GET /xapi/statements?agent=..&verb=.. for (agent, verb) pairs sampled
from the store, `--concurrency` at a time, against `lrs serve`; then a smaller number of requests for other
common filters (agent, verb, activity, registration, since, related_activities, a `more` page). The same
queries are also timed as plain SQL (`lrs.store.statements.query_statements` on one connection), the floor the
HTTP figure stands on. Without `--limit` the server's default page size applies. Loading a million statements
takes a few minutes; `--store ID` measures again on a store an earlier run loaded (with LRS_DATABASE_URL and
LRS_REDIS_URL pointing at its services).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import asyncpg
import httpx
import msgspec

from bench._harness import (
    Services,
    database,
    emit,
    lrs_serve,
    machine,
    new_store,
    percentile,
    services,
    table,
    tree_cpu_seconds,
)
from bench.ingest import load_simulated
from lrs.api.statement_params import ListRequest, decode_more, parse_get
from lrs.security.credentials import default_authority, issue_credential
from lrs.store.statements import query_statements

HEADERS = {"X-Experience-API-Version": "1.0.3"}
MAX_QUERY_LIMIT = 500
"""The server's default page size (LRS_MAX_QUERY_LIMIT), used to parse parameters for the SQL baseline."""


class _Page(msgspec.Struct):
    """A StatementResult, read no further than the benchmark needs (decoding whole pages in the client would
    hold up the other clients on its event loop and inflate their latencies)."""

    statements: list[msgspec.Raw]
    more: str = ""


_read_page = msgspec.json.Decoder(_Page).decode


@dataclass
class Timings:
    """Latencies (seconds) of one kind of query, over HTTP and as plain SQL, and the statements returned."""

    http: list[float] = field(default_factory=list)
    sql: list[float] = field(default_factory=list)
    returned: list[int] = field(default_factory=list)
    server_cpu: float = 0.0
    """CPU seconds of the LRS processes while the HTTP requests ran (load-independent cost)."""

    def ms(self, which: str, pct: float) -> float:
        return round(percentile(getattr(self, which), pct) * 1000, 2)


async def sample_inputs(pool: asyncpg.Pool, store_id: int, seed: int) -> dict[str, list[str]]:
    """Values that occur in the store: agents (as JSON), (agent, verb) pairs, activities, registrations."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            """
            SELECT payload->'actor' AS actor, verb_id, object_activity_id, registration, seq, stored
            FROM statements TABLESAMPLE SYSTEM (2) REPEATABLE ($2)
            WHERE store_id = $1
            """,
            store_id,
            seed,
        )
        parents = await conn.fetch(
            """
            SELECT DISTINCT activity_id FROM statement_activities
            WHERE store_id = $1 AND usage = 'parent' LIMIT 200
            """,
            store_id,
        )
        recent = await conn.fetchval(
            """
            SELECT stored FROM statements WHERE store_id = $1
            ORDER BY seq DESC OFFSET (SELECT count(*) / 100 FROM statements WHERE store_id = $1) LIMIT 1
            """,
            store_id,
        )
    rng = random.Random(seed)
    rng.shuffle(rows := list(rows))
    return {
        "agent_verb": [json.dumps([json.loads(r["actor"]), r["verb_id"]]) for r in rows],
        "agent": [r["actor"] for r in rows],
        "verb": sorted({r["verb_id"] for r in rows}),
        "activity": sorted({r["object_activity_id"] for r in rows if r["object_activity_id"]}),
        "registration": sorted({str(r["registration"]) for r in rows if r["registration"]}),
        "parent": [r["activity_id"] for r in parents],
        "since": [recent.isoformat().replace("+00:00", "Z")],
    }


def query_kinds(inputs: dict[str, list[str]]) -> dict[str, Callable[[int], dict[str, str]]]:
    """Each kind of GET as a function from a request number to its parameters."""

    def pick(name: str, i: int) -> str:
        values = inputs[name]
        return values[i % len(values)]

    def agent_verb(i: int) -> dict[str, str]:
        actor, verb = json.loads(pick("agent_verb", i))
        return {"agent": json.dumps(actor), "verb": verb}

    return {
        "agent+verb": agent_verb,
        "agent": lambda i: {"agent": pick("agent", i)},
        "verb": lambda i: {"verb": pick("verb", i)},
        "activity": lambda i: {"activity": pick("activity", i)},
        "registration": lambda i: {"registration": pick("registration", i)},
        "since": lambda i: {"since": pick("since", i)},
        "related_activities": lambda i: {"activity": pick("parent", i), "related_activities": "true"},
    }


async def run_http(
    base: str, auth: tuple[str, str], params: list[dict[str, str]], concurrency: int, timings: Timings
) -> list[str]:
    """GET every parameter set, `concurrency` at a time; returns the `more` links seen."""
    queue: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    for p in params:
        queue.put_nowait(p)
    more: list[str] = []

    async def client(http: httpx.AsyncClient) -> None:
        while not queue.empty():
            p = queue.get_nowait()
            started = time.perf_counter()
            response = await http.get("/xapi/statements", params=p, headers=HEADERS)
            timings.http.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise RuntimeError(f"GET {p} failed: {response.status_code} {response.text[:300]}")
            page = _read_page(response.content)
            timings.returned.append(len(page.statements))
            if page.more:
                more.append(page.more)

    async with httpx.AsyncClient(base_url=base, auth=auth, timeout=60) as http:
        await asyncio.gather(*(client(http) for _ in range(concurrency)))
    return more


async def run_more(base: str, auth: tuple[str, str], links: list[str], concurrency: int, timings: Timings) -> None:
    params = [dict(parse_qsl(urlsplit(link).query)) for link in links]
    await run_http(base, auth, params, concurrency, timings)


async def run_sql(pool: asyncpg.Pool, store_id: int, requests: list[ListRequest], timings: Timings) -> None:
    """The store query alone (what the handler awaits), one at a time on one connection."""
    async with pool.acquire() as conn:
        for request in requests:
            request.query.limit += 1  # as the handler does, to know whether there is a next page
            started = time.perf_counter()
            await query_statements(conn, store_id, request.query)
            timings.sql.append(time.perf_counter() - started)


async def run(svc: Services, args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Timings] = {}
    async with database(svc) as pool:
        with lrs_serve(svc, extra_env={"LRS_WEB_CONCURRENCY": str(args.workers)}) as server:
            if args.store:
                store_id = args.store
                async with pool.acquire() as conn:
                    issued = await issue_credential(conn, store_id=store_id, base_url=server.base)
                key, secret, load_seconds = issued.key, issued.secret, 0.0
            else:
                store_id, key, secret = await new_store(pool, server.base)
                authority = default_authority(key, server.base)
                print(f"loading {args.statements:,} statements ...", flush=True)
                load_seconds = load_simulated(
                    svc.database_url, store_id, args.statements, seed=args.seed, authority=authority
                )
            async with pool.acquire() as conn:
                analyze_started = time.perf_counter()
                await conn.execute("ANALYZE statements, statement_agents, statement_activities")
                analyze_seconds = time.perf_counter() - analyze_started
                loaded = await conn.fetchval("SELECT count(*) FROM statements WHERE store_id = $1", store_id)
            print(f"loaded {loaded:,} in {load_seconds:.0f} s, ANALYZE {analyze_seconds:.1f} s", flush=True)
            inputs = await sample_inputs(pool, store_id, args.seed)
            auth = (key, secret)
            more_links: list[str] = []
            for name, make in query_kinds(inputs).items():
                count = args.requests if name == "agent+verb" else max(20, args.requests // 5)
                params = [make(i) for i in range(count)]
                if args.limit:
                    params = [{**p, "limit": str(args.limit)} for p in params]
                timings = results[name] = Timings()
                await run_http(server.base, auth, params[: args.concurrency], args.concurrency, Timings())
                cpu_before = tree_cpu_seconds(server.pid)
                links = await run_http(server.base, auth, params, args.concurrency, timings)
                timings.server_cpu = tree_cpu_seconds(server.pid) - cpu_before
                if name == "verb":
                    more_links = links
                parsed = [parse_get(p, "1.0.3", max_limit=MAX_QUERY_LIMIT) for p in params]
                await run_sql(pool, store_id, [r for r in parsed if isinstance(r, ListRequest)], timings)
            if more_links:
                timings = results["more (verb, page 2)"] = Timings()
                cpu_before = tree_cpu_seconds(server.pid)
                await run_more(server.base, auth, more_links, args.concurrency, timings)
                timings.server_cpu = tree_cpu_seconds(server.pid) - cpu_before
                tokens = [dict(parse_qsl(urlsplit(link).query))["more"] for link in more_links]
                requests = [decode_more(t, store_id, "1.0.3", max_limit=MAX_QUERY_LIMIT) for t in tokens]
                await run_sql(pool, store_id, requests, timings)
    load_average = os.getloadavg()[0]
    rows = [
        (
            name,
            f"{len(t.http):4d} req  HTTP p50 {t.ms('http', 50):7.2f}  p95 {t.ms('http', 95):7.2f}  "
            f"p99 {t.ms('http', 99):7.2f} ms | SQL p50 {t.ms('sql', 50):7.2f}  p95 {t.ms('sql', 95):7.2f} ms | "
            f"LRS CPU {t.server_cpu / max(1, len(t.http)) * 1000:5.2f} ms/req | "
            f"{sum(t.returned) / max(1, len(t.returned)):5.1f} statements/response",
        )
        for name, t in results.items()
    ]
    print(
        f"\nquery: {loaded:,} statements in one store, {args.concurrency} concurrent clients, "
        f"{args.workers} LRS worker processes (load average {load_average:.1f})\n"
    )
    print(table(rows))
    print()
    main_kind = results["agent+verb"]
    figures: dict[str, Any] = {
        "bench": "query",
        "statements": loaded,
        "load_seconds": round(load_seconds, 1),
        "agent_verb_p50_ms": main_kind.ms("http", 50),
        "agent_verb_p95_ms": main_kind.ms("http", 95),
        "agent_verb_p99_ms": main_kind.ms("http", 99),
        "agent_verb_sql_p95_ms": main_kind.ms("sql", 95),
        "agent_verb_lrs_cpu_ms": round(main_kind.server_cpu / max(1, len(main_kind.http)) * 1000, 2),
        "load_average": round(load_average, 2),
    }
    for name, t in results.items():
        if name != "agent+verb":
            slug = name.split(" ")[0].replace("+", "_")
            figures[f"{slug}_p95_ms"] = t.ms("http", 95)
            figures[f"{slug}_sql_p95_ms"] = t.ms("sql", 95)
    return {**figures, "requests": args.requests, "concurrency": args.concurrency, **machine()}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench query", description=__doc__)
    parser.add_argument("--statements", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=500, help="agent+verb requests (other filters: a fifth)")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--limit", type=int, default=0, help="page size to ask for (0: the server's default)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2, help="LRS HTTP worker processes (lrs serve --workers)")
    parser.add_argument(
        "--store",
        type=int,
        default=0,
        help="query this already loaded store instead of loading one (with LRS_DATABASE_URL and LRS_REDIS_URL)",
    )
    args = parser.parse_args(argv)
    with services() as svc:
        figures = asyncio.run(run(svc, args))
    emit(figures)
    return 0
