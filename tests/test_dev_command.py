"""`lrs dev` end to end, as a user runs it: start, store a statement, kill -9, start again, stop with Ctrl-C."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from lrs.embedded import running_pids, wait_for_exit

LRS = Path(sys.executable).with_name("lrs")
CREDENTIAL = ("dev-test", "dev-test-secret")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    # Output goes to a file: an unread pipe would fill up and stall the server.
    with open(data_dir.parent / f"{data_dir.name}.log", "ab") as log:
        return subprocess.Popen(
            [str(LRS), "dev", "--port", str(port), "--data-dir", str(data_dir), "--credential", ":".join(CREDENTIAL)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={k: v for k, v in os.environ.items() if not k.startswith("LRS_")},
        )


def _wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"lrs dev exited early with {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError("lrs dev did not answer in time")


@pytest.fixture
def data_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="lrs-dev-test-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)
    (path.parent / f"{path.name}.log").unlink(missing_ok=True)


@pytest.mark.timeout(180)
def test_dev_survives_kill_and_stops_cleanly(data_dir: Path) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    headers = {"X-Experience-API-Version": "1.0.3"}
    statement_id = str(uuid.uuid4())

    first = _start(data_dir, port)
    try:
        _wait_ready(f"{base}/xapi/about", first)
        about = httpx.get(f"{base}/xapi/about", headers=headers)
        assert about.status_code == 200
        assert set(about.json()["version"]) >= {"1.0.3", "2.0.0"}
        stored = httpx.put(
            f"{base}/xapi/statements",
            params={"statementId": statement_id},
            auth=CREDENTIAL,
            headers=headers,
            json={
                "actor": {"mbox": "mailto:learner@example.com"},
                "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
                "object": {"id": "http://example.com/activities/dev-test"},
            },
        )
        assert stored.status_code == 204
        servers = running_pids(data_dir)
        assert len(servers) == 2  # PostgreSQL and Valkey
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)

    second = _start(data_dir, port)
    try:
        _wait_ready(f"{base}/xapi/about", second)
        for pid in servers:  # the killed run's servers were found and stopped
            assert wait_for_exit(pid, timeout=5)
        again = httpx.get(
            f"{base}/xapi/statements", params={"statementId": statement_id}, auth=CREDENTIAL, headers=headers
        )
        assert again.status_code == 200
        assert again.json()["id"] == statement_id
        restarted = running_pids(data_dir)
        assert len(restarted) == 2
    finally:
        second.send_signal(signal.SIGINT)
        assert second.wait(30) == 0
    for pid in restarted:
        assert wait_for_exit(pid, timeout=10), f"server process {pid} left running after Ctrl-C"
    assert running_pids(data_dir) == []
