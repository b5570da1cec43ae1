"""Bearer tokens: JWTs from one configured issuer, so an LRS can sit behind an organisation's identity provider.

The issuer signs with a shared secret (HS256), a public key (RS256 / ES256, PEM file) or any key of a local JWKS
file (no network fetching). `iss`, `aud`, `exp` and `sub` are required, `nbf` is honoured; claims name the store
(`lrs_store` by default) and the scopes (`scope`, space-separated as in OAuth, or a JSON list). The caller's
authority is an Agent account on the issuer named by `sub`. Any failure is a 401.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from lrs.errors import Unauthorized
from lrs.security.scopes import DEFAULT_SCOPES, Scope, known_scopes
from lrs.settings import Settings, SettingsError

log = logging.getLogger("lrs.security")

MIN_SECRET_BYTES = 32
REQUIRED_CLAIMS = ("exp", "iss", "aud", "sub")
_EC_ALGORITHMS = {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}


@dataclass(frozen=True, slots=True)
class VerificationKey:
    """One key the issuer may sign with, and the only algorithm it is accepted with (no algorithm confusion)."""

    kid: str | None
    algorithm: str
    key: Any


@dataclass(frozen=True, slots=True)
class TokenConfig:
    issuer: str
    audience: str
    keys: tuple[VerificationKey, ...]
    store_claim: str = "lrs_store"
    scope_claim: str = "scope"
    scope_prefix: str = ""
    default_store: str | None = None
    leeway_seconds: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenConfig | None:
        """The bearer-token configuration, or None when bearer tokens are off; inconsistent settings fail here."""
        sources = {
            "LRS_JWT_SECRET": settings.jwt_secret,
            "LRS_JWT_PUBLIC_KEY_FILE": settings.jwt_public_key_file,
            "LRS_JWT_JWKS_FILE": settings.jwt_jwks_file,
        }
        given = [name for name, value in sources.items() if value]
        if not settings.jwt_issuer:
            if given or settings.jwt_audience:
                raise SettingsError("bearer tokens need LRS_JWT_ISSUER (and LRS_JWT_AUDIENCE) to be set")
            return None
        if not settings.jwt_audience:
            raise SettingsError("LRS_JWT_ISSUER is set: set LRS_JWT_AUDIENCE too (the audience tokens must name)")
        if len(given) != 1:
            raise SettingsError(
                "LRS_JWT_ISSUER is set: set exactly one of LRS_JWT_SECRET, LRS_JWT_PUBLIC_KEY_FILE, LRS_JWT_JWKS_FILE"
            )
        if settings.jwt_secret:
            keys: tuple[VerificationKey, ...] = (secret_key(settings.jwt_secret),)
        elif settings.jwt_public_key_file:
            keys = (public_key(Path(settings.jwt_public_key_file).read_bytes()),)
        else:
            assert settings.jwt_jwks_file
            keys = jwks_keys(Path(settings.jwt_jwks_file).read_text(encoding="utf-8"))
        return cls(
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            keys=keys,
            store_claim=settings.jwt_store_claim,
            scope_claim=settings.jwt_scope_claim,
            scope_prefix=settings.jwt_scope_prefix,
            default_store=settings.jwt_default_store,
            leeway_seconds=settings.jwt_leeway_seconds,
        )


def secret_key(secret: str) -> VerificationKey:
    if len(secret.encode()) < MIN_SECRET_BYTES:
        raise SettingsError(f"LRS_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes long")
    return VerificationKey(None, "HS256", secret.encode())


def public_key(pem: bytes) -> VerificationKey:
    """A PEM public key; RSA keys verify RS256, EC keys ES256 (P-256) / ES384 / ES512."""
    try:
        key = load_pem_public_key(pem)
    except ValueError as exc:
        raise SettingsError(f"LRS_JWT_PUBLIC_KEY_FILE is not a PEM public key: {exc}") from None
    if isinstance(key, rsa.RSAPublicKey):
        return VerificationKey(None, "RS256", key)
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name in _EC_ALGORITHMS:
        return VerificationKey(None, _EC_ALGORITHMS[key.curve.name], key)
    raise SettingsError("LRS_JWT_PUBLIC_KEY_FILE must hold an RSA or EC (P-256/384/521) public key")


def jwks_keys(text: str) -> tuple[VerificationKey, ...]:
    """The signing keys of a JWKS document; keys for encryption or of unknown types are skipped."""
    try:
        document = json.loads(text)
        entries = document["keys"]
        if not isinstance(entries, list):
            raise TypeError("keys is not a list")
    except (ValueError, KeyError, TypeError) as exc:
        raise SettingsError(f"LRS_JWT_JWKS_FILE is not a JWKS document: {exc}") from None
    keys = []
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("use", "sig") != "sig":
            continue
        try:
            jwk = jwt.PyJWK(entry)
        except jwt.PyJWTError as exc:
            log.warning("skipping a JWKS key that cannot be used: %s", exc)
            continue
        keys.append(VerificationKey(jwk.key_id, jwk.algorithm_name, jwk.key))
    if not keys:
        raise SettingsError("LRS_JWT_JWKS_FILE holds no usable signing key")
    return tuple(keys)


@dataclass(frozen=True, slots=True)
class TokenIdentity:
    """What a verified token says: its store (by name), scopes, subject and the authority Agent."""

    store: str
    scopes: frozenset[Scope]
    subject: str
    authority: dict[str, Any]
    expires_at: float


class TokenVerifier:
    """Checks signature and registered claims, then maps claims to store and scopes. Pure: no I/O per token."""

    def __init__(self, config: TokenConfig) -> None:
        self.config = config

    def verify(self, token: str) -> TokenIdentity:
        claims = self._decode(token)
        cfg = self.config
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise _rejected("the sub claim must be a non-empty string")
        store = claims.get(cfg.store_claim, cfg.default_store)
        if not isinstance(store, str) or not store:
            raise _rejected(f"the token names no store (claim {cfg.store_claim!r})")
        return TokenIdentity(
            store=store,
            scopes=self._scopes(claims),
            subject=subject,
            authority={"objectType": "Agent", "account": {"homePage": cfg.issuer, "name": subject}},
            expires_at=float(claims["exp"]),
        )

    def _decode(self, token: str) -> dict[str, Any]:
        cfg = self.config
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise _rejected("malformed token") from None
        kid, algorithm = header.get("kid"), header.get("alg")
        candidates = [k for k in cfg.keys if k.algorithm == algorithm and (kid is None or k.kid in (None, kid))]
        if not candidates:
            raise _rejected("no key of this issuer verifies tokens with this algorithm or key id")
        error: jwt.PyJWTError | None = None
        for candidate in candidates:
            try:
                claims: dict[str, Any] = jwt.decode(
                    token,
                    candidate.key,
                    algorithms=[candidate.algorithm],
                    audience=cfg.audience,
                    issuer=cfg.issuer,
                    leeway=cfg.leeway_seconds,
                    options={"require": list(REQUIRED_CLAIMS)},
                )
                return claims
            except jwt.InvalidSignatureError as exc:
                error = exc
            except jwt.PyJWTError as exc:
                raise _rejected(str(exc)) from None
        raise _rejected(str(error))

    def _scopes(self, claims: dict[str, Any]) -> frozenset[Scope]:
        """Scopes from a space-separated string or a list; absent means the spec's default."""
        cfg = self.config
        raw = claims.get(cfg.scope_claim)
        if raw is None:
            return DEFAULT_SCOPES
        if isinstance(raw, str):
            names = raw.split()
        elif isinstance(raw, list) and all(isinstance(v, str) for v in raw):
            names = list(raw)
        else:
            raise _rejected(f"the {cfg.scope_claim!r} claim must be a string or a list of strings")
        if cfg.scope_prefix:
            names = [n[len(cfg.scope_prefix) :] for n in names if n.startswith(cfg.scope_prefix)]
        return known_scopes(names)


def _rejected(reason: str) -> Unauthorized:
    return Unauthorized(f"bearer token rejected: {reason}")
