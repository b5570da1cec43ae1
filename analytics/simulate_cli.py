"""`lrs simulate`: write simulated statements as NDJSON, or POST them to an LRS.

The command is wired by `lrs.cli` through `add_arguments(parser)` and `run(args)`. Output goes to
standard output by default, to a file with `--output` (gzip when it ends in `.gz` or with `--gzip`),
or to an LRS with `--endpoint URL --auth KEY:SECRET`, in batches of `--batch` statements with
`--concurrency` requests in flight and a progress bar on standard error.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Any

import httpx
import msgspec

from analytics.simulator import SimulationConfig, default_now, simulate_chunks

XAPI_VERSION = "1.0.3"
RETRYABLE = {429, 500, 502, 503, 504}


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options of `lrs simulate`."""
    parser.add_argument("--learners", type=int, default=200, help="learners per offering (default 200)")
    parser.add_argument("--courses", type=int, default=3, help="consecutive offerings; the last is in progress")
    parser.add_argument("--weeks", type=int, default=12, help="weeks per offering (default 12)")
    parser.add_argument("--seed", type=int, default=0, help="random seed: the same seed gives the same statements")
    parser.add_argument("--start", type=_moment, help="start of the first offering (ISO 8601); fixes every timestamp")
    parser.add_argument("--now", type=_moment, help="the simulated present (ISO 8601); default: the current hour")
    parser.add_argument(
        "--progress",
        type=float,
        default=0.5,
        help="share of the last offering elapsed at 'now' (1 = ended; default 0.5)",
    )
    parser.add_argument("--home-page", default="https://lms.example.org", help="account homePage of the agents")
    parser.add_argument("--content-base", default="https://courses.example.com", help="base IRI of course content")
    parser.add_argument("--output", "-o", default="-", help="NDJSON file ('-' = standard output)")
    parser.add_argument("--gzip", action="store_true", help="gzip the output file (implied by a .gz name)")
    parser.add_argument("--endpoint", help="POST to this LRS xAPI endpoint instead of writing NDJSON")
    parser.add_argument("--auth", help="KEY:SECRET for HTTP Basic authentication with --endpoint")
    parser.add_argument("--batch", type=int, default=100, help="statements per POST (default 100)")
    parser.add_argument("--concurrency", type=int, default=8, help="POSTs in flight (default 8)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def config_from_args(args: argparse.Namespace) -> SimulationConfig:
    """The simulation the options describe."""
    return SimulationConfig(
        learners=args.learners,
        courses=args.courses,
        weeks=args.weeks,
        seed=args.seed,
        start=args.start,
        now=None if args.start is not None else (args.now or default_now()),
        progress=args.progress,
        home_page=args.home_page,
        content_base=args.content_base,
    )


class Progress:
    """A plain-text progress bar on standard error, redrawn at most five times a second."""

    def __init__(self, stream: IO[str] | None, label: str) -> None:
        self.stream = stream
        self.label = label
        self.started = time.monotonic()
        self.drawn = 0.0
        self.count = 0

    def update(self, done: float, count: int, *, force: bool = False) -> None:
        self.count = count
        now = time.monotonic()
        if self.stream is None or (not force and now - self.drawn < 0.2):
            return
        self.drawn = now
        width = 30
        filled = round(width * min(1.0, max(0.0, done)))
        rate = count / max(1e-9, now - self.started)
        self.stream.write(
            f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {done:6.1%} {count:,} statements {rate:,.0f}/s"
        )
        self.stream.flush()

    def close(self) -> None:
        if self.stream is not None:
            self.stream.write("\n")
            self.stream.flush()


@contextlib.contextmanager
def _open_output(path: str, compress: bool) -> Iterator[IO[bytes]]:
    if path == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    if compress or path.endswith(".gz"):
        with gzip.open(path, "wb") as compressed:
            yield compressed  # type: ignore[misc]
        return
    with open(path, "wb") as handle:
        yield handle


def write_ndjson(config: SimulationConfig, output: IO[bytes], progress: Progress) -> int:
    """Write every statement as one JSON line; returns how many."""
    encoder = msgspec.json.Encoder()
    count = 0
    for done, chunk in simulate_chunks(config):
        if chunk:
            output.write(b"\n".join(encoder.encode(s) for s in chunk) + b"\n")
        count += len(chunk)
        progress.update(done, count)
    progress.update(1.0, count, force=True)
    return count


class PostFailed(Exception):
    """The LRS rejected a batch for a reason retrying will not fix."""


def statements_url(endpoint: str) -> str:
    """The Statements resource of an xAPI endpoint (accepts the endpoint or the resource itself)."""
    endpoint = endpoint.rstrip("/")
    return endpoint if endpoint.endswith("/statements") else endpoint + "/statements"


async def _post_batch(
    client: httpx.AsyncClient,
    url: str,
    body: bytes,
    headers: dict[str, str],
    auth: httpx.Auth | None,
    attempts: int = 5,
) -> None:
    delay = 0.5
    for attempt in range(attempts):
        try:
            response = await client.post(url, content=body, headers=headers, auth=auth or httpx.USE_CLIENT_DEFAULT)
        except httpx.TransportError as error:
            if attempt == attempts - 1:
                raise PostFailed(f"cannot reach the LRS: {error}") from error
        else:
            if response.status_code < 300:
                return
            if response.status_code not in RETRYABLE or attempt == attempts - 1:
                raise PostFailed(f"the LRS answered {response.status_code}: {response.text[:500]}")
        await asyncio.sleep(delay)
        delay *= 2


async def post_statements(
    config: SimulationConfig,
    endpoint: str,
    auth: tuple[str, str] | None,
    *,
    batch: int = 100,
    concurrency: int = 8,
    progress: Progress,
    transport: httpx.AsyncBaseTransport | None = None,
    client: httpx.AsyncClient | None = None,
) -> int:
    """POST every statement in batches with `concurrency` requests in flight; returns how many were sent.

    Uses `client` when given (left open), else a client of its own over `transport`.
    """
    url = statements_url(endpoint)
    headers = {"X-Experience-API-Version": XAPI_VERSION, "Content-Type": "application/json"}
    basic = httpx.BasicAuth(*auth) if auth is not None else None
    queue: asyncio.Queue[tuple[bytes, int] | None] = asyncio.Queue(maxsize=concurrency * 2)
    sent = 0
    done_share = 0.0
    encoder = msgspec.json.Encoder()

    async def worker(http: httpx.AsyncClient) -> None:
        nonlocal sent
        while (item := await queue.get()) is not None:
            body, size = item
            await _post_batch(http, url, body, headers, basic)
            sent += size
            progress.update(done_share, sent)

    async with contextlib.AsyncExitStack() as stack:
        http = client
        if http is None:
            http = await stack.enter_async_context(httpx.AsyncClient(timeout=60.0, transport=transport))
        workers = [asyncio.create_task(worker(http)) for _ in range(concurrency)]
        try:
            for done, chunk in simulate_chunks(config):
                for i in range(0, len(chunk), batch):
                    part = chunk[i : i + batch]
                    await _put_or_fail(queue, (encoder.encode(part), len(part)), workers)
                done_share = done
            for _ in workers:
                await _put_or_fail(queue, None, workers)
            await asyncio.gather(*workers)
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
    progress.update(1.0, sent, force=True)
    return sent


async def _put_or_fail(
    queue: asyncio.Queue[tuple[bytes, int] | None], item: tuple[bytes, int] | None, workers: list[asyncio.Task[None]]
) -> None:
    """Queue an item, but stop at once if a worker has failed (its error is raised here)."""
    while True:
        for task in workers:
            if task.done() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
        try:
            queue.put_nowait(item)
            return
        except asyncio.QueueFull:
            await asyncio.sleep(0.01)


def _parse_auth(text: str | None) -> tuple[str, str] | None:
    if text is None:
        return None
    key, sep, secret = text.partition(":")
    if not sep:
        raise ValueError("--auth must be KEY:SECRET")
    return key, secret


def run(args: argparse.Namespace, *, transport: httpx.AsyncBaseTransport | None = None) -> int:
    """Run `lrs simulate`; returns the process exit code."""
    try:
        config = config_from_args(args)
        auth = _parse_auth(args.auth)
    except ValueError as error:
        print(f"lrs simulate: {error}", file=sys.stderr)
        return 2
    show: Any = None if args.quiet else sys.stderr
    if args.endpoint:
        progress = Progress(show, "posting")
        try:
            sent = asyncio.run(
                post_statements(
                    config,
                    args.endpoint,
                    auth,
                    batch=max(1, args.batch),
                    concurrency=max(1, args.concurrency),
                    progress=progress,
                    transport=transport,
                )
            )
        except PostFailed as error:
            progress.close()
            print(f"lrs simulate: {error}", file=sys.stderr)
            return 1
        progress.close()
        if not args.quiet:
            print(f"sent {sent:,} statements to {statements_url(args.endpoint)}", file=sys.stderr)
        return 0
    progress = Progress(show if args.output != "-" or not sys.stdout.isatty() else None, "writing")
    with _open_output(args.output, args.gzip) as output:
        count = write_ndjson(config, output, progress)
    progress.close()
    if not args.quiet:
        print(f"wrote {count:,} statements", file=sys.stderr)
    return 0
