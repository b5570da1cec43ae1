"""Communication 2.8: the About resource."""

from __future__ import annotations

import re

import pytest

from conformance_tests import expect
from conformance_tests.client import VERSION_HEADER, XAPIClient
from conformance_tests.requirements import requirement

SECTION = "Communication 2.8"
VERSION_STRING = re.compile(r"^(0\.9|0\.95|\d+\.\d+\.\d+)$")


@requirement(SECTION, "GET about MUST return 200 with a JSON object")
def test_about_returns_json_object(lrs: XAPIClient) -> None:
    response = expect.status(lrs.request("GET", "about"), 200)
    assert expect.content_type(response) == "application/json", expect.describe(response)
    assert isinstance(expect.json_body(response), dict), expect.describe(response)


@requirement(SECTION, "About MUST have a 'version' property that is an array of version strings")
def test_about_version_is_array_of_strings(lrs: XAPIClient) -> None:
    body = expect.json_body(expect.status(lrs.request("GET", "about"), 200))
    versions = body.get("version")
    assert isinstance(versions, list) and versions, f"'version' must be a non-empty array, got {versions!r}"
    bad = [v for v in versions if not isinstance(v, str) or not VERSION_STRING.match(v)]
    assert not bad, f"not version strings: {bad!r}"


@requirement(SECTION, "About 'version' MUST include the latest patch version the LRS conforms to (the tested one)")
def test_about_lists_tested_version(lrs: XAPIClient, version: str) -> None:
    body = expect.json_body(expect.status(lrs.request("GET", "about"), 200))
    assert version in body.get("version", []), f"about.version {body.get('version')!r} lacks {version}"


@requirement(SECTION, "Additional properties MUST NOT be added to About outside of 'extensions'")
def test_about_has_no_additional_properties(lrs: XAPIClient) -> None:
    body = expect.json_body(expect.status(lrs.request("GET", "about"), 200))
    extra = set(body) - {"version", "extensions"}
    assert not extra, f"about has properties outside the spec: {sorted(extra)}"


@requirement(SECTION, "About 'extensions', when present, MUST be an object keyed by IRIs")
def test_about_extensions_is_object(lrs: XAPIClient) -> None:
    body = expect.json_body(expect.status(lrs.request("GET", "about"), 200))
    if "extensions" in body:
        extensions = body["extensions"]
        assert isinstance(extensions, dict), f"extensions must be an object, got {extensions!r}"
        bad = [k for k in extensions if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", k)]
        assert not bad, f"extension keys that are not IRIs: {bad}"


@requirement(SECTION, "An LRS SHOULD allow unauthenticated access to the About resource")
def test_about_without_credentials(lrs: XAPIClient) -> None:
    response = expect.status(lrs.request("GET", "about", auth=None), 200)
    assert "version" in expect.json_body(response)


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(None, id="no-version-header"),
        pytest.param("0.9", id="version-0.9"),
        pytest.param("1.1.0", id="version-1.1.0"),
        pytest.param("banana", id="version-garbage"),
    ],
)
@requirement(SECTION, "An LRS MUST NOT reject About requests based on their version header")
def test_about_ignores_version_header(lrs: XAPIClient, header: str | None) -> None:
    response = expect.status(lrs.request("GET", "about", version=header), 200)
    assert "version" in expect.json_body(response)


@requirement(SECTION, "The About response MUST carry the X-Experience-API-Version header")
def test_about_response_version_header(lrs: XAPIClient) -> None:
    response = expect.status(lrs.request("GET", "about"), 200)
    assert response.headers.get(VERSION_HEADER), expect.describe(response)


@requirement(SECTION, "HEAD about MUST answer like GET without a body")
def test_about_head(lrs: XAPIClient) -> None:
    response = expect.status(lrs.request("HEAD", "about"), 200)
    assert response.content == b"", "HEAD response carried a body"
