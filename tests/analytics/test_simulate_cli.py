"""`lrs simulate`: NDJSON to a file or standard output, or batched POSTs to an LRS."""

from __future__ import annotations

import argparse
import base64
import gzip
import json
from pathlib import Path

import httpx
import msgspec
import pytest

from analytics import simulate_cli
from analytics.simulator import simulate

ARGS = ["--learners", "6", "--courses", "2", "--weeks", "3", "--seed", "5", "--now", "2026-02-01T10:00:00Z"]


def parse(*extra: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    simulate_cli.add_arguments(parser)
    return parser.parse_args([*ARGS, *extra])


def expected() -> list[bytes]:
    return [msgspec.json.encode(s) for s in simulate(simulate_cli.config_from_args(parse()))]


def test_writes_ndjson_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "statements.ndjson"
    assert simulate_cli.run(parse("--output", str(out), "--quiet")) == 0
    assert out.read_bytes().splitlines() == expected()


def test_writes_gzip_when_asked(tmp_path: Path) -> None:
    out = tmp_path / "statements.ndjson.gz"
    assert simulate_cli.run(parse("--output", str(out), "--quiet")) == 0
    assert gzip.decompress(out.read_bytes()).splitlines() == expected()


def test_writes_to_standard_output_by_default(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert simulate_cli.run(parse("--quiet")) == 0
    assert capsysbinary.readouterr().out.splitlines() == expected()


def test_the_progress_bar_goes_to_standard_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert simulate_cli.run(parse("--output", str(tmp_path / "x.ndjson"))) == 0
    err = capsys.readouterr().err
    assert "100.0%" in err and "wrote" in err


def test_posts_batches_with_the_version_header_and_credentials() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = json.loads(request.content)
        return httpx.Response(200, json=[s["id"] for s in body])

    args = parse(
        "--endpoint", "http://lrs.test/xapi/", "--auth", "key:secret", "--batch", "25", "--concurrency", "3", "--quiet"
    )
    assert simulate_cli.run(args, transport=httpx.MockTransport(handler)) == 0
    assert {str(r.url) for r in seen} == {"http://lrs.test/xapi/statements"}
    assert all(r.headers["X-Experience-API-Version"] == "1.0.3" for r in seen)
    assert all(r.headers["Authorization"] == "Basic " + base64.b64encode(b"key:secret").decode() for r in seen)
    sizes = [len(json.loads(r.content)) for r in seen]
    assert max(sizes) <= 25
    sent = sorted(msgspec.json.encode(s) for r in seen for s in msgspec.json.decode(r.content))
    assert sent == sorted(expected())


def test_retries_when_the_lrs_is_briefly_unavailable() -> None:
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        return httpx.Response(503 if calls["n"] == 1 else 200, json=[])

    args = parse("--endpoint", "http://lrs.test/xapi/statements", "--batch", "10000", "--concurrency", "1", "--quiet")
    assert simulate_cli.run(args, transport=httpx.MockTransport(handler)) == 0
    assert calls["n"] > 1


def test_stops_with_an_error_when_the_lrs_rejects_a_batch(capsys: pytest.CaptureFixture[str]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"error": "validation_error"})

    args = parse("--endpoint", "http://lrs.test/xapi", "--quiet")
    assert simulate_cli.run(args, transport=httpx.MockTransport(handler)) == 1
    assert "400" in capsys.readouterr().err


def test_bad_credentials_syntax_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert simulate_cli.run(parse("--endpoint", "http://lrs.test/xapi", "--auth", "no-colon")) == 2
    assert "KEY:SECRET" in capsys.readouterr().err
