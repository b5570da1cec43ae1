"""What every benchmark needs: real services, a migrated database, a running LRS, a store with a credential.

Services are the embedded PostgreSQL and Valkey unless LRS_DATABASE_URL / LRS_REDIS_URL are set. The LRS runs
as `lrs serve` in its own process (as in production), so the benchmark client does not share its event loop.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psutil

from lrs import migrate
from lrs.embedded import start_embedded
from lrs.security.credentials import issue_credential
from lrs.store import stores
from lrs.store.db import create_pool

LRS = Path(sys.executable).with_name("lrs")


@dataclass(frozen=True)
class Services:
    database_url: str
    redis_url: str
    postgres_pid: int | None = None
    """The embedded PostgreSQL's postmaster, whose process tree's CPU a benchmark can measure (None when the
    database is configured, not embedded)."""


@contextlib.contextmanager
def services() -> Iterator[Services]:
    """Configured services, or embedded ones in a temporary data dir (removed afterwards)."""
    if os.environ.get("LRS_DATABASE_URL") and os.environ.get("LRS_REDIS_URL"):
        migrate.upgrade(os.environ["LRS_DATABASE_URL"])
        yield Services(os.environ["LRS_DATABASE_URL"], os.environ["LRS_REDIS_URL"])
        return
    data_dir = Path(tempfile.mkdtemp(prefix="lrs-bench-"))
    embedded = start_embedded(data_dir)
    try:
        migrate.upgrade(embedded.database_url)
        postmaster = int((data_dir / "postgres" / "postmaster.pid").read_text().split()[0])
        yield Services(embedded.database_url, embedded.redis_url, postmaster)
    finally:
        embedded.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Server:
    base: str
    pid: int
    """`lrs serve` itself; with several workers they are its children (see `tree_cpu_seconds`)."""


@contextlib.contextmanager
def lrs_server(svc: Services, *, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """`lrs serve` on a free port; yields its base URL and stops it afterwards."""
    with lrs_serve(svc, extra_env=extra_env) as server:
        yield server.base


@contextlib.contextmanager
def lrs_serve(svc: Services, *, extra_env: dict[str, str] | None = None) -> Iterator[Server]:
    """`lrs serve` on a free port, as a `Server` (base URL and pid); stopped afterwards."""
    port = free_port()
    env = {
        **os.environ,
        "LRS_DATABASE_URL": svc.database_url,
        "LRS_REDIS_URL": svc.redis_url,
        "LRS_PORT": str(port),
        "LRS_LOG_LEVEL": "warning",
        **(extra_env or {}),
    }
    process = subprocess.Popen([str(LRS), "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"lrs serve exited: {process.stderr.read().decode() if process.stderr else ''}")
            try:
                if httpx.get(f"{base}/xapi/about", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("lrs serve did not start")
            time.sleep(0.2)
        yield Server(base, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()


@contextlib.asynccontextmanager
async def database(svc: Services) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(svc.database_url, min_size=1, max_size=4)
    try:
        yield pool
    finally:
        await pool.close()


async def new_store(pool: asyncpg.Pool, base_url: str, scopes: tuple[str, ...] | None = None) -> tuple[int, str, str]:
    """A fresh store and a credential for it: (store id, key, secret)."""
    async with pool.acquire() as conn:
        store = await stores.create_store(conn, f"bench-{uuid.uuid4().hex[:8]}")
        kwargs: dict[str, Any] = {"scopes": scopes} if scopes else {}
        issued = await issue_credential(conn, store_id=store.id, base_url=base_url, **kwargs)
    return store.id, issued.key, issued.secret


def tree_cpu_seconds(pid: int | None) -> float:
    """User + system CPU seconds used so far by a process and its descendants, exited ones included once their
    parent in the tree has reaped them (0 when `pid` is None or gone). Differences of two readings measure a
    phase's CPU whatever else runs on the machine."""
    if pid is None:
        return 0.0
    try:
        root = psutil.Process(pid)
        tree = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0.0
    for process in tree:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def describe(values: list[float]) -> str:
    return f"p50 {statistics.median(values) * 1000:.1f} ms, p95 {percentile(values, 95) * 1000:.1f} ms"


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "when": datetime.now(UTC).strftime("%Y-%m-%dT%H:%MZ"),
    }


def table(rows: list[tuple[str, str]]) -> str:
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"  {k.ljust(width)}  {v}" for k, v in rows)


def emit(figures: dict[str, Any]) -> None:
    """The last line of every benchmark: its figures as one JSON object."""
    print(json.dumps(figures, sort_keys=False))
