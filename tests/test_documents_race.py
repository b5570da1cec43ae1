"""Concurrent writers on one document: the precondition and the write are atomic, nothing is lost or torn.

The HTTP races run against the app served by uvicorn on a local port (the litestar test client handles one request
at a time, so it cannot race); the last test forces one exact interleaving at the store.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import socket
from collections.abc import AsyncIterator

import asyncpg
import httpx
import msgspec
import pytest
import uvicorn

from lrs.app import create_app
from lrs.errors import PreconditionFailed
from lrs.settings import Settings
from lrs.store import documents as store_documents
from lrs.store.documents import Context, Kind, Preconditions
from tests.conftest import StoreContext

URL = "/xapi/activities/state"
QUERY = {
    "activityId": "http://example.com/activities/race",
    "agent": json.dumps({"mbox": "mailto:racer@example.com"}),
    "stateId": "suspend_data",
}
WRITERS = 8


@pytest.fixture(scope="module")
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the app served by uvicorn in this event loop, so requests really run concurrently."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # host/port rather than a pre-bound socket: uvicorn serving `sockets=[...]` answers ~40 ms late here.
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:
        assert not serving.done(), "uvicorn stopped before it started"
        await asyncio.sleep(0.01)
    limits = httpx.Limits(max_connections=WRITERS)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=30) as http:
        yield http
    server.should_exit = True
    await serving


def headers(store: StoreContext, version: str = "1.0.3", **extra: str) -> dict[str, str]:
    return store.headers(version, **{"Content-Type": "application/octet-stream", **extra})


async def test_same_if_match_exactly_one_put_wins_whole(client: httpx.AsyncClient, store: StoreContext) -> None:
    await client.put(URL, params=QUERY, content=b"original", headers=headers(store))
    etag = (await client.get(URL, params=QUERY, headers=headers(store))).headers["ETag"]
    bodies = [bytes([i]) * 65_536 + os.urandom(16) for i in range(WRITERS)]

    responses = await asyncio.gather(
        *(client.put(URL, params=QUERY, content=body, headers=headers(store, **{"If-Match": etag})) for body in bodies)
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [204] + [412] * (WRITERS - 1)
    winner = bodies[[r.status_code for r in responses].index(204)]
    stored = await client.get(URL, params=QUERY, headers=headers(store))
    assert stored.content == winner
    assert stored.headers["ETag"] == f'"{hashlib.sha1(winner).hexdigest()}"'


async def test_same_if_match_exactly_one_post_wins(client: httpx.AsyncClient, store: StoreContext) -> None:
    json_headers = headers(store, **{"Content-Type": "application/json"})
    await client.put(URL, params=QUERY, content=b'{"start": true}', headers=json_headers)
    etag = (await client.get(URL, params=QUERY, headers=json_headers)).headers["ETag"]

    responses = await asyncio.gather(
        *(
            client.post(URL, params=QUERY, content=b'{"writer": %d}' % i, headers={**json_headers, "If-Match": etag})
            for i in range(WRITERS)
        )
    )

    codes = [r.status_code for r in responses]
    assert sorted(codes) == [204] + [412] * (WRITERS - 1)
    stored = (await client.get(URL, params=QUERY, headers=json_headers)).json()
    assert stored == {"start": True, "writer": codes.index(204)}


async def test_concurrent_merges_lose_no_property(client: httpx.AsyncClient, store: StoreContext) -> None:
    json_headers = headers(store, **{"Content-Type": "application/json"})
    responses = await asyncio.gather(
        *(client.post(URL, params=QUERY, content=b'{"k%d": %d}' % (i, i), headers=json_headers) for i in range(WRITERS))
    )
    assert {r.status_code for r in responses} == {204}
    stored = (await client.get(URL, params=QUERY, headers=json_headers)).json()
    assert stored == {f"k{i}": i for i in range(WRITERS)}


async def test_concurrent_creates_in_2_0_one_wins_the_rest_conflict(
    client: httpx.AsyncClient, store: StoreContext
) -> None:
    bodies = [b"creator %d" % i for i in range(WRITERS)]
    responses = await asyncio.gather(
        *(client.put(URL, params=QUERY, content=body, headers=headers(store, "2.0.0")) for body in bodies)
    )
    codes = [r.status_code for r in responses]
    assert sorted(codes) == [204] + [409] * (WRITERS - 1)
    stored = await client.get(URL, params=QUERY, headers=headers(store, "2.0.0"))
    assert stored.content == bodies[codes.index(204)]


# --- a deterministic interleaving, at the store ----------------------------------------------------------------------


async def _wait_for_lock_waiter(pool: asyncpg.Pool) -> None:
    """Until some backend of this database waits on a row lock (the write under test is blocked)."""
    for _ in range(500):
        waiting = await pool.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        if waiting:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the write never waited for the row lock")


@pytest.mark.parametrize("method", ["put", "post"])
async def test_a_write_blocked_behind_a_committing_writer_rechecks_the_etag(
    pool: asyncpg.Pool, store: StoreContext, method: str
) -> None:
    context = Context(store.id, Kind.STATE, activity_id="http://example.com/a", agent_ifi="mbox:mailto:x@example.com")
    first = await store_documents.put_document(
        pool,
        context,
        "s",
        b'{"v": 0}',
        "application/json",
        preconditions=Preconditions(),
        overwrite_needs_precondition=False,
    )
    stale = Preconditions(if_match=frozenset({first.etag}))

    async with pool.acquire() as holder, holder.transaction():
        await holder.execute("SELECT 1 FROM documents WHERE store_id = $1 AND document_id = 's' FOR UPDATE", store.id)
        if method == "put":
            blocked = asyncio.create_task(
                store_documents.put_document(
                    pool,
                    context,
                    "s",
                    b'{"v": "late"}',
                    "application/json",
                    preconditions=stale,
                    overwrite_needs_precondition=False,
                )
            )
        else:
            blocked = asyncio.create_task(
                store_documents.post_document(
                    pool, context, "s", b'{"v": "late"}', "application/json", preconditions=stale
                )
            )
        await _wait_for_lock_waiter(pool)
        await holder.execute(
            "UPDATE documents SET content = $2, etag = $3 WHERE store_id = $1 AND document_id = 's'",
            store.id,
            b'{"v": "first"}',
            hashlib.sha1(b'{"v": "first"}').hexdigest(),
        )

    with pytest.raises(PreconditionFailed):
        await blocked
    stored = await store_documents.get_document(pool, context, "s")
    assert stored is not None
    assert msgspec.json.decode(stored.content) == {"v": "first"}
