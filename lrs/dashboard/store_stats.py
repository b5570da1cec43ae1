"""Store-wide statement statistics for the admin page: volume per day and the most used verbs and activities,
over a recent window (indexed by `stored`), so the page stays fast on large stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg

VOLUME = """
SELECT to_char(date_trunc('day', stored AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day, count(*) AS n
FROM statements WHERE store_id = $1 AND stored >= $2
GROUP BY 1 ORDER BY 1
"""
TOP_VERBS = """
SELECT verb_id, count(*) AS n FROM statements WHERE store_id = $1 AND stored >= $2
GROUP BY verb_id ORDER BY n DESC, verb_id LIMIT $3
"""
TOP_ACTIVITIES = """
SELECT object_activity_id, count(*) AS n FROM statements
WHERE store_id = $1 AND stored >= $2 AND object_activity_id IS NOT NULL
GROUP BY object_activity_id ORDER BY n DESC, object_activity_id LIMIT $3
"""


def _days(since: datetime, now: datetime) -> list[str]:
    first = since.date()
    return [(first + timedelta(days=i)).isoformat() for i in range((now.date() - first).days + 1)]


async def volume(
    conn: asyncpg.Connection, store_id: int, days: int, now: datetime | None = None
) -> list[tuple[str, int]]:
    """Statements stored per UTC day over the last `days` days, days without any included as 0."""
    now = now or datetime.now(UTC)
    since = (now - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    counts = {r["day"]: int(r["n"]) for r in await conn.fetch(VOLUME, store_id, since)}
    return [(d, counts.get(d, 0)) for d in _days(since, now)]


async def top_verbs(conn: asyncpg.Connection, store_id: int, days: int, limit: int = 10) -> list[tuple[str, int]]:
    since = datetime.now(UTC) - timedelta(days=days)
    return [(r["verb_id"], int(r["n"])) for r in await conn.fetch(TOP_VERBS, store_id, since, limit)]


async def top_activities(conn: asyncpg.Connection, store_id: int, days: int, limit: int = 10) -> list[tuple[str, int]]:
    since = datetime.now(UTC) - timedelta(days=days)
    return [(r["object_activity_id"], int(r["n"])) for r in await conn.fetch(TOP_ACTIVITIES, store_id, since, limit)]
