"""Bearer JWTs from a configured issuer: HS256 secret, RS256/ES256 PEM key or a JWKS file; claims map to store and
scopes; anything invalid is 401 with a Bearer challenge."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import asyncpg
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from litestar.testing import AsyncTestClient

from lrs.app import create_app
from lrs.errors import Unauthorized
from lrs.security.authn import Authenticator
from lrs.security.scopes import DEFAULT_SCOPES, Scope
from lrs.security.tokens import TokenConfig, TokenVerifier
from lrs.settings import Settings, SettingsError
from tests.conftest import BASE_URL, StoreContext

ISSUER = "https://idp.example.org"
AUDIENCE = "https://lrs.example.org"
SECRET = "s" * 40
VERSION = {"X-Experience-API-Version": "1.0.3"}

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())


def pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user-42",
        "exp": now + 300,
        "iat": now,
        "lrs_store": "default",
        "scope": "openid statements/write statements/read",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def hs256(**overrides: Any) -> str:
    return jwt.encode(claims(**overrides), SECRET, algorithm="HS256")


def config(**overrides: Any) -> TokenConfig:
    settings = Settings.from_env({}, jwt_issuer=ISSUER, jwt_audience=AUDIENCE, jwt_secret=SECRET, **overrides)
    result = TokenConfig.from_settings(settings)
    assert result is not None
    return result


# --- configuration ----------------------------------------------------------------------------------------------


def test_bearer_tokens_are_off_by_default() -> None:
    assert TokenConfig.from_settings(Settings.from_env({})) is None


@pytest.mark.parametrize(
    "overrides",
    [
        {"jwt_secret": SECRET},  # no issuer
        {"jwt_issuer": ISSUER, "jwt_secret": SECRET},  # no audience
        {"jwt_issuer": ISSUER, "jwt_audience": AUDIENCE},  # no key
        {"jwt_issuer": ISSUER, "jwt_audience": AUDIENCE, "jwt_secret": "short"},
    ],
)
def test_inconsistent_settings_fail_at_start(overrides: dict[str, Any]) -> None:
    with pytest.raises(SettingsError):
        TokenConfig.from_settings(Settings.from_env({}, **overrides))


def test_two_key_sources_are_refused(tmp_path: Path) -> None:
    key_file = tmp_path / "key.pem"
    key_file.write_bytes(pem(RSA_KEY))
    with pytest.raises(SettingsError, match="exactly one"):
        config(jwt_public_key_file=str(key_file))


def test_a_private_or_garbage_key_file_is_refused(tmp_path: Path) -> None:
    key_file = tmp_path / "key.pem"
    key_file.write_text("not a key")
    with pytest.raises(SettingsError, match="PEM"):
        TokenConfig.from_settings(
            Settings.from_env({}, jwt_issuer=ISSUER, jwt_audience=AUDIENCE, jwt_public_key_file=str(key_file))
        )


def test_a_jwks_without_signing_keys_is_refused(tmp_path: Path) -> None:
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [{"kty": "RSA", "use": "enc", "n": "x", "e": "AQAB"}]}))
    with pytest.raises(SettingsError, match="no usable"):
        TokenConfig.from_settings(
            Settings.from_env({}, jwt_issuer=ISSUER, jwt_audience=AUDIENCE, jwt_jwks_file=str(jwks))
        )


# --- verification -----------------------------------------------------------------------------------------------


def test_a_valid_token_maps_claims_to_store_scopes_and_authority() -> None:
    identity = TokenVerifier(config()).verify(hs256())
    assert identity.store == "default"
    assert identity.scopes == {Scope.STATEMENTS_WRITE, Scope.STATEMENTS_READ}  # `openid` ignored
    assert identity.authority == {"objectType": "Agent", "account": {"homePage": ISSUER, "name": "user-42"}}


def test_scopes_as_a_list_and_custom_claim_names() -> None:
    verifier = TokenVerifier(config(jwt_scope_claim="scp", jwt_store_claim="tenant"))
    identity = verifier.verify(hs256(scp=["state", "profile"], tenant="acme", scope=None, lrs_store=None))
    assert (identity.store, identity.scopes) == ("acme", frozenset({Scope.STATE, Scope.PROFILE}))


def test_without_a_scope_claim_the_spec_default_applies() -> None:
    assert TokenVerifier(config()).verify(hs256(scope=None)).scopes == DEFAULT_SCOPES


def test_a_scope_prefix_keeps_oidc_scopes_out() -> None:
    verifier = TokenVerifier(config(jwt_scope_prefix="xapi:"))
    assert verifier.verify(hs256(scope="openid profile xapi:state")).scopes == {Scope.STATE}


def test_the_default_store_fills_in_a_missing_store_claim() -> None:
    assert TokenVerifier(config(jwt_default_store="acme")).verify(hs256(lrs_store=None)).store == "acme"


def _rsa_token(**overrides: Any) -> str:
    return jwt.encode(claims(**overrides), RSA_KEY, algorithm="RS256")


BAD_TOKENS: dict[str, Callable[[], str]] = {
    "wrong issuer": lambda: hs256(iss="https://evil.example"),
    "wrong audience": lambda: hs256(aud="https://other.example"),
    "expired": lambda: hs256(exp=int(time.time()) - 120),
    "not yet valid": lambda: hs256(nbf=int(time.time()) + 120),
    "no exp": lambda: hs256(exp=None),
    "no sub": lambda: hs256(sub=None),
    "empty sub": lambda: hs256(sub=""),
    "no store": lambda: hs256(lrs_store=None),
    "scope of the wrong type": lambda: hs256(scope=42),
    "wrong secret": lambda: jwt.encode(claims(), "t" * 40, algorithm="HS256"),
    "other algorithm": _rsa_token,
    "alg none": lambda: jwt.encode(claims(), None, algorithm="none"),  # type: ignore[arg-type]
    "garbage": lambda: "not-a-jwt",
    "tampered payload": lambda: ".".join(
        [hs256().split(".")[0], jwt.utils.base64url_encode(b'{"sub":"x"}').decode(), hs256().split(".")[2]]
    ),
}


@pytest.mark.parametrize("case", BAD_TOKENS)
def test_invalid_tokens_are_refused(case: str) -> None:
    with pytest.raises(Unauthorized):
        TokenVerifier(config()).verify(BAD_TOKENS[case]())


def test_rs256_and_es256_public_keys(tmp_path: Path) -> None:
    for key, algorithm in ((RSA_KEY, "RS256"), (EC_KEY, "ES256")):
        key_file = tmp_path / f"{algorithm}.pem"
        key_file.write_bytes(pem(key))
        settings = Settings.from_env({}, jwt_issuer=ISSUER, jwt_audience=AUDIENCE, jwt_public_key_file=str(key_file))
        cfg = TokenConfig.from_settings(settings)
        assert cfg is not None
        verifier = TokenVerifier(cfg)
        assert verifier.verify(jwt.encode(claims(), key, algorithm=algorithm)).subject == "user-42"
        with pytest.raises(Unauthorized):  # an HS256 token keyed with the public key: algorithm confusion
            verifier.verify(_hmac_with(pem(key)))


def _hmac_with(secret: bytes) -> str:
    """An HS256 token signed with `secret` as the HMAC key, built by hand (PyJWT refuses PEM keys as secrets)."""
    import hashlib
    import hmac

    header = jwt.utils.base64url_encode(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = jwt.utils.base64url_encode(json.dumps(claims()).encode())
    signature = hmac.new(secret, header + b"." + body, hashlib.sha256).digest()
    return (header + b"." + body + b"." + jwt.utils.base64url_encode(signature)).decode()


def test_jwks_keys_are_chosen_by_kid(tmp_path: Path) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    keys = []
    for kid, key in (("one", other), ("two", RSA_KEY)):
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
        keys.append({**jwk, "kid": kid, "use": "sig", "alg": "RS256"})
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": keys}))
    cfg = TokenConfig.from_settings(
        Settings.from_env({}, jwt_issuer=ISSUER, jwt_audience=AUDIENCE, jwt_jwks_file=str(jwks))
    )
    assert cfg is not None
    verifier = TokenVerifier(cfg)
    token = jwt.encode(claims(), RSA_KEY, algorithm="RS256", headers={"kid": "two"})
    assert verifier.verify(token).subject == "user-42"
    with pytest.raises(Unauthorized):
        verifier.verify(jwt.encode(claims(), RSA_KEY, algorithm="RS256", headers={"kid": "one"}))
    with pytest.raises(Unauthorized):
        verifier.verify(jwt.encode(claims(), RSA_KEY, algorithm="RS256", headers={"kid": "three"}))


# --- over HTTP --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def jwt_client(settings: Settings) -> AsyncIterator[AsyncTestClient[Any]]:
    app = create_app(dataclasses.replace(settings, jwt_issuer=ISSUER, jwt_audience=AUDIENCE, jwt_secret=SECRET))
    async with AsyncTestClient(app=app, base_url=BASE_URL) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {**VERSION, "Authorization": f"Bearer {token}"}


def statement() -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "actor": {"mbox": "mailto:learner@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
        "object": {"id": "http://example.com/activities/jwt"},
    }


async def test_a_token_writes_with_its_issuer_account_as_authority(
    jwt_client: AsyncTestClient[Any], store: StoreContext
) -> None:
    token = hs256(lrs_store=store.name, scope="statements/write statements/read/mine")
    body = statement()
    assert (await jwt_client.post("/xapi/statements", json=body, headers=bearer(token))).status_code == 200
    stored = await jwt_client.get("/xapi/statements", params={"statementId": body["id"]}, headers=bearer(token))
    assert stored.status_code == 200
    assert stored.json()["authority"]["account"] == {"homePage": ISSUER, "name": "user-42"}
    # Another subject with read/mine does not see it; the store's Basic credential (statements/read) does.
    other = hs256(lrs_store=store.name, sub="user-43", scope="statements/read/mine")
    response = await jwt_client.get("/xapi/statements", params={"statementId": body["id"]}, headers=bearer(other))
    assert response.status_code == 404
    basic = await jwt_client.get("/xapi/statements", params={"statementId": body["id"]}, headers=store.headers())
    assert basic.status_code == 200


async def test_a_token_without_the_scope_is_403(jwt_client: AsyncTestClient[Any], store: StoreContext) -> None:
    token = hs256(lrs_store=store.name, scope="state")
    assert (await jwt_client.get("/xapi/statements", headers=bearer(token))).status_code == 403


async def test_an_invalid_token_is_401_with_a_bearer_challenge(jwt_client: AsyncTestClient[Any]) -> None:
    response = await jwt_client.get("/xapi/statements", headers=bearer(hs256(aud="https://other.example")))
    assert response.status_code == 401
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('Basic realm="xAPI"')
    assert 'Bearer realm="xAPI", error="invalid_token"' in challenge


async def test_without_credentials_both_schemes_are_offered(jwt_client: AsyncTestClient[Any]) -> None:
    response = await jwt_client.get("/xapi/statements", headers=VERSION)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Basic realm="xAPI", charset="UTF-8", Bearer realm="xAPI"'


async def test_a_token_for_an_unknown_store_is_401(jwt_client: AsyncTestClient[Any]) -> None:
    token = hs256(lrs_store=f"no-such-{uuid.uuid4().hex[:8]}")
    assert (await jwt_client.get("/xapi/statements", headers=bearer(token))).status_code == 401


async def test_basic_still_works_alongside(jwt_client: AsyncTestClient[Any], store: StoreContext) -> None:
    assert (await jwt_client.get("/xapi/statements", headers=store.headers())).status_code == 200


async def test_verified_tokens_are_cached_until_their_expiry(
    pool: asyncpg.Pool, store: StoreContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    original = TokenVerifier.verify

    def counting(self: TokenVerifier, token: str) -> Any:
        calls.append(token)
        return original(self, token)

    monkeypatch.setattr(TokenVerifier, "verify", counting)
    auth = Authenticator(pool, ttl=60, tokens=config())
    token = hs256(lrs_store=store.name, exp=int(time.time()) + 1)
    first = await auth.authenticate(f"Bearer {token}")
    assert (await auth.authenticate(f"Bearer {token}")) == first
    assert len(calls) == 1
    assert first.store_id == store.id and first.credential_id is None and first.method == "bearer"
    await asyncio.sleep(1.1)  # past exp (leeway aside, the cache never outlives exp)
    await auth.authenticate(f"Bearer {token}")  # within the 30 s leeway: verified again, not served from cache
    assert len(calls) == 2
