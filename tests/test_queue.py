"""Hints to the workers: one shared connection, and never an error when Redis is away."""

from __future__ import annotations

import asyncio

from lrs.queue import Hinter
from tests.conftest import Services


async def test_concurrent_first_hints_share_one_connection(services: Services) -> None:
    hinter = Hinter(services.redis_url)
    try:
        results = await asyncio.gather(*(hinter.new_statements(store_id) for store_id in range(20)))
        assert all(results)
        assert await hinter.ping()
    finally:
        await hinter.close()


async def test_hints_to_an_unreachable_redis_are_dropped_quietly() -> None:
    hinter = Hinter("redis://127.0.0.1:1/0")
    try:
        assert await hinter.new_statements(1) is False
        assert await hinter.ping() is False
    finally:
        await hinter.close()
