"""Data 4: extensions, language maps, IRIs — valid and invalid forms in each place they occur."""

from __future__ import annotations

from typing import Any

import pytest

from conformance_tests import expect, flows
from conformance_tests.cases import Case, Slot, const, params
from conformance_tests.cases.values import (
    INVALID_IRIS,
    INVALID_LANGUAGE_TAGS,
    VALID_IRI_FORMS,
    VALID_LANGUAGE_TAGS,
)
from conformance_tests.client import XAPIClient
from conformance_tests.factory import JSON, Factory
from conformance_tests.requirements import requirement

EXTENSIONS = "Data 4.1"
LANGUAGE = "Data 4.2"
IRIS = "Data 4.3"

# -- where a language map can be ------------------------------------------------------------------


def _verb_display(f: Factory, m: Any) -> JSON:
    return f.statement(verb={"id": f.iri("verb"), "display": m})


def _definition(f: Factory, key: str, m: Any) -> JSON:
    activity = f.activity(definition=False)
    activity["definition"] = {key: m}
    return f.statement(object=activity)


def _component(f: Factory, m: Any) -> JSON:
    activity = f.activity(definition=False)
    activity["definition"] = {"interactionType": "choice", "choices": [{"id": "a", "description": m}]}
    return f.statement(object=activity)


def _attachment(f: Factory, key: str, m: Any) -> JSON:
    attachment = {
        "usageType": "http://conformance.example.org/attachment-usage/report",
        "display": {"en-US": "Report"},
        "contentType": "text/plain",
        "length": 1,
        "sha2": "a" * 64,
        "fileUrl": "http://conformance.example.org/files/report.txt",
        key: m,
    }
    return f.statement(attachments=[attachment])


LANGUAGE_MAP_SLOTS = (
    Slot("verb.display", _verb_display),
    Slot("definition.name", lambda f, m: _definition(f, "name", m)),
    Slot("definition.description", lambda f, m: _definition(f, "description", m)),
    Slot("component.description", _component),
    Slot("attachment.display", lambda f, m: _attachment(f, "display", m)),
    Slot("attachment.description", lambda f, m: _attachment(f, "description", m)),
)

LENGTH_RULE = "The LRS MUST validate that language map keys follow the RFC 5646 sequence of token lengths"
INVALID_MAPS = (
    *(Case(f"key-{name}", LANGUAGE, LENGTH_RULE, const({tag: "text"})) for name, tag in INVALID_LANGUAGE_TAGS.items()),
    Case("value-number", LANGUAGE, "Language map values MUST be strings", const({"en": 1})),
    Case("value-object", LANGUAGE, "Language map values MUST be strings", const({"en": {"text": "x"}})),
    Case("map-string", LANGUAGE, "A language map MUST be an object", const("text")),
    Case("map-array", LANGUAGE, "A language map MUST be an object", const(["text"])),
)
VALID_MAP_RULE = "The LRS MUST accept and keep language maps keyed by RFC 5646 tags"
VALID_MAPS = (
    *(Case(f"key-{name}", LANGUAGE, VALID_MAP_RULE, const({tag: "t"})) for name, tag in VALID_LANGUAGE_TAGS.items()),
    Case(
        "many-languages",
        LANGUAGE,
        "A language map MAY hold many languages",
        const({"en-US": "colour", "en-GB": "colour", "fr": "couleur", "ja": "色", "ar": "لون"}),
    ),
)


@pytest.mark.parametrize(("case", "slot"), params(INVALID_MAPS, LANGUAGE_MAP_SLOTS))
def test_invalid_language_map_rejected(lrs: XAPIClient, factory: Factory, case: Case, slot: Slot) -> None:
    expect.rejected(lrs.post_statements(slot.place(factory, case.value(factory))))


@pytest.mark.parametrize(("case", "slot"), params(VALID_MAPS, LANGUAGE_MAP_SLOTS[:3]))
def test_valid_language_map_kept(lrs: XAPIClient, factory: Factory, case: Case, slot: Slot) -> None:
    flows.preserved(lrs, slot.place(factory, case.value(factory)))


# -- where an IRI must be ------------------------------------------------------------------------


def _extension_key(f: Factory, where: str, iri: Any) -> JSON:
    if not isinstance(iri, str):
        iri = str(iri)
    extensions = {iri: "value"}
    if where == "result":
        return f.statement(result={"extensions": extensions})
    if where == "context":
        return f.statement(context={"extensions": extensions})
    activity = f.activity(definition=False)
    activity["definition"] = {"extensions": extensions}
    return f.statement(object=activity)


def _with_definition(f: Factory, **definition: Any) -> JSON:
    activity = f.activity(definition=False)
    activity["definition"] = definition
    return f.statement(object=activity)


IRI_SLOTS = (
    Slot("verb.id", lambda f, v: f.statement(verb={"id": v})),
    Slot("activity.id", lambda f, v: f.statement(object={"objectType": "Activity", "id": v})),
    Slot("parent.id", lambda f, v: f.statement(context={"contextActivities": {"parent": [{"id": v}]}})),
    Slot("definition.type", lambda f, v: _with_definition(f, type=v)),
    Slot("definition.moreInfo", lambda f, v: _with_definition(f, moreInfo=v)),
    Slot("openid", lambda f, v: f.statement(actor={"objectType": "Agent", "openid": v})),
    Slot(
        "account.homePage",
        lambda f, v: f.statement(actor={"objectType": "Agent", "account": {"homePage": v, "name": "n"}}),
    ),
    Slot("attachment.usageType", lambda f, v: _attachment(f, "usageType", v)),
    Slot("attachment.fileUrl", lambda f, v: _attachment(f, "fileUrl", v)),
)


def _key_slot(where: str) -> Slot:
    return Slot(f"{where}.extensions-key", lambda f, v: _extension_key(f, where, v))


EXTENSION_KEY_SLOTS = tuple(_key_slot(where) for where in ("result", "context", "definition"))

IRI_RULE = "The LRS MUST reject IRI and IRL values without a scheme (and values of the wrong type)"
INVALID_IRI_CASES = tuple(Case(name, IRIS, IRI_RULE, const(value)) for name, value in INVALID_IRIS.items())
KEY_RULE = "The keys of an extensions map MUST be IRIs"
INVALID_KEY_CASES = tuple(
    Case(name, EXTENSIONS, KEY_RULE, const(value)) for name, value in INVALID_IRIS.items() if isinstance(value, str)
)


@pytest.mark.parametrize(("case", "slot"), params(INVALID_IRI_CASES, IRI_SLOTS))
def test_invalid_iri_rejected(lrs: XAPIClient, factory: Factory, case: Case, slot: Slot) -> None:
    expect.rejected(lrs.post_statements(slot.place(factory, case.value(factory))))


@pytest.mark.parametrize(("case", "slot"), params(INVALID_KEY_CASES, EXTENSION_KEY_SLOTS))
def test_extension_key_not_iri_rejected(lrs: XAPIClient, factory: Factory, case: Case, slot: Slot) -> None:
    expect.rejected(lrs.post_statements(slot.place(factory, case.value(factory))))


def _iri_case(name: str, form: str) -> Case:
    def build(f: Factory) -> str:
        return form.format(run=f.run_id, n=f.uuid())

    return Case(name, IRIS, "The LRS MUST accept IRIs of any scheme, including non-ASCII IRIs", build)


VALID_IRI_CASES = tuple(_iri_case(name, form) for name, form in VALID_IRI_FORMS.items())
VALID_IRI_SLOTS = (IRI_SLOTS[0], IRI_SLOTS[1], IRI_SLOTS[3], EXTENSION_KEY_SLOTS[0])


@pytest.mark.parametrize(("case", "slot"), params(VALID_IRI_CASES, VALID_IRI_SLOTS))
def test_valid_iri_kept(lrs: XAPIClient, factory: Factory, case: Case, slot: Slot) -> None:
    flows.preserved(lrs, slot.place(factory, case.value(factory)))


@requirement(IRIS, "LRSs SHOULD* compare IRIs as plain strings (no scheme-based normalization)")
def test_iris_differing_in_case_are_distinct(lrs: XAPIClient, factory: Factory) -> None:
    base = factory.iri("case")
    lower, upper = factory.statement(object={"id": f"{base}/page"}), factory.statement(object={"id": f"{base}/PAGE"})
    flows.accepted(lrs, lower)
    flows.accepted(lrs, upper)
    result = expect.json_body(expect.status(lrs.get_statements({"activity": f"{base}/page"}), 200))
    expect.same_set(expect.statement_ids(result), [lower["id"]], "activity filter on a case-sensitive IRI")


# -- extension values ----------------------------------------------------------------------------

EXTENSION_VALUES: dict[str, Any] = {
    "string": "text",
    "integer": 7,
    "float": 2.5,
    "true": True,
    "false": False,
    "null": None,
    "object": {"a": {"b": [1, "two", None]}},
    "array": [1, "two", {"three": 3}],
    "empty-object": {},
    "empty-array": [],
}


def _place_value(f: Factory, where: str, key: str, value: Any) -> JSON:
    statement = _extension_key(f, where, key)
    holder = statement["result"] if where == "result" else statement["context"] if where == "context" else None
    if holder is None:
        statement["object"]["definition"]["extensions"][key] = value
    else:
        holder["extensions"][key] = value
    return statement


def _value_slot(where: str) -> Slot:
    return Slot(f"{where}.extensions", lambda f, v: _place_value(f, where, f.iri("ext"), v))


EXTENSION_VALUE_SLOTS = tuple(_value_slot(where) for where in ("result", "context", "definition"))
EXTENSION_VALUE_CASES = tuple(
    Case(
        name,
        EXTENSIONS,
        "An LRS MUST NOT reject a Statement based on the values of the extensions map",
        const(value),
    )
    for name, value in EXTENSION_VALUES.items()
)


@pytest.mark.parametrize(("case", "slot"), params(EXTENSION_VALUE_CASES, EXTENSION_VALUE_SLOTS))
def test_extension_values_kept(lrs: XAPIClient, factory: Factory, case: Case, slot: Slot) -> None:
    flows.preserved(lrs, slot.place(factory, case.value(factory)))
