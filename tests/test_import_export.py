"""`lrs import` and `lrs export` against the real database: formats, rejects, resume, storage shape, round trip,
and the CLI (`lrs simulate | lrs import`, `lrs export`) through `lrs.cli.main`."""

from __future__ import annotations

import asyncio
import gzip
import io
import json
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import msgspec
import pytest

import lrs.bulk.importer as importer_module
import lrs.bulk.writer as writer_module
from lrs.app import create_app
from lrs.bulk.exporter import ExportFilters, export_statements
from lrs.bulk.importer import ImportOptions, import_file, importer_authority
from lrs.bulk.preparing import import_id
from lrs.bulk.progress import ProgressBar, duration
from lrs.bulk.remote import Remote, RemoteError, post_file
from lrs.bulk.sources import StatementFile, UnreadableFile
from lrs.cli import main
from lrs.errors import ValidationError
from lrs.settings import Settings
from lrs.xapi import statements_equivalent
from tests.conftest import BASE_URL, Services, StoreContext, make_store
from tests.statement_factory import (
    OTHER_VERB,
    VERB,
    activity,
    agent,
    live_server,
    post_ok,
    query,
    statement,
    voiding,
)

AUTHORITY = importer_authority(BASE_URL)


def statements(count: int, *, prefix: str = "learner", with_ids: bool = True) -> list[dict[str, Any]]:
    """Varied valid statements: agents, verbs, activities with definitions, context, results."""
    out = []
    for i in range(count):
        doc = statement(
            agent(f"{prefix}{i % 7}"),
            VERB if i % 3 else OTHER_VERB,
            activity(f"http://example.com/activities/a{i % 5}", name={"en-US": f"Activity {i % 5}"}),
            context={
                "registration": str(uuid.UUID(int=i % 4 + 1)),
                "contextActivities": {"parent": {"id": "http://example.com/courses/c1"}},
                "instructor": agent("teacher"),
            },
            result={"score": {"scaled": round((i % 10) / 10, 1)}, "completion": bool(i % 2)},
            timestamp=f"2026-01-{i % 28 + 1:02d}T10:00:00.000Z",
        )
        if with_ids:
            doc["id"] = str(uuid.uuid4())
        out.append(doc)
    return out


def write_ndjson(path: Path, docs: list[Any], *, compress: bool = False) -> Path:
    data = b"".join(json.dumps(d).encode() + b"\n" for d in docs)
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


async def stored(pool: asyncpg.Pool, store_id: int) -> dict[str, dict[str, Any]]:
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT id, payload::text FROM statements WHERE store_id = $1", store_id)
    return {str(r["id"]): json.loads(r["payload"]) for r in rows}


async def run_import(
    pool: asyncpg.Pool, path: Path, store: StoreContext, **options: Any
) -> tuple[importer_module.FileReport, str]:
    out = io.StringIO()
    report = await import_file(
        pool, path, store_id=store.id, authority=AUTHORITY, options=ImportOptions(**options), stream=out, name="f"
    )
    return report, out.getvalue()


def assert_same_statements(docs: list[dict[str, Any]], found: dict[str, dict[str, Any]]) -> None:
    assert len(found) == len(docs)
    for doc in docs:
        assert statements_equivalent(found[doc["id"].lower()], doc)


# -- formats ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["ndjson", "ndjson.gz", "array-pretty", "array-one-line.gz"])
async def test_import_formats(pool: asyncpg.Pool, store: StoreContext, tmp_path: Path, shape: str) -> None:
    docs = statements(25)
    path = tmp_path / "in"
    if shape.startswith("ndjson"):
        write_ndjson(path, docs, compress=shape.endswith(".gz"))
    else:
        text = json.dumps(docs, indent=2) if shape == "array-pretty" else json.dumps(docs)
        path.write_bytes(gzip.compress(text.encode()) if shape.endswith(".gz") else text.encode())
    report, _ = await run_import(pool, path, store, batch=10)
    assert (report.status, report.records, report.inserted, report.rejected) == ("imported", 25, 25, 0)
    assert_same_statements(docs, await stored(pool, store.id))


def test_array_records_keep_their_lines(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(b'\xef\xbb\xbf[\n  {"a": 1},\n\n  {"b": "x\\ny"}, {"c": []}\n]\n')
    with StatementFile(path) as source:
        assert [(r.ordinal, r.line, r.data) for r in source.records()] == [
            (1, 2, b'{"a": 1}'),
            (2, 4, b'{"b": "x\\ny"}'),
            (3, 4, b'{"c": []}'),
        ]
    path.write_bytes(b'[\n{"a": 1},\n{"b": }\n]')
    with StatementFile(path) as source, pytest.raises(UnreadableFile) as caught:
        list(source.records())
    assert caught.value.line == 3


def test_ndjson_records_skip_blank_lines(tmp_path: Path) -> None:
    path = write_ndjson(tmp_path / "n.gz", [{"a": 1}], compress=True)
    path.write_bytes(gzip.compress(b'\n{"a": 1}\r\n   \n{"b": 2}'))
    with StatementFile(path) as source:
        assert [(r.ordinal, r.line, r.data) for r in source.records()] == [(1, 2, b'{"a": 1}'), (2, 4, b'{"b": 2}')]


async def test_lrs_fills_in_timestamp_and_id(pool: asyncpg.Pool, store: StoreContext, tmp_path: Path) -> None:
    doc = statement()
    report, _ = await run_import(pool, write_ndjson(tmp_path / "bare.ndjson", [doc]), store)
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT id, payload::text, stored, timestamp FROM statements WHERE store_id = $1", store.id
        )
    payload = json.loads(row["payload"])
    assert str(row["id"]) == payload["id"] == import_id(report.sha256, 1)
    assert row["timestamp"] == row["stored"]
    assert payload["timestamp"] == payload["stored"] == row["stored"].strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    assert payload["authority"] == AUTHORITY and payload["version"] == "1.0.0"


# -- validation first ---------------------------------------------------------------------------------------


async def test_rejects_are_reported_with_lines_and_nothing_is_written(
    pool: asyncpg.Pool, store: StoreContext, tmp_path: Path
) -> None:
    docs: list[Any] = statements(30)
    docs[3] = {**docs[3], "actor": {"mbox": "not-an-email"}}
    docs[17] = [docs[17]]
    docs[25] = {**docs[25], "id": docs[0]["id"]}
    path = write_ndjson(tmp_path / "bad.ndjson", docs)
    with path.open("ab") as handle:
        handle.write(b'{"actor": \n')
    report, err = await run_import(pool, path, store, batch=10)
    assert report.status == "rejected"
    assert report.rejected == 4
    lines = [line for line in err.splitlines() if line.startswith("f:") and " at $" in line]
    assert lines[0].startswith("f:4: ") and lines[0].endswith(" at $.actor.mbox")
    assert lines[1] == "f:18: expected a statement object at $"
    assert lines[2] == f"f:26: statement id {docs[0]['id']} is used already on line 1 at $.id"
    assert lines[3].startswith("f:31: malformed JSON") and lines[3].endswith(" at $")
    assert "nothing written" in err
    assert await stored(pool, store.id) == {}
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM import_progress WHERE store_id = $1", store.id) == 0


async def test_duplicate_ids_on_one_line_of_an_array(pool: asyncpg.Pool, store: StoreContext, tmp_path: Path) -> None:
    docs = statements(3)
    docs[2]["id"] = docs[0]["id"].upper()
    path = tmp_path / "one-line.json"
    path.write_text(json.dumps(docs))
    report, err = await run_import(pool, path, store)
    assert report.status == "rejected"
    assert f"f:1: statement id {docs[0]['id']} is used already on line 1 at $.id" in err


async def test_skip_invalid_loads_the_valid_ones(pool: asyncpg.Pool, store: StoreContext, tmp_path: Path) -> None:
    docs: list[Any] = statements(12)
    docs[5] = {**docs[5], "verb": {"id": "not an iri"}}
    path = write_ndjson(tmp_path / "some-bad.ndjson", docs)
    report, err = await run_import(pool, path, store, batch=4, skip_invalid=True)
    assert (report.status, report.inserted, report.rejected) == ("imported", 11, 1)
    assert "f:6: " in err
    assert_same_statements([d for i, d in enumerate(docs) if i != 5], await stored(pool, store.id))


async def test_attachments_without_file_url_are_rejected(
    pool: asyncpg.Pool, store: StoreContext, tmp_path: Path
) -> None:
    attachment = {
        "usageType": "http://example.com/usage",
        "display": {"en-US": "a"},
        "contentType": "text/plain",
        "length": 1,
        "sha2": "a" * 64,
    }
    docs = statements(2)
    docs[0]["attachments"] = [attachment]
    docs[1]["attachments"] = [{**attachment, "fileUrl": "http://example.com/a.txt"}]
    report, err = await run_import(pool, write_ndjson(tmp_path / "att.ndjson", docs), store)
    assert report.status == "rejected"
    assert "f:1: an imported attachment needs a fileUrl" in err and "at $.attachments[0].fileUrl" in err


async def test_stored_ids_equivalent_are_no_ops_different_are_rejects(
    client: Any, pool: asyncpg.Pool, store: StoreContext, tmp_path: Path
) -> None:
    docs = statements(6)
    await post_ok(client, store, docs[:2])
    changed = {**docs[1], "result": {"completion": False, "score": {"scaled": 0.99}}}
    path = write_ndjson(tmp_path / "again.ndjson", [docs[0], changed, *docs[2:]])
    report, err = await run_import(pool, path, store)
    assert report.status == "rejected"
    assert f"f:2: statement id {docs[1]['id']} is stored already with different content at $.id" in err
    report, _ = await run_import(pool, write_ndjson(tmp_path / "same.ndjson", docs), store)
    assert (report.status, report.inserted, report.unchanged) == ("imported", 4, 2)


# -- storage shape -------------------------------------------------------------------------------------------


async def _shape(pool: asyncpg.Pool, store_id: int) -> dict[str, Any]:
    """Everything stored about a store's statements except what depends on the writer (seq, stored, authority)."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            """SELECT id, payload - 'stored' - 'authority' AS payload, verb_id, actor_ifi, object_type,
                      object_activity_id, object_agent_ifi, object_statement_id, registration, "timestamp", version,
                      voided, is_voiding,
                      (SELECT array_agg(agent_ifi || ' ' || usage ORDER BY agent_ifi, usage) FROM statement_agents a
                       WHERE a.store_id = s.store_id AND a.statement_seq = s.seq AND usage <> 'authority') AS agents,
                      (SELECT array_agg(activity_id || ' ' || usage ORDER BY activity_id, usage)
                       FROM statement_activities c
                       WHERE c.store_id = s.store_id AND c.statement_seq = s.seq) AS activities
               FROM statements s WHERE store_id = $1 ORDER BY id""",
            store_id,
        )
        definitions = await conn.fetch(
            "SELECT activity_id, definition FROM activities WHERE store_id = $1 ORDER BY activity_id", store_id
        )
    return {"statements": [dict(r) for r in rows], "activities": [dict(r) for r in definitions]}


async def test_storage_shape_matches_the_api(client: Any, pool: asyncpg.Pool, tmp_path: Path) -> None:
    """Through COPY (plain batches) and INSERT (batches with voiding) alike, an import stores what a POST does."""
    docs = statements(20)
    docs[4]["object"] = activity("http://example.com/activities/a4", name={"fr": "Activité"}, type="http://t.example/x")
    docs[8]["object"] = {"objectType": "SubStatement", "actor": agent("sub"), "verb": {"id": VERB},
                         "object": activity("http://example.com/activities/sub")}  # fmt: skip
    voids = [
        dict(voiding(docs[target]["id"]), id=str(uuid.uuid4()), timestamp="2026-02-01T00:00:00Z") for target in (2, 19)
    ]
    sequence = [*docs[:10], voids[0], *docs[10:], voids[1]]
    api, imported = await make_store(pool), await make_store(pool)
    for start in range(0, len(sequence), 5):
        await post_ok(client, api, sequence[start : start + 5])
    report, _ = await run_import(pool, write_ndjson(tmp_path / "shape.ndjson", sequence), imported, batch=5)
    assert report.inserted == len(sequence)
    assert await _shape(pool, imported.id) == await _shape(pool, api.id)
    async with pool.acquire() as conn:
        voided = await conn.fetch("SELECT id FROM statements WHERE store_id = $1 AND voided ORDER BY id", imported.id)
    assert sorted(str(r["id"]) for r in voided) == sorted([docs[2]["id"], docs[19]["id"]])


async def test_statement_voided_before_it_is_imported(client: Any, pool: asyncpg.Pool, tmp_path: Path) -> None:
    store = await make_store(pool)
    docs = statements(3)
    await post_ok(client, store, voiding(docs[1]["id"]))
    await run_import(pool, write_ndjson(tmp_path / "late.ndjson", docs), store)
    result = await query(client, store, verb=docs[1]["verb"]["id"], agent=docs[1]["actor"])
    assert docs[1]["id"] not in [s["id"] for s in result["statements"]]


async def test_an_id_stored_meanwhile_by_another_writer(
    client: Any, pool: asyncpg.Pool, store: StoreContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer stores one of the batch's ids after the batch looked: the COPY fails on the primary key and
    the batch runs again, finding that statement stored (equivalent: a no-op)."""
    docs = statements(8)
    real_copy = writer_module._copy
    attempts = 0

    async def racing(*args: Any, **kwargs: Any) -> None:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            await post_ok(client, store, docs[5])
        await real_copy(*args, **kwargs)

    monkeypatch.setattr(writer_module, "_copy", racing)
    report, _ = await run_import(pool, write_ndjson(tmp_path / "race.ndjson", docs), store)
    assert attempts == 2
    assert (report.inserted, report.unchanged) == (7, 1)
    assert_same_statements(docs, await stored(pool, store.id))


# -- resume -------------------------------------------------------------------------------------------------


async def test_interrupted_import_resumes_after_the_last_committed_batch(
    pool: asyncpg.Pool, store: StoreContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = statements(35, with_ids=False)
    path = write_ndjson(tmp_path / "long.ndjson.gz", docs, compress=True)
    real_write = importer_module.write_batch
    calls = 0

    async def interrupted(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise ConnectionResetError("interrupted")
        return await real_write(*args, **kwargs)

    monkeypatch.setattr(importer_module, "write_batch", interrupted)
    with pytest.raises(ConnectionResetError):
        await run_import(pool, path, store, batch=10)
    assert len(await stored(pool, store.id)) == 20
    monkeypatch.setattr(importer_module, "write_batch", real_write)

    report, err = await run_import(pool, path, store, batch=10)
    assert "resuming after statement 20 (line 20)" in err
    assert (report.status, report.resumed_after, report.inserted) == ("imported", 20, 15)
    found = await stored(pool, store.id)
    digest = report.sha256
    assert sorted(found) == sorted(import_id(digest, n) for n in range(1, 36))
    async with pool.acquire() as conn:
        progress = await conn.fetchrow("SELECT * FROM import_progress WHERE store_id = $1", store.id)
    assert (progress["done_records"], progress["inserted"], progress["completed"] is not None) == (35, 35, True)

    report, err = await run_import(pool, path, store)
    assert report.status == "already imported" and "--again" in err
    report, _ = await run_import(pool, path, store, again=True)
    assert (report.inserted, report.unchanged) == (0, 35)
    assert len(await stored(pool, store.id)) == 35


async def test_concurrent_writers_never_record_more_than_is_committed(
    pool: asyncpg.Pool, store: StoreContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = statements(60, with_ids=False)
    path = write_ndjson(tmp_path / "parallel.ndjson", docs)
    real_write = importer_module.write_batch
    calls = 0

    async def failing(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 4:
            raise ConnectionResetError("the database went away")
        return await real_write(*args, **kwargs)

    monkeypatch.setattr(importer_module, "write_batch", failing)
    with pytest.raises(ConnectionResetError):
        await run_import(pool, path, store, batch=6, writers=3)
    async with pool.acquire() as conn:
        done = await conn.fetchval("SELECT done_records FROM import_progress WHERE store_id = $1", store.id)
    found = await stored(pool, store.id)
    digest = importer_module.file_sha256(path)
    assert {import_id(digest, n) for n in range(1, done + 1)} <= set(found)
    monkeypatch.setattr(importer_module, "write_batch", real_write)

    report, _ = await run_import(pool, path, store, batch=6, writers=3)
    assert report.resumed_after == done
    assert sorted(await stored(pool, store.id)) == sorted(import_id(digest, n) for n in range(1, 61))
    async with pool.acquire() as conn:
        progress = await conn.fetchrow("SELECT * FROM import_progress WHERE store_id = $1", store.id)
    assert (progress["done_records"], progress["inserted"]) == (60, 60)


async def test_worker_processes_prepare_the_same_statements(
    pool: asyncpg.Pool, store: StoreContext, tmp_path: Path
) -> None:
    docs = statements(40)
    docs[7] = {**docs[7], "actor": {}}
    report, err = await run_import(pool, write_ndjson(tmp_path / "w.ndjson", docs), store, jobs=1, batch=6)
    assert report.status == "rejected" and "f:8: " in err
    report, _ = await run_import(
        pool, write_ndjson(tmp_path / "w2.ndjson", docs), store, jobs=1, batch=6, skip_invalid=True
    )
    assert report.inserted == 39
    assert_same_statements(docs[:7] + docs[8:], await stored(pool, store.id))


# -- export -------------------------------------------------------------------------------------------------


async def test_export_round_trip_and_filters(pool: asyncpg.Pool, tmp_path: Path) -> None:
    source, target = await make_store(pool), await make_store(pool)
    docs = statements(23)
    await run_import(pool, write_ndjson(tmp_path / "src.ndjson", docs), source, batch=7)
    out = io.BytesIO()
    counted: list[int] = []
    count = await export_statements(pool, source.id, ExportFilters().to_query(), out, page=5, progress=counted.append)
    assert count == 23 and counted[-1] == 23
    lines = out.getvalue().splitlines()
    exported = [json.loads(line) for line in lines]
    assert [d["id"] for d in exported] == [d["id"] for d in docs]  # stored order
    report, _ = await run_import(pool, write_ndjson(tmp_path / "exported.ndjson", exported), target)
    assert report.inserted == 23
    assert_same_statements(docs, await stored(pool, target.id))

    out = io.BytesIO()
    filters = ExportFilters(verb=OTHER_VERB, agent=json.dumps(agent("learner0")))
    await export_statements(pool, source.id, filters.to_query(), out, page=2)
    expected = [d["id"] for d in docs if d["verb"]["id"] == OTHER_VERB and d["actor"] == agent("learner0")]
    assert [json.loads(line)["id"] for line in out.getvalue().splitlines()] == expected
    with pytest.raises(ValidationError) as caught:
        ExportFilters(since="yesterday").to_query()
    assert caught.value.path == "since"


# -- remote -------------------------------------------------------------------------------------------------


async def test_import_through_the_api(
    settings: Settings, pool: asyncpg.Pool, store: StoreContext, tmp_path: Path
) -> None:
    docs = statements(26, with_ids=False)
    docs[3] = {**docs[3], "object": {"id": "no iri"}}
    path = write_ndjson(tmp_path / "remote.ndjson", docs)
    state, out = tmp_path / "state", io.StringIO()
    async with live_server(create_app(settings), 3) as (http, _):
        remote = Remote(http, "/xapi/statements", 3, (store.credential.key, store.credential.secret))
        options = ImportOptions(batch=4, skip_invalid=True)
        report = await post_file(path, remote=remote, options=options, state_dir=state, stream=out)
        assert (report.status, report.inserted, report.rejected) == ("imported", 25, 1)
        again = await post_file(path, remote=remote, options=options, state_dir=state, stream=out)
        assert again.status == "already imported"
        found = await stored(pool, store.id)
        assert sorted(found) == sorted(import_id(report.sha256, n) for n in range(1, 27) if n != 4)
        assert all(s["authority"] == store.credential.authority for s in found.values())

        clash = statements(1)[0] | {"id": import_id(report.sha256, 1), "result": {"completion": True}}
        clashing = write_ndjson(tmp_path / "clash.ndjson", [*statements(5), clash])
        with pytest.raises(RemoteError) as refused:
            await post_file(clashing, remote=remote, options=ImportOptions(batch=3), state_dir=state, name="clash")
        assert str(refused.value).startswith("clash:4-6: the LRS answered 409")


# -- progress bar -------------------------------------------------------------------------------------------


def test_progress_bar_shows_done_total_rate_and_eta() -> None:
    now = [0.0]
    stream = io.StringIO()
    bar = ProgressBar("importing f", 1000, stream=stream, clock=lambda: now[0])
    now[0] = 2.0
    bar.update(250)
    assert bar.line() == "importing f: 250/1,000 statements   25.0%  125/s  elapsed 0:00:02  ETA 0:00:06"
    now[0] = 4.0
    bar.update(1000)  # within the interval of a log file: not drawn
    bar.finish()
    lines = stream.getvalue().splitlines()  # not a terminal: one line per draw, no carriage returns
    assert lines == [
        "importing f: 250/1,000 statements   25.0%  125/s  elapsed 0:00:02  ETA 0:00:06",
        "importing f: 1,000/1,000 statements  100.0%  250/s  elapsed 0:00:04",
    ]
    assert duration(float("nan")) == "--:--"


def test_progress_bar_redraws_one_line_on_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    now = [0.0]
    stream = Terminal()
    bar = ProgressBar("checking f", None, stream=stream, clock=lambda: now[0])
    for step in range(1, 4):
        now[0] = step
        bar.update(step * 100, fraction=step / 4)
    bar.note("f:7: a reason at $.id")
    bar.finish()
    text = stream.getvalue()
    assert text.count("\r") >= 4 and text.endswith("\n") and "f:7: a reason at $.id\n" in text
    assert text.rstrip("\n").rsplit("\r", 1)[-1].startswith("checking f: 300 statements   75.0% of the file  100/s")


# -- the command line ---------------------------------------------------------------------------------------


@pytest.fixture
def cli_env(services: Services, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("LRS_DATABASE_URL", services.database_url)
    monkeypatch.setenv("LRS_REDIS_URL", services.redis_url)
    monkeypatch.setenv("LRS_PUBLIC_URL", BASE_URL)
    yield


def _store_rows(services: Services, name: str) -> dict[str, dict[str, Any]]:
    async def read() -> dict[str, dict[str, Any]]:
        conn = await asyncpg.connect(services.database_url)
        try:
            rows = await conn.fetch(
                "SELECT s.id, s.payload::text FROM statements s JOIN stores t ON t.id = s.store_id WHERE t.name = $1",
                name,
            )
        finally:
            await conn.close()
        return {str(r["id"]): json.loads(r["payload"]) for r in rows}

    return asyncio.run(read())


def _simulate(out: str) -> list[str]:
    return ["simulate", "--learners", "4", "--courses", "1", "--weeks", "3", "--seed", "11",
            "--start", "2026-01-05T00:00:00+00:00", "--quiet", "--output", out]  # fmt: skip


def test_cli_simulate_import_export(
    cli_env: None,
    services: Services,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    names = [f"cli-{uuid.uuid4().hex[:8]}" for _ in range(3)]
    for name in names:
        assert main(["stores", "create", name]) == 0
    simulated = tmp_path / "sim.ndjson.gz"
    assert main(_simulate(str(simulated))) == 0
    capsys.readouterr()

    assert main(["import", str(simulated), "--store", names[0], "--jobs", "0", "--batch", "50"]) == 0
    err = capsys.readouterr().err
    assert f"importing {simulated}: " in err and "/s" in err and "ETA" in err
    first = _store_rows(services, names[0])
    assert first

    # `lrs simulate | lrs import -`: the same seed gives the same statements.
    piped = tmp_path / "piped.ndjson"
    assert main(_simulate(str(piped))) == 0
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(piped.read_bytes())))
    assert main(["import", "-", "--store", names[1], "--jobs", "0"]) == 0
    second = _store_rows(services, names[1])
    assert sorted(first) == sorted(second)
    assert all(statements_equivalent(first[i], second[i]) for i in first)
    assert all(first[i]["authority"] == AUTHORITY for i in first)

    exported = tmp_path / "out.ndjson.gz"
    assert main(["export", "--store", names[0], "--output", str(exported)]) == 0
    assert f"exported {len(first):,} statements" in capsys.readouterr().err
    lines = gzip.decompress(exported.read_bytes()).splitlines()
    assert sorted(msgspec.json.decode(line)["id"] for line in lines) == sorted(first)
    assert main(["import", str(exported), "--store", names[2], "--jobs", "0"]) == 0
    assert sorted(_store_rows(services, names[2])) == sorted(first)

    key = f"k-{uuid.uuid4().hex[:8]}"
    assert main(["credentials", "create", "--store", names[2], "--key", key, "--secret", "s", "--scopes", "all"]) == 0
    capsys.readouterr()
    small = write_ndjson(tmp_path / "small.ndjson", statements(2))
    assert main(["import", str(small), "--store", names[2], "--jobs", "0", "--as-credential", key]) == 0
    mine = [s for s in _store_rows(services, names[2]).values() if s["authority"]["account"]["name"] == key]
    assert len(mine) == 2 and mine[0]["authority"]["account"]["homePage"] == BASE_URL
    assert main(["import", str(small), "--store", names[0], "--jobs", "0", "--as-credential", key]) == 1
    assert f"the store has no credential '{key}'" in capsys.readouterr().err

    bad = write_ndjson(tmp_path / "bad.ndjson", [{"actor": {}}])
    assert main(["import", str(bad), "--store", names[2], "--jobs", "0"]) == 1
    assert f"{bad}:1: " in capsys.readouterr().err
    assert main(["import", str(tmp_path / "missing.ndjson")]) == 2
