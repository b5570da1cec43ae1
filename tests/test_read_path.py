"""Statement queries driven by an activity's own statements (direct_matches_by_activity): paging in both
directions, each statement once even when the activity occurs in it twice, and the other filters still apply."""

from __future__ import annotations

import json
import uuid
from typing import Any

import asyncpg

from lrs.store import statements as reads
from tests.conftest import StoreContext
from tests.test_write_path import statement, write

COURSE = "http://example.com/courses/c1"
OTHER = "http://example.com/courses/c2"
VERB = "http://adlnet.gov/expapi/verbs/experienced"
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"


def in_course(i: int) -> dict[str, Any]:
    """Statement i mentions COURSE as parent (and, for every third, also as grouping) or not at all."""
    context: dict[str, Any] = {}
    if i % 4 != 3:
        context["parent"] = [{"id": COURSE}]
        if i % 3 == 0:
            context["grouping"] = [{"id": COURSE}]
    else:
        context["parent"] = [{"id": OTHER}]
    verb = COMPLETED if i % 5 == 0 else VERB
    return statement(str(uuid.uuid4()), verb={"id": verb}, context={"contextActivities": context})


async def page_through(
    pool: asyncpg.Pool, store_id: int, *, ascending: bool, verb: str | None = None, limit: int = 4
) -> list[int]:
    seen: list[int] = []
    after = None
    async with pool.acquire() as conn:
        while True:
            query = reads.StatementQuery(
                activity=COURSE, activity_usages=None, verb=verb, ascending=ascending, after=after, limit=limit
            )
            rows = await reads.query_statements(conn, store_id, query)
            seen.extend(r.seq for r in rows)
            if len(rows) < limit:
                return seen
            after = rows[-1].seq


async def test_related_activity_pages_return_each_statement_once_in_order(
    pool: asyncpg.Pool, store: StoreContext
) -> None:
    docs = [in_course(i) for i in range(22)]
    await write(pool, store.id, docs)
    expected = [
        seq
        for (seq,) in await pool.fetch(
            "SELECT seq FROM statements WHERE store_id = $1 AND payload->'context' @> $2::jsonb ORDER BY seq",
            store.id,
            json.dumps({"contextActivities": {"parent": [{"id": COURSE}]}}),
        )
    ]
    assert len(expected) == 17
    assert await page_through(pool, store.id, ascending=True) == expected
    assert await page_through(pool, store.id, ascending=False) == expected[::-1]


async def test_other_filters_apply_to_an_activity_driven_query(pool: asyncpg.Pool, store: StoreContext) -> None:
    docs = [in_course(i) for i in range(22)]
    await write(pool, store.id, docs)
    completed = await page_through(pool, store.id, ascending=True, verb=COMPLETED, limit=2)
    ids = {
        r["seq"]: r["verb_id"]
        for r in await pool.fetch("SELECT seq, verb_id FROM statements WHERE store_id = $1", store.id)
    }
    assert completed and all(ids[seq] == COMPLETED for seq in completed)
    # i = 0, 5, 10, 20 mention COURSE and completed (15 mentions OTHER only)
    assert len(completed) == 4
