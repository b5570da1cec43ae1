"""Data 2.4.3: the Verb, in a statement and in a SubStatement."""

from __future__ import annotations

import pytest

from conformance_tests import expect, flows
from conformance_tests.cases import Case, Slot, params
from conformance_tests.cases import slots as s
from conformance_tests.cases.parts import INVALID_VERBS
from conformance_tests.client import XAPIClient
from conformance_tests.factory import Factory
from conformance_tests.requirements import requirement

SECTION = "Data 2.4.3"


@pytest.mark.parametrize(("case", "slot"), params(INVALID_VERBS, s.VERB_SLOTS))
def test_invalid_verb_rejected(lrs: XAPIClient, factory: Factory, case: Case, slot: Slot) -> None:
    expect.rejected(lrs.post_statements(slot.place(factory, case.value(factory))))


@pytest.mark.parametrize("slot", [pytest.param(slot, id=slot.name) for slot in s.VERB_SLOTS])
@requirement(SECTION, "A Verb's display is optional: a Verb with only an id MUST be accepted")
def test_verb_without_display_accepted(lrs: XAPIClient, factory: Factory, slot: Slot) -> None:
    flows.preserved(lrs, slot.place(factory, {"id": factory.iri("verb")}))


@requirement(SECTION, "With format=exact the LRS MUST return 'display' exactly as included within the Statement")
def test_verb_display_returned_exactly(lrs: XAPIClient, factory: Factory) -> None:
    verb = {"id": factory.iri("verb"), "display": {"en-US": "defenestrated", "es": "defenestrado", "de": "x"}}
    statement = factory.statement(verb=verb)
    flows.accepted(lrs, statement)
    got = lrs.fetch_json(statement["id"], format="exact")
    assert got["verb"] == verb, f"verb returned {got['verb']!r}, sent {verb!r}"


@requirement(SECTION, "With format=exact the LRS MUST return 'display' exactly as omitted within the Statement")
def test_verb_display_omitted_stays_omitted(lrs: XAPIClient, factory: Factory) -> None:
    verb_id = factory.iri("verb")
    first = factory.statement(verb={"id": verb_id, "display": {"en-US": "did"}})
    second = factory.statement(verb={"id": verb_id})
    flows.accepted(lrs, first)
    flows.accepted(lrs, second)
    got = lrs.fetch_json(second["id"], format="exact")
    assert "display" not in got["verb"], f"display was added to a verb sent without one: {got['verb']!r}"


@requirement(SECTION, "A Verb id with a non-ASCII IRI (e.g. http://example.com/فعل/خواندن) MUST be accepted")
def test_verb_unicode_iri(lrs: XAPIClient, factory: Factory) -> None:
    verb = {"id": f"{factory.iri('verb')}/فعل/خواندن", "display": {"fa": "خواندن"}}
    flows.preserved(lrs, factory.statement(verb=verb))
