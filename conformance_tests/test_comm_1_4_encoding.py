"""Communication 1.4: every string is UTF-8, in bodies, parameters and responses."""

from __future__ import annotations

import pytest

from conformance_tests import expect, flows
from conformance_tests.client import XAPIClient
from conformance_tests.factory import Factory
from conformance_tests.requirements import requirement

SECTION = "Communication 1.4"
TEXTS = {
    "latin-accents": "Zoë Ñandú Øresund",
    "cjk": "学习记录 学習記録",
    "arabic-rtl": "سجل التعلم",
    "emoji-astral": "🎓📚✅",
    "combining-marks": "e\u0301 a\u0308",
    "escapes": 'quote " backslash \\ tab \t newline \n',
}


@pytest.mark.parametrize("text", list(TEXTS.values()), ids=list(TEXTS))
@requirement(SECTION, "All strings MUST be encoded and interpreted as UTF-8")
def test_utf8_strings_round_trip(lrs: XAPIClient, factory: Factory, text: str) -> None:
    statement = factory.statement(actor=factory.agent(name=text), result={"response": text})
    got = flows.preserved(lrs, statement)
    assert got["result"]["response"] == text


@requirement(SECTION, "A body declared as application/json; charset=utf-8 MUST be accepted")
def test_charset_parameter(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement(result={"response": "Grüße"})
    body = expect.json_dumps(statement)
    response = lrs.request(
        "POST", "statements", content=body, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    expect.status(response, 200)
    assert lrs.fetch_json(statement["id"])["result"]["response"] == "Grüße"


@requirement(SECTION, "Non-ASCII characters in query parameters MUST be interpreted as UTF-8")
def test_utf8_query_parameter(lrs: XAPIClient, factory: Factory) -> None:
    activity_id = f"{factory.iri('activity')}/δραστηριότητα"
    statement = factory.statement(object={"objectType": "Activity", "id": activity_id})
    lrs.store(statement)
    flows.wait_consistent(lrs, [statement["id"]])
    expect.same_set(flows.query_ids(lrs, {"activity": activity_id}), [statement["id"]], "query by a non-ASCII IRI")


@requirement(SECTION, "Responses MUST be UTF-8")
def test_response_is_utf8(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement(result={"response": "✓ 学"})
    lrs.store(statement)
    response = expect.status(lrs.fetch(statement["id"]), 200)
    charset = response.headers.get("Content-Type", "").lower().partition("charset=")[2].strip()
    assert charset in ("", "utf-8", "utf8"), f"response charset {charset!r} is not UTF-8"
    assert "✓ 学" in response.content.decode("utf-8")
