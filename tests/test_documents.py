"""The State resource over HTTP (Communication 2.2, 2.3, 3.1 and the 2.0 changes), against the real app."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import uuid
from email.utils import parsedate_to_datetime
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import StoreContext, make_store

URL = "/xapi/activities/state"
ACTIVITY = "http://example.com/activities/course-1"
AGENT = {"objectType": "Agent", "mbox": "mailto:learner@example.com"}

Client = AsyncTestClient[Any]


def params(state_id: str | None = "bookmark", **extra: str) -> dict[str, str]:
    result = {"activityId": ACTIVITY, "agent": json.dumps(AGENT), **extra}
    if state_id is not None:
        result["stateId"] = state_id
    return result


def sha1(content: bytes) -> str:
    return hashlib.sha1(content).hexdigest()


async def put(client: Client, store: StoreContext, body: bytes, version: str = "1.0.3", **kw: Any) -> Any:
    headers = store.headers(version, **{"Content-Type": "application/json", **kw.pop("headers", {})})
    return await client.put(URL, params=kw.pop("params", params()), content=body, headers=headers)


async def get(client: Client, store: StoreContext, version: str = "1.0.3", **kw: Any) -> Any:
    return await client.get(URL, params=kw.pop("params", params()), headers=store.headers(version))


# --- single documents --------------------------------------------------------------------------------------------


async def test_put_then_get_returns_the_bytes_with_their_type_etag_and_last_modified(
    client: Client, store: StoreContext
) -> None:
    content = b"\x00\x01binary \xff suspend data"
    response = await put(client, store, content, headers={"Content-Type": "application/x-scorm-suspend"})
    assert response.status_code == 204
    assert response.headers["ETag"] == f'"{sha1(content)}"'

    got = await get(client, store)
    assert got.status_code == 200
    assert got.content == content
    assert got.headers["Content-Type"] == "application/x-scorm-suspend"
    assert got.headers["ETag"] == f'"{sha1(content)}"'
    assert parsedate_to_datetime(got.headers["Last-Modified"]).tzinfo is not None
    assert got.headers["X-Experience-API-Version"] == "1.0.3"


async def test_text_content_type_is_returned_exactly(client: Client, store: StoreContext) -> None:
    await put(client, store, "héllo".encode(), headers={"Content-Type": "text/plain"})
    got = await get(client, store)
    assert got.headers["Content-Type"] == "text/plain"
    assert got.content == "héllo".encode()


async def test_put_without_content_type_is_stored_as_octet_stream(client: Client, store: StoreContext) -> None:
    headers = store.headers("1.0.3")
    response = await client.put(URL, params=params(), content=b"raw", headers=headers)
    assert response.status_code == 204
    assert (await get(client, store)).headers["Content-Type"].startswith("application/")


async def test_get_of_a_missing_document_is_404(client: Client, store: StoreContext) -> None:
    response = await get(client, store, params=params("never-written"))
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


async def test_head_returns_the_get_headers_without_a_body(client: Client, store: StoreContext) -> None:
    await put(client, store, b'{"a": 1}')
    response = await client.head(URL, params=params(), headers=store.headers("1.0.3"))
    assert response.status_code == 200
    assert response.content == b""
    full = await get(client, store)
    assert response.headers["ETag"] == full.headers["ETag"]
    assert response.headers["Content-Length"] == str(len(full.content))
    assert response.headers["Content-Type"] == full.headers["Content-Type"]
    assert "Last-Modified" in response.headers


async def test_last_modified_moves_forward_with_every_write(client: Client, store: StoreContext) -> None:
    await put(client, store, b'{"a": 1}')
    first = parsedate_to_datetime((await get(client, store)).headers["Last-Modified"])
    await asyncio.sleep(1.05)  # Last-Modified is an HTTP-date: whole seconds
    await client.post(
        URL,
        params=params(),
        content=b'{"b": 2}',
        headers=store.headers("1.0.3", **{"Content-Type": "application/json"}),
    )
    second = parsedate_to_datetime((await get(client, store)).headers["Last-Modified"])
    assert second > first


async def test_registration_separates_documents(client: Client, store: StoreContext) -> None:
    registration = str(uuid.uuid4())
    await put(client, store, b'{"where": "none"}')
    await put(client, store, b'{"where": "reg"}', params=params(registration=registration))
    assert (await get(client, store)).json() == {"where": "none"}
    assert (await get(client, store, params=params(registration=registration.upper()))).json() == {"where": "reg"}


async def test_agent_is_matched_by_its_identifier_not_its_spelling(client: Client, store: StoreContext) -> None:
    await put(client, store, b'{"a": 1}')
    other_spelling = {"mbox": "mailto:learner@EXAMPLE.com", "name": "Lea"}
    response = await get(client, store, params={**params(), "agent": json.dumps(other_spelling)})
    assert response.status_code == 200
    assert response.json() == {"a": 1}


# --- POST merge --------------------------------------------------------------------------------------------------


async def post(client: Client, store: StoreContext, body: bytes, content_type: str = "application/json") -> Any:
    headers = store.headers("1.0.3", **{"Content-Type": content_type})
    return await client.post(URL, params=params(), content=body, headers=headers)


async def test_post_creates_then_merges_top_level_properties(client: Client, store: StoreContext) -> None:
    assert (await post(client, store, b'{"x": "foo", "y": "bar", "n": {"deep": 1}}')).status_code == 204
    assert (await post(client, store, b'{"x": "bash", "z": "faz", "n": {"other": 2}}')).status_code == 204
    got = await get(client, store)
    assert got.json() == {"x": "bash", "y": "bar", "z": "faz", "n": {"other": 2}}
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["ETag"] == f'"{sha1(got.content)}"'


async def test_post_creates_a_document_of_any_type(client: Client, store: StoreContext) -> None:
    assert (await post(client, store, b"plain", "text/plain")).status_code == 204
    assert (await get(client, store)).content == b"plain"


@pytest.mark.parametrize(
    "case",
    [
        (b'{"a": 1}', "application/json", b"abcdefg", "not/json"),
        (b"/ asdf / undefined", "application/octet-stream", b'{"a": 2}', "application/json"),
        (b'{"a": 1}', "application/json", b'{"a": 2}{', "application/json"),
        (b'{"a": 1}', "application/json", b'"abc"', "application/json"),
        (b"[1]", "application/json", b'{"a": 2}', "application/json"),
    ],
)
async def test_post_that_cannot_merge_is_400_and_changes_nothing(
    client: Client, store: StoreContext, case: tuple[bytes, str, bytes, str]
) -> None:
    first, first_type, second, second_type = case
    await put(client, store, first, headers={"Content-Type": first_type})
    response = await post(client, store, second, second_type)
    assert response.status_code == 400
    assert "merge" in response.json()["message"]
    got = await get(client, store)
    assert got.content == first
    assert got.headers["Content-Type"] == first_type


# --- concurrency (Communication 3.1; 2.0 delta item 6) -----------------------------------------------------------


async def test_put_with_right_if_match_succeeds_and_wrong_one_is_412(client: Client, store: StoreContext) -> None:
    await put(client, store, b'{"v": 1}')
    etag = (await get(client, store)).headers["ETag"]
    assert (await put(client, store, b'{"v": 2}', headers={"If-Match": '"1234"'})).status_code == 412
    assert (await get(client, store)).json() == {"v": 1}
    assert (await put(client, store, b'{"v": 2}', headers={"If-Match": etag})).status_code == 204
    assert (await get(client, store)).json() == {"v": 2}
    assert (await put(client, store, b'{"v": 3}', headers={"If-Match": etag})).status_code == 412


async def test_if_match_on_a_missing_document_is_412(client: Client, store: StoreContext) -> None:
    assert (await put(client, store, b"{}", headers={"If-Match": "*"})).status_code == 412
    assert (await get(client, store)).status_code == 404


async def test_if_none_match_star_creates_only(client: Client, store: StoreContext) -> None:
    assert (await put(client, store, b'{"v": 1}', headers={"If-None-Match": "*"})).status_code == 204
    assert (await put(client, store, b'{"v": 2}', headers={"If-None-Match": "*"})).status_code == 412
    assert (await get(client, store)).json() == {"v": 1}


async def test_if_none_match_with_an_etag(client: Client, store: StoreContext) -> None:
    await put(client, store, b'{"v": 1}')
    etag = (await get(client, store)).headers["ETag"]
    assert (await put(client, store, b'{"v": 2}', headers={"If-None-Match": etag})).status_code == 412
    assert (await put(client, store, b'{"v": 2}', headers={"If-None-Match": '"other"'})).status_code == 204
    assert (await get(client, store)).json() == {"v": 2}


async def test_post_and_delete_honour_if_match(client: Client, store: StoreContext) -> None:
    await put(client, store, b'{"v": 1}')
    etag = (await get(client, store)).headers["ETag"]
    headers = store.headers("2.0.0", **{"Content-Type": "application/json", "If-Match": '"1234"'})
    assert (await client.post(URL, params=params(), content=b'{"w": 1}', headers=headers)).status_code == 412
    assert (await client.delete(URL, params=params(), headers=headers)).status_code == 412
    assert (await get(client, store)).json() == {"v": 1}
    headers["If-Match"] = etag
    assert (await client.post(URL, params=params(), content=b'{"w": 1}', headers=headers)).status_code == 204
    assert (await get(client, store)).json() == {"v": 1, "w": 1}
    headers["If-Match"] = (await get(client, store)).headers["ETag"]
    assert (await client.delete(URL, params=params(), headers=headers)).status_code == 204
    assert (await get(client, store)).status_code == 404


async def test_state_put_without_preconditions_overwrites_in_1_0_3(client: Client, store: StoreContext) -> None:
    await put(client, store, b'{"v": 1}')
    assert (await put(client, store, b'{"v": 2}')).status_code == 204
    assert (await get(client, store)).json() == {"v": 2}


async def test_state_put_without_preconditions_on_existing_is_409_in_2_0(client: Client, store: StoreContext) -> None:
    assert (await put(client, store, b'{"v": 1}', "2.0.0")).status_code == 204
    response = await put(client, store, b'{"v": 2}', "2.0.0")
    assert response.status_code == 409
    assert "If-Match" in response.json()["message"]
    assert (await get(client, store, "2.0.0")).json() == {"v": 1}
    etag = (await get(client, store, "2.0.0")).headers["ETag"]
    assert (await put(client, store, b'{"v": 2}', "2.0.0", headers={"If-Match": etag})).status_code == 204


# --- many documents ----------------------------------------------------------------------------------------------


async def test_get_without_state_id_lists_ids_with_since_and_last_modified(
    client: Client, store: StoreContext, pool: asyncpg.Pool
) -> None:
    registration = str(uuid.uuid4())
    await put(client, store, b"1", params=params("a"))
    await put(client, store, b"2", params=params("b", registration=registration))
    listed = await get(client, store, params=params(None))
    assert listed.status_code == 200
    assert sorted(listed.json()) == ["a", "b"]
    assert "Last-Modified" in listed.headers
    assert listed.headers["ETag"] == f'"{sha1(listed.content)}"'
    only_reg = await get(client, store, params=params(None, registration=registration))
    assert only_reg.json() == ["b"]

    cut = await pool.fetchval("SELECT updated FROM documents WHERE store_id = $1 AND document_id = 'a'", store.id)
    since = await get(client, store, params=params(None, since=cut.isoformat()))
    assert since.json() == ["b"]
    future = await get(client, store, params=params(None, since="2999-01-01T00:00:00Z"))
    assert future.json() == []
    assert "Last-Modified" not in future.headers


async def test_delete_without_state_id_deletes_the_context_only(client: Client, store: StoreContext) -> None:
    registration = str(uuid.uuid4())
    await put(client, store, b"1", params=params("a"))
    await put(client, store, b"2", params=params("b", registration=registration))
    await put(client, store, b"3", params={**params("c"), "activityId": ACTIVITY + "/other"})

    headers = store.headers("1.0.3")
    response = await client.delete(URL, params=params(None, registration=registration), headers=headers)
    assert response.status_code == 204
    assert (await get(client, store, params=params(None))).json() == ["a"]

    assert (await client.delete(URL, params=params(None), headers=headers)).status_code == 204
    assert (await get(client, store, params=params(None))).json() == []
    other = await get(client, store, params={**params("c"), "activityId": ACTIVITY + "/other"})
    assert other.content == b"3"


async def test_delete_of_a_missing_document_is_204(client: Client, store: StoreContext) -> None:
    assert (await client.delete(URL, params=params("nothing"), headers=store.headers("1.0.3"))).status_code == 204


# --- parameters, versions, credentials ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "PUT", "POST", "DELETE"])
@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"activityId": None}, "activityId"),
        ({"agent": None}, "agent"),
        ({"agent": "not JSON"}, "agent"),
        ({"agent": "true"}, "agent"),
        ({"agent": '{"name": "no identifier"}'}, "agent"),
        ({"agent": '{"objectType": "Group", "mbox": "mailto:g@example.com"}'}, "agent"),
        ({"activityId": "not an iri"}, "activityId"),
        ({"registration": "true"}, "registration"),
    ],
)
async def test_bad_parameters_are_400_with_the_parameter_named(
    client: Client, store: StoreContext, method: str, change: dict[str, str | None], path: str
) -> None:
    query: dict[str, str] = {**params()}
    for key, value in change.items():
        if value is None:
            query.pop(key)
        else:
            query[key] = value
    headers = store.headers("1.0.3", **{"Content-Type": "application/json"})
    response = await client.request(method, URL, params=query, headers=headers, content=b"{}")
    assert response.status_code == 400
    body = response.json()
    assert body["path"].startswith(path)
    assert body["message"]


@pytest.mark.parametrize("method", ["PUT", "POST"])
async def test_writes_need_a_state_id(client: Client, store: StoreContext, method: str) -> None:
    headers = store.headers("1.0.3", **{"Content-Type": "application/json"})
    response = await client.request(method, URL, params=params(None), headers=headers, content=b"{}")
    assert response.status_code == 400
    assert response.json()["path"] == "stateId"


async def test_bad_since_is_400(client: Client, store: StoreContext) -> None:
    response = await get(client, store, params=params(None, since="not a timestamp"))
    assert response.status_code == 400
    assert response.json()["path"] == "since"


async def test_a_repeated_parameter_is_400(client: Client, store: StoreContext) -> None:
    url = f"{URL}?activityId={ACTIVITY}&activityId={ACTIVITY}&stateId=s&agent={json.dumps(AGENT)}"
    response = await client.get(url, headers=store.headers("1.0.3"))
    assert response.status_code == 400
    assert response.json()["path"] == "activityId"


async def test_version_header_and_credentials_are_required(client: Client, store: StoreContext) -> None:
    no_version = {"Authorization": store.auth}
    assert (await client.get(URL, params=params(), headers=no_version)).status_code == 400
    assert (await client.get(URL, params=params(), headers={"X-Experience-API-Version": "1.0.3"})).status_code == 401


async def test_scopes(client: Client, pool: asyncpg.Pool) -> None:
    writer = await make_store(pool, ("state",))
    reader = await make_store(pool, ("all/read",))
    outsider = await make_store(pool, ("statements/write", "profile"))
    assert (await put(client, writer, b"{}")).status_code == 204
    assert (await get(client, writer)).status_code == 200
    assert (await get(client, reader)).status_code == 404  # allowed to read; its own store has nothing
    assert (await put(client, reader, b"{}")).status_code == 403
    assert (await get(client, outsider)).status_code == 403
    assert (await put(client, outsider, b"{}")).status_code == 403


async def test_documents_are_invisible_across_stores(client: Client, store: StoreContext, pool: asyncpg.Pool) -> None:
    other = await make_store(pool)
    await put(client, store, b'{"mine": true}')
    assert (await get(client, other)).status_code == 404
    assert (await get(client, other, params=params(None))).json() == []
    assert (await client.delete(URL, params=params(None), headers=other.headers("1.0.3"))).status_code == 204
    assert (await get(client, store)).json() == {"mine": True}


@pytest.mark.parametrize("name", ["conformanceUnknownParam", "STATEID", "profileId"])
async def test_unknown_or_wrong_case_parameters_are_400(client: Client, store: StoreContext, name: str) -> None:
    response = await put(client, store, b"{}", params={**params(), name: "x"})
    assert response.status_code == 400
    assert response.json()["path"] == name
    if name == "STATEID":
        assert "stateId" in response.json()["message"]
    assert (await get(client, store)).status_code == 404


async def test_a_key_too_long_to_index_is_400_not_500(client: Client, store: StoreContext) -> None:
    long_id = os.urandom(1500).hex()  # random, so PostgreSQL cannot compress it under the index limit
    response = await put(client, store, b"{}", params=params(long_id))
    assert response.status_code == 400
    assert "bytes" in response.json()["message"]
    post = await client.post(URL, params=params(long_id), content=b"{}", headers=store.headers("1.0.3"))
    assert post.status_code == 400
    assert (await get(client, store, params=params(long_id))).status_code == 404


async def test_a_nul_character_in_a_parameter_is_400(client: Client, store: StoreContext) -> None:
    response = await put(client, store, b"{}", params=params("a\x00b"))
    assert response.status_code == 400
    assert response.json()["path"] == "stateId"
