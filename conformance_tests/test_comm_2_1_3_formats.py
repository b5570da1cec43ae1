"""Communication 2.1.3: the 'format' parameter (exact, ids, canonical) and language filtering."""

from __future__ import annotations

from typing import Any

import pytest

from conformance_tests import expect, flows
from conformance_tests.client import XAPIClient
from conformance_tests.compare import assert_preserved
from conformance_tests.factory import JSON, Factory
from conformance_tests.requirements import ONLY_1_0_3, ONLY_2_0, requirement

FORMATS = "Communication 2.1.3 Formats"
VERB = "Data 2.4.3"
IFIS = ("mbox", "mbox_sha1sum", "openid", "account")


def _rich(factory: Factory) -> JSON:
    """A statement full of non-identifying detail that format=ids must strip."""
    activity = factory.activity()
    activity["definition"]["name"] = {"en-US": "Course", "fr": "Cours", "de": "Kurs"}
    activity["definition"]["description"] = {"en-US": "A course", "fr": "Un cours", "de": "Ein Kurs"}
    statement = factory.statement(
        actor=factory.group(identified=False, members=2),
        verb={"id": factory.iri("verb"), "display": {"en-US": "attended", "fr": "a assisté", "de": "besuchte"}},
        object=activity,
    )
    statement["context"] = {
        "instructor": factory.agent(name="Instructor Name"),
        "contextActivities": {"parent": [factory.activity()]},
    }
    return statement


@pytest.fixture(scope="module")
def rich(lrs: XAPIClient, factory: Factory) -> JSON:
    statement = _rich(factory)
    flows.accepted(lrs, statement)
    return statement


def _get(lrs: XAPIClient, statement_id: str, fmt: str, language: str | None = None) -> JSON:
    headers = {"Accept-Language": language} if language else None
    response = expect.status(
        lrs.request("GET", "statements", params={"statementId": statement_id, "format": fmt}, headers=headers), 200
    )
    body: JSON = expect.json_body(response)
    return body


def _minimal_agent(agent: Any, where: str) -> None:
    assert isinstance(agent, dict), f"{where}: {agent!r}"
    assert "name" not in agent, f"{where}: format=ids kept the name: {agent!r}"
    if agent.get("objectType") != "Group" or any(i in agent for i in IFIS):
        present = [i for i in IFIS if i in agent]
        assert len(present) == 1, f"{where}: format=ids must keep exactly the identifying IFI: {agent!r}"


@requirement(FORMATS, "format=exact MUST return Agent, Activity, Verb and Group Objects exactly as received")
def test_format_exact(lrs: XAPIClient, rich: JSON) -> None:
    assert_preserved(rich, _get(lrs, rich["id"], "exact"))


@requirement(FORMATS, "format=ids MUST include only the minimum needed to identify Agents (no name)")
def test_format_ids_agents(lrs: XAPIClient, rich: JSON) -> None:
    got = _get(lrs, rich["id"], "ids")
    _minimal_agent(got["context"]["instructor"], "context.instructor")


@requirement(FORMATS, "format=ids for an Anonymous Group MUST keep the minimum to identify each member")
def test_format_ids_anonymous_group(lrs: XAPIClient, rich: JSON) -> None:
    got = _get(lrs, rich["id"], "ids")
    members = got["actor"].get("member", [])
    assert len(members) == 2, f"anonymous group members lost: {got['actor']!r}"
    for member in members:
        _minimal_agent(member, "actor.member")
    assert "name" not in got["actor"], f"format=ids kept the group name: {got['actor']!r}"


@requirement(FORMATS, "format=ids MUST include only the Activity id (no definition)")
def test_format_ids_activity(lrs: XAPIClient, rich: JSON) -> None:
    got = _get(lrs, rich["id"], "ids")
    assert got["object"]["id"] == rich["object"]["id"]
    assert "definition" not in got["object"], f"format=ids kept the definition: {got['object']!r}"
    parent = got["context"]["contextActivities"]["parent"][0]
    assert "definition" not in parent, f"format=ids kept a context activity definition: {parent!r}"


@requirement(VERB, "With format=ids the LRS SHOULD* NOT include the Verb 'display'", versions=ONLY_1_0_3)
def test_format_ids_verb_1_0_3(lrs: XAPIClient, rich: JSON) -> None:
    got = _get(lrs, rich["id"], "ids")
    assert got["verb"] == {"id": rich["verb"]["id"]}, f"format=ids verb: {got['verb']!r}"


@requirement(VERB, "With format=ids the LRS MUST NOT include the Verb 'display'", versions=ONLY_2_0)
def test_format_ids_verb_2_0(lrs: XAPIClient, rich: JSON) -> None:
    got = _get(lrs, rich["id"], "ids")
    assert got["verb"] == {"id": rich["verb"]["id"]}, f"format=ids verb: {got['verb']!r}"


@requirement(FORMATS, "format=ids applies inside a SubStatement too")
def test_format_ids_substatement(lrs: XAPIClient, factory: Factory) -> None:
    sub = factory.substatement()
    statement = factory.statement(object=sub)
    flows.accepted(lrs, statement)
    got = _get(lrs, statement["id"], "ids")["object"]
    _minimal_agent(got["actor"], "substatement actor")
    assert "definition" not in got["object"], f"format=ids kept the SubStatement's activity definition: {got!r}"


@requirement(FORMATS, "format=ids applies to query results as well as single Statements")
def test_format_ids_in_query(lrs: XAPIClient, rich: JSON) -> None:
    response = expect.status(lrs.get_statements({"activity": rich["object"]["id"], "format": "ids"}), 200)
    statements = expect.json_body(response)["statements"]
    assert statements and "definition" not in statements[0]["object"], f"format=ids ignored in a query: {statements}"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [("fr", "fr"), ("de", "de"), ("de, fr;q=0.5", "de"), ("es, fr;q=0.8, de;q=0.5", "fr"), ("en-US", "en-US")],
)
@requirement(FORMATS, "format=canonical MUST return one language per map, chosen with Accept-Language")
def test_canonical_language_selection(lrs: XAPIClient, rich: JSON, accept: str, expected: str) -> None:
    got = _get(lrs, rich["id"], "canonical", accept)
    definition = got["object"].get("definition", {})
    for key in ("name", "description"):
        value = definition.get(key, {})
        assert list(value) == [expected], f"canonical {key} for Accept-Language {accept!r}: {value!r}"


@requirement(FORMATS, "format=canonical MUST return only one language in each Activity language map")
def test_canonical_single_language_without_header(lrs: XAPIClient, rich: JSON) -> None:
    got = _get(lrs, rich["id"], "canonical")
    for key in ("name", "description"):
        value = got["object"].get("definition", {}).get(key, {})
        assert len(value) == 1, f"canonical {key} holds {len(value)} languages: {value!r}"


@requirement(FORMATS, "format=canonical filters interaction component descriptions to one language")
def test_canonical_component_language(lrs: XAPIClient, factory: Factory) -> None:
    activity = factory.activity(definition=False)
    activity["definition"] = {
        "interactionType": "choice",
        "choices": [{"id": "a", "description": {"en-US": "Yes", "fr": "Oui"}}],
        "correctResponsesPattern": ["a"],
    }
    statement = factory.statement(object=activity)
    flows.accepted(lrs, statement)
    got = _get(lrs, statement["id"], "canonical", "fr")
    choices = got["object"]["definition"]["choices"]
    assert choices[0]["description"] == {"fr": "Oui"}, f"component description: {choices[0]!r}"


@requirement(VERB, "With format=canonical the LRS SHOULD* return a canonical Display for the Verb (one language)")
def test_canonical_verb_display(lrs: XAPIClient, rich: JSON) -> None:
    got = _get(lrs, rich["id"], "canonical", "de")
    assert got["verb"].get("display") == {"de": "besuchte"}, f"canonical verb display: {got['verb']!r}"


@requirement(FORMATS, "format=canonical MUST return the original Agent and Group Objects as in exact")
def test_canonical_keeps_agents(lrs: XAPIClient, rich: JSON) -> None:
    got = _get(lrs, rich["id"], "canonical", "fr")
    assert got["context"]["instructor"] == rich["context"]["instructor"], got["context"]["instructor"]
    assert len(got["actor"]["member"]) == 2


@requirement("Data 2.4.4.1", "The LRS SHOULD update its canonical Activity Definition from newer Statements")
def test_canonical_uses_updated_definition(lrs: XAPIClient, factory: Factory) -> None:
    activity = factory.activity()
    activity["definition"]["name"] = {"en-US": "Old name"}
    first = factory.statement(object=activity)
    flows.accepted(lrs, first)
    newer = factory.statement(object={**activity, "definition": {**activity["definition"], "name": {"en-US": "New"}}})
    flows.accepted(lrs, newer)
    got = _get(lrs, first["id"], "canonical", "en-US")
    assert got["object"]["definition"]["name"] == {"en-US": "New"}, f"canonical name: {got['object']!r}"
    exact = _get(lrs, first["id"], "exact")
    assert exact["object"]["definition"]["name"] == {"en-US": "Old name"}, "format=exact changed with the definition"


@requirement(FORMATS, "The default format is exact")
def test_default_format_is_exact(lrs: XAPIClient, rich: JSON) -> None:
    default = expect.json_body(expect.status(lrs.fetch(rich["id"]), 200))
    assert default["object"] == _get(lrs, rich["id"], "exact")["object"]
    assert default["verb"] == rich["verb"]


@requirement(FORMATS, "Accept-Language MUST be applied to each language map individually")
def test_canonical_language_per_map(lrs: XAPIClient, factory: Factory) -> None:
    activity = factory.activity()
    activity["definition"]["name"] = {"en-US": "Course", "fr": "Cours"}
    activity["definition"]["description"] = {"en-US": "A course", "de": "Ein Kurs"}
    statement = factory.statement(object=activity)
    flows.accepted(lrs, statement)
    definition = _get(lrs, statement["id"], "canonical", "de, fr;q=0.5, en;q=0.1")["object"]["definition"]
    assert definition.get("name") == {"fr": "Cours"}, f"name for 'de, fr;q=0.5': {definition.get('name')!r}"
    assert definition.get("description") == {"de": "Ein Kurs"}, f"description: {definition.get('description')!r}"


@requirement(FORMATS, "format=canonical applies to query results as well as single Statements")
def test_canonical_in_query(lrs: XAPIClient, rich: JSON) -> None:
    response = expect.status(
        lrs.request(
            "GET",
            "statements",
            params={"activity": rich["object"]["id"], "format": "canonical"},
            headers={"Accept-Language": "fr"},
        ),
        200,
    )
    statements = expect.json_body(response)["statements"]
    assert statements, "the query returned nothing"
    assert statements[0]["object"]["definition"]["name"] == {"fr": "Cours"}, statements[0]["object"]
