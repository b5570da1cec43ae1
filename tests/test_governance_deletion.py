"""Deleting statements by id and by stored-time range, and retention: a dry run reports exactly what the real run
then removes; attachments go only when nothing references them; voiding is never undone; the daily job applies
each store's limit."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import asyncpg
import msgspec
import pytest
from litestar.testing import AsyncTestClient

from lrs.governance.deletion import delete_statements, selection
from tests.conftest import StoreContext
from tests.statement_factory import (
    URL,
    agent,
    attachment_meta,
    count_rows,
    get_one,
    multipart,
    post_ok,
    query_ids,
    statement,
    voiding,
)
from workers.governance import apply_retention_everywhere

Client = AsyncTestClient[Any]
COURSE = {"contextActivities": {"parent": [{"id": "https://courses.example.com/c-del"}]}}
SHARED = b"attachment referenced inside and outside the range"
INSIDE_ONLY = b"attachment referenced only inside the range"


async def delete(client: Client, store: StoreContext, **body: Any) -> Any:
    return await client.post(f"/admin/stores/{store.name}/statements/delete", json=body, headers=store.headers())


async def post_with(client: Client, store: StoreContext, statements: list[dict[str, Any]],
                    parts: list[bytes]) -> list[str]:  # fmt: skip
    body, content_type = multipart(statements, [("text/plain", p) for p in parts])
    response = await client.post(URL, content=body, headers=store.headers(**{"Content-Type": content_type}))
    assert response.status_code == 200, response.text
    ids: list[str] = response.json()
    return ids


async def stored_of(client: Client, store: StoreContext, statement_id: str) -> datetime:
    return datetime.fromisoformat((await get_one(client, store, statement_id))["stored"])


async def add_events(pool: asyncpg.Pool, store_id: int) -> None:
    """One analytics event per statement, as the engine derives them."""
    async with pool.acquire() as conn:
        await conn.execute(
            """INSERT INTO analytics_events (store_id, course_id, statement_seq, learner, ts, family, action, activity,
                   event)
               SELECT store_id, 'c', seq, coalesce(actor_ifi, ''), "timestamp", 'f', 'a', 'x', '\\x90'::bytea
               FROM statements WHERE store_id = $1""",
            store_id,
        )


async def test_a_range_dry_run_reports_what_the_real_run_deletes(
    client: Client, pool: asyncpg.Pool, store: StoreContext
) -> None:
    before_ids = await post_with(client, store, [statement(agent("early"), attachments=[attachment_meta(SHARED)])],
                                 [SHARED])  # fmt: skip
    inside = await post_with(
        client,
        store,
        [statement(agent("a"), attachments=[attachment_meta(SHARED)], context=COURSE),
         statement(agent("b"), attachments=[attachment_meta(INSIDE_ONLY)], context=COURSE)],
        [SHARED, INSIDE_ONLY],
    )  # fmt: skip
    inside += await post_ok(client, store, [statement(agent(f"l{i}"), context=COURSE) for i in range(5)])
    target = (await post_ok(client, store, statement(agent("c"))))[0]
    inside += [target, *(await post_ok(client, store, voiding(target)))]
    after_ids = await post_ok(client, store, statement(agent("late")))
    await add_events(pool, store.id)
    window = {
        "stored_after": (await stored_of(client, store, before_ids[0])).isoformat(),
        "stored_before": (await stored_of(client, store, after_ids[0])).isoformat(),
    }
    rows_before = await count_rows(pool, store.id)

    dry = await delete(client, store, dry_run=True, **window)
    assert dry.status_code == 200, dry.text
    assert await count_rows(pool, store.id) == rows_before
    async with pool.acquire() as conn:  # small batches, so the real run spans several transactions
        chosen = selection(None, datetime.fromisoformat(window["stored_after"]),
                           datetime.fromisoformat(window["stored_before"]))  # fmt: skip
        real = await delete_statements(conn, store.id, chosen, actor="test", batch=2)

    assert msgspec.to_builtins(real) == {**dry.json(), "dry_run": False}
    expected = {"statements": len(inside), "voided": 1, "attachments": 1, "analytics_events": len(inside)}
    assert {k: dry.json()[k] for k in expected} == expected
    after = await count_rows(pool, store.id)
    assert after["statements"] == rows_before["statements"] - len(inside)
    assert after["attachments"] == rows_before["attachments"] - 1
    assert after["agents"] == rows_before["agents"] - dry.json()["statement_agents"]
    assert set(await query_ids(client, store)) == {*before_ids, *after_ids}
    kept = await get_one(client, store, before_ids[0])
    assert kept["attachments"][0]["sha2"] == attachment_meta(SHARED)["sha2"]


async def test_deleting_by_ids_includes_voided_statements_and_never_undoes_voiding(
    client: Client, pool: asyncpg.Pool, store: StoreContext
) -> None:
    target = (await post_ok(client, store, statement(agent("t"))))[0]
    voider = (await post_ok(client, store, voiding(target)))[0]
    other = (await post_ok(client, store, statement(agent("o"))))[0]
    missing = "00000000-0000-4000-8000-000000000000"

    dry = await delete(client, store, ids=[voider, missing], dry_run=True)
    assert dry.json()["statements"] == 1 and dry.json()["voided"] == 0
    real = await delete(client, store, ids=[voider, missing])
    assert {**dry.json(), "dry_run": False} == real.json()
    # The voiding statement is gone; its target stays voided (found only by voidedStatementId).
    assert (await client.get(URL, params={"statementId": target}, headers=store.headers())).status_code == 404
    voided = await client.get(URL, params={"voidedStatementId": target}, headers=store.headers())
    assert voided.status_code == 200
    gone = await delete(client, store, ids=[target])
    assert gone.json()["statements"] == 1 and gone.json()["voided"] == 1
    assert await query_ids(client, store) == [other]

    entries = (await client.get(f"/admin/stores/{store.name}/audit", headers=store.headers())).json()["entries"]
    deletions = [e for e in entries if e["action"] == "statements.delete"]
    assert [e["target"]["statement_ids"] for e in deletions] == [[voider, missing], [target]]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"ids": []},
        {"ids": ["not-a-uuid"]},
        {"stored_before": "2026-01-01T00:00:00"},
        {"stored_after": "2026-02-01T00:00:00Z", "stored_before": "2026-01-01T00:00:00Z"},
        {"ids": [], "unknown": 1},
    ],
)
async def test_a_deletion_needs_a_valid_selection(client: Client, store: StoreContext, body: dict[str, Any]) -> None:
    assert (await delete(client, store, **body)).status_code == 400


async def age(pool: asyncpg.Pool, store_id: int, days: int) -> None:
    """Make everything the store holds `days` older (statements' stored, analytics times)."""
    shift = timedelta(days=days)
    async with pool.acquire() as conn:
        await conn.execute("UPDATE statements SET stored = stored - $2::interval WHERE store_id = $1", store_id, shift)
        for table, column in (("analytics_events", "ts"), ("analytics_insights", "as_of"),
                              ("analytics_interventions", "created"), ("analytics_labels", "decided_at")):  # fmt: skip
            sql = f"UPDATE {table} SET {column} = {column} - $2::interval WHERE store_id = $1"
            await conn.execute(sql, store_id, shift)


async def add_insights(pool: asyncpg.Pool, store_id: int, learners: list[str]) -> None:
    async with pool.acquire() as conn:
        for learner in learners:
            insight = await conn.fetchval(
                """INSERT INTO analytics_insights (store_id, course_id, learner, as_of, risk, level)
                   VALUES ($1, 'c', $2, now(), 0.5, 'medium') RETURNING id""",
                store_id,
                learner,
            )
            await conn.execute(
                """INSERT INTO analytics_interventions (store_id, course_id, learner, kind, source, insight_id)
                   VALUES ($1, 'c', $2, 'email', 'automated', $3)""",
                store_id,
                learner,
                insight,
            )


async def test_retention_removes_old_statements_and_analytics_and_the_dry_run_agrees(
    client: Client, pool: asyncpg.Pool, store: StoreContext
) -> None:
    old = await post_ok(client, store, [statement(agent(f"old{i}"), context=COURSE) for i in range(4)])
    await add_events(pool, store.id)
    await add_insights(pool, store.id, ["old-learner"])
    await age(pool, store.id, 40)
    recent = await post_ok(client, store, [statement(agent(f"new{i}"), context=COURSE) for i in range(3)])
    await add_insights(pool, store.id, ["new-learner"])
    response = await client.patch(f"/admin/stores/{store.name}/governance", json={"retention_days": 30},
                                  headers=store.headers())  # fmt: skip
    assert response.status_code == 200 and response.json()["retention_days"] == 30

    dry = await client.post(
        f"/admin/stores/{store.name}/retention/run", json={"dry_run": True}, headers=store.headers()
    )
    assert dry.status_code == 200, dry.text
    assert dry.json()["statements"]["statements"] == len(old)
    assert dry.json()["analytics"]["analytics_insights"] == 1
    assert dry.json()["analytics"]["analytics_interventions"] == 1
    real = await client.post(f"/admin/stores/{store.name}/retention/run", json={}, headers=store.headers())
    assert real.status_code == 200, real.text
    assert counts(dry.json()) == counts(real.json())  # the cut-off moments differ by the time between the runs
    assert sorted(await query_ids(client, store)) == sorted(recent)
    async with pool.acquire() as conn:
        learners = await conn.fetch("SELECT learner FROM analytics_insights WHERE store_id = $1", store.id)
    assert [r[0] for r in learners] == ["new-learner"]

    # The daily job finds nothing more to do here, and records its run.
    await apply_retention_everywhere({"pool": pool})
    entries = (await client.get(f"/admin/stores/{store.name}/audit", headers=store.headers())).json()["entries"]
    runs = [e for e in entries if e["action"] == "retention.run"]
    assert [e["actor"] for e in runs] == [f"credential:{store.credential.key}", "retention"]
    assert runs[1]["details"]["statements"]["statements"] == 0


def counts(report: dict[str, Any]) -> dict[str, Any]:
    """A retention report without its dry-run flags and cut-off moment."""
    statements = {k: v for k, v in report["statements"].items() if k != "dry_run"}
    return {"statements": statements, "analytics": report["analytics"], "days": report["retention_days"]}


async def test_retention_needs_a_limit(client: Client, store: StoreContext) -> None:
    response = await client.post(f"/admin/stores/{store.name}/retention/run", json={}, headers=store.headers())
    assert response.status_code == 400
