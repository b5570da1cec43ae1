"""`lrs import` into a store's database: validate a whole file first, then write it batch by batch.

Per file:
1. its SHA-256 names it in `import_progress`: a file imported completely is skipped (unless `again`), one
   interrupted resumes after its last committed batch;
2. check pass: every statement is validated (`lrs.xapi`, as a POST body), ids used twice in the file and ids
   stored with different content are rejected; rejects are reported as `FILE:LINE: reason at $.path`. With any
   reject the file writes nothing, unless `skip_invalid`;
3. write pass: batches of `batch` statements, each in one transaction that also advances the progress row
   (`lrs.bulk.writer`). Ctrl-C loses at most the batch in flight, which is rolled back.

Imported statements get the importer's authority (by default `importer_authority(base_url)`, an account
`lrs-import` on the LRS's base URL), a `stored` time per batch, and update canonical activity definitions as a
credential with the `define` scope would. Attachments travel only as `fileUrl` (a file holds no attachment data).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import asyncpg

from lrs.bulk.checking import CheckPlan, CheckResult, Probe, check_file
from lrs.bulk.chunks import ChunkRunner, relaxed_gc
from lrs.bulk.preparing import Reject, decode_prepared
from lrs.bulk.progress import ProgressBar, duration
from lrs.bulk.sources import file_sha256
from lrs.bulk.spool import CommittedPrefix, Spool, SpooledChunk, process_chunks
from lrs.bulk.sql import bq
from lrs.bulk.writer import FileKey, write_batch
from lrs.xapi import agent_ifi

IMPORTER_ACCOUNT = "lrs-import"


def importer_authority(base_url: str) -> dict[str, Any]:
    """The authority of statements imported straight into the database: account `lrs-import` on the LRS."""
    return {"objectType": "Agent", "name": "lrs import", "account": {"homePage": base_url, "name": IMPORTER_ACCOUNT}}


@dataclass(frozen=True)
class ImportOptions:
    version: str = "1.0.3"
    """The xAPI version the statements are validated and stored under (as the version header of a POST)."""
    batch: int = 1000
    skip_invalid: bool = False
    jobs: int = 0
    """Worker processes that validate and prepare statements; 0 does it in this process."""
    writers: int = 1
    """Transactions writing at the same time (direct imports)."""
    again: bool = False
    """Import a file from its start even when it was imported (completely or partly) before."""
    max_reported: int = 1000
    """At most this many rejects are printed per file (all are counted)."""


@dataclass
class FileReport:
    path: Path
    sha256: str
    status: str = "imported"
    """imported | rejected | already imported | failed (remote imports: the LRS refused a batch)"""
    records: int = 0
    inserted: int = 0
    unchanged: int = 0
    rejected: int = 0
    resumed_after: int = 0
    seconds: float = 0.0
    rejects: list[Reject] = field(default_factory=list)
    """The rejects that were reported (at most `max_reported`)."""

    @property
    def rate(self) -> float:
        written = self.records - self.resumed_after
        return written / self.seconds if self.seconds > 0 else 0.0


class RejectPrinter:
    """Prints `FILE:LINE: reason at path` for the first `limit` rejects of a file; counts all of them."""

    def __init__(self, name: str, limit: int, bar: ProgressBar, kept: list[Reject]) -> None:
        self.name, self.limit, self.bar, self.kept = name, limit, bar, kept
        self.count = 0

    def __call__(self, reject: Reject) -> None:
        self.count += 1
        if self.count <= self.limit:
            self.kept.append(reject)
            self.bar.note(format_reject(self.name, reject))

    def close(self) -> None:
        if self.count > self.limit:
            self.bar.note(f"{self.name}: ... and {self.count - self.limit:,} more rejected statements")


def format_reject(name: str, reject: Reject) -> str:
    return f"{name}:{reject.line}: {reject.reason} at {reject.path}"


async def import_file(
    pool: asyncpg.Pool,
    path: Path,
    *,
    store_id: int,
    authority: dict[str, Any],
    options: ImportOptions,
    stream: TextIO | None = None,
    name: str | None = None,
) -> FileReport:
    """Import one file into the store `store_id` (see the module docstring); `name` is how reports call it."""
    with relaxed_gc():
        return await _import_file(
            pool, path, store_id=store_id, authority=authority, options=options, stream=stream, name=name
        )


async def _import_file(
    pool: asyncpg.Pool,
    path: Path,
    *,
    store_id: int,
    authority: dict[str, Any],
    options: ImportOptions,
    stream: TextIO | None,
    name: str | None,
) -> FileReport:
    out = stream if stream is not None else sys.stderr
    name = name or str(path)
    started = time.monotonic()
    report = FileReport(path, file_sha256(path))
    key = FileKey(store_id, report.sha256)
    async with pool.acquire() as conn:
        state = await conn.fetchrow(bq("progress_get"), store_id, report.sha256)
    if state is not None and state["completed"] is not None and not options.again:
        report.status = "already imported"
        report.records = state["done_records"]
        out.write(
            f"{name}: imported already on {_when(state['completed'])} ({state['inserted']:,} new statements); "
            "--again imports it again\n"
        )
        return report
    resuming = state is not None and state["completed"] is None and state["done_records"] > 0 and not options.again
    if resuming:
        assert state is not None
        report.resumed_after = state["done_records"]
        out.write(f"{name}: resuming after statement {report.resumed_after:,} (line {state['last_line']:,})\n")

    async def probe(ids: list[str]) -> dict[str, str]:
        async with pool.acquire() as conn:
            return {str(r["id"]): r["payload"] for r in await conn.fetch(bq("existing_ids"), store_id, ids)}

    plan = CheckPlan(path, report.sha256, options.version, authority, options.batch, report.resumed_after)
    with Spool() as spool:
        checked = await _check(plan, spool, probe, options, name, out, report)
        report.records, report.rejected, report.unchanged = checked.last_ordinal, checked.rejected, checked.unchanged
        if checked.unreadable or (checked.rejected and not options.skip_invalid):
            report.status = "rejected"
            written = "nothing more written" if resuming else "nothing written"
            out.write(f"{name}: {checked.rejected:,} rejected, {written} (--skip-invalid loads the others)\n")
            report.seconds = time.monotonic() - started
            return report
        if not resuming:
            async with pool.acquire() as conn:
                await conn.execute(bq("progress_begin"), store_id, report.sha256, name)
        await _write(pool, spool, checked, key, agent_ifi(authority), options, name, out, report)
    async with pool.acquire() as conn:
        await conn.execute(
            bq("progress_complete"), store_id, report.sha256, checked.last_ordinal, checked.last_line, checked.rejected
        )
    report.seconds = time.monotonic() - started
    out.write(
        f"{name}: {report.records - report.resumed_after:,} statements in {duration(report.seconds)} "
        f"({report.rate:,.0f}/s): {report.inserted:,} new, {report.unchanged:,} stored already, "
        f"{report.rejected:,} rejected\n"
    )
    return report


async def _check(
    plan: CheckPlan,
    spool: Spool,
    probe: Probe,
    options: ImportOptions,
    name: str,
    out: TextIO,
    report: FileReport,
) -> CheckResult:
    bar = ProgressBar(f"checking {name}", None, stream=out)
    printer = RejectPrinter(name, options.max_reported, bar, report.rejects)
    with ChunkRunner(options.jobs) as runner:
        checked = await check_file(plan, runner=runner, spool=spool, report=printer, bar=bar, probe=probe)
    bar.finish()
    printer.close()
    return checked


async def _write(
    pool: asyncpg.Pool,
    spool: Spool,
    checked: CheckResult,
    key: FileKey,
    authority_ifi: str | None,
    options: ImportOptions,
    name: str,
    out: TextIO,
    report: FileReport,
) -> None:
    """Write the spooled chunks, `options.writers` transactions at a time. A transaction records its own chunk as
    done when every chunk before it is committed already, and otherwise the committed prefix known when it
    starts: the progress row never runs ahead of what is committed."""
    bar = ProgressBar(f"importing {name}", checked.last_ordinal, done=report.resumed_after, stream=out)
    prefix = CommittedPrefix(report.resumed_after)

    async def write(index: int, chunk: SpooledChunk) -> None:
        rows = [row for row in decode_prepared(chunk.rows) if row.ordinal not in checked.skip]
        done = (
            (chunk.last_ordinal, chunk.last_line) if prefix.follows(index) else (prefix.last_ordinal, prefix.last_line)
        )
        outcome = await write_batch(pool, rows, file=key, authority_ifi=authority_ifi, done=done)
        report.inserted += outcome.inserted
        if prefix.complete(index, chunk):
            bar.update(prefix.last_ordinal)

    await process_chunks(spool, options.writers, write)
    bar.finish()
    # Statements found stored during the check, and those another writer stored meanwhile, are no-ops.
    report.unchanged = checked.valid - report.inserted


def _when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M}Z"
