"""Builders and HTTP helpers for the Statements resource tests.

Statements are plain dicts (what a client would send); helpers talk to the real app through the
`AsyncTestClient` and read the database directly only to prove what was (not) written.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import socket
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx
import uvicorn
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

from lrs.security.credentials import issue_credential
from tests.conftest import BASE_URL, StoreContext

URL = "/xapi/statements"
Client = httpx.AsyncClient
"""The litestar test client (one request at a time) or a real HTTP client of `live_server`."""

VERB = "http://adlnet.gov/expapi/verbs/experienced"
OTHER_VERB = "http://adlnet.gov/expapi/verbs/completed"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"
ACTIVITY = "http://example.com/activities/course-1"
OTHER_ACTIVITY = "http://example.com/activities/course-2"
SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"


def new_id() -> str:
    return str(uuid.uuid4())


def agent(name: str = "learner") -> dict[str, Any]:
    return {"objectType": "Agent", "mbox": f"mailto:{name}@example.com"}


def account(name: str, home: str = "https://lms.example.com") -> dict[str, Any]:
    return {"objectType": "Agent", "account": {"homePage": home, "name": name}}


def group(name: str, *members: dict[str, Any], identified: bool = True) -> dict[str, Any]:
    doc: dict[str, Any] = {"objectType": "Group", "member": list(members)}
    if identified:
        doc["mbox"] = f"mailto:{name}@groups.example.com"
    return doc


def activity(activity_id: str = ACTIVITY, **definition: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"objectType": "Activity", "id": activity_id}
    if definition:
        doc["definition"] = definition
    return doc


def statement(
    actor: dict[str, Any] | None = None,
    verb: str = VERB,
    obj: dict[str, Any] | None = None,
    *,
    statement_id: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A valid statement: `actor` did `verb` on `obj` (an Activity by default); `extra` adds properties."""
    doc: dict[str, Any] = {
        "actor": actor or agent(),
        "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[-1]}},
        "object": obj or activity(),
        **extra,
    }
    if statement_id is not None:
        doc["id"] = statement_id
    return doc


def statement_ref(target_id: str) -> dict[str, Any]:
    return {"objectType": "StatementRef", "id": target_id}


def voiding(target_id: str, actor: dict[str, Any] | None = None) -> dict[str, Any]:
    return statement(actor or agent("admin"), VOIDED, statement_ref(target_id))


# -- HTTP ---------------------------------------------------------------------------------------------------------


def headers(store: StoreContext, version: str = "1.0.3", **extra: str) -> dict[str, str]:
    return store.headers(version, **{"Content-Type": "application/json", **extra})


async def post(client: Client, store: StoreContext, body: Any, version: str = "1.0.3", **extra: str) -> Any:
    """POST `body` (a statement dict, a list, or raw bytes) as JSON."""
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return await client.post(URL, content=content, headers=headers(store, version, **extra))


async def post_ok(client: Client, store: StoreContext, body: Any, version: str = "1.0.3") -> list[str]:
    response = await post(client, store, body, version)
    assert response.status_code == 200, response.text
    ids: list[str] = response.json()
    return ids


async def put(client: Client, store: StoreContext, statement_id: str | None, body: Any, version: str = "1.0.3") -> Any:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    params = {} if statement_id is None else {"statementId": statement_id}
    return await client.put(URL, params=params, content=content, headers=headers(store, version))


async def get(client: Client, store: StoreContext, version: str = "1.0.3", **params: str) -> Any:
    return await client.get(URL, params=params, headers=store.headers(version))


async def get_one(client: Client, store: StoreContext, statement_id: str, version: str = "1.0.3") -> dict[str, Any]:
    response = await get(client, store, version, statementId=statement_id)
    assert response.status_code == 200, response.text
    doc: dict[str, Any] = response.json()
    return doc


async def query(client: Client, store: StoreContext, version: str = "1.0.3", **params: Any) -> dict[str, Any]:
    """GET a StatementResult; dict/list parameter values are sent as JSON, booleans as true/false."""
    sent = {k: _param(v) for k, v in params.items()}
    response = await get(client, store, version, **sent)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def query_ids(client: Client, store: StoreContext, version: str = "1.0.3", **params: Any) -> list[str]:
    return [s["id"] for s in (await query(client, store, version, **params))["statements"]]


async def follow_more(client: Client, store: StoreContext, more: str, version: str = "1.0.3") -> dict[str, Any]:
    assert more.startswith(URL + "?"), more
    response = await client.get(more, headers=store.headers(version))
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def _param(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


# -- the database ------------------------------------------------------------------------------------------------


async def count_rows(pool: asyncpg.Pool, store_id: int) -> dict[str, int]:
    """How many rows the store holds in every table a statement write touches."""
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            """
            SELECT (SELECT count(*) FROM statements WHERE store_id = $1) AS statements,
                   (SELECT count(*) FROM statement_agents WHERE store_id = $1) AS agents,
                   (SELECT count(*) FROM statement_activities WHERE store_id = $1) AS activities,
                   (SELECT count(*) FROM activities WHERE store_id = $1) AS definitions,
                   (SELECT count(*) FROM attachments WHERE store_id = $1) AS attachments,
                   (SELECT count(*) FROM statements WHERE store_id = $1 AND voided) AS voided
            """,
            store_id,
        )
    assert row is not None
    return dict(row)


async def add_credential(pool: asyncpg.Pool, store: StoreContext, scopes: Sequence[str]) -> StoreContext:
    """Another credential (its own authority) for the same store, holding only `scopes`."""
    async with pool.acquire() as conn:
        credential = await issue_credential(conn, store_id=store.id, base_url=BASE_URL, scopes=tuple(scopes))
    return StoreContext(store.id, store.name, credential)


# -- multipart/mixed and signatures -----------------------------------------------------------------------------


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def attachment_meta(
    data: bytes, content_type: str = "text/plain", usage: str = "http://example.com/usage/notes"
) -> dict[str, Any]:
    return {
        "usageType": usage,
        "display": {"en-US": "notes"},
        "contentType": content_type,
        "length": len(data),
        "sha2": sha256(data),
    }


def multipart(
    statements_json: Any, parts: Sequence[tuple[str, bytes]], *, hashes_: Mapping[int, str] | None = None
) -> tuple[bytes, str]:
    """A multipart/mixed request body: the statements, then one part per (content type, data).
    `hashes_` overrides the X-Experience-API-Hash header of the part at that index (to send a wrong one)."""
    boundary = "xapi-" + uuid.uuid4().hex
    lines = [
        f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode() + json.dumps(statements_json).encode(),
    ]
    for index, (content_type, data) in enumerate(parts):
        digest = (hashes_ or {}).get(index, sha256(data))
        head = (
            f"--{boundary}\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: binary\r\n"
            f"X-Experience-API-Hash: {digest}\r\n\r\n"
        )
        lines.append(head.encode() + data)
    body = b"\r\n".join(lines) + f"\r\n--{boundary}--\r\n".encode()
    return body, f'multipart/mixed; boundary="{boundary}"'


def split_multipart(body: bytes, content_type: str) -> list[tuple[dict[str, str], bytes]]:
    """The parts of a multipart/mixed response: (lower-case headers, data) each."""
    marker = content_type.split("boundary=", 1)[1].strip().strip('"')
    boundary = b"--" + marker.encode()
    parts = []
    for chunk in body.split(boundary)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, data = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        fields = {}
        for line in head.decode().split("\r\n"):
            name, _, value = line.partition(":")
            fields[name.strip().lower()] = value.strip()
        parts.append((fields, data.removesuffix(b"\r\n")))
    return parts


def _b64url(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def rs256_jws(payload: Mapping[str, Any], key: rsa.RSAPrivateKey | None = None) -> bytes:
    """A JWS (compact serialization, RS256) of `payload`, signed with `key` (a fresh one by default)."""
    key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
    header = _b64url(json.dumps({"alg": "RS256"}).encode())
    body = _b64url(json.dumps(payload).encode())
    signature = key.sign(header + b"." + body, padding.PKCS1v15(), hashes.SHA256())
    return header + b"." + body + b"." + _b64url(signature)


def signed(doc: dict[str, Any], payload: Mapping[str, Any] | None = None) -> tuple[dict[str, Any], bytes]:
    """`doc` with a signature attachment, and the JWS data for it (signing `payload`, default `doc` itself)."""
    jws = rs256_jws(payload if payload is not None else doc)
    meta = attachment_meta(jws, "application/octet-stream", SIGNATURE_USAGE)
    return {**doc, "attachments": [*doc.get("attachments", []), meta]}, jws


# -- a live server, for requests that must really run at the same time ------------------------------------------


class InFlight:
    """An ASGI wrapper counting HTTP requests being handled at once (to prove a test really ran them together)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.now = 0
        self.most = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        self.now += 1
        self.most = max(self.most, self.now)
        try:
            await self.app(scope, receive, send)
        finally:
            self.now -= 1


@asynccontextmanager
async def live_server(app: ASGIApp, connections: int) -> AsyncIterator[tuple[httpx.AsyncClient, InFlight]]:
    """`app` served by uvicorn on a loopback port in this event loop, and an HTTP client of it (the litestar test
    client handles one request at a time, so it cannot make requests overlap)."""
    counted = InFlight(app)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(counted, log_level="warning", lifespan="on"))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            assert not serving.done(), "uvicorn stopped before it started"
            await asyncio.sleep(0.01)
        limits = httpx.Limits(max_connections=connections)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=60) as http:
            yield http, counted
    finally:
        server.should_exit = True
        await serving
        sock.close()
