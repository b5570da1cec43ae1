"""The `lrs simulate`, `lrs import` and `lrs export` subcommands (registered by `lrs.cli`)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import asyncpg

from lrs.bulk.exporter import ExportFilters, export_statements
from lrs.bulk.importer import FileReport, ImportOptions, import_file, importer_authority
from lrs.bulk.progress import ProgressBar
from lrs.errors import ValidationError
from lrs.settings import Settings
from lrs.store import stores
from lrs.store.db import create_pool
from lrs.xapi import SUPPORTED_VERSIONS

INTERRUPTED = 130


def register_simulate(sub: Any) -> None:
    from analytics import simulate_cli

    parser = sub.add_parser("simulate", help="generate simulated course statements (NDJSON, or POST to an LRS)")
    simulate_cli.add_arguments(parser)
    parser.set_defaults(handler=simulate_cli.run)


def register_import(sub: Any) -> None:
    parser = sub.add_parser(
        "import",
        help="load statement files (NDJSON or JSON arrays, gzip or plain) into a store or an LRS",
        description="Validate every statement of each file, then store them batch by batch (one transaction "
        "each); an interrupted import resumes where it stopped. '-' reads standard input.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE")
    parser.add_argument("--store", default=stores.DEFAULT_STORE, help="store to load into (direct import)")
    parser.add_argument("--endpoint", default=None, help="POST to this xAPI endpoint instead of the database")
    parser.add_argument("--auth", default=None, metavar="KEY:SECRET", help="HTTP Basic credentials for --endpoint")
    parser.add_argument("--concurrency", type=int, default=4, help="POSTs in flight with --endpoint (default 4)")
    parser.add_argument("--batch", type=int, default=1000, help="statements per transaction or POST (default 1000)")
    parser.add_argument(
        "--version", default="1.0.3", help="xAPI version the statements are validated under (default 1.0.3)"
    )
    parser.add_argument("--skip-invalid", action="store_true", help="load the valid statements of a file with rejects")
    parser.add_argument("--again", action="store_true", help="import from the start even if imported before")
    parser.add_argument(
        "--as-credential",
        default=None,
        metavar="KEY",
        help="store with this credential's authority (default: the account 'lrs-import' on the LRS base URL)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="worker processes validating statements (0: none; default: one per CPU)",
    )
    parser.add_argument("--writers", type=int, default=2, help="transactions writing at once (default 2)")
    parser.add_argument("--max-reported", type=int, default=1000, help="rejects printed per file (default 1000)")
    parser.set_defaults(handler=cmd_import)


def register_export(sub: Any) -> None:
    parser = sub.add_parser(
        "export",
        help="write a store's statements as NDJSON (GET /statements filters)",
        description="Statements in stored order, as stored, one per line; voided statements are left out.",
    )
    parser.add_argument("--store", default=stores.DEFAULT_STORE)
    parser.add_argument("--agent", default=None, metavar="JSON", help='e.g. \'{"mbox": "mailto:a@example.com"}\'')
    parser.add_argument("--verb", default=None, metavar="IRI")
    parser.add_argument("--activity", default=None, metavar="IRI")
    parser.add_argument("--registration", default=None, metavar="UUID")
    parser.add_argument("--since", default=None, metavar="TIMESTAMP", help="stored after this time")
    parser.add_argument("--until", default=None, metavar="TIMESTAMP", help="stored at or before this time")
    parser.add_argument("--related-agents", action="store_true")
    parser.add_argument("--related-activities", action="store_true")
    parser.add_argument("--output", "-o", default="-", help="file ('-' = standard output; gzip when it ends in .gz)")
    parser.add_argument("--quiet", action="store_true", help="no progress on standard error")
    parser.set_defaults(handler=cmd_export)


# -- import -------------------------------------------------------------------------------------------------


def cmd_import(args: argparse.Namespace) -> int:
    if args.version not in SUPPORTED_VERSIONS:
        print(f"lrs import: --version must be one of {', '.join(SUPPORTED_VERSIONS)}", file=sys.stderr)
        return 2
    if min(args.batch, args.concurrency, args.writers) < 1 or args.jobs < 0:
        print("lrs import: --batch, --concurrency and --writers must be at least 1, --jobs at least 0", file=sys.stderr)
        return 2
    options = ImportOptions(
        version=args.version,
        batch=args.batch,
        skip_invalid=args.skip_invalid,
        jobs=args.jobs,
        writers=args.writers,
        again=args.again,
        max_reported=args.max_reported,
    )
    with _inputs(args.files) as files:
        missing = [name for name, path in files if not path.is_file()]
        if missing:
            print(f"lrs import: no such file: {', '.join(missing)}", file=sys.stderr)
            return 2
        try:
            logging.getLogger("asyncio").addFilter(_quiet_rollback)
            logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per POST
            if args.endpoint:
                reports = asyncio.run(_post(args, files, options))
            else:
                from lrs.cli import _database

                with _database(Settings.from_env()) as settings:
                    reports = asyncio.run(_direct(settings, args, files, options))
        except KeyboardInterrupt:
            print("\nlrs import: interrupted; run the same command again to continue", file=sys.stderr)
            return INTERRUPTED
    return 1 if any(r.status in ("rejected", "failed") for r in reports) else 0


def _quiet_rollback(record: logging.LogRecord) -> bool:
    """On Ctrl-C the batches in flight are rolled back by closing their connections; that is the plan, not an
    error worth a log line."""
    return not record.getMessage().startswith("Resetting connection with an active transaction")


@contextlib.contextmanager
def _inputs(names: list[str]) -> Iterator[list[tuple[str, Path]]]:
    """The files to import; standard input ('-') is copied to a temporary file (an import reads twice)."""
    with tempfile.TemporaryDirectory(prefix="lrs-import-") as scratch:
        files = []
        for name in names:
            if name == "-":
                path = Path(scratch) / "stdin"
                with path.open("wb") as copy:
                    shutil.copyfileobj(sys.stdin.buffer, copy, 1 << 20)
                files.append(("<stdin>", path))
            else:
                files.append((name, Path(name)))
        yield files


async def _direct(
    settings: Settings, args: argparse.Namespace, files: list[tuple[str, Path]], options: ImportOptions
) -> list[FileReport]:
    assert settings.database_url
    pool = await create_pool(settings.database_url, min_size=1, max_size=options.writers + 1)
    try:
        async with pool.acquire() as conn:
            store = await _store(conn, args.store)
            authority = await _authority(conn, store.id, args.as_credential, settings.base_url)
        reports = [
            await import_file(pool, path, store_id=store.id, authority=authority, options=options, name=name)
            for name, path in files
        ]
    finally:
        await pool.close()
    if any(r.inserted for r in reports) and settings.redis_url:
        from lrs.queue import Hinter

        hinter = Hinter(settings.redis_url)
        await hinter.new_statements(store.id)
        await hinter.close()
    return reports


async def _store(conn: asyncpg.Connection, name: str) -> stores.StoreRow:
    if name == stores.DEFAULT_STORE:
        return await stores.ensure_store(conn, name)
    return await stores.get_store(conn, name)


async def _authority(conn: asyncpg.Connection, store_id: int, key: str | None, base_url: str) -> dict[str, Any]:
    if key is None:
        return importer_authority(base_url)
    credential = await stores.credential_by_key(conn, key)
    if credential is None or credential.store_id != store_id:
        raise ValidationError(f"the store has no credential {key!r}", path="--as-credential")
    return credential.authority


async def _post(args: argparse.Namespace, files: list[tuple[str, Path]], options: ImportOptions) -> list[FileReport]:
    import httpx

    from lrs.bulk.remote import Remote, RemoteError, post_file

    auth: tuple[str, str] | None = None
    if args.auth:
        key, sep, secret = args.auth.partition(":")
        if not sep:
            raise ValidationError("--auth must be KEY:SECRET", path="--auth")
        auth = (key, secret)
    endpoint = args.endpoint.rstrip("/")
    endpoint = endpoint.removesuffix("/statements") + "/"
    limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency)
    state_dir = Settings.from_env().data_dir / "imports"
    async with httpx.AsyncClient(base_url=endpoint, auth=auth, timeout=120.0, limits=limits) as client:
        remote = Remote(client, concurrency=args.concurrency)
        reports = []
        for name, path in files:
            try:
                reports.append(await post_file(path, remote=remote, options=options, state_dir=state_dir, name=name))
            except RemoteError as exc:
                print(f"lrs import: {exc}; run the same command again to continue", file=sys.stderr)
                reports.append(FileReport(path, "", status="failed"))
                break
    return reports


# -- export -------------------------------------------------------------------------------------------------


def cmd_export(args: argparse.Namespace) -> int:
    filters = ExportFilters(
        agent=args.agent,
        verb=args.verb,
        activity=args.activity,
        registration=args.registration,
        since=args.since,
        until=args.until,
        related_agents=args.related_agents,
        related_activities=args.related_activities,
    )
    query = filters.to_query()
    from lrs.cli import _database

    with _database(Settings.from_env()) as settings, _output(args.output) as out:
        bar = None if args.quiet else ProgressBar("exporting", None)
        count = asyncio.run(_export(settings, args.store, query, out, bar))
    if bar is not None:
        bar.finish()
        print(f"exported {count:,} statements", file=sys.stderr)
    return 0


@contextlib.contextmanager
def _output(name: str) -> Iterator[BinaryIO]:
    if name == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
    elif name.endswith(".gz"):
        with gzip.open(name, "wb", compresslevel=6) as compressed:
            yield compressed  # type: ignore[misc]
    else:
        with open(name, "wb") as plain:
            yield plain


async def _export(settings: Settings, store_name: str, query: Any, out: BinaryIO, bar: ProgressBar | None) -> int:
    assert settings.database_url
    pool = await create_pool(settings.database_url, min_size=1, max_size=2)
    try:
        async with pool.acquire() as conn:
            store = await stores.get_store(conn, store_name)
        return await export_statements(pool, store.id, query, out, progress=None if bar is None else bar.update)
    finally:
        await pool.close()
