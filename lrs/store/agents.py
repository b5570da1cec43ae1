"""What the LRS knows about an Agent, for the Agents resource: the names it has been given in statements.

Every Agent is identified by one IFI and the LRS links no identities, so a Person gathers the names seen with
that IFI in the most recent statements mentioning it (`NAME_LOOKBACK` of them, newest first).
"""

from __future__ import annotations

from typing import Any

import asyncpg
import msgspec

from lrs.store.sql import q
from lrs.xapi import agent_ifi

NAME_LOOKBACK = 200
"""How many of the latest statements mentioning an agent are searched for its names."""


def names_with_ifi(value: Any, ifi: str, found: dict[str, None]) -> None:
    """Add to `found` the `name` of every Agent/Group object in `value` identified by `ifi`.

    Extensions hold arbitrary data, not statement objects, so they are not searched.
    """
    if isinstance(value, dict):
        name = value.get("name")
        if isinstance(name, str) and agent_ifi(value) == ifi:
            found[name] = None
        for key, item in value.items():
            if key != "extensions" and isinstance(item, dict | list):
                names_with_ifi(item, ifi, found)
    elif isinstance(value, list):
        for item in value:
            names_with_ifi(item, ifi, found)


async def known_names(pool: asyncpg.Pool, store_id: int, ifi: str) -> list[str]:
    """Distinct names given to the agent `ifi` in this store's recent statements, most recent first."""
    rows = await pool.fetch(q("agents", "recent_statements_of_agent"), store_id, ifi, NAME_LOOKBACK)
    found: dict[str, None] = {}
    for row in rows:
        names_with_ifi(msgspec.json.decode(row["payload"]), ifi, found)
    return list(found)
