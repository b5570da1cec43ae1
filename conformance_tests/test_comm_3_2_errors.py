"""Communication 3.2: error codes — unknown or mis-cased parameters, mismatched content types."""

from __future__ import annotations

from typing import Any

import pytest

from conformance_tests import expect
from conformance_tests.client import XAPIClient
from conformance_tests.endpoints import ENDPOINTS, Endpoint
from conformance_tests.factory import Factory
from conformance_tests.requirements import requirement

SECTION = "Communication 3.2"
ENDPOINT_IDS = [e.name for e in ENDPOINTS]


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=ENDPOINT_IDS)
@requirement(SECTION, "The LRS MUST reject with 400 any request using parameters it does not recognize")
def test_unknown_parameter(lrs: XAPIClient, factory: Factory, endpoint: Endpoint) -> None:
    expect.rejected(endpoint.send(lrs, factory, params={"conformanceUnknownParam": "1"}))


def _recased(endpoint: Endpoint, factory: Factory) -> dict[str, Any]:
    """The endpoint's valid parameters plus a duplicate of the first one in upper case.

    Keeping the correct parameter makes the request otherwise valid, so only an LRS that
    really rejects mis-cased parameters answers 400.
    """
    params, _ = endpoint.build(factory)
    name = next(iter(params))
    params[name.upper()] = params[name]
    return params


CASED = [e for e in ENDPOINTS if e.build(Factory("probe"))[0]]


@pytest.mark.parametrize("endpoint", CASED, ids=[e.name for e in CASED])
@requirement(SECTION, "The LRS MUST reject with 400 any parameter that matches a spec parameter in all but case")
def test_parameter_wrong_case(lrs: XAPIClient, factory: Factory, endpoint: Endpoint) -> None:
    params = _recased(endpoint, factory)
    _, body = endpoint.build(factory)
    response = lrs.request(
        endpoint.method, endpoint.path, params=params, **({} if body is None else {"json_body": body})
    )
    expect.rejected(response)


NAMED_CASES: dict[str, dict[str, Any]] = {
    "statementID": {"statementID": "c0ffee00-0000-4000-8000-0000000000aa"},
    "Verb": {"Verb": "http://adlnet.gov/expapi/verbs/experienced"},
    "Related_Agents": {"Related_Agents": "true", "agent": {"mbox": "mailto:a@conformance.example.org"}},
    "ASCENDING": {"ASCENDING": "true"},
    "Format": {"Format": "ids"},
}


@pytest.mark.parametrize("case", list(NAMED_CASES), ids=list(NAMED_CASES))
@requirement(SECTION, "The LRS MUST reject with 400 any parameter that matches a spec parameter in all but case")
def test_statement_parameter_wrong_case(lrs: XAPIClient, case: str) -> None:
    expect.rejected(lrs.get_statements(NAMED_CASES[case]))


@requirement(SECTION, "The LRS SHOULD* reject a body whose content type does not match it (JSON as text/plain)")
def test_content_type_mismatch(lrs: XAPIClient, factory: Factory) -> None:
    body = expect.json_dumps(factory.statement())
    expect.rejected(lrs.request("POST", "statements", content=body, headers={"Content-Type": "text/plain"}))


@requirement(SECTION, "A form-encoded request without a 'method' parameter SHOULD* be rejected")
def test_form_without_method(lrs: XAPIClient, factory: Factory) -> None:
    body = "content=" + expect.json_dumps(factory.statement()).decode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    expect.rejected(lrs.request("POST", "statements", content=body.encode(), headers=headers))


@requirement(SECTION, "The LRS SHOULD return a message in the response explaining the cause of the error")
def test_error_has_message(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement()
    del statement["verb"]
    response = expect.rejected(lrs.post_statements(statement))
    assert response.text.strip(), "the 400 response has an empty body"


@requirement(SECTION, "The LRS SHOULD use content negotiation: a JSON client gets a JSON error")
def test_error_is_json_when_asked(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement()
    del statement["actor"]
    response = expect.rejected(lrs.post_statements(statement, headers={"Accept": "application/json"}))
    expect.json_body(response)


@requirement(SECTION, "An unsupported method on a resource is an error (405 or 400), never a success")
def test_unsupported_method(lrs: XAPIClient) -> None:
    response = lrs.request("DELETE", "statements")
    assert response.status_code in (400, 405), f"DELETE statements answered {expect.describe(response)}"
