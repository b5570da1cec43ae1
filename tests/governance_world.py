"""A small store in which one learner (Ann) appears everywhere a learner can, next to another learner (Bob), for
the erasure and export tests, and the probes that prove what a store still holds about someone.

Ann appears as actor (also by `mbox_sha1sum`), as the object of a teacher's and of an analytics statement, inside a
SubStatement, as a team member, as Bob's instructor, as a 2.0 context agent, as the authority of a credential,
in voided statements, in free text (results, extensions), in attachments, in State and Agent Profile documents
and in every analytics table (directly, and as the instructor inside Bob's events).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import asyncpg
import msgspec
from litestar.testing import AsyncTestClient

from analytics.events import events_from_statement
from lrs.security.credentials import issue_credential
from lrs.xapi import agent_ifi
from tests.conftest import BASE_URL, StoreContext
from tests.statement_factory import URL, attachment_meta, multipart, post_ok, statement, statement_ref

Client = AsyncTestClient[Any]

COURSE = "https://courses.example.com/governance-101"
QUIZ = "https://courses.example.com/governance-101/quiz-1"
ANN_EMAIL = "ann.erasable@example.com"
ANN_NAME = "Ann Erasable"
ANN_ESSAY = b"Essay by Ann Erasable: data protection matters."
HANDOUT = b"Shared course handout, used by everybody."
ANN = {"objectType": "Agent", "name": ANN_NAME, "mbox": f"mailto:{ANN_EMAIL}"}
ANN_SHA1 = hashlib.sha1(f"mailto:{ANN_EMAIL}".encode()).hexdigest()
ANN_AS_SHA1 = {"objectType": "Agent", "mbox_sha1sum": ANN_SHA1}
ANN_KEY = f"mbox:mailto:{ANN_EMAIL}"
BOB = {"objectType": "Agent", "name": "Bob Keeper", "mbox": "mailto:bob.keeper@example.com"}
BOB_KEY = "mbox:mailto:bob.keeper@example.com"
TEACHER = {"objectType": "Agent", "name": "Teacher", "mbox": "mailto:teacher@example.com"}
ANALYTICS = {"objectType": "Agent", "account": {"homePage": BASE_URL, "name": "analytics"}}
IN_COURSE = {"contextActivities": {"parent": [{"id": COURSE}]}}

ANN_TRACES = (ANN_EMAIL, ANN_SHA1, ANN_NAME, ANN_ESSAY.hex(), ANN_ESSAY.decode())
"""Strings that must not be found anywhere in the store after Ann is erased."""


@dataclass
class World:
    store: StoreContext
    ids: dict[str, str] = field(default_factory=dict)
    ann_credential: StoreContext | None = None


def _context(**extra: Any) -> dict[str, Any]:
    return {**json.loads(json.dumps(IN_COURSE)), **extra}


async def build_world(client: Client, pool: asyncpg.Pool, store: StoreContext) -> World:
    world = World(store)
    ids = world.ids
    ids["ann_essay"] = str(uuid.uuid4())
    essay = statement(
        ANN,
        "http://adlnet.gov/expapi/verbs/completed",
        {"objectType": "Activity", "id": QUIZ},
        statement_id=ids["ann_essay"],
        context=_context(),
        result={"response": f"Written by {ANN_NAME} <{ANN_EMAIL}>", "score": {"scaled": 0.4}},
        attachments=[attachment_meta(ANN_ESSAY), attachment_meta(HANDOUT)],
    )
    ids["bob_handout"] = str(uuid.uuid4())
    bob_handout = statement(
        BOB, statement_id=ids["bob_handout"], context=_context(), attachments=[attachment_meta(HANDOUT)]
    )
    body, content_type = multipart([essay, bob_handout], [("text/plain", ANN_ESSAY), ("text/plain", HANDOUT)])
    response = await client.post(URL, content=body, headers=store.headers(**{"Content-Type": content_type}))
    assert response.status_code == 200, response.text

    plain = {
        "ann_sha1": statement(ANN_AS_SHA1, obj={"objectType": "Activity", "id": QUIZ}, context=_context()),
        "teacher_mentors_ann": statement(TEACHER, "http://id.tincanapi.com/verb/mentored", ANN, context=_context()),
        "insight_about_ann": statement(
            ANALYTICS,
            "http://lrs.test/vocab/predicted",
            ANN,
            context=_context(extensions={"http://lrs.test/ext/learner": ANN_KEY}),
            result={"score": {"scaled": 0.8}, "extensions": {"http://lrs.test/ext/note": f"{ANN_EMAIL} at risk"}},
        ),
        "bob_observes_ann": statement(
            BOB,
            "http://adlnet.gov/expapi/verbs/experienced",
            {"objectType": "SubStatement", "actor": ANN, "verb": {"id": "http://adlnet.gov/expapi/verbs/attempted"},
             "object": {"objectType": "Activity", "id": QUIZ}},
        ),
        "team": statement(
            {"objectType": "Group", "name": "Team of Ann Erasable and Bob", "member": [ANN, BOB]},
            context=_context(),
        ),
        "bob_taught_by_ann": statement(BOB, context=_context(instructor=ANN), result={"response": "fine"}),
        "bob_alone": statement(BOB, context=_context(), result={"response": "Bob's own answer"}),
        "ann_voided": statement(ANN, context=_context()),
    }  # fmt: skip
    for name, doc in plain.items():
        ids[name] = (await post_ok(client, store, doc))[0]
    ids["voiding"] = (await post_ok(client, store, statement(TEACHER, "http://adlnet.gov/expapi/verbs/voided",
                                                              statement_ref(ids["ann_voided"]))))[0]  # fmt: skip
    with_context_agent = statement(BOB, context={**_context(), "contextAgents": [{"objectType": "contextAgent",
                                                                                  "agent": ANN}]})  # fmt: skip
    ids["bob_with_context_agent"] = (await post_ok(client, store, with_context_agent, version="2.0.0"))[0]

    # A credential whose authority is Ann (her own app), used to store one of Bob's statements.
    async with pool.acquire() as conn:
        issued = await issue_credential(
            conn, store_id=store.id, base_url=BASE_URL, scopes=("all",), authority={"objectType": "Agent", **ANN}
        )
    world.ann_credential = StoreContext(store.id, store.name, issued)
    ids["bob_via_ann_app"] = (await post_ok(client, world.ann_credential, statement(BOB, context=_context())))[0]

    await _documents(client, store)
    await _analytics(pool, store.id)
    return world


async def _documents(client: Client, store: StoreContext) -> None:
    for who, text in ((ANN, f"bookmark of {ANN_NAME}"), (BOB, "bookmark of Bob")):
        params = {"activityId": QUIZ, "agent": json.dumps(who), "stateId": "bookmark"}
        response = await client.put(
            "/xapi/activities/state", params=params, json={"note": text}, headers=store.headers()
        )
        assert response.status_code == 204, response.text
    params = {"agent": json.dumps(ANN), "profileId": "preferences"}
    response = await client.put(
        "/xapi/agents/profile",
        params=params,
        content=f"{ANN_NAME} prefers dark mode".encode(),
        headers=store.headers(**{"Content-Type": "text/plain", "If-None-Match": "*"}),
    )
    assert response.status_code == 204, response.text


async def _analytics(pool: asyncpg.Pool, store_id: int) -> None:
    """Analytics rows as the engine writes them: events derived from the stored statements, then labels,
    insights (with feedback), interventions and alerts for Ann and Bob."""
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO analytics_courses (store_id, course_id, name) VALUES ($1, $2, 'Governance 101')",
            store_id,
            COURSE,
        )
        rows = await conn.fetch(
            "SELECT seq, payload::text FROM statements WHERE store_id = $1 AND NOT voided", store_id
        )
        for row in rows:
            for event in events_from_statement(json.loads(row["payload"])):
                await conn.execute(
                    """INSERT INTO analytics_events (store_id, course_id, statement_seq, learner, ts, family, action,
                           activity, event) VALUES ($1, $2, $3, $4, to_timestamp($5), $6, $7, $8, $9)""",
                    store_id, event.course, row["seq"], event.learner, event.timestamp, str(event.family),
                    event.action, event.activity, msgspec.msgpack.encode(event),
                )  # fmt: skip
        for learner in (ANN_KEY, BOB_KEY):
            await conn.execute(
                """INSERT INTO analytics_labels (store_id, course_id, learner, at_risk, reason, decided_at)
                   VALUES ($1, $2, $3, true, 'failed', now())""",
                store_id, COURSE, learner,
            )  # fmt: skip
            insight = await conn.fetchval(
                """INSERT INTO analytics_insights (store_id, course_id, learner, as_of, risk, level, factors)
                   VALUES ($1, $2, $3, now(), 0.7, 'high', $4::jsonb) RETURNING id""",
                store_id, COURSE, learner,
                json.dumps([{"feature": "peer", "value": ANN_KEY if learner == BOB_KEY else "none"}]),
            )  # fmt: skip
            await conn.execute(
                """INSERT INTO analytics_feedback (store_id, insight_id, kind, note, author)
                   VALUES ($1, $2, 'useful', 'checked with the learner', 'teacher')""",
                store_id, insight,
            )  # fmt: skip
            await conn.execute(
                """INSERT INTO analytics_interventions (store_id, course_id, learner, kind, source, insight_id)
                   VALUES ($1, $2, $3, 'email', 'automated', $4)""",
                store_id, COURSE, learner, insight,
            )  # fmt: skip
            await conn.execute(
                """INSERT INTO analytics_alerts (store_id, course_id, learner, detector, dedupe_key, details)
                   VALUES ($1, $2, $3, 'no_recent_access', $4, '{}'::jsonb)""",
                store_id, COURSE, learner, f"no_recent_access|{COURSE}|{learner}",
            )  # fmt: skip
        await conn.execute(
            """INSERT INTO analytics_alerts (store_id, course_id, learner, detector, dedupe_key, details)
               VALUES ($1, $2, NULL, 'no_teaching', $3, $4::jsonb)""",
            store_id, COURSE, f"no_teaching|{COURSE}", json.dumps({"instructors": [ANN_KEY, "mbox:mailto:t@x.org"]}),
        )  # fmt: skip


# -- probes ------------------------------------------------------------------------------------------------------


ANALYTICS_VIEWS = (
    f"/analytics/courses/{quote(COURSE, safe='')}/at-risk",
    f"/analytics/courses/{quote(COURSE, safe='')}/at-risk/export?format=ndjson",
    f"/analytics/courses/{quote(COURSE, safe='')}/overview",
    f"/analytics/courses/{quote(COURSE, safe='')}/overview/export?format=ndjson",
    "/analytics/courses",
    "/analytics/interventions",
    "/analytics/feedback",
    f"/analytics/learners/{quote(ANN_KEY, safe='')}/timeline",
)


async def analytics_views(client: Client, store: StoreContext) -> dict[str, str]:
    """What the insights endpoints answer (status and body) in this store."""
    views = {}
    for path in ANALYTICS_VIEWS:
        response = await client.get(path, headers=store.headers())
        views[path] = f"{response.status_code} {response.text}"
    return views


async def store_tables(pool: asyncpg.Pool) -> list[str]:
    """Every table with a store_id column."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            """SELECT c.table_name::text FROM information_schema.columns c
               JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
               WHERE c.table_schema = current_schema() AND c.column_name = 'store_id' AND t.table_type = 'BASE TABLE'
               ORDER BY 1"""
        )
    return [r[0] for r in rows]


async def everything_stored(pool: asyncpg.Pool, store_id: int) -> dict[str, str]:
    """Every row of every table of the store (and the store's own row) as text, with msgpack event data decoded;
    bytea columns appear in hex."""
    found: dict[str, str] = {}
    async with pool.acquire() as conn:
        for table in await store_tables(pool):
            rows = await conn.fetch(f'SELECT t::text FROM "{table}" t WHERE store_id = $1', store_id)
            found[table] = "\n".join(r[0] for r in rows)
        events = await conn.fetch("SELECT event FROM analytics_events WHERE store_id = $1", store_id)
        found["analytics_events (decoded)"] = "\n".join(str(msgspec.msgpack.decode(e[0])) for e in events)
        found["stores"] = await conn.fetchval("SELECT s::text FROM stores s WHERE id = $1", store_id)
    return found


def traces_of_ann(texts: dict[str, str]) -> dict[str, list[str]]:
    """Where any of Ann's identifying strings still occurs (case-insensitively): {table: [strings]}."""
    hits: dict[str, list[str]] = {}
    for table, text in texts.items():
        lowered = text.lower()
        found = [t for t in ANN_TRACES if t.lower() in lowered]
        if found:
            hits[table] = found
    return hits


def ann_keys() -> set[str]:
    return {ANN_KEY, f"mbox_sha1sum:{ANN_SHA1}", str(agent_ifi(ANN))}
