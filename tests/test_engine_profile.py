"""The insight vocabulary is served as an xAPI Profile, without credentials, and linked from /xapi/about."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from analytics.profile import PROFILE_PATH, VERB_AT_RISK, verb_iri
from tests.conftest import BASE_URL


async def test_the_profile_is_public_json_ld(client: AsyncTestClient[Any]) -> None:
    response = await client.get(PROFILE_PATH)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    profile = response.json()
    assert profile["id"] == f"{BASE_URL}{PROFILE_PATH}" and profile["type"] == "Profile"
    assert verb_iri(BASE_URL, VERB_AT_RISK) in {c["id"] for c in profile["concepts"]}
    head = await client.head(PROFILE_PATH)
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) == len(response.content)


async def test_every_concept_iri_resolves(client: AsyncTestClient[Any]) -> None:
    profile = (await client.get(PROFILE_PATH)).json()
    for item in [*profile["concepts"], *profile["templates"]]:
        response = await client.get(item["id"].removeprefix(BASE_URL))
        assert response.status_code == 200, item["id"]
        assert response.json()["id"] == item["id"]
    assert (await client.get(f"{PROFILE_PATH}/verbs/no-such-verb")).status_code == 404


async def test_about_links_the_profile(client: AsyncTestClient[Any]) -> None:
    about = (await client.get("/xapi/about")).json()
    links = [v for v in about["extensions"].values() if isinstance(v, dict) and v.get("id", "").endswith(PROFILE_PATH)]
    assert links and links[0]["url"] == f"{BASE_URL}{PROFILE_PATH}"
