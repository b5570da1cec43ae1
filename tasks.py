"""The project's two commands, needing only Python 3.11+:

    python3 tasks.py dev [lrs dev options]   install into .venv on first use, then run the LRS
    python3 tasks.py test [pytest options]   install what tests need, then lint, type-check and test everything

Also: `python3 tasks.py bench NAME` runs one benchmark (see BENCHMARKS.md).
"""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
STAMP = VENV / ".lrs-installed"


def _run(*cmd: str | Path, **kwargs: object) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT, **kwargs)  # type: ignore[call-overload]


def ensure_venv(extras: str) -> None:
    """Create .venv and install the project (editable) with `extras`; again only when pyproject.toml changes."""
    if not PYTHON.exists():
        print(f"creating {VENV.name}/", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    _run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    _run(PYTHON, "-m", "pip", "install", "--quiet", "-e", f".[{extras}]" if extras else ".")
    STAMP.write_text(wanted)


def dev(args: list[str]) -> int:
    ensure_venv("")
    return subprocess.call([str(BIN / "lrs"), "dev", *args], cwd=ROOT)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f}s")


def conformance() -> None:
    """Start our LRS on its embedded services and run the black-box suite for both xAPI versions."""
    port = _free_port()
    data_dir = Path(tempfile.mkdtemp(prefix="lrs-conformance-"))
    secret = hashlib.sha256(os.urandom(16)).hexdigest()[:24]
    log = open(data_dir / "lrs.log", "wb")  # noqa: SIM115 - closed below, after the server stops
    server = subprocess.Popen(
        [
            str(BIN / "lrs"),
            "dev",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
            "--credential",
            f"conf:{secret}",
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/xapi/about", 90)
        for version in ("1.0.3", "2.0.0"):
            _run(
                PYTHON, "-m", "conformance_tests",
                "--endpoint", f"http://127.0.0.1:{port}/xapi/",
                "--auth", f"conf:{secret}",
                "--xapi-version", version,
            )  # fmt: skip
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def test(args: list[str]) -> int:
    ensure_venv("dev")
    try:
        _run(BIN / "ruff", "check", ".")
        _run(BIN / "ruff", "format", "--check", ".")
        _run(BIN / "mypy")
        _run(BIN / "pytest", *args)
        conformance()
    except subprocess.CalledProcessError as exc:
        return exc.returncode or 1
    return 0


def bench(args: list[str]) -> int:
    ensure_venv("dev")
    return subprocess.call([str(PYTHON), "-m", "bench", *args], cwd=ROOT)


def main() -> int:
    commands = {"dev": dev, "test": test, "bench": bench}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        return 2
    return commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
