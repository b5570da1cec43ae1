"""Governance administration: settings, analytics opt-outs (and the SQL function the engine uses), the audit log
of administrative actions, the learner export archive, who may call what, and the command line."""

from __future__ import annotations

import base64
import io
import json
import uuid
import zipfile
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from lrs import cli
from lrs.governance.manage import load_opt_outs
from lrs.security.credentials import issue_credential
from lrs.store import stores
from tests.conftest import BASE_URL, Services, StoreContext, make_store
from tests.governance_world import ANN, ANN_ESSAY, ANN_KEY, BOB_KEY, HANDOUT, World, ann_keys, build_world
from tests.statement_factory import agent, attachment_meta, post_ok, statement

Client = AsyncTestClient[Any]


def basic(key: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()}


async def audit_entries(client: Client, store: StoreContext, headers: dict[str, str] | None = None) -> list[Any]:
    response = await client.get(f"/admin/stores/{store.name}/audit", headers=headers or store.headers())
    assert response.status_code == 200, response.text
    entries: list[Any] = response.json()["entries"]
    return entries


# -- settings --------------------------------------------------------------------------------------------------


async def test_settings_default_change_and_leave_other_keys_alone(
    client: Client, pool: asyncpg.Pool, store: StoreContext
) -> None:
    url = f"/admin/stores/{store.name}/governance"
    async with pool.acquire() as conn:
        await conn.execute('UPDATE stores SET settings = \'{"theme": "dark"}\' WHERE id = $1', store.id)
    assert (await client.get(url, headers=store.headers())).json() == {
        "erasure": "delete",
        "erasure_shared": "pseudonymise",
        "retention_days": None,
        "analytics_opt_out": False,
    }
    changed = await client.patch(url, json={"retention_days": 365, "erasure": "pseudonymise"}, headers=store.headers())
    assert changed.status_code == 200 and changed.json()["retention_days"] == 365
    removed = await client.patch(url, json={"retention_days": None}, headers=store.headers())
    assert removed.json()["retention_days"] is None and removed.json()["erasure"] == "pseudonymise"
    for bad in ({"retention_days": 0}, {"erasure": "shred"}, {"colour": "red"}, {"analytics_opt_out": "yes"}):
        assert (await client.patch(url, json=bad, headers=store.headers())).status_code == 400, bad
    async with pool.acquire() as conn:
        settings = json.loads(await conn.fetchval("SELECT settings::text FROM stores WHERE id = $1", store.id))
    assert settings == {"theme": "dark", "erasure": "pseudonymise", "erasure_shared": "pseudonymise",
                        "analytics_opt_out": False}  # fmt: skip
    changes = [e["details"]["changed"] for e in await audit_entries(client, store)]
    assert changes == [{"retention_days": 365, "erasure": "pseudonymise"}, {"retention_days": None}]


# -- analytics opt-out -----------------------------------------------------------------------------------------


async def excluded(pool: asyncpg.Pool, store_id: int, learner: str) -> bool:
    async with pool.acquire() as conn:
        return bool(await conn.fetchval("SELECT analytics_excluded($1, $2)", store_id, learner))


async def test_opting_out_and_in_is_seen_by_the_sql_function_and_the_python_helper(
    client: Client, pool: asyncpg.Pool, store: StoreContext
) -> None:
    base = f"/admin/stores/{store.name}/opt-outs"
    learner = {"mbox": "mailto:Quiet@Example.com"}
    key = "mbox:mailto:Quiet@example.com"
    assert not await excluded(pool, store.id, key)
    added = await client.post(base, json={"agent": learner}, headers=store.headers())
    assert added.status_code == 200 and added.json()["changed"] is True
    assert (await client.post(base, json={"agent": learner}, headers=store.headers())).json()["changed"] is False
    listed = (await client.get(base, headers=store.headers())).json()
    assert listed["store_wide"] is False and key in listed["learners"]
    assert await excluded(pool, store.id, key) and not await excluded(pool, store.id, "mbox:mailto:x@example.com")
    async with pool.acquire() as conn:
        opt_outs = await load_opt_outs(conn, store.id)
    assert opt_outs.excludes(key) and opt_outs.keep([key, "other"]) == ["other"]

    removed = await client.post(f"{base}/remove", json={"agent": learner}, headers=store.headers())
    assert removed.json() == {"removed": True}
    assert not await excluded(pool, store.id, key)

    await client.patch(f"/admin/stores/{store.name}/governance", json={"analytics_opt_out": True},
                       headers=store.headers())  # fmt: skip
    assert await excluded(pool, store.id, "mbox:mailto:anyone@example.com")
    assert (await client.get(base, headers=store.headers())).json()["store_wide"] is True
    actions = [e["action"] for e in await audit_entries(client, store)]
    assert actions == ["analytics.opt_out", "analytics.opt_out", "analytics.opt_in", "governance.settings"]


async def test_opting_out_with_purge_deletes_what_analytics_derived(
    client: Client, pool: asyncpg.Pool, store: StoreContext
) -> None:
    world = await build_world(client, pool, store)
    response = await client.post(f"/admin/stores/{store.name}/opt-outs", json={"agent": ANN, "purge": True},
                                 headers=store.headers())  # fmt: skip
    assert response.status_code == 200, response.text
    assert {"analytics_events", "analytics_insights", "analytics_labels"} <= set(
        response.json()["analytics_rows_deleted"]
    )
    async with pool.acquire() as conn:
        for table in ("analytics_events", "analytics_insights", "analytics_labels", "analytics_interventions"):
            learners = {r[0] for r in await conn.fetch(f"SELECT learner FROM {table} WHERE store_id = $1", store.id)}
            assert ANN_KEY not in learners and BOB_KEY in learners, table
    # Her statements stay: opting out of analytics is not erasure.
    hers = await client.get("/xapi/statements", params={"agent": json.dumps(ANN)}, headers=store.headers())
    assert world.ids["ann_essay"] in [s["id"] for s in hers.json()["statements"]]
    assert await excluded(pool, store.id, ANN_KEY)


# -- audit log -------------------------------------------------------------------------------------------------


async def test_store_and_credential_administration_is_audited_without_secrets(
    client: Client, pool: asyncpg.Pool
) -> None:
    async with pool.acquire() as conn:
        default = await stores.ensure_store(conn, stores.DEFAULT_STORE)
        operator = await issue_credential(conn, store_id=default.id, base_url=BASE_URL, scopes=["admin"])
    headers = basic(operator.key, operator.secret)
    name = f"audited-{uuid.uuid4().hex[:8]}"
    assert (await client.post("/admin/stores", json={"name": name}, headers=headers)).status_code == 201
    created = await client.post(f"/admin/stores/{name}/credentials", json={"scopes": ["state"]}, headers=headers)
    key, secret = created.json()["key"], created.json()["secret"]
    assert (await client.delete(f"/admin/stores/{name}/credentials/{key}", headers=headers)).status_code == 204
    assert (await client.delete(f"/admin/stores/{name}/credentials/{key}", headers=headers)).status_code == 404

    response = await client.get(f"/admin/stores/{name}/audit", headers=headers)
    entries = response.json()["entries"]
    assert [(e["action"], e["actor"]) for e in entries] == [
        ("store.create", f"credential:{operator.key}"),
        ("credential.create", f"credential:{operator.key}"),
        ("credential.revoke", f"credential:{operator.key}"),
    ]
    assert entries[1]["target"] == {"key": key} and entries[1]["details"]["scopes"] == ["state"]
    assert secret not in response.text

    exported = await client.get(f"/admin/stores/{name}/audit/export", headers=headers)
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in exported.text.splitlines()]
    assert [e["action"] for e in lines] == ["store.create", "credential.create", "credential.revoke", "audit.export"]


async def test_the_audit_log_pages(client: Client, store: StoreContext) -> None:
    url = f"/admin/stores/{store.name}/opt-outs"
    for i in range(5):
        await client.post(url, json={"agent": {"mbox": f"mailto:p{i}@example.com"}}, headers=store.headers())
    first = (await client.get(f"/admin/stores/{store.name}/audit", params={"limit": 2}, headers=store.headers())).json()
    assert len(first["entries"]) == 2 and first["next_after"] == first["entries"][-1]["id"]
    rest = await client.get(f"/admin/stores/{store.name}/audit", params={"after": first["next_after"]},
                            headers=store.headers())  # fmt: skip
    assert len(rest.json()["entries"]) == 3 and rest.json()["next_after"] is None


# -- export ------------------------------------------------------------------------------------------------------


async def test_the_export_archive_holds_everything_about_the_learner(
    client: Client, pool: asyncpg.Pool, store: StoreContext
) -> None:
    world: World = await build_world(client, pool, store)
    response = await client.post(f"/admin/stores/{store.name}/learners/export", json={"agent": ANN},
                                 headers=store.headers())  # fmt: skip
    assert response.status_code == 200, response.text
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["identifiers"][0] == ANN_KEY and manifest["store"] == store.name
    statements = [json.loads(line) for line in archive.read("statements.ndjson").splitlines()]
    voided = [json.loads(line) for line in archive.read("voided_statements.ndjson").splitlines()]
    ids = {s["id"] for s in statements}
    shared = {"team", "bob_taught_by_ann", "bob_with_context_agent", "bob_via_ann_app", "bob_observes_ann"}
    own = {"ann_essay", "ann_sha1", "teacher_mentors_ann", "insight_about_ann"}
    assert ids == {world.ids[n] for n in shared | own}
    assert [s["id"] for s in voided] == [world.ids["ann_voided"]]
    assert archive.read(f"attachments/{attachment_meta(ANN_ESSAY)['sha2']}") == ANN_ESSAY
    assert archive.read(f"attachments/{attachment_meta(HANDOUT)['sha2']}") == HANDOUT
    documents = [json.loads(line) for line in archive.read("documents.ndjson").splitlines()]
    assert {(d["kind"], d["documentId"]) for d in documents} == {
        ("state", "bookmark"),
        ("agent_profile", "preferences"),
    }
    state = next(d for d in documents if d["kind"] == "state")
    assert state["content"] == {"note": "bookmark of Ann Erasable"}
    for table in ("analytics_events", "analytics_labels", "analytics_insights", "analytics_interventions",
                  "analytics_alerts", "analytics_feedback"):  # fmt: skip
        rows = [json.loads(line) for line in archive.read(f"analytics/{table}.ndjson").splitlines()]
        assert rows and all(r.get("learner", ANN_KEY) in ann_keys() for r in rows), table
    assert manifest["files"]["statements.ndjson"] == len(statements)
    entry = (await audit_entries(client, store))[-1]
    assert entry["action"] == "learner.export" and set(entry["target"]) == {"learner_ref"}


# -- who may call ------------------------------------------------------------------------------------------------


async def test_a_store_admin_acts_only_on_its_own_store(client: Client, pool: asyncpg.Pool) -> None:
    mine, theirs = await make_store(pool, ("admin",)), await make_store(pool, ("admin",))
    calls = [
        ("GET", "governance", None),
        ("PATCH", "governance", {"retention_days": 5}),
        ("POST", "learners/export", {"agent": ANN}),
        ("POST", "learners/erase", {"agent": ANN}),
        ("POST", "statements/delete", {"ids": [str(uuid.uuid4())]}),
        ("POST", "retention/run", {}),
        ("GET", "opt-outs", None),
        ("POST", "opt-outs", {"agent": ANN}),
        ("POST", "opt-outs/remove", {"agent": ANN}),
        ("GET", "audit", None),
        ("GET", "audit/export", None),
    ]
    for method, path, body in calls:
        for store_name in (theirs.name, "no-such-store"):
            response = await client.request(method, f"/admin/stores/{store_name}/{path}", json=body,
                                            headers=mine.headers())  # fmt: skip
            assert response.status_code == 403, (method, path, response.text)
    assert (await client.get(f"/admin/stores/{mine.name}/governance", headers=mine.headers())).status_code == 200


async def test_bodies_must_be_json(client: Client, store: StoreContext) -> None:
    response = await client.post(
        f"/admin/stores/{store.name}/learners/erase",
        content=json.dumps({"agent": ANN}),
        headers=store.headers(**{"Content-Type": "text/plain"}),
    )
    assert response.status_code == 400


# -- command line --------------------------------------------------------------------------------------------------


@pytest.fixture
def database(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LRS_DATABASE_URL", services.database_url)
    monkeypatch.setenv("LRS_PUBLIC_URL", BASE_URL)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = cli.main(list(argv))
    out, _ = capsys.readouterr()
    return code, out


@pytest.fixture
async def cli_store(client: Client, pool: asyncpg.Pool) -> tuple[StoreContext, list[str]]:
    store = await make_store(pool)
    ids = await post_ok(client, store, [statement(agent("cli-ann")), statement(agent("cli-bob"))])
    return store, ids


def test_the_governance_commands(
    database: None, cli_store: tuple[StoreContext, list[str]], capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    store, ids = cli_store
    ann = json.dumps(agent("cli-ann"))
    code, out = run(capsys, "learners", "export", "--store", store.name, "--agent", ann, "-o", str(tmp_path / "a.zip"))
    assert code == 0 and json.loads(out)["files"]["statements.ndjson"] == 1
    assert zipfile.ZipFile(tmp_path / "a.zip").read("statements.ndjson").count(b"\n") == 1
    code, out = run(capsys, "learners", "erase", "--store", store.name, "--agent", ann, "--dry-run")
    assert code == 0 and json.loads(out)["statements_deleted"] == 1 and json.loads(out)["dry_run"] is True
    code, out = run(capsys, "statements", "delete", "--store", store.name, "--ids", *ids, "--dry-run")
    assert code == 0 and json.loads(out)["statements"] == 2
    code, out = run(capsys, "learners", "erase", "--store", store.name, "--agent", ann)
    assert code == 0 and json.loads(out)["statements_deleted"] == 1
    code, out = run(capsys, "governance", "set", "--store", store.name, "--retention-days", "90")
    assert code == 0 and json.loads(out)["retention_days"] == 90
    code, out = run(capsys, "governance", "retention", "--store", store.name, "--dry-run")
    assert code == 0 and json.loads(out)["statements"]["statements"] == 0
    code, out = run(capsys, "audit", "export", "--store", store.name)
    actions = [json.loads(line)["action"] for line in out.splitlines()]
    assert code == 0 and actions == ["learner.export", "learner.erase", "governance.settings", "audit.export"]
    assert all(json.loads(line)["actor"].startswith("cli") for line in out.splitlines())
