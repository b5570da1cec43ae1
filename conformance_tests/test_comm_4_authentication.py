"""Communication 4.0: authentication — missing or wrong credentials get 401 on every resource."""

from __future__ import annotations

import base64

import pytest

from conformance_tests import expect
from conformance_tests.client import XAPIClient, basic_auth
from conformance_tests.endpoints import ENDPOINTS, Endpoint
from conformance_tests.factory import Factory
from conformance_tests.requirements import requirement

SECTION = "Communication 4.0"
ENDPOINT_IDS = [e.name for e in ENDPOINTS]


def _bad_credentials(lrs: XAPIClient) -> dict[str, str | None]:
    key, secret = lrs.settings.key, lrs.settings.secret
    return {
        "none": None,
        "wrong-secret": basic_auth(key, secret + "-wrong"),
        "unknown-key": basic_auth(f"unknown-{key}", secret),
        "empty-basic": "Basic",
        "not-base64": "Basic !!!not-base64!!!",
        "no-colon": "Basic " + base64.b64encode(key.encode()).decode(),
        "unknown-scheme": "Bearer " + base64.b64encode(f"{key}:{secret}".encode()).decode(),
    }


CREDENTIAL_CASES = ["none", "wrong-secret", "unknown-key", "empty-basic", "not-base64", "no-colon", "unknown-scheme"]


@pytest.mark.parametrize("credential", CREDENTIAL_CASES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=ENDPOINT_IDS)
@requirement(SECTION, "Requests without valid credentials MUST be refused with 401 Unauthorized")
def test_bad_credentials_refused(lrs: XAPIClient, factory: Factory, endpoint: Endpoint, credential: str) -> None:
    response = endpoint.send(lrs, factory, auth=_bad_credentials(lrs)[credential])
    expect.status(response, 401)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=ENDPOINT_IDS)
@requirement(SECTION, "The configured credential MUST be accepted (HTTP Basic Authentication)")
def test_valid_credentials_accepted(lrs: XAPIClient, factory: Factory, endpoint: Endpoint) -> None:
    expect.status(endpoint.send(lrs, factory), endpoint.ok)


@pytest.mark.parametrize("endpoint", ENDPOINTS[:2], ids=ENDPOINT_IDS[:2])
@requirement(SECTION, "A 401 response MUST carry a WWW-Authenticate challenge (RFC 7235)")
def test_401_has_challenge(lrs: XAPIClient, factory: Factory, endpoint: Endpoint) -> None:
    response = expect.status(endpoint.send(lrs, factory, auth=None), 401)
    expect.header(response, "WWW-Authenticate")


@requirement(SECTION, "The Basic auth-scheme name is case-insensitive (RFC 7235): 'basic' MUST be accepted")
def test_lowercase_basic_scheme(lrs: XAPIClient) -> None:
    credential = lrs.authorization.replace("Basic ", "basic ", 1)
    expect.status(lrs.get_statements({"limit": 1}, auth=credential), 200)


@requirement(SECTION, "A statement refused for bad credentials MUST NOT be stored")
def test_refused_statement_not_stored(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement()
    expect.status(lrs.post_statements(statement, auth=basic_auth("nobody", "nothing")), 401)
    expect.status(lrs.get_statements({"statementId": statement["id"]}), 404)
