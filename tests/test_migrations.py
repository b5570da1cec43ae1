"""Alembic revisions apply, roll back and apply again on an empty database."""

from __future__ import annotations

import uuid

import asyncpg

from lrs import migrate
from tests.conftest import Services, _create_database, _drop_database, _replace_database

EXPECTED_TABLES = {
    "stores",
    "credentials",
    "statements",
    "statement_agents",
    "statement_activities",
    "attachments",
    "activities",
    "documents",
    "worker_cursors",
    "analytics_events",
    "analytics_courses",
    "analytics_labels",
    "analytics_models",
    "analytics_insights",
    "analytics_feedback",
    "analytics_interventions",
    "analytics_alerts",
    "analytics_jobs",
}


async def _tables(url: str) -> set[str]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    finally:
        await conn.close()
    return {r["tablename"] for r in rows} - {"alembic_version"}


async def test_upgrade_downgrade_upgrade(services: Services) -> None:
    name = f"lrs_migrations_{uuid.uuid4().hex[:8]}"
    await _create_database(services.admin_database_url, name)
    url = _replace_database(services.database_url, name)
    try:
        migrate.upgrade(url)
        assert await _tables(url) >= EXPECTED_TABLES
        migrate.downgrade(url, "base")
        assert await _tables(url) == set()
        migrate.upgrade(url)
        assert await _tables(url) >= EXPECTED_TABLES
    finally:
        await _drop_database(services.admin_database_url, name)
