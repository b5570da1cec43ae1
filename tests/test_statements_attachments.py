"""Attachments over multipart/mixed and signed statements (Communication 1.5.2, 2.1.3; Data 2.4.11, 2.6)."""

from __future__ import annotations

import json
from typing import Any

import asyncpg

from tests.conftest import StoreContext
from tests.statement_factory import (
    URL,
    Client,
    agent,
    attachment_meta,
    count_rows,
    get_one,
    multipart,
    post,
    post_ok,
    sha256,
    signed,
    split_multipart,
    statement,
)

NOTES = b"Learner notes: \x00\xff binary is fine here\r\n--not-a-boundary"
PICTURE = b"\x89PNG fake picture bytes"


async def send_multipart(
    client: Client, store: StoreContext, doc: Any, parts: list[tuple[str, bytes]], version: str = "1.0.3", **kw: Any
) -> Any:
    body, content_type = multipart(doc, parts, **kw)
    return await client.post(URL, content=body, headers=store.headers(version, **{"Content-Type": content_type}))


async def test_a_statement_with_attachment_data_is_stored_and_served_back_as_multipart(
    client: Client, store: StoreContext
) -> None:
    doc = statement(attachments=[attachment_meta(NOTES, "application/octet-stream")])
    response = await send_multipart(client, store, doc, [("application/octet-stream", NOTES)])
    assert response.status_code == 200, response.text
    [statement_id] = response.json()

    got = await client.get(URL, params={"statementId": statement_id, "attachments": "true"}, headers=store.headers())
    assert got.status_code == 200
    assert got.headers["Content-Type"].startswith("multipart/mixed")
    parts = split_multipart(got.content, got.headers["Content-Type"])
    assert len(parts) == 2
    head, statement_json = parts[0]
    assert head["content-type"].startswith("application/json")
    assert json.loads(statement_json)["id"] == statement_id
    head, data = parts[1]
    assert data == NOTES
    assert head["x-experience-api-hash"] == sha256(NOTES)

    plain = await client.get(URL, params={"statementId": statement_id, "attachments": "false"}, headers=store.headers())
    assert plain.headers["Content-Type"].startswith("application/json")
    assert plain.json()["attachments"][0]["sha2"] == sha256(NOTES)


async def test_a_listing_with_attachments_sends_each_attachment_once(client: Client, store: StoreContext) -> None:
    shared = attachment_meta(NOTES, "text/plain")
    batch = [
        statement(agent("a"), attachments=[shared]),
        statement(agent("b"), attachments=[shared, attachment_meta(PICTURE, "image/png")]),
    ]
    response = await send_multipart(client, store, batch, [("text/plain", NOTES), ("image/png", PICTURE)])
    assert response.status_code == 200, response.text
    listing = await client.get(URL, params={"attachments": "true"}, headers=store.headers())
    parts = split_multipart(listing.content, listing.headers["Content-Type"])
    assert len(json.loads(parts[0][1])["statements"]) == 2
    assert sorted(data for _, data in parts[1:]) == sorted([NOTES, PICTURE])


async def test_an_attachment_without_file_url_in_a_json_body_is_400(
    client: Client, store: StoreContext, pool: asyncpg.Pool
) -> None:
    response = await post(client, store, [statement(), statement(attachments=[attachment_meta(NOTES)])])
    assert response.status_code == 400
    assert response.json()["path"] == "$[1].attachments[0].fileUrl"
    assert (await count_rows(pool, store.id))["statements"] == 0


async def test_an_attachment_with_file_url_needs_no_data(client: Client, store: StoreContext) -> None:
    meta = {**attachment_meta(NOTES), "fileUrl": "https://example.com/notes.txt"}
    [statement_id] = await post_ok(client, store, statement(attachments=[meta]))
    assert (await get_one(client, store, statement_id))["attachments"][0]["fileUrl"] == meta["fileUrl"]


async def test_a_part_whose_hash_header_does_not_match_its_data_is_400_and_writes_nothing(
    client: Client, store: StoreContext, pool: asyncpg.Pool
) -> None:
    doc = statement(attachments=[attachment_meta(NOTES, "text/plain")])
    response = await send_multipart(client, store, doc, [("text/plain", NOTES)], hashes_={0: sha256(b"other")})
    assert response.status_code == 400
    assert await count_rows(pool, store.id) == {k: 0 for k in await count_rows(pool, store.id)}


async def test_a_missing_part_is_400(client: Client, store: StoreContext) -> None:
    doc = statement(attachments=[attachment_meta(NOTES, "text/plain"), attachment_meta(PICTURE, "image/png")])
    response = await send_multipart(client, store, doc, [("text/plain", NOTES)])
    assert response.status_code == 400


async def test_a_part_no_statement_mentions_is_400(client: Client, store: StoreContext) -> None:
    doc = statement(attachments=[attachment_meta(NOTES, "text/plain")])
    response = await send_multipart(client, store, doc, [("text/plain", NOTES), ("image/png", PICTURE)])
    assert response.status_code == 400


async def test_a_malformed_multipart_body_is_400(client: Client, store: StoreContext) -> None:
    response = await client.post(
        URL,
        content=b"no boundaries here",
        headers=store.headers("1.0.3", **{"Content-Type": "multipart/mixed; boundary=abc"}),
    )
    assert response.status_code == 400


# --- signed statements ------------------------------------------------------------------------------------------


async def test_a_validly_signed_statement_is_accepted_with_its_signature(client: Client, store: StoreContext) -> None:
    doc, jws = signed(statement(agent("signer")))
    response = await send_multipart(client, store, doc, [("application/octet-stream", jws)])
    assert response.status_code == 200, response.text
    [statement_id] = response.json()
    got = await client.get(URL, params={"statementId": statement_id, "attachments": "true"}, headers=store.headers())
    parts = split_multipart(got.content, got.headers["Content-Type"])
    assert parts[1][1] == jws


async def test_a_signed_statement_in_a_2_0_batch_is_accepted(client: Client, store: StoreContext) -> None:
    doc, jws = signed(statement(agent("signer"), statement_id="0a3f3f5e-1c2b-4d8e-9f70-5b6c7d8e9f00"))
    response = await send_multipart(
        client, store, [statement(), doc], [("application/octet-stream", jws)], version="2.0.0"
    )
    assert response.status_code == 200, response.text


async def test_a_signature_whose_payload_differs_from_the_statement_is_400(
    client: Client, store: StoreContext, pool: asyncpg.Pool
) -> None:
    original = statement(agent("signer"))
    doc, jws = signed(original, payload={**original, "actor": agent("impostor")})
    response = await send_multipart(client, store, doc, [("application/octet-stream", jws)])
    assert response.status_code == 400
    assert response.json()["path"].startswith("$.attachments")
    assert (await count_rows(pool, store.id))["statements"] == 0


async def test_a_signature_that_is_not_a_jws_is_400(client: Client, store: StoreContext) -> None:
    doc, _ = signed(statement())
    garbage = b"not.a-jws"
    doc["attachments"][0] = {**doc["attachments"][0], "sha2": sha256(garbage), "length": len(garbage)}
    response = await send_multipart(client, store, doc, [("application/octet-stream", garbage)])
    assert response.status_code == 400


async def test_put_takes_a_multipart_statement_with_its_attachment(client: Client, store: StoreContext) -> None:
    statement_id = "3b2f1a0e-5d4c-4b3a-9f8e-7d6c5b4a3f2e"
    body, content_type = multipart(
        statement(attachments=[attachment_meta(PICTURE, "image/png")]), [("image/png", PICTURE)]
    )
    response = await client.put(
        URL,
        params={"statementId": statement_id},
        content=body,
        headers=store.headers("1.0.3", **{"Content-Type": content_type}),
    )
    assert response.status_code == 204, response.text
    got = await client.get(URL, params={"statementId": statement_id, "attachments": "true"}, headers=store.headers())
    assert split_multipart(got.content, got.headers["Content-Type"])[1][1] == PICTURE


async def test_a_bad_signature_in_a_batch_is_named_by_its_index(client: Client, store: StoreContext) -> None:
    original = statement(agent("signer"))
    doc, jws = signed(original, payload={**original, "verb": {"id": "http://example.com/verbs/other"}})
    response = await send_multipart(client, store, [statement(), doc], [("application/octet-stream", jws)])
    assert response.status_code == 400
    assert response.json()["path"] == "$[1].attachments[0]"
