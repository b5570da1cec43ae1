"""Shared fixtures: a real PostgreSQL and Valkey (embedded unless LRS_TEST_DATABASE_URL / LRS_TEST_REDIS_URL
point elsewhere), a freshly migrated database per test session, the app behind an HTTP test client, and a
fresh store with its own credential per test (stores isolate tests from one another)."""

from __future__ import annotations

import base64
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from lrs import migrate
from lrs.app import create_app
from lrs.embedded import EmbeddedServices, start_embedded
from lrs.security.credentials import IssuedCredential, issue_credential
from lrs.security.scopes import ALL_SCOPES
from lrs.settings import Settings
from lrs.store import stores
from lrs.store.db import create_pool

BASE_URL = "http://lrs.test"


@dataclass(frozen=True)
class Services:
    database_url: str
    redis_url: str
    admin_database_url: str


def _replace_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


async def _create_database(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def _drop_database(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def embedded() -> Iterator[EmbeddedServices | None]:
    if os.environ.get("LRS_TEST_DATABASE_URL") and os.environ.get("LRS_TEST_REDIS_URL"):
        yield None
        return
    data_dir = Path(tempfile.mkdtemp(prefix="lrs-test-"))
    services = start_embedded(data_dir)
    try:
        yield services
    finally:
        services.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
async def services(embedded: EmbeddedServices | None) -> AsyncIterator[Services]:
    """A database of its own for this session, migrated to head."""
    base_url = os.environ.get("LRS_TEST_DATABASE_URL") or (embedded.database_url if embedded else "")
    redis_url = os.environ.get("LRS_TEST_REDIS_URL") or (embedded.redis_url if embedded else "")
    admin_url = _replace_database(base_url, "postgres")
    name = f"lrs_test_{uuid.uuid4().hex[:8]}"
    await _create_database(admin_url, name)
    database_url = _replace_database(base_url, name)
    migrate.upgrade(database_url)
    try:
        yield Services(database_url=database_url, redis_url=redis_url, admin_database_url=admin_url)
    finally:
        await _drop_database(admin_url, name)


@pytest.fixture(scope="session")
def settings(services: Services) -> Settings:
    return Settings.from_env(
        {},
        database_url=services.database_url,
        redis_url=services.redis_url,
        public_url=BASE_URL,
        credential_cache_seconds=5.0,
    )


@pytest.fixture(scope="session")
async def pool(services: Services) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(services.database_url, min_size=1, max_size=5)
    yield pool
    await pool.close()


@pytest.fixture(scope="session")
async def client(settings: Settings) -> AsyncIterator[AsyncTestClient[Any]]:
    app = create_app(settings)
    async with AsyncTestClient(app=app, base_url=BASE_URL) as client:
        yield client


@dataclass(frozen=True)
class StoreContext:
    """A fresh store and a credential for it; `headers(version)` are ready-made request headers."""

    id: int
    name: str
    credential: IssuedCredential

    @property
    def auth(self) -> str:
        token = base64.b64encode(f"{self.credential.key}:{self.credential.secret}".encode()).decode()
        return f"Basic {token}"

    def headers(self, version: str = "1.0.3", **extra: str) -> dict[str, str]:
        return {"Authorization": self.auth, "X-Experience-API-Version": version, **extra}


async def make_store(pool: asyncpg.Pool, scopes: tuple[str, ...] = ALL_SCOPES) -> StoreContext:
    async with pool.acquire() as conn:
        store = await stores.create_store(conn, f"test-{uuid.uuid4().hex[:10]}")
        credential = await issue_credential(conn, store_id=store.id, base_url=BASE_URL, scopes=scopes)
    return StoreContext(store.id, store.name, credential)


@pytest.fixture
async def store(pool: asyncpg.Pool) -> StoreContext:
    return await make_store(pool)
