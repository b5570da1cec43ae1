"""What a run is configured by: the LRS endpoint, one credential and the xAPI version to speak.

Nothing else is configurable on purpose: the suite must behave the same against any LRS.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

SUPPORTED_VERSIONS = ("1.0.3", "2.0.0")
ENV_ENDPOINT = "XAPI_ENDPOINT"
ENV_AUTH = "XAPI_AUTH"
ENV_VERSION = "XAPI_VERSION"
DEFAULT_VERSION = "2.0.0"


class SettingsError(ValueError):
    """Raised when the endpoint, credential or version given cannot be used."""


@dataclass(frozen=True)
class Settings:
    """One run's configuration; `endpoint` always ends with a slash."""

    endpoint: str
    key: str
    secret: str
    version: str
    timeout: float = 30.0

    @property
    def is_2_0(self) -> bool:
        """True when the run speaks xAPI 2.0."""
        return self.version.startswith("2.")

    @classmethod
    def build(cls, endpoint: str | None, auth: str | None, version: str | None) -> Settings:
        """Check and normalise raw values (from options or the environment)."""
        endpoint = endpoint or os.environ.get(ENV_ENDPOINT)
        auth = auth or os.environ.get(ENV_AUTH)
        version = version or os.environ.get(ENV_VERSION) or DEFAULT_VERSION
        if not endpoint:
            raise SettingsError(f"no LRS endpoint: pass --endpoint or set {ENV_ENDPOINT}")
        if not endpoint.startswith(("http://", "https://")):
            raise SettingsError(f"endpoint must be an http(s) URL, got {endpoint!r}")
        if not auth or ":" not in auth:
            raise SettingsError(f"credential must be KEY:SECRET: pass --auth or set {ENV_AUTH}")
        if version not in SUPPORTED_VERSIONS:
            raise SettingsError(f"xAPI version must be one of {', '.join(SUPPORTED_VERSIONS)}, got {version!r}")
        key, secret = auth.split(":", 1)
        return cls(endpoint=endpoint.rstrip("/") + "/", key=key, secret=secret, version=version)
