"""Reading the canonical Activity (the statements insert path writes it, merged across statements)."""

from __future__ import annotations

from typing import Any

import asyncpg
import msgspec

from lrs.store.sql import q


async def activity_definition(pool: asyncpg.Pool, store_id: int, activity_id: str) -> dict[str, Any] | None:
    """The stored definition of an Activity in this store, or None when no statement has defined it."""
    text = await pool.fetchval(q("activities_read", "activity_definition"), store_id, activity_id)
    if text is None:
        return None
    definition: dict[str, Any] = msgspec.json.decode(text)
    return definition
