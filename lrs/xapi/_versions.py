"""Which xAPI versions this LRS serves, and how a request's version header maps onto them."""

from __future__ import annotations

import re

from lrs.errors import UnsupportedVersion

SUPPORTED_VERSIONS = ("1.0.3", "2.0.0")
VERSION_HEADER = "X-Experience-API-Version"

_V1_RE = re.compile(r"^1\.0(?:\.[0-9]+)?\Z")
_V2_RE = re.compile(r"^2\.0(?:\.[0-9]+)?\Z")


def negotiate_version(header: str | None) -> str:
    """Map an ``X-Experience-API-Version`` value to the version that will serve the request.

    Any 1.0.x (and "1.0", Communication 3.3) is served as "1.0.3"; any 2.0.x as "2.0.0". A
    missing header or any other value raises UnsupportedVersion (400).
    """
    if header is None:
        raise UnsupportedVersion(f"the {VERSION_HEADER} header is required", path=VERSION_HEADER)
    value = header.strip()
    if _V1_RE.match(value):
        return "1.0.3"
    if _V2_RE.match(value):
        return "2.0.0"
    raise UnsupportedVersion(f"{VERSION_HEADER} {value!r} is not supported; use 1.0.x or 2.0.x", path=VERSION_HEADER)
