"""The xAPI Profile of the insight vocabulary, served by the LRS itself.

Insight statements use verbs and extensions under the LRS's public base URL
(`{base}/xapi/profiles/insights/...`), and this JSON-LD document (xAPI Profiles 1.0) defines them, so
any client that meets an insight statement can look up what it means.
"""

from __future__ import annotations

import json
from typing import Any

PROFILE_PATH = "/xapi/profiles/insights"
PROFILE_VERSION = "v1"
PROFILE_VERSION_TIME = "2026-01-01T00:00:00Z"

VERB_AT_RISK = "predicted-at-risk"
VERB_ON_TRACK = "predicted-on-track"
VERB_FLAGGED = "flagged"
VERB_INTERVENED = "intervened"

RESULT_RISK_LEVEL = "risk-level"
RESULT_FACTORS = "factors"
RESULT_INTERVENTIONS = "interventions"
RESULT_ENGAGEMENT = "engagement-score"
CONTEXT_MODEL_VERSION = "model-version"
CONTEXT_AS_OF = "as-of"
CONTEXT_CUT_POINT = "cut-point"
CONTEXT_ALERT_KIND = "alert-kind"
CONTEXT_INTERVENTION_KIND = "intervention-kind"

_VERBS = {
    VERB_AT_RISK: (
        "predicted at risk",
        "The analytics predicted that the learner (the object) is at moderate or high "
        "risk of not succeeding in the course (the context parent); result.score.scaled is the risk.",
    ),
    VERB_ON_TRACK: (
        "predicted on track",
        "The analytics predicted a low risk that the learner (the object) does not "
        "succeed in the course (the context parent); result.score.scaled is the risk.",
    ),
    VERB_FLAGGED: (
        "flagged",
        "A rule-based detector raised an alert about the object (a learner or a course); the "
        "alert kind is in the context extensions.",
    ),
    VERB_INTERVENED: (
        "intervened",
        "The actor (an instructor, a tutor, a tool) took an action to support the learner (the object) in the "
        "course (the context parent); the kind of action is in the context extensions.",
    ),
}

_PREDICTIONS = [VERB_AT_RISK, VERB_ON_TRACK]
_EXTENSIONS: dict[str, tuple[str, str, str, list[str], dict[str, Any]]] = {
    RESULT_RISK_LEVEL: (
        "ResultExtension",
        "risk level",
        "The risk band: low, moderate or high.",
        _PREDICTIONS,
        {"type": "string", "enum": ["low", "moderate", "high"]},
    ),
    RESULT_FACTORS: (
        "ResultExtension",
        "contributing factors",
        "The features that raised the predicted risk most, largest first.",
        _PREDICTIONS,
        {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["feature", "contribution"],
                "properties": {
                    "feature": {"type": "string"},
                    "value": {"type": ["number", "null"]},
                    "contribution": {"type": "number"},
                    "description": {"type": "string"},
                },
            },
        },
    ),
    RESULT_INTERVENTIONS: (
        "ResultExtension",
        "recommended interventions",
        "Actions recommended by rules for this learner.",
        _PREDICTIONS,
        {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["code"],
                "properties": {
                    "code": {"type": "string"},
                    "title": {"type": "string"},
                    "reason": {"type": "string"},
                    "audience": {"type": "string"},
                },
            },
        },
    ),
    RESULT_ENGAGEMENT: (
        "ResultExtension",
        "engagement score",
        "A 0-100 composite of the learner's normalised activity features within the course.",
        _PREDICTIONS,
        {"type": "number", "minimum": 0, "maximum": 100},
    ),
    CONTEXT_MODEL_VERSION: (
        "ContextExtension",
        "model version",
        "The version of the model that made the prediction.",
        _PREDICTIONS,
        {"type": "string"},
    ),
    CONTEXT_AS_OF: (
        "ContextExtension",
        "as of",
        "The cut-off time of the data the prediction used (ISO 8601).",
        [*_PREDICTIONS, VERB_FLAGGED],
        {"type": "string", "format": "date-time"},
    ),
    CONTEXT_CUT_POINT: (
        "ContextExtension",
        "cut point",
        "The course cut point whose model was used (e.g. week-4).",
        _PREDICTIONS,
        {"type": "string"},
    ),
    CONTEXT_ALERT_KIND: (
        "ContextExtension",
        "alert kind",
        "Which detector raised the alert.",
        [VERB_FLAGGED],
        {"type": "string"},
    ),
    CONTEXT_INTERVENTION_KIND: (
        "ContextExtension",
        "intervention kind",
        "What was done: a short code such as email or meeting, or the code of a recommended intervention.",
        [VERB_INTERVENED],
        {"type": "string"},
    ),
}


def profile_iri(base_url: str) -> str:
    """The profile's IRI under the LRS's public base URL."""
    return base_url.rstrip("/") + PROFILE_PATH


def verb_iri(base_url: str, verb: str) -> str:
    return f"{profile_iri(base_url)}/verbs/{verb}"


def extension_iri(base_url: str, extension: str) -> str:
    return f"{profile_iri(base_url)}/extensions/{extension}"


def insight_profile(base_url: str) -> dict[str, Any]:
    """The xAPI Profile (JSON-LD) describing the insight verbs, extensions and statement templates."""
    iri = profile_iri(base_url)
    version = f"{iri}/{PROFILE_VERSION}"
    concepts: list[dict[str, Any]] = [
        {
            "id": verb_iri(base_url, name),
            "type": "Verb",
            "inScheme": version,
            "prefLabel": {"en": label},
            "definition": {"en": text},
        }
        for name, (label, text) in _VERBS.items()
    ]
    for name, (kind, label, text, verbs, schema) in _EXTENSIONS.items():
        concepts.append(
            {
                "id": extension_iri(base_url, name),
                "type": kind,
                "inScheme": version,
                "prefLabel": {"en": label},
                "definition": {"en": text},
                "recommendedVerbs": [verb_iri(base_url, v) for v in verbs],
                "inlineSchema": json.dumps(schema, sort_keys=True),
            }
        )
    templates = []
    for name in _PREDICTIONS:
        templates.append(
            {
                "id": f"{iri}/templates/{name}",
                "type": "StatementTemplate",
                "inScheme": version,
                "prefLabel": {"en": _VERBS[name][0]},
                "definition": {"en": f"An insight statement: {_VERBS[name][1]}"},
                "verb": verb_iri(base_url, name),
                "rules": [
                    {"location": "$.object.objectType", "presence": "included", "all": ["Agent"]},
                    {"location": "$.result.score.scaled", "presence": "included"},
                    {
                        "location": f"$.result.extensions['{extension_iri(base_url, RESULT_RISK_LEVEL)}']",
                        "presence": "included",
                    },
                    {"location": "$.context.contextActivities.parent[0].id", "presence": "included"},
                    {
                        "location": f"$.context.extensions['{extension_iri(base_url, CONTEXT_MODEL_VERSION)}']",
                        "presence": "included",
                    },
                ],
            }
        )
    return {
        "@context": "https://w3id.org/xapi/profiles/context",
        "id": iri,
        "type": "Profile",
        "conformsTo": "https://w3id.org/xapi/profiles#1.0",
        "prefLabel": {"en": "Learning Record Store insights"},
        "definition": {
            "en": "Predictions, risk factors, recommended interventions and alerts that the LRS's "
            "analytics write back as xAPI statements."
        },
        "author": {"type": "Organization", "name": "The LRS analytics"},
        "versions": [{"id": version, "generatedAtTime": PROFILE_VERSION_TIME}],
        "concepts": concepts,
        "templates": templates,
    }
