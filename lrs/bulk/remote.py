"""`lrs import --endpoint`: POST a file's statements to any xAPI LRS, in batches, several at a time.

The file is validated first, as for a direct import (nothing is sent when a statement is rejected, unless
`skip_invalid`). Progress is kept in a small JSON state file per (file digest, endpoint): the number of
statements of the file whose batches, and all batches before them, were accepted. A re-run resumes there;
POSTing a statement again is harmless anyway (statements without an id get one derived from the file, and an
LRS treats an equivalent statement with a known id as a no-op).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import httpx

from lrs.bulk.checking import CheckPlan, check_file
from lrs.bulk.chunks import ChunkRunner, relaxed_gc
from lrs.bulk.importer import FileReport, ImportOptions, RejectPrinter
from lrs.bulk.preparing import decode_outgoing
from lrs.bulk.progress import ProgressBar, duration
from lrs.bulk.sources import file_sha256
from lrs.bulk.spool import CommittedPrefix, Spool, SpooledChunk, process_chunks

RETRIES = 5
RETRY_STATUSES = frozenset({429, 502, 503, 504})


class RemoteError(Exception):
    """The LRS refused a batch, or could not be reached after retries; the state file says where to resume."""


@dataclass(frozen=True)
class Remote:
    """Where and how to POST: `client` carries the base URL (the xAPI endpoint) and the credentials."""

    client: httpx.AsyncClient
    statements_path: str = "statements"
    concurrency: int = 4
    auth: Any = None
    """Per-request auth (httpx) when the client has none."""


class StateFile:
    """How far a file's statements are accepted by one endpoint, rewritten atomically as it advances."""

    def __init__(self, directory: Path, digest: str, endpoint: str) -> None:
        target = hashlib.sha256(endpoint.encode()).hexdigest()[:12]
        self.path = directory / f"{digest[:32]}-{target}.json"
        self.endpoint = endpoint

    def read(self) -> dict[str, Any]:
        try:
            state: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return state

    def write(self, **state: Any) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"endpoint": self.endpoint, **state}), encoding="utf-8")
        os.replace(temporary, self.path)


async def post_file(
    path: Path,
    *,
    remote: Remote,
    options: ImportOptions,
    state_dir: Path,
    stream: TextIO | None = None,
    name: str | None = None,
) -> FileReport:
    with relaxed_gc():
        return await _post_file(path, remote=remote, options=options, state_dir=state_dir, stream=stream, name=name)


async def _post_file(
    path: Path,
    *,
    remote: Remote,
    options: ImportOptions,
    state_dir: Path,
    stream: TextIO | None,
    name: str | None,
) -> FileReport:
    out = stream if stream is not None else sys.stderr
    name = name or str(path)
    started = time.monotonic()
    report = FileReport(path, file_sha256(path))
    state_file = StateFile(state_dir, report.sha256, str(remote.client.base_url.join(remote.statements_path)))
    state = {} if options.again else state_file.read()
    if state.get("completed"):
        report.status = "already imported"
        report.records = int(state.get("done_records", 0))
        out.write(f"{name}: sent already on {state['completed']}; --again sends it again\n")
        return report
    report.resumed_after = int(state.get("done_records", 0))
    if report.resumed_after:
        out.write(f"{name}: resuming after statement {report.resumed_after:,} (line {state.get('last_line', 0):,})\n")

    plan = CheckPlan(path, report.sha256, options.version, None, options.batch, report.resumed_after)
    with Spool() as spool:
        bar = ProgressBar(f"checking {name}", None, stream=out)
        printer = RejectPrinter(name, options.max_reported, bar, report.rejects)
        with ChunkRunner(options.jobs) as runner:
            checked = await check_file(plan, runner=runner, spool=spool, report=printer, bar=bar, probe=None)
        bar.finish()
        printer.close()
        report.records, report.rejected = checked.last_ordinal, checked.rejected
        if checked.unreadable or (checked.rejected and not options.skip_invalid):
            report.status = "rejected"
            out.write(f"{name}: {checked.rejected:,} rejected, nothing sent (--skip-invalid sends the others)\n")
            return report
        bar = ProgressBar(f"sending {name}", checked.last_ordinal, done=report.resumed_after, stream=out)
        sender = _Sender(remote, options.version, checked.skip, state_file, name, bar)
        await sender.run(spool)
        bar.finish()
    report.inserted = sender.sent
    state_file.write(
        file=name,
        done_records=checked.last_ordinal,
        last_line=sender.prefix.last_line,
        completed=time.strftime("%Y-%m-%d %H:%MZ", time.gmtime()),
    )
    report.seconds = time.monotonic() - started
    out.write(
        f"{name}: {report.records - report.resumed_after:,} statements in {duration(report.seconds)} "
        f"({report.rate:,.0f}/s): {sender.sent:,} sent, {report.rejected:,} rejected\n"
    )
    return report


class _Sender:
    """POSTs spooled chunks with `concurrency` requests in flight; records the accepted prefix of the file."""

    def __init__(
        self, remote: Remote, version: str, skip: set[int], state: StateFile, name: str, bar: ProgressBar
    ) -> None:
        self.remote, self.version, self.skip, self.state, self.name, self.bar = remote, version, skip, state, name, bar
        self.sent = 0
        self.prefix = CommittedPrefix(bar.done)

    async def run(self, spool: Spool) -> None:
        await process_chunks(spool, self.remote.concurrency, self._chunk)

    async def _chunk(self, index: int, chunk: SpooledChunk) -> None:
        await self._send(chunk)
        if self.prefix.complete(index, chunk):
            self.state.write(file=self.name, done_records=self.prefix.last_ordinal, last_line=self.prefix.last_line)
            self.bar.update(self.prefix.last_ordinal)

    async def _send(self, chunk: SpooledChunk) -> None:
        statements = [s for s in decode_outgoing(chunk.rows) if s.ordinal not in self.skip]
        if not statements:
            return
        body = b"[" + b",".join(s.json for s in statements) + b"]"
        headers = {"X-Experience-API-Version": self.version, "Content-Type": "application/json"}
        where = f"{self.name}:{statements[0].line}-{statements[-1].line}"
        for attempt in range(1, RETRIES + 1):
            try:
                response = await self.remote.client.post(
                    self.remote.statements_path,
                    content=body,
                    headers=headers,
                    auth=self.remote.auth or httpx.USE_CLIENT_DEFAULT,
                )
            except httpx.TransportError as exc:
                if attempt == RETRIES:
                    raise RemoteError(f"{where}: the LRS cannot be reached ({exc})") from exc
            else:
                if response.status_code == 200:
                    self.sent += len(statements)
                    return
                if response.status_code not in RETRY_STATUSES or attempt == RETRIES:
                    raise RemoteError(f"{where}: the LRS answered {response.status_code}: {response.text[:500]}")
            await asyncio.sleep(0.2 * 2**attempt)
