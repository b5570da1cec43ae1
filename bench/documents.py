"""Documents: State PUT + GET round trips per second, the way SCORM/cmi5 content bookmarks and suspends.

    python -m bench documents [--clients 16] [--seconds 15] [--size 2048] [--xapi-version 1.0.3] [--shared]

Each client is one learner saving its suspend data (a JSON document of `--size` bytes) with PUT, then reading it
back with GET and checking it got exactly what it wrote; a round trip is that pair. With xAPI 2.0 every PUT after
the first carries the ETag the previous PUT returned in If-Match (a PUT without preconditions would be 409).
`--shared` makes every client write the same document with If-Match, to measure contention: a 412 is counted,
then the client reads the current ETag and goes on. The LRS runs as `lrs serve` (one process) with authentication.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench._harness import Services, database, describe, emit, lrs_server, machine, new_store, services, table

STATE_URL = "/xapi/activities/state"
ACTIVITY = "http://bench.example.com/courses/scorm-1/sco-1"
WARMUP_SECONDS = 1.0


def server_pid(base: str) -> int | None:
    """The pid of the `lrs serve` process listening at `base` (found by its LRS_PORT), when /proc tells."""
    marker = f"LRS_PORT={base.rsplit(':', 1)[1]}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if b"serve" in (entry / "cmdline").read_bytes() and marker in (entry / "environ").read_bytes().split(b"\0"):
                return int(entry.name)
        except OSError:
            continue
    return None


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU seconds the process has used so far (0 when unknown)."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Tally:
    """What one client saw during the measured window (`round_trips` counts only successful PUT + GET pairs)."""

    round_trips: int = 0
    requests: int = 0
    put_seconds: list[float] = field(default_factory=list)
    get_seconds: list[float] = field(default_factory=list)
    precondition_failed: int = 0
    mismatches: int = 0
    errors: int = 0


def suspend_data(size: int, client: int, round_trip: int) -> bytes:
    """A JSON document of about `size` bytes that differs on every write."""
    filler = os.urandom(max(0, size - 80) // 2).hex()
    return json.dumps({"client": client, "n": round_trip, "location": "page-7", "data": filler}).encode()


@dataclass(frozen=True)
class Plan:
    """What every client shares: the options, the request headers and the measured window."""

    args: argparse.Namespace
    headers: dict[str, str]
    measure_from: float
    stop_at: float


async def run_client(http: httpx.AsyncClient, plan: Plan, params: dict[str, str], index: int) -> Tally:
    """PUT then GET until the window closes; only round trips started inside the window count."""
    args, headers = plan.args, plan.headers
    tally = Tally()
    etag: str | None = None
    n = 0
    while (now := time.perf_counter()) < plan.stop_at:
        n += 1
        body = suspend_data(args.size, index, n)
        put_headers = dict(headers)
        if etag is not None and (args.shared or args.xapi_version.startswith("2.")):
            put_headers["If-Match"] = etag
        started = time.perf_counter()
        put = await http.put(STATE_URL, params=params, content=body, headers=put_headers)
        put_done = time.perf_counter()
        got = await http.get(STATE_URL, params=params, headers=headers)
        get_done = time.perf_counter()
        measured = now >= plan.measure_from
        tally.requests += 2 * measured
        if put.status_code == 412:
            etag = got.headers.get("ETag")
            tally.precondition_failed += measured
            continue
        if put.status_code != 204 or got.status_code != 200:
            tally.errors += measured
            etag = got.headers.get("ETag")
            continue
        etag = put.headers.get("ETag")
        if measured:
            tally.round_trips += 1
            tally.put_seconds.append(put_done - started)
            tally.get_seconds.append(get_done - put_done)
            tally.mismatches += not args.shared and got.content != body
    return tally


async def measure(base: str, key: str, secret: str, args: argparse.Namespace) -> tuple[list[Tally], float, float]:
    """Run the clients; return their tallies, the measured seconds and the server's CPU seconds meanwhile."""
    headers = {"X-Experience-API-Version": args.xapi_version, "Content-Type": "application/json"}
    limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=args.clients)
    async with httpx.AsyncClient(base_url=base, auth=(key, secret), limits=limits, timeout=60) as http:
        measure_from = time.perf_counter() + WARMUP_SECONDS
        plan = Plan(args, headers, measure_from, measure_from + args.seconds)
        pid = server_pid(base)
        tasks = []
        for index in range(args.clients):
            learner = "shared" if args.shared else f"learner-{index}"
            params = {
                "activityId": ACTIVITY,
                "agent": json.dumps({"objectType": "Agent", "mbox": f"mailto:{learner}@bench.example.com"}),
                "stateId": "cmi.suspend_data",
            }
            tasks.append(run_client(http, plan, params, index))
        gathered = asyncio.gather(*tasks)
        await asyncio.sleep(WARMUP_SECONDS)
        cpu_before = cpu_seconds(pid)
        tallies = await gathered
        return list(tallies), plan.stop_at - plan.measure_from, cpu_seconds(pid) - cpu_before


async def run(svc: Services, args: argparse.Namespace) -> dict[str, Any]:
    with lrs_server(svc) as base:
        async with database(svc) as pool:
            _, key, secret = await new_store(pool, base)
        tallies, elapsed, server_cpu = await measure(base, key, secret, args)
    round_trips = sum(t.round_trips for t in tallies)
    puts = [s for t in tallies for s in t.put_seconds]
    gets = [s for t in tallies for s in t.get_seconds]
    figures: dict[str, Any] = {
        "bench": "documents",
        "clients": args.clients,
        "xapi_version": args.xapi_version,
        "document_bytes": args.size,
        "shared_document": args.shared,
        "seconds": round(elapsed, 2),
        "round_trips": round_trips,
        "round_trips_per_s": round(round_trips / elapsed, 1),
        "requests_per_s": round(sum(t.requests for t in tallies) / elapsed, 1),
        "put_p50_ms": round(sorted(puts)[len(puts) // 2] * 1000, 2) if puts else None,
        "get_p50_ms": round(sorted(gets)[len(gets) // 2] * 1000, 2) if gets else None,
        "precondition_failed": sum(t.precondition_failed for t in tallies),
        "mismatches": sum(t.mismatches for t in tallies),
        "errors": sum(t.errors for t in tallies),
        "server_cpu_ms_per_round_trip": round(server_cpu * 1000 / round_trips, 2) if round_trips else None,
        "load_avg_1m": round(os.getloadavg()[0], 2),
        **machine(),
    }
    rows = [
        ("clients", f"{args.clients} ({'one shared document' if args.shared else 'one document each'})"),
        ("xAPI version", args.xapi_version),
        ("document size", f"{args.size} bytes"),
        ("measured", f"{elapsed:.1f} s after {WARMUP_SECONDS:.0f} s warm-up"),
        (
            "PUT + GET round trips",
            f"{round_trips} ({figures['round_trips_per_s']}/s, {figures['requests_per_s']} req/s)",
        ),
        ("PUT latency", describe(puts) if puts else "-"),
        ("GET latency", describe(gets) if gets else "-"),
        ("412 (lost If-Match races)", str(figures["precondition_failed"])),
        ("GET != what was PUT", str(figures["mismatches"])),
        ("other errors", str(figures["errors"])),
        ("lrs serve CPU per round trip", f"{figures['server_cpu_ms_per_round_trip']} ms (PostgreSQL not included)"),
        ("machine load (1 min)", f"{figures['load_avg_1m']} on {os.cpu_count()} CPUs"),
    ]
    print("State documents: PUT + GET round trips\n" + table(rows))
    return figures


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench documents", description=__doc__)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--size", type=int, default=2048, help="document size in bytes")
    parser.add_argument("--xapi-version", default="1.0.3", choices=["1.0.3", "2.0.0"])
    parser.add_argument("--shared", action="store_true", help="every client writes the same document")
    args = parser.parse_args(argv)
    with services() as svc:
        figures = asyncio.run(run(svc, args))
    emit(figures)
    return 1 if figures["mismatches"] or figures["errors"] else 0
