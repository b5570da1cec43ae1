"""One frozen settings object, read once from `LRS_*` environment variables.

Each field documents its variable, so the README table and this file cannot drift apart
(a test compares them).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lrs.errors import LRSError


class SettingsError(LRSError):
    """An `LRS_*` variable holds a value that cannot be used; raised at start-up, never per request."""

    code = "settings_error"


def _setting(default: Any, env: str, doc: str) -> Any:
    return field(default=default, metadata={"env": env, "doc": doc})


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the LRS can be told from outside. Built by `Settings.from_env()`."""

    database_url: str | None = _setting(
        None,
        "LRS_DATABASE_URL",
        "PostgreSQL URL (`postgresql://user:pass@host:5432/db`). Unset: `lrs dev` embeds one.",
    )
    redis_url: str | None = _setting(
        None, "LRS_REDIS_URL", "Redis/Valkey URL (`redis://host:6379/0`). Unset: `lrs dev` embeds Valkey."
    )
    host: str = _setting("127.0.0.1", "LRS_HOST", "Interface the HTTP server binds to.")
    port: int = _setting(8080, "LRS_PORT", "TCP port the HTTP server listens on.")
    public_url: str | None = _setting(
        None,
        "LRS_PUBLIC_URL",
        "The LRS's public base URL (`https://lrs.example.org`); names the analytics vocabulary and agent. "
        "Default: `http://HOST:PORT`.",
    )
    data_dir: Path = _setting(  # noqa: RUF009 - Path is immutable
        Path(".data"), "LRS_DATA_DIR", "Where `lrs dev` keeps the embedded PostgreSQL and Valkey data."
    )
    db_pool_min: int = _setting(2, "LRS_DB_POOL_MIN", "Minimum PostgreSQL connections per process.")
    db_pool_max: int = _setting(10, "LRS_DB_POOL_MAX", "Maximum PostgreSQL connections per process.")
    web_concurrency: int = _setting(1, "LRS_WEB_CONCURRENCY", "HTTP worker processes started by `lrs serve`.")
    max_body_bytes: int = _setting(
        16 * 1024 * 1024,
        "LRS_MAX_BODY_BYTES",
        "Largest request body accepted (413 above it), attachments included.",
    )
    max_batch_statements: int = _setting(
        1000, "LRS_MAX_BATCH_STATEMENTS", "Most statements accepted in one POST (413 above it)."
    )
    max_query_limit: int = _setting(
        500,
        "LRS_MAX_QUERY_LIMIT",
        "Most statements returned per page; `limit=0` or a larger limit gets this many.",
    )
    cors_origins: tuple[str, ...] = _setting(
        ("*",),
        "LRS_CORS_ORIGINS",
        "Comma-separated origins allowed by CORS; `*` allows any (browser content needs it).",
    )
    credential_cache_seconds: float = _setting(
        5.0,
        "LRS_CREDENTIAL_CACHE_SECONDS",
        "How long a verified credential is trusted without re-reading it; bounds cross-process revocation delay.",
    )
    admin_cors_origins: tuple[str, ...] = _setting(
        (),
        "LRS_ADMIN_CORS_ORIGINS",
        "Comma-separated origins allowed by CORS on `/admin/`; unset: no cross-origin access to administration.",
    )
    jwt_issuer: str | None = _setting(
        None,
        "LRS_JWT_ISSUER",
        "Accept bearer JWTs from this issuer (`iss`); unset: bearer tokens are refused. Needs `LRS_JWT_AUDIENCE` "
        "and one key setting.",
    )
    jwt_audience: str | None = _setting(None, "LRS_JWT_AUDIENCE", "The audience (`aud`) bearer JWTs must name.")
    jwt_secret: str | None = _setting(
        None, "LRS_JWT_SECRET", "HS256 shared secret (at least 32 bytes) that verifies bearer JWTs."
    )
    jwt_public_key_file: str | None = _setting(
        None, "LRS_JWT_PUBLIC_KEY_FILE", "PEM public key file that verifies bearer JWTs (RSA: RS256, EC: ES256)."
    )
    jwt_jwks_file: str | None = _setting(
        None, "LRS_JWT_JWKS_FILE", "Local JWKS (JSON) file whose signing keys verify bearer JWTs, chosen by `kid`."
    )
    jwt_store_claim: str = _setting("lrs_store", "LRS_JWT_STORE_CLAIM", "JWT claim naming the store (by name).")
    jwt_scope_claim: str = _setting(
        "scope", "LRS_JWT_SCOPE_CLAIM", "JWT claim holding the scopes: space-separated string or list."
    )
    jwt_scope_prefix: str = _setting(
        "",
        "LRS_JWT_SCOPE_PREFIX",
        "Only scopes starting with this prefix count, prefix removed (`xapi:` keeps OIDC `profile` out).",
    )
    jwt_default_store: str | None = _setting(
        None, "LRS_JWT_DEFAULT_STORE", "Store for tokens without the store claim; unset: such tokens are refused."
    )
    jwt_leeway_seconds: float = _setting(
        30.0, "LRS_JWT_LEEWAY_SECONDS", "Clock skew allowed when checking `exp` and `nbf`."
    )
    log_level: str = _setting("info", "LRS_LOG_LEVEL", "Log level: debug, info, warning, error.")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read every `LRS_*` variable; `overrides` (e.g. from command-line flags) win over the environment."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = env.get(f.metadata["env"])
            if raw is None or raw == "":
                continue
            values[f.name] = _convert(f, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    @property
    def base_url(self) -> str:
        """The public base URL without a trailing slash."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @staticmethod
    def documented() -> list[tuple[str, str, str]]:
        """(variable, default, description) for every setting: the README table is made from this."""
        rows = []
        for f in dataclasses.fields(Settings):
            default = f.default
            if isinstance(default, tuple):
                default = ",".join(default)
            rows.append((f.metadata["env"], "" if default is None else str(default), f.metadata["doc"]))
        return rows


def _convert(f: dataclasses.Field[Any], raw: str) -> Any:
    kind = str(f.type)
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind == "Path":
            return Path(raw)
        if kind.startswith("tuple"):
            return tuple(part.strip() for part in raw.split(",") if part.strip())
    except ValueError as exc:
        raise SettingsError(f"{f.metadata['env']}={raw!r} is not a valid {kind}") from exc
    return raw
