"""The insights API on a simulated cohort: courses, overview, at-risk list, learner timeline, store settings.

Expected values are computed here from the simulated events and the seeded insights, not read back from SQL.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from analytics.courses import WEEK
from analytics.vocabulary import Family
from lrs.store import analytics_summary
from lrs.store.sql import queries
from tests.conftest import StoreContext, make_store
from tests.insights_cohort import Cohort, quantile, seeded_store

Client = AsyncTestClient[Any]


def enc(value: str) -> str:
    """A path segment as `encodeURIComponent` makes it."""
    return quote(value, safe="")


def epoch(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


@pytest.fixture(scope="module")
async def seeded(pool: asyncpg.Pool) -> tuple[StoreContext, Cohort]:
    return await seeded_store(pool)


async def test_courses_are_listed_with_counts_and_paged(client: Client, seeded: tuple[StoreContext, Cohort]) -> None:
    store, cohort = seeded
    first = (await client.get("/analytics/courses", params={"limit": "2"}, headers=store.headers())).json()
    assert len(first["items"]) == 2 and first["next"]
    second = (
        await client.get("/analytics/courses", params={"limit": "2", "cursor": first["next"]}, headers=store.headers())
    ).json()
    assert second["next"] is None
    items = first["items"] + second["items"]
    assert [c["id"] for c in items] == sorted(o.course_id for o in cohort.offerings)
    for course in items:
        events = cohort.course_events(course["id"])
        assert course["learners"] == len({e.learner for e in events})
        current = cohort.current(course["id"])
        levels = Counter(s.insight.level for s in current.values())
        assert course["risk"]["scored"] == len(current)
        assert course["risk"]["high"] == levels["high"] and course["risk"]["moderate"] == levels["moderate"]
        assert course["risk"]["at_risk"] == levels["high"] + levels["moderate"]
        assert epoch(course["start"]) == cohort.calendars[course["id"]].start


async def test_a_course_by_its_encoded_iri(client: Client, seeded: tuple[StoreContext, Cohort]) -> None:
    store, cohort = seeded
    response = await client.get(f"/analytics/courses/{enc(cohort.running)}", headers=store.headers())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["course"]["id"] == cohort.running
    assert body["course"]["name"] == cohort.offerings[-1].title
    assert body["effective_settings"]["bands"] == {"moderate": 0.3, "high": 0.6}
    missing = await client.get(f"/analytics/courses/{enc(cohort.running + '-nope')}", headers=store.headers())
    assert missing.status_code == 404
    assert missing.json()["path"] == "course" and "nope" in missing.json()["message"]


async def test_overview_matches_the_events(client: Client, seeded: tuple[StoreContext, Cohort]) -> None:
    store, cohort = seeded
    course = cohort.running
    response = await client.get(f"/analytics/courses/{enc(course)}/overview", headers=store.headers())
    assert response.status_code == 200, response.text
    body = response.json()
    as_of = epoch(body["summary_as_of"])
    events = [e for e in cohort.course_events(course) if e.timestamp <= as_of]
    learners = {e.learner for e in events}
    assert body["learners"] == len(learners)
    recent = [e for e in events if e.timestamp > as_of - 7 * 86400]
    assert body["active_last_7_days"] == len({e.learner for e in recent}) > 0
    assert body["events_last_7_days"] == len(recent)

    current = cohort.current(course)
    levels = Counter(s.insight.level for s in current.values())
    assert body["risk"] == {
        "scored": len(current),
        "high": levels["high"],
        "moderate": levels["moderate"],
        "low": levels["low"],
        "at_risk": levels["high"] + levels["moderate"],
        "mean_engagement": pytest.approx(
            sum(s.insight.engagement or 0.0 for s in current.values()) / len(current), abs=0.01
        ),
    }

    start = cohort.calendars[course].start
    weeks: dict[int, list[Any]] = defaultdict(list)
    for e in events:
        if e.timestamp >= start:
            weeks[int((e.timestamp - start) // WEEK)].append(e)
    assert [(w["week"], w["events"], w["learners"]) for w in body["weeks"]] == [
        (week, len(found), len({e.learner for e in found})) for week, found in sorted(weeks.items())
    ]

    by_type: dict[str, dict[str, Any]] = defaultdict(lambda: {"activities": set(), "pairs": {}})
    for e in events:
        if e.family in (Family.CONTENT, Family.ASSESSMENT, Family.SUBMISSION):
            entry = by_type[e.activity_type or ""]
            entry["activities"].add(e.activity)
            done = e.completion is True or e.action in ("completed", "passed", "mastered", "satisfied")
            key = (e.learner, e.activity)
            entry["pairs"][key] = entry["pairs"].get(key, False) or done
    expected = {
        kind: (
            len(v["activities"]),
            round(len(v["pairs"]) / (len(v["activities"]) * len(learners)), 4),
            round(sum(v["pairs"].values()) / (len(v["activities"]) * len(learners)), 4),
        )
        for kind, v in by_type.items()
    }
    got = {
        c["activity_type"] or "": (c["activities"], c["accessed_rate"], c["completion_rate"])
        for c in body["completion"]
    }
    assert got == expected
    assert any(rate > 0 for _, _, rate in got.values())

    per_learner: dict[str, list[float]] = defaultdict(list)
    for e in events:
        if e.family is Family.ASSESSMENT and e.score is not None:
            per_learner[e.learner].append(e.score)
    means = sorted(min(1.0, max(0.0, sum(v) / len(v))) for v in per_learner.values())
    scores = body["scores"]
    assert scores["learners"] == len(means)
    assert scores["median"] == pytest.approx(quantile(means, 0.5))
    assert scores["p25"] == pytest.approx(quantile(means, 0.25))
    assert [b["learners"] for b in scores["bins"]] == [
        sum(1 for m in means if min(9, int(m * 10)) == b) for b in range(10)
    ]

    last: dict[str, Any] = {}
    finished, withdrew = set(), set()
    for e in sorted(events, key=lambda e: e.timestamp):
        if e.family is Family.OUTCOME:
            finished.add(e.learner)
        if e.action in ("unregistered", "abandoned"):
            withdrew.add(e.learner)
        if e.family not in (Family.ENROLMENT, Family.OUTCOME):
            last[e.learner] = e
    latest = {lr: max(e.timestamp for e in events if e.learner == lr) for lr in learners}
    horizon = min(as_of, cohort.calendars[course].end or math.inf) - 14 * 86400
    stopped = [lr for lr in learners if lr not in finished and (lr in withdrew or latest[lr] < horizon)]
    drop = body["drop_off"]
    assert drop["stopped"] == len(stopped) > 0
    points = Counter(last[lr].activity for lr in stopped if lr in last)
    assert {p["activity"]: p["learners"] for p in drop["points"]} == dict(
        sorted(points.items(), key=lambda item: (-item[1], item[0]))[:10]
    )


async def test_overview_summary_is_refreshed_when_events_change(
    client: Client, pool: asyncpg.Pool, seeded: tuple[StoreContext, Cohort], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, cohort = seeded
    course = cohort.ended[0]
    url = f"/analytics/courses/{enc(course)}/overview"
    before = (await client.get(url, headers=store.headers())).json()
    again = (await client.get(url, headers=store.headers())).json()
    assert again["summary_as_of"] == before["summary_as_of"] and not again["summary_refreshing"]
    newcomer = "mbox:mailto:late-newcomer@example.org"
    await pool.execute(
        "INSERT INTO analytics_events (store_id, course_id, statement_seq, learner, ts, family, action, activity, "
        "event) VALUES ($1, $2, 10000000, $3, now() - interval '1 hour', 'content', 'viewed', $2 || '/x', '\\x90')",
        store.id,
        course,
        newcomer,
    )
    monkeypatch.setattr(analytics_summary, "REFRESH_AFTER_SECONDS", 0.0)
    stale = (await client.get(url, headers=store.headers())).json()
    assert stale["summary_refreshing"] and stale["learners"] == before["learners"]  # answered from the cache
    fresh = (await client.get(url, headers=store.headers())).json()  # the background refresh ran
    assert fresh["learners"] == before["learners"] + 1 and not fresh["summary_refreshing"]
    assert fresh["active_last_7_days"] == 1


async def test_at_risk_lists_current_insights_by_risk(client: Client, seeded: tuple[StoreContext, Cohort]) -> None:
    store, cohort = seeded
    course = cohort.running
    current = cohort.current(course)
    flagged = sorted(
        (s for s in current.values() if s.insight.level != "low"),
        key=lambda s: (-s.insight.probability, s.insight.learner),
    )
    assert len(flagged) > 5
    url = f"/analytics/courses/{enc(course)}/at-risk"
    seen: list[dict[str, Any]] = []
    params = {"limit": "4"}
    while True:
        response = await client.get(url, params=params, headers=store.headers())
        assert response.status_code == 200, response.text
        page = response.json()
        seen += page["items"]
        if page["next"] is None:
            break
        params = {"limit": "4", "cursor": page["next"]}
    assert [r["learner"] for r in seen] == [s.insight.learner for s in flagged]
    holdout = {(r["course"], r["learner"]) for r in cohort.interventions if r["source"] == "holdout"}
    treated = Counter((r["course"], r["learner"]) for r in cohort.interventions if r["source"] != "holdout")
    for row, expected in zip(seen, flagged, strict=True):
        assert row["risk"] == pytest.approx(expected.insight.probability)
        assert row["insight_id"] == expected.id
        assert [f["feature"] for f in row["factors"]] == [f.feature for f in expected.insight.factors]
        assert [i["code"] for i in row["interventions"]] == [i.code for i in expected.insight.interventions]
        assert row["holdout"] == ((course, row["learner"]) in holdout)
        assert row["interventions_received"] == treated[(course, row["learner"])]

    high = (await client.get(url, params={"level": "high"}, headers=store.headers())).json()["items"]
    assert {r["learner"] for r in high} == {s.insight.learner for s in flagged if s.insight.level == "high"}
    everyone = (await client.get(url, params={"min_risk": "0", "limit": "500"}, headers=store.headers())).json()
    assert len(everyone["items"]) == len(current)
    above = (await client.get(url, params={"min_risk": "0.5", "level": "low,moderate"}, headers=store.headers())).json()
    assert {r["learner"] for r in above["items"]} == {
        s.insight.learner for s in current.values() if s.insight.probability >= 0.5 and s.insight.level != "high"
    }


@pytest.mark.parametrize(
    ("params", "path"),
    [
        ({"min_risk": "1.5"}, "min_risk"),
        ({"min_risk": "x"}, "min_risk"),
        ({"level": "severe"}, "level"),
        ({"limit": "0"}, "limit"),
        ({"limit": "501"}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "WyJhIiwiYiJd"}, "cursor"),  # ["a", "b"]: a cursor of the wrong shape
        ({"minrisk": "0.5"}, "minrisk"),
    ],
)
async def test_bad_at_risk_parameters_are_400_naming_them(
    client: Client, seeded: tuple[StoreContext, Cohort], params: dict[str, str], path: str
) -> None:
    store, cohort = seeded
    response = await client.get(
        f"/analytics/courses/{enc(cohort.running)}/at-risk", params=params, headers=store.headers()
    )
    assert response.status_code == 400, response.text
    assert response.json()["path"] == path


async def test_unknown_course_is_404_everywhere(client: Client, seeded: tuple[StoreContext, Cohort]) -> None:
    store, _ = seeded
    course = enc("https://courses.example.com/never-seen")
    for path in (f"/analytics/courses/{course}/overview", f"/analytics/courses/{course}/at-risk"):
        response = await client.get(path, headers=store.headers())
        assert response.status_code == 404 and response.json()["path"] == "course", path


async def test_learner_timeline(client: Client, seeded: tuple[StoreContext, Cohort]) -> None:
    store, cohort = seeded
    course = cohort.running
    treated = [r for r in cohort.interventions if r["course"] == course and r["source"] == "automated"]
    learner = treated[0]["learner"]
    url = f"/analytics/learners/{enc(learner)}/timeline"
    response = await client.get(url, params={"course": course}, headers=store.headers())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["learner"] == learner and [c["course"] for c in body["courses"]] == [course]
    timeline = body["courses"][0]
    events = [e for e in cohort.course_events(course) if e.learner == learner]
    assert sum(w["events"] for w in timeline["weeks"]) == len(events)
    start = cohort.calendars[course].start
    for week in timeline["weeks"]:
        found = [e for e in events if max(0, int((e.timestamp - start) // WEEK)) == week["week"]]
        assert week["events"] == len(found)
        assert week["active_days"] == len({int(e.timestamp // 86400) for e in found})
    scored = sorted((e.timestamp, e.score) for e in events if e.family is Family.ASSESSMENT and e.score is not None)
    assert [(epoch(s["at"]), s["score"]) for s in timeline["scores"]] == [
        (pytest.approx(t), pytest.approx(v)) for t, v in scored
    ]
    history = sorted((s for s in cohort.insights if s.insight.learner == learner and s.insight.course == course),
                     key=lambda s: (s.insight.as_of, s.id))  # fmt: skip
    assert [r["insight_id"] for r in timeline["risk"]] == [s.id for s in history]
    assert [r["level"] for r in timeline["risk"]] == [s.insight.level for s in history]
    assert any(w["engagement"] is not None for w in timeline["weeks"])
    assert sorted(i["kind"] for i in timeline["interventions"]) == sorted(
        r["kind"] for r in cohort.interventions if r["course"] == course and r["learner"] == learner
    )

    every = await client.get(url, headers=store.headers())
    assert {c["course"] for c in every.json()["courses"]} == {e.course for e in cohort.events if e.learner == learner}
    kind, _, value = learner.partition(":")
    agent = (
        {"account": dict(zip(("homePage", "name"), value.rsplit("|", 1), strict=True))}
        if kind == "account"
        else {kind: value}
    )
    as_json = await client.get(
        f"/analytics/learners/{enc(json.dumps(agent))}/timeline", params={"course": course}, headers=store.headers()
    )
    assert as_json.json() == body


async def test_timeline_errors(client: Client, seeded: tuple[StoreContext, Cohort]) -> None:
    store, cohort = seeded
    nobody = await client.get(f"/analytics/learners/{enc('mbox:mailto:nobody@example.org')}/timeline",
                              headers=store.headers())  # fmt: skip
    assert nobody.status_code == 404 and nobody.json()["path"] == "agent"
    learner = cohort.course_events(cohort.running)[0].learner
    elsewhere = await client.get(
        f"/analytics/learners/{enc(learner)}/timeline",
        params={"course": "https://courses.example.com/unknown"},
        headers=store.headers(),
    )
    assert elsewhere.status_code == 404 and elsewhere.json()["path"] == "course"
    for bad in ("someone", "mbox:someone@example.org", "account:no-bar", '{"name": "x"}', "{not json"):
        response = await client.get(f"/analytics/learners/{enc(bad)}/timeline", headers=store.headers())
        assert response.status_code == 400, bad
        assert response.json()["path"].startswith("agent"), bad


async def test_course_settings_are_validated_and_saved(client: Client, pool: asyncpg.Pool) -> None:
    store = await make_store(pool)
    course = "https://courses.example.com/configured/2026"
    url = f"/analytics/courses/{enc(course)}"
    body = {
        "name": "Configured course",
        "start": "2026-01-05T00:00:00Z",
        "end": "2026-03-30T00:00:00Z",
        "settings": {
            "bands": {"moderate": 0.25, "high": 0.5},
            "target": {"success_actions": ["passed", "mastered"], "grace_days": 3},
            "due_dates": {f"{course}/essay": "2026-02-01T23:59:00Z"},
            "vocabulary": {"verbs": {"https://lms.example.org/verbs/handed-in": "submitted"}},
            "holdout_share": 0.2,
        },
    }
    created = await client.put(url, json=body, headers=store.headers())
    assert created.status_code == 201, created.text
    saved = created.json()
    assert saved["course"]["start"].startswith("2026-01-05") and saved["course"]["name"] == "Configured course"
    assert saved["effective_settings"]["bands"] == {"moderate": 0.25, "high": 0.5}
    assert saved["effective_settings"]["holdout_share"] == 0.2
    assert saved["effective_settings"]["target"]["grace_days"] == 3
    assert saved["course"]["settings"] == body["settings"]
    body["settings"] = {"bands": {"moderate": 0.2, "high": 0.7}}
    updated = await client.put(url, json=body, headers=store.headers())
    assert updated.status_code == 200
    got = (await client.get(url, headers=store.headers())).json()
    assert got["course"]["settings"] == body["settings"]
    assert got["effective_settings"]["holdout_share"] == 0.1  # the store's default again
    listed = (await client.get("/analytics/courses", headers=store.headers())).json()["items"]
    assert [c["id"] for c in listed] == [course] and listed[0]["learners"] == 0

    bad_bodies = [
        ({"settings": {"bands": {"moderate": 0.7, "high": 0.6}}}, "settings.bands"),
        ({"settings": {"bands": {"moderate": "x"}}}, "settings.bands.moderate"),
        ({"settings": {"bandz": {}}}, "settings.bandz"),
        ({"settings": {"vocabulary": {"actions": {"watched": "no-such-family"}}}}, "settings.vocabulary.actions[...]"),
        ({"settings": {"due_dates": {"a": "soon"}}}, "settings"),
        ({"settings": {"holdout_share": 1.5}}, "settings"),
        ({"start": "2026-02-01T00:00:00Z", "end": "2026-01-01T00:00:00Z"}, "end"),
        ({"start": "yesterday"}, "start"),
        ({"name": " "}, "name"),
    ]
    for bad, path in bad_bodies:
        response = await client.put(url, json=bad, headers=store.headers())
        assert response.status_code == 400, (bad, response.text)
        assert response.json()["path"] == path, (bad, response.json())
    unchanged = (await client.get(url, headers=store.headers())).json()
    assert unchanged["course"]["settings"] == body["settings"]


async def test_store_settings_and_who_may_stop_pseudonymising(client: Client, pool: asyncpg.Pool) -> None:
    analyst = await make_store(pool, scopes=("analytics",))
    url = "/analytics/settings"
    assert (await client.get(url, headers=analyst.headers())).json()["pseudonymise_exports"] is False
    on = {"analytics": {"holdout_share": 0.25}, "pseudonymise_exports": True, "impact_min_group": 15}
    saved = await client.put(url, json=on, headers=analyst.headers())
    assert saved.status_code == 200, saved.text
    assert saved.json()["effective"]["holdout_share"] == 0.25 and saved.json()["impact_min_group"] == 15
    off = {**on, "pseudonymise_exports": False}
    refused = await client.put(url, json=off, headers=analyst.headers())
    assert refused.status_code == 403 and "admin" in refused.json()["message"]
    async with pool.acquire() as conn:
        from lrs.security.credentials import issue_credential
        from tests.conftest import BASE_URL

        admin = await issue_credential(conn, store_id=analyst.id, base_url=BASE_URL, scopes=["analytics", "admin"])
    admin_store = StoreContext(analyst.id, analyst.name, admin)
    assert (await client.put(url, json=off, headers=admin_store.headers())).status_code == 200
    for bad, path in (({"impact_min_group": 1}, "impact_min_group"), ({"analytics": {"nope": 1}}, "analytics.nope")):
        response = await client.put(url, json=bad, headers=analyst.headers())
        assert response.status_code == 400 and response.json()["path"] == path


async def test_timeline_weeks_without_a_calendar_start_at_the_first_event(client: Client, pool: asyncpg.Pool) -> None:
    store = await make_store(pool)
    course, learner = "https://courses.example.com/no-calendar", "mbox:mailto:solo@example.org"
    first = datetime(2026, 1, 7, 15, 30).astimezone()
    for n, days in enumerate((0, 1, 9)):
        await pool.execute(
            "INSERT INTO analytics_events (store_id, course_id, statement_seq, learner, ts, family, action, activity, "
            "duration, event) VALUES ($1, $2, $3, $4, $5, 'content', 'viewed', $2 || '/page', 120, '\\x90')",
            store.id,
            course,
            n + 1,
            learner,
            first + timedelta(days=days),
        )
    await pool.execute("INSERT INTO analytics_courses (store_id, course_id) VALUES ($1, $2)", store.id, course)
    body = (await client.get(f"/analytics/learners/{enc(learner)}/timeline", headers=store.headers())).json()
    weeks = body["courses"][0]["weeks"]
    assert [(w["week"], w["events"], w["active_days"], w["minutes"]) for w in weeks] == [(0, 2, 2, 4.0), (1, 1, 1, 2.0)]


@pytest.mark.parametrize("file", ["analytics_read", "analytics_actions"])
async def test_every_sql_block_prepares(pool: asyncpg.Pool, file: str) -> None:
    async with pool.acquire() as conn:
        for name, sql in queries(file).items():
            try:
                await conn.prepare(sql)
            except asyncpg.PostgresError as exc:
                raise AssertionError(f"{file}.{name}: {exc}") from exc


async def test_course_list_counts_follow_new_events(
    client: Client, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = await make_store(pool)
    course = "https://courses.example.com/growing"
    await pool.execute("INSERT INTO analytics_courses (store_id, course_id) VALUES ($1, $2)", store.id, course)

    async def add(seq: int) -> None:
        await pool.execute(
            "INSERT INTO analytics_events (store_id, course_id, statement_seq, learner, ts, family, action, activity, "
            "event) VALUES ($1, $2, $3, $4, now(), 'content', 'viewed', $2 || '/page', '\\x90')",
            store.id,
            course,
            seq,
            f"mbox:mailto:learner-{seq}@example.org",
        )

    async def learners() -> int:
        items = (await client.get("/analytics/courses", headers=store.headers())).json()["items"]
        count: int = items[0]["learners"]
        return count

    await add(1)
    assert await learners() == 1  # summarised on first sight
    await add(2)
    assert await learners() == 1  # cached: a minute may pass before a refresh
    monkeypatch.setattr(analytics_summary, "REFRESH_AFTER_SECONDS", 0.0)
    assert await learners() == 1  # stale: answered from the cache, refreshed after the answer
    assert await learners() == 2
