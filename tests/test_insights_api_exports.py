"""CSV and NDJSON exports of the at-risk list and the overview, with learners pseudonymised when the store says."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
from typing import Any
from urllib.parse import quote

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import BASE_URL, StoreContext
from tests.insights_cohort import Cohort, seeded_store

Client = AsyncTestClient[Any]


@pytest.fixture(scope="module")
async def seeded(pool: asyncpg.Pool) -> tuple[StoreContext, Cohort]:
    return await seeded_store(pool)


def _url(course: str, what: str) -> str:
    return f"/analytics/courses/{quote(course, safe='')}/{what}"


async def _at_risk(client: Client, store: StoreContext, course: str) -> list[dict[str, Any]]:
    response = await client.get(_url(course, "at-risk"), params={"limit": "500"}, headers=store.headers())
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_at_risk_csv_and_ndjson(client: Client, seeded: tuple[StoreContext, Cohort]) -> None:
    store, cohort = seeded
    course = cohort.running
    listed = await _at_risk(client, store, course)
    response = await client.get(_url(course, "at-risk/export"), headers=store.headers())
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="at-risk.csv"' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["learner"] for r in rows] == [r["learner"] for r in listed]
    for row, item in zip(rows, listed, strict=True):
        assert float(row["risk"]) == pytest.approx(item["risk"], abs=1e-4)
        assert row["level"] == item["level"] and int(row["insight_id"]) == item["insight_id"]
        assert row["holdout"] == str(item["holdout"]).lower()
        assert row["factors"].split(";") == [f["feature"] for f in item["factors"]] or not item["factors"]
        assert row["recommended"] == ";".join(i["code"] for i in item["interventions"])
    ndjson = await client.get(_url(course, "at-risk/export"), params={"format": "ndjson", "level": "high"},
                              headers=store.headers())  # fmt: skip
    assert ndjson.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in ndjson.text.splitlines()]
    assert lines == [item for item in listed if item["level"] == "high"]


async def test_overview_csv_and_ndjson(client: Client, seeded: tuple[StoreContext, Cohort]) -> None:
    store, cohort = seeded
    course = cohort.running
    overview = (await client.get(_url(course, "overview"), headers=store.headers())).json()
    response = await client.get(_url(course, "overview/export"), headers=store.headers())
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    value = {(r["section"], r["item"], r["metric"]): r["value"] for r in rows}
    assert int(value[("summary", "", "learners")]) == overview["learners"]
    assert int(value[("risk", "", "high")]) == overview["risk"]["high"]
    for week in overview["weeks"]:
        assert int(value[("weeks", str(week["week"]), "events")]) == week["events"]
    for point in overview["drop_off"]["points"]:
        assert int(value[("drop_off", point["activity"], "learners")]) == point["learners"]
    ndjson = await client.get(_url(course, "overview/export"), params={"format": "ndjson"}, headers=store.headers())
    records = [json.loads(line) for line in ndjson.text.splitlines()]
    assert len(records) == len(rows)
    assert {"section": "summary", "item": None, "metric": "learners", "value": overview["learners"]} in records


async def test_exports_are_pseudonymised_when_the_store_says_so(
    client: Client, pool: asyncpg.Pool, seeded: tuple[StoreContext, Cohort]
) -> None:
    store, cohort = seeded
    course = cohort.running
    listed = await _at_risk(client, store, course)
    settings = {"analytics": {}, "pseudonymise_exports": True, "impact_min_group": 10}
    assert (await client.put("/analytics/settings", json=settings, headers=store.headers())).status_code == 200
    first = await client.get(_url(course, "at-risk/export"), headers=store.headers())
    key = await pool.fetchval("SELECT key FROM pseudonym_keys WHERE store_id = $1", store.id)
    assert key is not None
    expected = [
        f"account:{BASE_URL}/pseudonyms|{hmac.new(bytes(key), r['learner'].encode(), hashlib.sha256).hexdigest()}"
        for r in listed
    ]
    rows = list(csv.DictReader(io.StringIO(first.text)))
    assert [r["learner"] for r in rows] == expected
    assert not any(r["learner"] in first.text for r in listed)
    ndjson = await client.get(_url(course, "at-risk/export"), params={"format": "ndjson"}, headers=store.headers())
    assert [json.loads(line)["learner"] for line in ndjson.text.splitlines()] == expected
    again = await client.get(_url(course, "at-risk/export"), headers=store.headers())
    assert again.text == first.text  # stable pseudonyms
    plain = await _at_risk(client, store, course)  # the JSON list is for the store's own instructors
    assert [r["learner"] for r in plain] == [r["learner"] for r in listed]


async def test_export_parameters(client: Client, seeded: tuple[StoreContext, Cohort]) -> None:
    store, cohort = seeded
    for what, params, status, path in (
        ("at-risk/export", {"format": "xlsx"}, 400, "format"),
        ("at-risk/export", {"limit": "5"}, 400, "limit"),
        ("overview/export", {"level": "high"}, 400, "level"),
    ):
        response = await client.get(_url(cohort.running, what), params=params, headers=store.headers())
        assert response.status_code == status, response.text
        assert response.json()["path"] == path
    missing = await client.get(_url("https://courses.example.com/none", "overview/export"), headers=store.headers())
    assert missing.status_code == 404
