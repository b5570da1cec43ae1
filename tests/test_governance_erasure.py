"""Erasing a learner: afterwards no resource, export or table of the store holds their identifiers or data, the
other learners' records are untouched (but for the erased learner's part in them), and a dry run reports exactly
what the real run does."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import asyncpg
import msgspec
import pytest
from litestar.testing import AsyncTestClient

from analytics.events import Event
from lrs.xapi import agent_ifi
from tests.conftest import BASE_URL, StoreContext, make_store
from tests.governance_world import (
    ANN,
    ANN_AS_SHA1,
    ANN_KEY,
    BOB,
    BOB_KEY,
    QUIZ,
    World,
    analytics_views,
    build_world,
    everything_stored,
    traces_of_ann,
)
from tests.statement_factory import count_rows, get_one, post_ok, query, query_ids

Client = AsyncTestClient[Any]
PSEUDONYMS = f"{BASE_URL}/pseudonyms"


@pytest.fixture
async def world(client: Client, pool: asyncpg.Pool, store: StoreContext) -> World:
    return await build_world(client, pool, store)


async def erase(client: Client, store: StoreContext, agent: dict[str, Any], dry_run: bool = False) -> dict[str, Any]:
    response = await client.post(
        f"/admin/stores/{store.name}/learners/erase", json={"agent": agent, "dry_run": dry_run}, headers=store.headers()
    )
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


async def set_policy(client: Client, store: StoreContext, **settings: Any) -> None:
    response = await client.patch(f"/admin/stores/{store.name}/governance", json=settings, headers=store.headers())
    assert response.status_code == 200, response.text


async def export_archive(client: Client, store: StoreContext, agent: dict[str, Any]) -> zipfile.ZipFile:
    response = await client.post(
        f"/admin/stores/{store.name}/learners/export", json={"agent": agent}, headers=store.headers()
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.content))


async def all_statements(client: Client, store: StoreContext) -> list[dict[str, Any]]:
    result = await query(client, store, "2.0.0", limit=500)
    assert "more" not in result or not result["more"]
    statements: list[dict[str, Any]] = result["statements"]
    return statements


async def assert_no_trace_of_ann(client: Client, pool: asyncpg.Pool, world: World) -> None:
    store = world.store
    for agent in (ANN, ANN_AS_SHA1):
        assert await query_ids(client, store, "2.0.0", agent=agent, related_agents=True) == []
        assert await query_ids(client, store, "2.0.0", agent=agent) == []
    statements = json.dumps(await all_statements(client, store))
    assert traces_of_ann({"GET /statements": statements}) == {}
    voided = await client.get("/xapi/statements", params={"voidedStatementId": world.ids["ann_voided"]},
                              headers=store.headers())  # fmt: skip
    assert voided.status_code == 404 or traces_of_ann({"voided": voided.text}) == {}
    nameless = {"mbox": ANN["mbox"]}
    person = await client.get("/xapi/agents", params={"agent": json.dumps(nameless)}, headers=store.headers())
    assert person.status_code == 200 and "name" not in person.json()  # no statement gives her a name any more
    state_ids = await client.get("/xapi/activities/state", params={"activityId": QUIZ, "agent": json.dumps(ANN)},
                                 headers=store.headers())  # fmt: skip
    assert state_ids.json() == []
    profile_ids = await client.get("/xapi/agents/profile", params={"agent": json.dumps(ANN)}, headers=store.headers())
    assert profile_ids.json() == []
    archive = await export_archive(client, store, ANN)
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["files"]["statements.ndjson"] == 0
    assert manifest["files"]["documents.ndjson"] == 0
    assert not [name for name in archive.namelist() if name.startswith(("analytics/", "attachments/"))]
    bob_archive = await export_archive(client, store, BOB)
    bob_files = {name: bob_archive.read(name).decode(errors="replace") for name in bob_archive.namelist()}
    assert traces_of_ann(bob_files) == {}
    assert traces_of_ann(await everything_stored(pool, store.id)) == {}
    views = await analytics_views(client, store)
    timeline = next(path for path in views if "/timeline" in path)
    assert views.pop(timeline).startswith("404 ")  # (its message only echoes the key asked for)
    assert all(v.startswith("200 ") for v in views.values()), views
    assert traces_of_ann(views) == {}


async def test_erasure_by_deletion_leaves_no_trace_and_keeps_the_other_learners_data(
    client: Client, pool: asyncpg.Pool, world: World
) -> None:
    store, ids = world.store, world.ids
    views_before = traces_of_ann(await analytics_views(client, store))
    assert any("/at-risk" in path for path in views_before) and any("/timeline" in path for path in views_before)
    bob_alone_before = await get_one(client, store, ids["bob_alone"])
    bob_state_before = await client.get(
        "/xapi/activities/state",
        params={"activityId": QUIZ, "agent": json.dumps(BOB), "stateId": "bookmark"},
        headers=store.headers(),
    )
    report = await erase(client, store, ANN)

    assert report["erasure"] == "delete" and report["erasure_shared"] == "pseudonymise"
    # Deleted: Ann's own statements (actor, mbox_sha1sum actor, object twice, SubStatement actor, the voided one).
    assert report["statements_deleted"] == 6
    # Pseudonymised: the team, Bob taught by Ann, Bob with Ann as context agent, Bob's statement via Ann's app.
    assert report["statements_pseudonymised"] == 4
    assert report["attachments_deleted"] == 1  # the essay; the handout is still Bob's
    assert report["documents_deleted"] == 2
    assert world.ann_credential is not None
    assert report["credentials_pseudonymised"] == [world.ann_credential.credential.key]
    assert {"analytics_events", "analytics_labels", "analytics_insights", "analytics_feedback",
            "analytics_interventions", "analytics_alerts"} <= set(report["analytics_rows_deleted"])  # fmt: skip
    assert report["analytics_rows_rewritten"] >= 3  # Bob's event (instructor), Bob's insight, the alert

    await assert_no_trace_of_ann(client, pool, world)

    # Bob's own records are unchanged, his shared ones keep everything but Ann.
    assert await get_one(client, store, ids["bob_alone"]) == bob_alone_before
    assert (await get_one(client, store, ids["bob_handout"]))["attachments"][0]["sha2"]
    taught = await get_one(client, store, ids["bob_taught_by_ann"])
    assert taught["actor"]["mbox"] == BOB["mbox"]
    assert taught["context"]["instructor"]["account"]["homePage"] == PSEUDONYMS
    team = await get_one(client, store, ids["team"])
    members = {agent_ifi(m) for m in team["actor"]["member"]}
    assert BOB_KEY in members and len(members) == 2
    assert "Ann" not in team["actor"]["name"] and team["actor"]["name"].startswith("Team of ")  # her name goes
    via_app = await get_one(client, store, ids["bob_via_ann_app"])
    assert via_app["authority"]["account"]["homePage"] == PSEUDONYMS
    assert world.ann_credential is not None  # the credential still reads what it stored (statements/read/mine)
    assert ids["bob_via_ann_app"] in await query_ids(client, world.ann_credential)
    state_after = await client.get(
        "/xapi/activities/state",
        params={"activityId": QUIZ, "agent": json.dumps(BOB), "stateId": "bookmark"},
        headers=store.headers(),
    )
    assert state_after.status_code == 200 and state_after.content == bob_state_before.content
    # The voiding statement stays and its target stays gone: voiding is not undone.
    assert (await get_one(client, store, ids["voiding"]))["object"]["id"] == ids["ann_voided"]

    async with pool.acquire() as conn:
        bob_rows = await conn.fetchval(
            "SELECT count(*) FROM analytics_insights WHERE store_id = $1 AND learner = $2", store.id, BOB_KEY
        )
        bob_events = await conn.fetch(
            "SELECT event FROM analytics_events WHERE store_id = $1 AND learner = $2", store.id, BOB_KEY
        )
        opt_outs = await conn.fetch("SELECT learner FROM analytics_opt_outs WHERE store_id = $1", store.id)
    assert bob_rows == 1
    instructors = {msgspec.msgpack.decode(e[0], type=Event).instructor for e in bob_events} - {None}
    assert instructors and all(i.startswith(f"account:{PSEUDONYMS}|") for i in instructors)
    # The pseudonym itself is left out of analytics: nothing is ever predicted about it.
    assert [r[0] for r in opt_outs] == [f"account:{PSEUDONYMS}|{report['learner_ref']}"]


async def test_erasure_by_pseudonymisation_keeps_valid_statements_under_a_stable_pseudonym(
    client: Client, pool: asyncpg.Pool, world: World
) -> None:
    store = world.store
    await set_policy(client, store, erasure="pseudonymise")
    before = await count_rows(pool, store.id)
    report = await erase(client, store, ANN)

    assert report["statements_deleted"] == 0
    assert report["statements_pseudonymised"] == 10
    assert report["attachments_deleted"] == 1  # the essay goes with every attachment of her own statements
    after = await count_rows(pool, store.id)
    assert after["statements"] == before["statements"] and after["voided"] == before["voided"]
    await assert_no_trace_of_ann(client, pool, world)

    pseudonym = {"objectType": "Agent", "account": {"homePage": PSEUDONYMS, "name": report["learner_ref"]}}
    own = await query_ids(client, store, "2.0.0", agent=pseudonym)
    assert world.ids["ann_essay"] in own and world.ids["teacher_mentors_ann"] in own
    essay = await get_one(client, store, world.ids["ann_essay"])
    assert "attachments" not in essay and essay["result"]["score"] == {"scaled": 0.4}
    # Every rewritten statement is still a valid statement: another store accepts them all.
    copy = await make_store(pool)
    statements = await all_statements(client, store)
    await post_ok(client, copy, [{k: v for k, v in s.items() if k not in ("stored", "authority", "attachments")}
                          for s in statements],
                  "2.0.0")  # fmt: skip
    # Erasing again finds nothing: the same learner maps to the same pseudonym, which is not the learner.
    again = await erase(client, store, ANN)
    assert again["learner_ref"] == report["learner_ref"]
    assert again["statements_pseudonymised"] == 0 and again["statements_deleted"] == 0


async def test_shared_statements_are_deleted_when_the_store_says_so(
    client: Client, pool: asyncpg.Pool, world: World
) -> None:
    await set_policy(client, world.store, erasure_shared="delete")
    report = await erase(client, world.store, ANN)
    assert report["statements_deleted"] == 10 and report["statements_pseudonymised"] == 0
    remaining = set(await query_ids(client, world.store, "2.0.0"))
    assert world.ids["team"] not in remaining and world.ids["bob_taught_by_ann"] not in remaining
    assert world.ids["bob_alone"] in remaining
    await assert_no_trace_of_ann(client, pool, world)


async def test_a_dry_run_reports_what_the_real_run_does_and_changes_nothing(
    client: Client, pool: asyncpg.Pool, world: World
) -> None:
    dry = await erase(client, world.store, ANN, dry_run=True)  # creates the store's pseudonym key, if new
    before = await everything_stored(pool, world.store.id)
    again = await erase(client, world.store, ANN, dry_run=True)
    assert await everything_stored(pool, world.store.id) == before
    assert again == dry
    real = await erase(client, world.store, ANN)
    assert {**dry, "dry_run": False} == real
    assert dry["statements_deleted"] > 0


async def test_erasure_touches_no_other_store(client: Client, pool: asyncpg.Pool, world: World) -> None:
    other = await make_store(pool)
    kept = await post_ok(client, other, {"actor": ANN, "verb": {"id": "http://adlnet.gov/expapi/verbs/attempted"},
                                         "object": {"id": QUIZ}})  # fmt: skip
    await erase(client, world.store, ANN)
    assert await query_ids(client, other, agent=ANN) == kept


async def test_the_audit_entry_names_the_learner_only_by_a_keyed_hash(
    client: Client, pool: asyncpg.Pool, world: World
) -> None:
    report = await erase(client, world.store, ANN)
    response = await client.get(f"/admin/stores/{world.store.name}/audit", headers=world.store.headers())
    entries = [e for e in response.json()["entries"] if e["action"] == "learner.erase"]
    assert len(entries) == 1
    assert entries[0]["target"] == {"learner_ref": report["learner_ref"]}
    assert entries[0]["actor"] == f"credential:{world.store.credential.key}"
    assert entries[0]["details"]["statements_deleted"] == report["statements_deleted"]
    assert ANN_KEY not in json.dumps(entries)


async def test_an_erasure_request_needs_an_agent_with_one_identifier(client: Client, store: StoreContext) -> None:
    for agent in ({"name": "nobody"}, {"mbox": "mailto:a@b.c", "openid": "http://x.org/a"}, {"mbox": "a@b.c"}):
        response = await client.post(f"/admin/stores/{store.name}/learners/erase", json={"agent": agent},
                                     headers=store.headers())  # fmt: skip
        assert response.status_code == 400, response.text
