"""HTTP Basic authentication: 401 with a challenge for anything missing, malformed, wrong, revoked or expired;
a short cache that still refuses wrong secrets, forgets revoked keys at once and never outlives an expiry."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from lrs.errors import Unauthorized
from lrs.security import authn, secrets
from lrs.security.authn import Authenticator
from lrs.security.credentials import issue_credential
from lrs.security.scopes import Scope
from lrs.store import stores
from tests.conftest import BASE_URL, StoreContext, make_store

Client = AsyncTestClient[Any]
VERSION = {"X-Experience-API-Version": "1.0.3"}


def basic(key: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


MALFORMED = [
    "",
    "   ",
    "Basic",
    "Basic ",
    "Basic !!!not-base64!!!",
    "Basic " + b64(b"no-colon-here"),
    "Basic " + b64(b":secret-without-key"),
    "Basic " + b64(b"\xff\xfe:\xfd"),
    "Basic " + b64(b"key:secret") + "=====",
    "Bearer some.jwt.token",  # bearer tokens are off unless LRS_JWT_ISSUER is set
    "Digest username=x",
    "Basic " + "A" * 20000,
    "\x00\x01",
]


@pytest.mark.parametrize("header", MALFORMED, ids=range(len(MALFORMED)))
async def test_malformed_authorization_is_401_with_a_challenge(client: Client, header: str) -> None:
    response = await client.get("/xapi/statements", headers={**VERSION, "Authorization": header})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith('Basic realm="xAPI"')
    assert response.json()["error"] == "unauthorized"


async def test_no_credentials_is_401_with_a_challenge(client: Client) -> None:
    response = await client.get("/xapi/statements", headers=VERSION)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Basic realm="xAPI", charset="UTF-8"'


async def test_about_needs_no_credentials(client: Client) -> None:
    assert (await client.get("/xapi/about", headers=VERSION)).status_code == 200


async def test_unknown_key_wrong_secret_and_other_store_look_the_same(
    client: Client, store: StoreContext, pool: asyncpg.Pool
) -> None:
    other = await make_store(pool)
    answers = []
    for header in (
        basic("no-such-key", "whatever"),
        basic(store.credential.key, "wrong-secret"),
        basic(other.credential.key, store.credential.secret),
    ):
        response = await client.get("/xapi/statements", headers={**VERSION, "Authorization": header})
        answers.append((response.status_code, response.json()))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 401
    assert store.name not in str(answers) and other.name not in str(answers)


async def test_a_valid_credential_passes(client: Client, store: StoreContext) -> None:
    response = await client.get("/xapi/statements", headers=store.headers())
    assert response.status_code == 200


# --- the Authenticator itself ------------------------------------------------------------------------------------


class Counter:
    """Wraps a function and counts its calls."""

    def __init__(self, target: Any) -> None:
        self.target = target
        self.calls = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.target(*args, **kwargs)


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> Counter:
    counter = Counter(stores.credential_by_key)
    monkeypatch.setattr(stores, "credential_by_key", counter)
    return counter


@pytest.fixture
def hashes(monkeypatch: pytest.MonkeyPatch) -> Counter:
    counter = Counter(secrets.verify_secret)
    monkeypatch.setattr(authn, "verify_secret", counter)
    return counter


async def test_verified_credentials_are_cached(
    pool: asyncpg.Pool, store: StoreContext, lookups: Counter, hashes: Counter
) -> None:
    auth = Authenticator(pool, ttl=60)
    first = await auth.authenticate(store.auth)
    for _ in range(20):
        assert await auth.authenticate(store.auth) == first
    assert (lookups.calls, hashes.calls) == (1, 1)
    assert first.store_id == store.id
    assert first.scopes == frozenset(Scope(s) for s in store.credential.scopes)
    assert first.authority == store.credential.authority


async def test_a_cached_key_with_a_wrong_secret_is_refused(pool: asyncpg.Pool, store: StoreContext) -> None:
    auth = Authenticator(pool, ttl=60)
    await auth.authenticate(store.auth)
    with pytest.raises(Unauthorized):
        await auth.authenticate(basic(store.credential.key, store.credential.secret + "x"))
    await auth.authenticate(store.auth)  # the right one still works


async def test_concurrent_first_requests_share_one_check(
    pool: asyncpg.Pool, store: StoreContext, lookups: Counter, hashes: Counter
) -> None:
    auth = Authenticator(pool, ttl=60)
    principals = await asyncio.gather(*(auth.authenticate(store.auth) for _ in range(10)))
    assert len({p.credential_id for p in principals}) == 1
    assert (lookups.calls, hashes.calls) == (1, 1)


async def test_concurrent_wrong_secrets_all_fail(pool: asyncpg.Pool, store: StoreContext) -> None:
    auth = Authenticator(pool, ttl=60)
    wrong = basic(store.credential.key, "nope")
    results = await asyncio.gather(*(auth.authenticate(wrong) for _ in range(5)), return_exceptions=True)
    assert all(isinstance(r, Unauthorized) for r in results)


async def test_an_unknown_key_costs_a_hash_too(pool: asyncpg.Pool, hashes: Counter) -> None:
    auth = Authenticator(pool, ttl=60)
    with pytest.raises(Unauthorized):
        await auth.authenticate(basic("unknown-key-for-timing", "x"))
    assert hashes.calls == 1


async def test_revocation_in_this_process_is_immediate(pool: asyncpg.Pool, store: StoreContext) -> None:
    auth = Authenticator(pool, ttl=60)
    await auth.authenticate(store.auth)
    async with pool.acquire() as conn:
        assert await stores.revoke_credential(conn, store.id, store.credential.key)
    auth.forget(store.credential.key)
    with pytest.raises(Unauthorized):
        await auth.authenticate(store.auth)


async def test_revocation_reaches_another_process_within_the_cache_time(
    pool: asyncpg.Pool, store: StoreContext
) -> None:
    here, there = Authenticator(pool, ttl=0.5), Authenticator(pool, ttl=0.5)
    await there.authenticate(store.auth)
    async with pool.acquire() as conn:
        await stores.revoke_credential(conn, store.id, store.credential.key)
    here.forget(store.credential.key)
    with pytest.raises(Unauthorized):
        await here.authenticate(store.auth)
    await asyncio.sleep(0.6)
    with pytest.raises(Unauthorized):
        await there.authenticate(store.auth)


async def test_expired_credentials_are_refused_even_when_cached(pool: asyncpg.Pool, store: StoreContext) -> None:
    async with pool.acquire() as conn:
        issued = await issue_credential(
            conn,
            store_id=store.id,
            base_url=BASE_URL,
            scopes=["all"],
            expires_at=datetime.now(UTC) + timedelta(seconds=1),
        )
    auth = Authenticator(pool, ttl=60)
    header = basic(issued.key, issued.secret)
    await auth.authenticate(header)
    await asyncio.sleep(1.1)
    with pytest.raises(Unauthorized):
        await auth.authenticate(header)


async def test_a_credential_expired_in_the_database_is_refused(pool: asyncpg.Pool, store: StoreContext) -> None:
    async with pool.acquire() as conn:
        await conn.execute(
            "UPDATE credentials SET expires_at = now() - interval '1 second' WHERE key = $1", store.credential.key
        )
    with pytest.raises(Unauthorized):
        await Authenticator(pool).authenticate(store.auth)


async def test_the_cache_is_bounded(pool: asyncpg.Pool) -> None:
    contexts = [await make_store(pool) for _ in range(3)]
    auth = Authenticator(pool, ttl=60, max_entries=2)
    for context in contexts:
        await auth.authenticate(context.auth)
    assert len(auth._basic) == 2
