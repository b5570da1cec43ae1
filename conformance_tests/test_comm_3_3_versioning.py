"""Communication 3.3: the X-Experience-API-Version header on requests and responses."""

from __future__ import annotations

import pytest

from conformance_tests import expect
from conformance_tests.client import XAPIClient
from conformance_tests.endpoints import ENDPOINTS, Endpoint
from conformance_tests.factory import Factory
from conformance_tests.requirements import ONLY_1_0_3, ONLY_2_0, requirement

SECTION = "Communication 3.3"
ENDPOINT_IDS = [e.name for e in ENDPOINTS]


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=ENDPOINT_IDS)
@requirement(SECTION, "The LRS MUST reject requests without a version header with 400 Bad Request")
def test_missing_version_header(lrs: XAPIClient, factory: Factory, endpoint: Endpoint) -> None:
    expect.rejected(endpoint.send(lrs, factory, version=None))


REJECTED_VERSIONS = ["0.9", "0.95", "1.1.0", "2.1.0", "3.0.0", "one", ""]


@pytest.mark.parametrize("header", REJECTED_VERSIONS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=ENDPOINT_IDS)
@requirement(SECTION, "The LRS MUST reject requests with a version header before 1.0.0 or of 1.1.0 and greater (400)")
def test_rejected_version_header(lrs: XAPIClient, factory: Factory, endpoint: Endpoint, header: str) -> None:
    expect.rejected(endpoint.send(lrs, factory, version=header))


@pytest.mark.parametrize("header", ["1.0", "1.0.0", "1.0.1", "1.0.2", "1.0.3", "1.0.9"])
@pytest.mark.parametrize("endpoint", ENDPOINTS[:2], ids=ENDPOINT_IDS[:2])
@requirement(SECTION, "The LRS MUST accept requests with a version header of 1.0 or starting with 1.0.")
def test_accepted_1_0_headers(lrs: XAPIClient, factory: Factory, endpoint: Endpoint, header: str) -> None:
    expect.status(endpoint.send(lrs, factory, version=header), endpoint.ok)


@pytest.mark.parametrize("header", ["2.0", "2.0.0"])
@pytest.mark.parametrize("endpoint", ENDPOINTS[:2], ids=ENDPOINT_IDS[:2])
@requirement(
    "xAPI 2.0 Versions", "A 2.0 LRS MUST accept requests with a version header of 2.0 or 2.0.0", versions=ONLY_2_0
)
def test_accepted_2_0_headers(lrs: XAPIClient, factory: Factory, endpoint: Endpoint, header: str) -> None:
    expect.status(endpoint.send(lrs, factory, version=header), endpoint.ok)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=ENDPOINT_IDS)
@requirement(SECTION, "The LRS MUST include X-Experience-API-Version in every response")
def test_version_header_on_success(lrs: XAPIClient, factory: Factory, endpoint: Endpoint) -> None:
    response = expect.status(endpoint.send(lrs, factory), endpoint.ok)
    expect.version_header(response)


@pytest.mark.parametrize(
    "kind", ["400-bad-request", "401-no-credentials", "404-not-found", "400-missing-version-header"]
)
@requirement(SECTION, "The LRS MUST include X-Experience-API-Version in every response, errors included")
def test_version_header_on_errors(lrs: XAPIClient, factory: Factory, kind: str) -> None:
    if kind == "400-bad-request":
        response = expect.status(lrs.get_statements({"limit": "x"}), 400)
    elif kind == "401-no-credentials":
        response = expect.status(lrs.get_statements({"limit": 1}, auth=None), 401)
    elif kind == "404-not-found":
        response = expect.status(lrs.get_statements({"statementId": factory.uuid()}), 404)
    else:
        response = expect.status(lrs.get_statements({"limit": 1}, version=None), 400)
    expect.version_header(response)


@requirement(SECTION, "The LRS MUST set the version header to the latest patch version (1.0.3)", versions=ONLY_1_0_3)
def test_response_version_1_0_3(lrs: XAPIClient) -> None:
    response = expect.status(lrs.get_statements({"limit": 1}), 200)
    assert expect.version_header(response) == "1.0.3", (
        f"version header {response.headers.get('X-Experience-API-Version')}"
    )


@requirement("xAPI 2.0 Versions", "The LRS MUST answer 2.0 requests with the version header 2.0.0", versions=ONLY_2_0)
def test_response_version_2_0(lrs: XAPIClient) -> None:
    response = expect.status(lrs.get_statements({"limit": 1}), 200)
    assert expect.version_header(response) == "2.0.0", (
        f"version header {response.headers.get('X-Experience-API-Version')}"
    )


@requirement(SECTION, "Version rejections MUST be 400 Bad Request with a short description of the problem")
def test_version_rejection_has_message(lrs: XAPIClient) -> None:
    response = expect.rejected(lrs.get_statements({"limit": 1}, version="0.9"))
    assert response.text.strip(), "the 400 for a bad version header has no description"


@requirement(SECTION, "Statements of newer versions MUST NOT be converted into a prior version format")
def test_statement_not_converted(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.full_statement()
    lrs.store(statement)
    got = lrs.fetch_json(statement["id"])
    for key in ("actor", "verb", "object", "result"):
        assert got[key] == statement[key], f"{key} changed: {got[key]!r}"
