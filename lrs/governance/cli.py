"""`lrs learners`, `lrs statements`, `lrs audit` and `lrs governance`: the learner data rights and governance
commands (registered by `lrs.cli`). They act on the database directly, as `cli:<OS user>` in the audit log."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import msgspec

from lrs.governance import audit, deletion, erasure, export, manage
from lrs.governance.policy import Treatment
from lrs.settings import Settings
from lrs.store import stores
from lrs.xapi import parse_agent_param

Work = Callable[[asyncpg.Connection, stores.StoreRow, Settings], Awaitable[int]]


def _agent(text: str) -> dict[str, Any]:
    agent: dict[str, Any] = msgspec.to_builtins(parse_agent_param(text, "1.0.3", "--agent", allow_group=False))
    return agent


def _time(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 time (2026-01-01T00:00:00Z)") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} needs a UTC offset (2026-01-01T00:00:00Z)")
    return moment


def _print(report: Any) -> None:
    print(msgspec.json.format(msgspec.json.encode(report)).decode())


def _run(args: argparse.Namespace, work: Work) -> int:
    """Run `work` against the configured (or embedded) database, on the store `--store` names."""
    from lrs.cli import _connection, _database

    async def main(settings: Settings) -> int:
        async with _connection(settings) as conn:
            store = await stores.get_store(conn, args.store)
            return await work(conn, store, settings)

    with _database(Settings.from_env()) as settings:
        return asyncio.run(main(settings))


def _store_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", default=stores.DEFAULT_STORE, help="the store (default: default)")


# -- lrs learners ------------------------------------------------------------------------------------------------


def register_learners(sub: Any) -> None:
    parser = sub.add_parser("learners", help="one learner's data: export, erase, analytics opt-out / opt-in")
    actions = parser.add_subparsers(dest="action", required=True)
    for name, help_text in (
        ("export", "write everything the store holds about a learner as a zip archive"),
        ("erase", "erase a learner (delete or pseudonymise, per the store's policy)"),
        ("opt-out", "leave a learner out of analytics"),
        ("opt-in", "include a learner in analytics again"),
    ):
        action = actions.add_parser(name, help=help_text)
        _store_argument(action)
        action.add_argument("--agent", required=True, help='the learner as xAPI Agent JSON: {"mbox": "mailto:..."}')
        if name == "export":
            action.add_argument("--output", "-o", type=Path, required=True, help="the zip file to write")
        if name == "erase":
            action.add_argument("--dry-run", action="store_true", help="report what would go, change nothing")
        if name == "opt-out":
            action.add_argument("--purge", action="store_true", help="also delete what analytics derived so far")
    parser.set_defaults(handler=cmd_learners)


def cmd_learners(args: argparse.Namespace) -> int:
    agent = _agent(args.agent)

    async def work(conn: asyncpg.Connection, store: stores.StoreRow, settings: Settings) -> int:
        if args.action == "export":
            with args.output.open("wb") as out:
                summary = await export.export_learner(conn, store.id, store.name, agent, out, actor=audit.cli_actor())
            _print(summary)
        elif args.action == "erase":
            _print(
                await erasure.erase_learner(
                    conn, store.id, agent, actor=audit.cli_actor(), base_url=settings.base_url, dry_run=args.dry_run
                )
            )
        elif args.action == "opt-out":
            _print(await manage.opt_out(conn, store.id, agent, actor=audit.cli_actor(), purge=args.purge))
        elif not await manage.opt_in(conn, store.id, agent, actor=audit.cli_actor()):
            print("the learner had not opted out", file=sys.stderr)
        return 0

    return _run(args, work)


# -- lrs statements delete -----------------------------------------------------------------------------------


def register_statements(sub: Any) -> None:
    parser = sub.add_parser("statements", help="delete statements by id or stored-time range")
    actions = parser.add_subparsers(dest="action", required=True)
    delete = actions.add_parser(
        "delete",
        help="delete statements (voided ones too), their index rows, derived events and unreferenced attachments",
        description="Select by --ids, by a stored-time range (--stored-after / --stored-before, both exclusive), "
        "or both (statements matching both). --dry-run reports the counts without deleting.",
    )
    _store_argument(delete)
    delete.add_argument("--ids", nargs="+", default=None, metavar="ID", help="statement ids")
    delete.add_argument("--stored-after", type=_time, default=None, metavar="TIME")
    delete.add_argument("--stored-before", type=_time, default=None, metavar="TIME")
    delete.add_argument("--dry-run", action="store_true", help="report what would go, change nothing")
    parser.set_defaults(handler=cmd_statements)


def cmd_statements(args: argparse.Namespace) -> int:
    chosen = deletion.selection(args.ids, args.stored_after, args.stored_before)

    async def work(conn: asyncpg.Connection, store: stores.StoreRow, _: Settings) -> int:
        _print(await deletion.delete_statements(conn, store.id, chosen, actor=audit.cli_actor(), dry_run=args.dry_run))
        return 0

    return _run(args, work)


# -- lrs audit export ------------------------------------------------------------------------------------------


def register_audit(sub: Any) -> None:
    parser = sub.add_parser("audit", help="the audit log of administrative actions")
    actions = parser.add_subparsers(dest="action", required=True)
    exporting = actions.add_parser("export", help="write a store's audit log as NDJSON, oldest first")
    _store_argument(exporting)
    exporting.add_argument("--output", "-o", type=Path, default=None, help="file to write (default: stdout)")
    exporting.add_argument("--since", type=_time, default=None, metavar="TIME", help="entries at or after TIME")
    exporting.add_argument("--until", type=_time, default=None, metavar="TIME", help="entries before TIME")
    parser.set_defaults(handler=cmd_audit)


def cmd_audit(args: argparse.Namespace) -> int:
    async def work(conn: asyncpg.Connection, store: stores.StoreRow, _: Settings) -> int:
        await audit.record(conn, store.id, audit.cli_actor(), audit.Action.AUDIT_EXPORT)
        out = args.output.open("wb") if args.output else sys.stdout.buffer
        try:
            async for line in audit.export_lines(conn, store.id, since=args.since, until=args.until):
                out.write(line)
        finally:
            if args.output:
                out.close()
            else:
                out.flush()
        return 0

    return _run(args, work)


# -- lrs governance ------------------------------------------------------------------------------------------


def register_governance(sub: Any) -> None:
    parser = sub.add_parser("governance", help="a store's erasure policy, retention and analytics opt-out")
    actions = parser.add_subparsers(dest="action", required=True)
    show = actions.add_parser("show", help="print the store's governance settings")
    _store_argument(show)
    change = actions.add_parser("set", help="change some of the store's governance settings")
    _store_argument(change)
    treatments = [t.value for t in Treatment]
    change.add_argument("--erasure", choices=treatments, help="what erasure does to the learner's own statements")
    change.add_argument("--erasure-shared", choices=treatments, help="... to statements they only take part in")
    days = change.add_mutually_exclusive_group()
    days.add_argument("--retention-days", type=int, default=None, help="delete statements older than this")
    days.add_argument("--no-retention", action="store_true", help="keep statements forever")
    change.add_argument("--analytics-opt-out", choices=["on", "off"], help="leave the whole store out of analytics")
    retention = actions.add_parser("retention", help="apply the store's retention limit now")
    _store_argument(retention)
    retention.add_argument("--dry-run", action="store_true", help="report what would go, change nothing")
    parser.set_defaults(handler=cmd_governance)


def cmd_governance(args: argparse.Namespace) -> int:
    async def work(conn: asyncpg.Connection, store: stores.StoreRow, _: Settings) -> int:
        if args.action == "show":
            _print(await manage.read_settings(conn, store.id))
        elif args.action == "set":
            _print(await manage.update_settings(conn, store.id, _changes(args), actor=audit.cli_actor()))
        else:
            report = await deletion.apply_retention(
                conn, store.id, now=datetime.now(UTC), actor=audit.cli_actor(), dry_run=args.dry_run
            )
            if report is None:
                print(f"store {store.name!r} has no retention limit (lrs governance set --retention-days N)")
                return 1
            _print(report)
        return 0

    return _run(args, work)


def _changes(args: argparse.Namespace) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if args.erasure:
        changes["erasure"] = args.erasure
    if args.erasure_shared:
        changes["erasure_shared"] = args.erasure_shared
    if args.retention_days is not None:
        changes["retention_days"] = args.retention_days
    if args.no_retention:
        changes["retention_days"] = None
    if args.analytics_opt_out:
        changes["analytics_opt_out"] = args.analytics_opt_out == "on"
    if not changes:
        raise SystemExit("lrs governance set: name at least one setting to change")
    return changes


REGISTRARS = (register_learners, register_statements, register_audit, register_governance)
