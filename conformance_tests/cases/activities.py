"""Activities and their definitions (Data 2.4.4.1, interactions): invalid and valid fragments."""

from __future__ import annotations

from typing import Any, Final

from conformance_tests.cases import Case, const
from conformance_tests.factory import JSON, Factory

ACTIVITY: Final = "Data 2.4.4.1"
INTERACTIONS: Final = "Data 2.4.4.1 Interactions"
FORMAT: Final = "Data 2.2"
EXTENSIONS: Final = "Data 4.1"
LANGUAGE: Final = "Data 4.2"

ID_IRI = "An Activity MUST have an 'id' that is an IRI"
WRONG_TYPE = "The LRS MUST reject Statements where the wrong data type is used"
NULLS = "The LRS MUST reject Statements with any null values (except inside extensions)"
EXTRA = "The LRS SHOULD* reject Statements containing additional properties"
LANG_MAP = "name and description MUST be Language Maps (RFC 5646 keys, string values)"
VALID_TYPE = "Interaction Activities MUST have a valid interactionType"
DISTINCT = "Within an array of interaction components, all id values MUST be distinct"
COMPONENT = "An interaction component MUST have a string 'id' and an optional Language Map 'description'"
ACTIVITY_ID = "http://conformance.example.org/activities/invalid"


def _activity(**fields: Any) -> JSON:
    return {"objectType": "Activity", "id": ACTIVITY_ID, **fields}


def _definition(**fields: Any) -> JSON:
    return _activity(definition={"name": {"en-US": "x"}, **fields})


def _choice(**fields: Any) -> JSON:
    return _activity(
        definition={
            "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
            "interactionType": "choice",
            "correctResponsesPattern": ["a"],
            **fields,
        }
    )


INVALID_ACTIVITIES: Final = (
    Case("no-id", ACTIVITY, ID_IRI, const({"objectType": "Activity", "definition": {"name": {"en": "x"}}}), core=True),
    Case("id-no-scheme", ACTIVITY, ID_IRI, const(_activity(id="not an iri")), core=True),
    Case("id-host-without-scheme", ACTIVITY, ID_IRI, const(_activity(id="conformance.example.org/a"))),
    Case("id-relative", ACTIVITY, ID_IRI, const(_activity(id="/activities/1"))),
    Case("id-empty", ACTIVITY, ID_IRI, const(_activity(id=""))),
    Case("id-null", FORMAT, NULLS, const(_activity(id=None)), core=True),
    Case("id-number", FORMAT, WRONG_TYPE, const(_activity(id=1))),
    Case(
        "objectType-lowercase",
        FORMAT,
        "The LRS MUST reject enumerated values whose case does not match the spec exactly",
        const(_activity(objectType="activity")),
        core=True,
    ),
    Case(
        "objectType-unknown",
        ACTIVITY,
        "An Object's objectType MUST be Activity, Agent, Group, SubStatement or StatementRef",
        const(_activity(objectType="Course")),
    ),
    Case("definition-string", FORMAT, WRONG_TYPE, const(_activity(definition="a course")), core=True),
    Case("definition-array", FORMAT, WRONG_TYPE, const(_activity(definition=[{"name": {"en": "x"}}]))),
    Case("definition-null", FORMAT, NULLS, const(_activity(definition=None))),
    Case("name-string", LANGUAGE, LANG_MAP, const(_activity(definition={"name": "plain"})), core=True),
    Case("name-bad-tag", LANGUAGE, LANG_MAP, const(_activity(definition={"name": {"en_US": "x"}}))),
    Case("name-value-number", LANGUAGE, LANG_MAP, const(_activity(definition={"name": {"en": 5}}))),
    Case("name-value-null", FORMAT, NULLS, const(_activity(definition={"name": {"en": None}}))),
    Case("description-string", LANGUAGE, LANG_MAP, const(_activity(definition={"description": "plain"}))),
    Case("description-bad-tag", LANGUAGE, LANG_MAP, const(_activity(definition={"description": {"e": "x"}}))),
    Case(
        "type-not-iri",
        ACTIVITY,
        "An Activity Definition's 'type' MUST be an IRI",
        const(_definition(type="assessment")),
        core=True,
    ),
    Case("type-number", FORMAT, WRONG_TYPE, const(_definition(type=3))),
    Case("moreInfo-not-irl", ACTIVITY, "'moreInfo' MUST be an IRL", const(_definition(moreInfo="see the web"))),
    Case("moreInfo-number", FORMAT, WRONG_TYPE, const(_definition(moreInfo=3))),
    Case(
        "extensions-array",
        EXTENSIONS,
        "Extensions MUST be an object (a map keyed by IRIs)",
        const(_definition(extensions=["http://conformance.example.org/ext"])),
    ),
    Case(
        "extension-key-not-iri",
        EXTENSIONS,
        "The keys of an extensions map MUST be IRIs",
        const(_definition(extensions={"color": "blue"})),
        core=True,
    ),
    Case("definition-extra-property", ACTIVITY, EXTRA, const(_definition(difficulty="hard"))),
    Case("activity-extra-property", ACTIVITY, EXTRA, const(_activity(version=2))),
    Case("interactionType-case", INTERACTIONS, VALID_TYPE, const(_choice(interactionType="Choice")), core=True),
    Case("interactionType-unknown", INTERACTIONS, VALID_TYPE, const(_choice(interactionType="essay"))),
    Case("interactionType-number", INTERACTIONS, VALID_TYPE, const(_choice(interactionType=1))),
    Case(
        "correctResponsesPattern-string",
        INTERACTIONS,
        "correctResponsesPattern MUST be an array of strings",
        const(_choice(correctResponsesPattern="a")),
    ),
    Case(
        "correctResponsesPattern-numbers",
        INTERACTIONS,
        "correctResponsesPattern MUST be an array of strings",
        const(_choice(correctResponsesPattern=[1, 2])),
    ),
    Case(
        "choices-not-array",
        INTERACTIONS,
        "Interaction component lists MUST be arrays of interaction components",
        const(_choice(choices={"id": "a"})),
    ),
    Case("component-without-id", INTERACTIONS, COMPONENT, const(_choice(choices=[{"description": {"en": "A"}}]))),
    Case("component-id-number", INTERACTIONS, COMPONENT, const(_choice(choices=[{"id": 1}]))),
    Case(
        "component-description-string",
        INTERACTIONS,
        COMPONENT,
        const(_choice(choices=[{"id": "a", "description": "A"}])),
    ),
    Case(
        "component-extra-property",
        INTERACTIONS,
        EXTRA,
        const(_choice(choices=[{"id": "a", "description": {"en": "A"}, "correct": True}])),
    ),
    Case(
        "duplicate-component-ids",
        INTERACTIONS,
        DISTINCT,
        const(_choice(choices=[{"id": "a"}, {"id": "a"}])),
        core=True,
    ),
)


# -- valid interaction definitions (Appendix C shapes) -----------------------------------------

INTERACTION = "http://adlnet.gov/expapi/activities/cmi.interaction"


def _components(*ids: str) -> list[JSON]:
    return [{"id": i, "description": {"en-US": i.title()}} for i in ids]


VALID_INTERACTIONS: Final[dict[str, JSON]] = {
    "true-false": {"interactionType": "true-false", "correctResponsesPattern": ["true"]},
    "choice": {
        "interactionType": "choice",
        "correctResponsesPattern": ["golf[,]tetris"],
        "choices": _components("golf", "facebook", "tetris", "scrabble"),
    },
    "fill-in": {"interactionType": "fill-in", "correctResponsesPattern": ["Bob's your uncle"]},
    "long-fill-in": {
        "interactionType": "long-fill-in",
        "correctResponsesPattern": [
            "{case_matters=false}{lang=en}To store and provide access to learning experiences."
        ],
    },
    "likert": {
        "interactionType": "likert",
        "correctResponsesPattern": ["likert_3"],
        "scale": _components("likert_0", "likert_1", "likert_2", "likert_3"),
    },
    "matching": {
        "interactionType": "matching",
        "correctResponsesPattern": ["ben[.]3[,]chris[.]2[,]troy[.]4[,]freddie[.]1"],
        "source": _components("ben", "chris", "troy", "freddie"),
        "target": _components("1", "2", "3", "4"),
    },
    "performance": {
        "interactionType": "performance",
        "correctResponsesPattern": ["pong[.]1:[,]dg[.]:10[,]lunch[.]"],
        "steps": _components("pong", "dg", "lunch"),
    },
    "sequencing": {
        "interactionType": "sequencing",
        "correctResponsesPattern": ["tim[,]mike[,]ells[,]ben"],
        "choices": _components("tim", "ben", "ells", "mike"),
    },
    "numeric": {"interactionType": "numeric", "correctResponsesPattern": ["4[:]"]},
    "other": {"interactionType": "other", "correctResponsesPattern": ["(35.937432,-86.868896)"]},
    "choice-empty-pattern": {"interactionType": "choice", "correctResponsesPattern": [], "choices": _components("a")},
    "choice-no-pattern": {"interactionType": "choice", "choices": _components("a", "b")},
    "long-pattern-list": {
        "interactionType": "fill-in",
        "correctResponsesPattern": [f"answer {i}" for i in range(300)],
    },
}


def interaction_case(name: str, definition: JSON) -> Case:
    """A valid interaction Activity built around one Appendix C definition."""

    def build(factory: Factory) -> JSON:
        activity = factory.activity(definition=False)
        activity["definition"] = {
            "description": {"en-US": f"{name} interaction"},
            "type": INTERACTION,
            **definition,
        }
        return activity

    text = f"The LRS MUST accept and keep a valid '{definition['interactionType']}' interaction definition"
    return Case(name, INTERACTIONS, text, build)


VALID_INTERACTION_CASES: Final = tuple(interaction_case(n, d) for n, d in VALID_INTERACTIONS.items())


def _plain(factory: Factory, **definition: Any) -> JSON:
    activity = factory.activity(definition=False)
    if definition:
        activity["definition"] = definition
    return activity


VALID_ACTIVITIES: Final = (
    Case("no-definition", ACTIVITY, "An Activity's definition is optional", _plain),
    Case(
        "no-objectType",
        ACTIVITY,
        "objectType is optional for an Activity object (assumed Activity)",
        lambda f: {"id": f.iri("activity")},
    ),
    Case(
        "full-definition",
        ACTIVITY,
        "The LRS MUST accept and keep a full Activity Definition",
        lambda f: _plain(
            f,
            name={"en-US": "Course", "fr": "Cours"},
            description={"en-US": "A course", "fr": "Un cours"},
            type="http://adlnet.gov/expapi/activities/course",
            moreInfo="https://conformance.example.org/course/info",
            extensions={"http://conformance.example.org/ext/level": {"n": 3}},
        ),
    ),
    Case(
        "empty-extensions",
        EXTENSIONS,
        "An empty extensions map is allowed",
        lambda f: _plain(f, extensions={}),
    ),
)
