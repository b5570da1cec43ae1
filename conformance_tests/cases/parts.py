"""Verb, StatementRef, SubStatement, Result and Context fragments (Data 2.4.3 - 2.4.6)."""

from __future__ import annotations

from typing import Any, Final

from conformance_tests.cases import Case, const
from conformance_tests.cases.values import INVALID_DURATIONS, INVALID_UUIDS, VALID_DURATIONS
from conformance_tests.factory import JSON, Factory
from conformance_tests.requirements import ONLY_2_0

FORMAT: Final = "Data 2.2"
VERB: Final = "Data 2.4.3"
REF: Final = "Data 2.4.4.3"
SUB: Final = "Data 2.4.4.3 SubStatement"
RESULT: Final = "Data 2.4.5"
SCORE: Final = "Data 2.4.5.1"
CONTEXT: Final = "Data 2.4.6"
CONTEXT_ACTIVITIES: Final = "Data 2.4.6.2"
EXTENSIONS: Final = "Data 4.1"
UUIDS: Final = "Data 4.4"
DURATIONS: Final = "Data 4.6"

WRONG_TYPE = "The LRS MUST reject Statements where the wrong data type is used"
NULLS = "The LRS MUST reject Statements with any null values (except inside extensions)"
EXTRA = "The LRS SHOULD* reject Statements containing additional properties"
ENUM_CASE = "The LRS MUST reject enumerated values whose case does not match the spec exactly"
KEY_CASE = "The LRS MUST reject Statements where the case of a key does not match the spec"
EXT_KEYS = "The keys of an extensions map MUST be IRIs"
EXT_OBJECT = "Extensions MUST be an object (a map keyed by IRIs)"
MBOX = "mailto:someone@conformance.example.org"
REF_ID = "c0ffee00-0000-4000-8000-0000000000aa"

# -- Verb --------------------------------------------------------------------------------------

VERB_ID = "A Verb MUST have an 'id' that is an IRI"
DISPLAY = "A Verb's 'display' MUST be a Language Map"
VID = "http://conformance.example.org/verbs/did"

INVALID_VERBS: Final = (
    Case("no-id", VERB, VERB_ID, const({"display": {"en-US": "did"}})),
    Case("id-no-scheme", VERB, VERB_ID, const({"id": "did", "display": {"en-US": "did"}})),
    Case("id-host-without-scheme", VERB, VERB_ID, const({"id": "conformance.example.org/verbs/did"})),
    Case("id-relative", VERB, VERB_ID, const({"id": "/verbs/did"})),
    Case("id-empty", VERB, VERB_ID, const({"id": ""})),
    Case("id-null", FORMAT, NULLS, const({"id": None})),
    Case("id-number", FORMAT, WRONG_TYPE, const({"id": 5})),
    Case("display-string", VERB, DISPLAY, const({"id": VID, "display": "did"})),
    Case("display-array", VERB, DISPLAY, const({"id": VID, "display": ["did"]})),
    Case("display-bad-tag", VERB, DISPLAY, const({"id": VID, "display": {"en_GB": "did"}})),
    Case("display-value-number", VERB, DISPLAY, const({"id": VID, "display": {"en": 1}})),
    Case("display-null", FORMAT, NULLS, const({"id": VID, "display": None})),
    Case("extra-property", VERB, EXTRA, const({"id": VID, "tense": "past"})),
    Case("key-case-Id", FORMAT, KEY_CASE, const({"Id": VID})),
    Case("string", FORMAT, WRONG_TYPE, const(VID)),
    Case("array", FORMAT, WRONG_TYPE, const([{"id": VID}])),
    Case("empty-object", VERB, VERB_ID, const({})),
    Case("null", FORMAT, NULLS, const(None)),
)

# -- StatementRef ------------------------------------------------------------------------------

REF_TYPE = "A Statement Reference MUST specify objectType 'StatementRef'"
REF_UUID = "A Statement Reference MUST set 'id' to the UUID of a Statement"

INVALID_REFS: Final = (
    Case("no-id", REF, REF_UUID, const({"objectType": "StatementRef"})),
    *(
        Case(f"id-{name}", REF, REF_UUID, const({"objectType": "StatementRef", "id": value}))
        for name, value in INVALID_UUIDS.items()
        if name in {"words", "no-hyphens", "urn-prefix", "number"}
    ),
    Case("id-null", FORMAT, NULLS, const({"objectType": "StatementRef", "id": None})),
    Case("objectType-lowercase", FORMAT, ENUM_CASE, const({"objectType": "statementref", "id": REF_ID})),
    Case("extra-property", REF, EXTRA, const({"objectType": "StatementRef", "id": REF_ID, "note": "x"})),
    Case("no-objectType", REF, REF_TYPE, const({"id": REF_ID})),
)

# -- SubStatement ------------------------------------------------------------------------------

SUB_FORBIDDEN = "A SubStatement MUST NOT have the 'id', 'stored', 'version' or 'authority' properties"
SUB_AS_STATEMENT = "A SubStatement MUST be validated as a Statement"


def _sub(factory: Factory, **changes: Any) -> JSON:
    sub = factory.substatement()
    for key, value in changes.items():
        if value is _DELETE:
            del sub[key]
        else:
            sub[key] = value
    return sub


_DELETE: Final = object()


def _sub_case(name: str, text: str, section: str = SUB, **changes: Any) -> Case:
    return Case(name, section, text, lambda f: _sub(f, **changes))


INVALID_SUBSTATEMENTS: Final = (
    _sub_case("with-id", SUB_FORBIDDEN, id=REF_ID),
    _sub_case("with-stored", SUB_FORBIDDEN, stored="2024-01-01T00:00:00Z"),
    _sub_case("with-version", SUB_FORBIDDEN, version="1.0.0"),
    _sub_case("with-authority", SUB_FORBIDDEN, authority={"objectType": "Agent", "mbox": MBOX}),
    Case(
        "nested-substatement",
        SUB,
        "A SubStatement MUST NOT contain a SubStatement of its own",
        lambda f: _sub(f, object=f.substatement()),
    ),
    _sub_case("without-actor", SUB_AS_STATEMENT, actor=_DELETE),
    _sub_case("without-verb", SUB_AS_STATEMENT, verb=_DELETE),
    _sub_case("without-object", SUB_AS_STATEMENT, object=_DELETE),
    _sub_case("objectType-lowercase", ENUM_CASE, FORMAT, objectType="substatement"),
    _sub_case("bad-timestamp", SUB_AS_STATEMENT, timestamp="yesterday"),
    _sub_case("bad-result", SUB_AS_STATEMENT, result={"score": {"scaled": 2}}),
    _sub_case("bad-registration", SUB_AS_STATEMENT, context={"registration": "not-a-uuid"}),
    _sub_case("extra-property", EXTRA, SUB, mood="hopeful"),
)

# -- Result ------------------------------------------------------------------------------------

SCALED = "score.scaled MUST be a decimal number between -1 and 1, inclusive"
RAW = "score.raw MUST be between min and max (if present), inclusive"
MIN_MAX = "score.min MUST be less than score.max"
SCORE_NUMBERS = "Score values MUST be numbers (not strings containing numbers)"
BOOLEANS = "success and completion MUST be booleans (not strings containing booleans)"
DURATION = "A Duration MUST be expressed in the ISO 8601 duration format"

INVALID_RESULTS: Final = (
    Case("scaled-above-1", SCORE, SCALED, const({"score": {"scaled": 1.01}})),
    Case("scaled-below-minus-1", SCORE, SCALED, const({"score": {"scaled": -1.01}})),
    Case("scaled-string", FORMAT, SCORE_NUMBERS, const({"score": {"scaled": "0.5"}})),
    Case("raw-above-max", SCORE, RAW, const({"score": {"raw": 11, "min": 0, "max": 10}})),
    Case("raw-below-min", SCORE, RAW, const({"score": {"raw": -1, "min": 0, "max": 10}})),
    Case("raw-above-max-only", SCORE, RAW, const({"score": {"raw": 11, "max": 10}})),
    Case("raw-below-min-only", SCORE, RAW, const({"score": {"raw": 4, "min": 5}})),
    Case("min-above-max", SCORE, MIN_MAX, const({"score": {"min": 10, "max": 0}})),
    Case("min-equals-max", SCORE, MIN_MAX, const({"score": {"raw": 5, "min": 5, "max": 5}})),
    Case("raw-string", FORMAT, SCORE_NUMBERS, const({"score": {"raw": "5"}})),
    Case("min-string", FORMAT, SCORE_NUMBERS, const({"score": {"min": "0", "max": 10}})),
    Case("max-boolean", FORMAT, SCORE_NUMBERS, const({"score": {"max": True}})),
    Case("scaled-null", FORMAT, NULLS, const({"score": {"scaled": None}})),
    Case("score-extra-property", SCORE, EXTRA, const({"score": {"scaled": 0.5, "percent": 50}})),
    Case("score-string", FORMAT, WRONG_TYPE, const({"score": "50"})),
    Case("success-string", FORMAT, BOOLEANS, const({"success": "true"})),
    Case("success-number", FORMAT, BOOLEANS, const({"success": 1})),
    Case("completion-string", FORMAT, BOOLEANS, const({"completion": "false"})),
    Case("completion-number", FORMAT, BOOLEANS, const({"completion": 0})),
    Case("success-null", FORMAT, NULLS, const({"success": None})),
    Case("response-number", FORMAT, "result.response MUST be a string", const({"response": 42})),
    Case("response-boolean", FORMAT, "result.response MUST be a string", const({"response": True})),
    *(
        Case(f"duration-{name}", DURATIONS, DURATION, const({"duration": value}))
        for name, value in INVALID_DURATIONS.items()
    ),
    Case("extensions-array", EXTENSIONS, EXT_OBJECT, const({"extensions": [1]})),
    Case("extensions-string", EXTENSIONS, EXT_OBJECT, const({"extensions": "x"})),
    Case("extension-key-not-iri", EXTENSIONS, EXT_KEYS, const({"extensions": {"points": 5}})),
    Case("result-extra-property", RESULT, EXTRA, const({"success": True, "grade": "A"})),
    Case("key-case-Success", FORMAT, KEY_CASE, const({"Success": True})),
    Case("result-string", FORMAT, WRONG_TYPE, const("passed")),
    Case("result-array", FORMAT, WRONG_TYPE, const([{"success": True}])),
    Case("result-null", FORMAT, NULLS, const(None)),
)

VALID_RESULTS: Final = (
    Case("scaled-minus-1", SCORE, SCALED, const({"score": {"scaled": -1}})),
    Case("scaled-1", SCORE, SCALED, const({"score": {"scaled": 1}})),
    Case("scaled-0", SCORE, SCALED, const({"score": {"scaled": 0}})),
    Case("raw-equals-min", SCORE, RAW, const({"score": {"raw": 0, "min": 0, "max": 10}})),
    Case("raw-equals-max", SCORE, RAW, const({"score": {"raw": 10, "min": 0, "max": 10}})),
    Case("raw-unbounded-negative", SCORE, RAW, const({"score": {"raw": -12.5}})),
    Case("raw-large", SCORE, RAW, const({"score": {"raw": 123456789}})),
    Case("success-false-completion-true", RESULT, BOOLEANS, const({"success": False, "completion": True})),
    Case("empty-response", RESULT, "result.response is any string", const({"response": ""})),
    Case(
        "extension-values-with-nulls",
        EXTENSIONS,
        "An LRS MUST NOT reject a Statement based on the values of the extensions map (nulls included)",
        const({"extensions": {"http://conformance.example.org/ext/x": None}}),
    ),
    *(
        Case(f"duration-{name}", DURATIONS, DURATION, const({"duration": value}))
        for name, value in VALID_DURATIONS.items()
    ),
)

# -- Context -----------------------------------------------------------------------------------

REGISTRATION = "context.registration MUST be a UUID"
REVISION = "The 'revision' property MUST only be used if the Statement's Object is an Activity"
PLATFORM = "The 'platform' property MUST only be used if the Statement's Object is an Activity"
LANGUAGE = "context.language MUST be an RFC 5646 language tag"
CONTEXT_STATEMENT = "context.statement MUST be a Statement Reference"
CA_KEYS = "Every key in contextActivities MUST be one of parent, grouping, category, or other"
CA_VALUES = "Every contextActivities value MUST be an Activity Object or an array of Activity Objects"
TEAM = "context.team MUST be a Group"

INVALID_CONTEXTS: Final = (
    *(
        Case(f"registration-{name}", UUIDS, REGISTRATION, const({"registration": value}))
        for name, value in INVALID_UUIDS.items()
    ),
    Case("revision-number", FORMAT, WRONG_TYPE, const({"revision": 2})),
    Case("platform-number", FORMAT, WRONG_TYPE, const({"platform": 2})),
    Case("language-bad-tag", CONTEXT, LANGUAGE, const({"language": "english_US"})),
    Case("language-number", FORMAT, WRONG_TYPE, const({"language": 1})),
    Case("statement-activity", CONTEXT, CONTEXT_STATEMENT, const({"statement": {"id": "http://a.example.org/x"}})),
    Case(
        "statement-substatement",
        CONTEXT,
        CONTEXT_STATEMENT,
        lambda f: {"statement": f.substatement()},
    ),
    Case(
        "statement-bad-id", CONTEXT, CONTEXT_STATEMENT, const({"statement": {"objectType": "StatementRef", "id": "1"}})
    ),
    Case(
        "contextActivities-bad-key",
        CONTEXT_ACTIVITIES,
        CA_KEYS,
        lambda f: {"contextActivities": {"parents": [f.activity()]}},
    ),
    Case(
        "contextActivities-key-case",
        CONTEXT_ACTIVITIES,
        CA_KEYS,
        lambda f: {"contextActivities": {"Parent": [f.activity()]}},
    ),
    Case(
        "contextActivities-value-string",
        CONTEXT_ACTIVITIES,
        CA_VALUES,
        const({"contextActivities": {"parent": "http://a.example.org/x"}}),
    ),
    Case(
        "contextActivities-value-number", CONTEXT_ACTIVITIES, CA_VALUES, const({"contextActivities": {"grouping": 1}})
    ),
    Case("contextActivities-value-null", FORMAT, NULLS, const({"contextActivities": {"category": None}})),
    Case(
        "contextActivities-array-of-strings",
        CONTEXT_ACTIVITIES,
        CA_VALUES,
        const({"contextActivities": {"other": ["http://a.example.org/x"]}}),
    ),
    Case(
        "contextActivities-agent",
        CONTEXT_ACTIVITIES,
        CA_VALUES,
        const({"contextActivities": {"parent": [{"objectType": "Agent", "mbox": MBOX}]}}),
    ),
    Case("contextActivities-array", CONTEXT_ACTIVITIES, CA_VALUES, lambda f: {"contextActivities": [f.activity()]}),
    Case("team-agent", CONTEXT, TEAM, lambda f: {"team": f.agent()}),
    Case("extensions-array", EXTENSIONS, EXT_OBJECT, const({"extensions": ["x"]})),
    Case("extension-key-not-iri", EXTENSIONS, EXT_KEYS, const({"extensions": {"altitude": 3}})),
    Case("context-extra-property", CONTEXT, EXTRA, const({"weather": "sunny"})),
    Case("key-case-Registration", FORMAT, KEY_CASE, const({"Registration": REF_ID})),
    Case("context-string", FORMAT, WRONG_TYPE, const("classroom")),
    Case("context-null", FORMAT, NULLS, const(None)),
    Case(
        "contextAgents-in-1.0.3",
        FORMAT,
        "contextAgents is not a 1.0.3 property: the LRS MUST reject it in a 1.0.3 request",
        lambda f: {"contextAgents": [{"objectType": "contextAgent", "agent": f.agent()}]},
        versions=frozenset({"1.0.3"}),
    ),
)


# Revision/platform need the statement's object to be something else than an Activity.
def revision_with_object(kind: str, prop: str) -> Case:
    """A statement whose non-Activity object comes with context.revision or context.platform."""

    def build(factory: Factory) -> JSON:
        objects: dict[str, Any] = {
            "agent": factory.agent(),
            "group": factory.group(),
            "statementref": factory.statement_ref(),
            "substatement": factory.substatement(),
        }
        return factory.statement(object=objects[kind], context={prop: "r2"})

    return Case(f"{prop}-with-{kind}-object", CONTEXT, REVISION if prop == "revision" else PLATFORM, build)


REVISION_PLATFORM_CASES: Final = tuple(
    revision_with_object(kind, prop)
    for prop in ("revision", "platform")
    for kind in ("agent", "group", "statementref", "substatement")
)

CONTEXT_AGENT = "xAPI 2.0 Context"
CA_OBJECT = "A contextAgent MUST have objectType 'contextAgent' and an Agent 'agent'"
CG_OBJECT = "A contextGroup MUST have objectType 'contextGroup' and a Group 'group'"
RELEVANT = "relevantTypes, when present, MUST be a non-empty array of IRIs"


def _ca(**fields: Any) -> JSON:
    return {"contextAgents": [{"objectType": "contextAgent", "agent": {"mbox": MBOX}, **fields}]}


def _cg(**fields: Any) -> JSON:
    group = {"objectType": "Group", "mbox": "mailto:group@conformance.example.org"}
    return {"contextGroups": [{"objectType": "contextGroup", "group": group, **fields}]}


INVALID_CONTEXT_AGENTS: Final = tuple(
    Case(name, CONTEXT_AGENT, text, const(value), versions=ONLY_2_0)
    for name, text, value in (
        (
            "contextAgents-not-array",
            CA_OBJECT,
            {"contextAgents": {"objectType": "contextAgent", "agent": {"mbox": MBOX}}},
        ),
        ("contextAgent-wrong-objectType", CA_OBJECT, _ca(objectType="Agent")),
        ("contextAgent-objectType-case", CA_OBJECT, _ca(objectType="contextagent")),
        ("contextAgent-no-objectType", CA_OBJECT, {"contextAgents": [{"agent": {"mbox": MBOX}}]}),
        ("contextAgent-no-agent", CA_OBJECT, {"contextAgents": [{"objectType": "contextAgent"}]}),
        ("contextAgent-agent-is-group", CA_OBJECT, _ca(agent={"objectType": "Group", "member": [{"mbox": MBOX}]})),
        ("contextAgent-relevantTypes-empty", RELEVANT, _ca(relevantTypes=[])),
        ("contextAgent-relevantTypes-not-iri", RELEVANT, _ca(relevantTypes=["teacher"])),
        ("contextAgent-relevantTypes-string", RELEVANT, _ca(relevantTypes="http://a.example.org/t")),
        ("contextAgent-extra-property", EXTRA, _ca(role="x")),
        ("contextGroups-not-array", CG_OBJECT, {"contextGroups": _cg()["contextGroups"][0]}),
        ("contextGroup-wrong-objectType", CG_OBJECT, _cg(objectType="Group")),
        ("contextGroup-no-group", CG_OBJECT, {"contextGroups": [{"objectType": "contextGroup"}]}),
        ("contextGroup-group-is-agent", CG_OBJECT, _cg(group={"objectType": "Agent", "mbox": MBOX})),
        ("contextGroup-relevantTypes-empty", RELEVANT, _cg(relevantTypes=[])),
        ("contextGroup-relevantTypes-not-iri", RELEVANT, _cg(relevantTypes=["team"])),
        ("contextGroup-extra-property", EXTRA, _cg(size=3)),
    )
)
