"""Insights and the xAPI statements that carry them back into the LRS.

An insight is a prediction about one learner in one course: the risk probability, its band, the top
factors and the recommended interventions. It travels as a statement (see DESIGN.md): the actor is
the store's analytics Agent, the verb says at risk or on track, the object is the learner, the course
is the context parent, and the details are result and context extensions defined by
`analytics.profile`, so `GET /statements?agent=<learner>` returns a learner's own insights.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec
import numpy as np
import numpy.typing as npt

from analytics.detectors import Alert
from analytics.events import agent_from_key
from analytics.explain import Factor, top_factors
from analytics.features import FeatureMatrix
from analytics.interventions import DEFAULT_RULES, Intervention, InterventionRules, recommend
from analytics.predictors import TrainedModel
from analytics.profile import (
    CONTEXT_ALERT_KIND,
    CONTEXT_AS_OF,
    CONTEXT_CUT_POINT,
    CONTEXT_MODEL_VERSION,
    RESULT_ENGAGEMENT,
    RESULT_FACTORS,
    RESULT_INTERVENTIONS,
    RESULT_RISK_LEVEL,
    VERB_AT_RISK,
    VERB_FLAGGED,
    VERB_ON_TRACK,
    extension_iri,
    verb_iri,
)

LEVELS = ("low", "moderate", "high")


class RiskBands(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Probability cut points of the risk levels: below `moderate` is low, from `high` on is high."""

    moderate: float = 0.3
    high: float = 0.6

    def __post_init__(self) -> None:
        if not 0.0 < self.moderate < self.high <= 1.0:
            raise ValueError("risk bands need 0 < moderate < high <= 1")

    def level(self, probability: float) -> str:
        if probability >= self.high:
            return "high"
        return "moderate" if probability >= self.moderate else "low"


DEFAULT_BANDS = RiskBands()


class Insight(msgspec.Struct, frozen=True):
    """A prediction about one learner in one course, with its explanation and advice."""

    course: str
    learner: str
    probability: float
    level: str
    factors: list[Factor]
    interventions: list[Intervention]
    model_version: str
    cut_point: str
    as_of: float
    engagement: float | None = None


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def analytics_agent(base_url: str) -> dict[str, Any]:
    """The Agent that authors insight statements: an account on the LRS's public base URL."""
    return {
        "objectType": "Agent",
        "name": "LRS analytics",
        "account": {"homePage": base_url.rstrip("/"), "name": "analytics"},
    }


def _course_activity(course: str) -> dict[str, Any]:
    return {"objectType": "Activity", "id": course}


def insight_statement(
    insight: Insight,
    *,
    base_url: str,
    statement_id: str,
    timestamp: float,
    learner_name: str | None = None,
) -> dict[str, Any]:
    """The xAPI statement carrying `insight`."""
    verb = VERB_ON_TRACK if insight.level == "low" else VERB_AT_RISK
    result_extensions: dict[str, Any] = {
        extension_iri(base_url, RESULT_RISK_LEVEL): insight.level,
        extension_iri(base_url, RESULT_FACTORS): msgspec.to_builtins(insight.factors),
        extension_iri(base_url, RESULT_INTERVENTIONS): msgspec.to_builtins(insight.interventions),
    }
    if insight.engagement is not None:
        result_extensions[extension_iri(base_url, RESULT_ENGAGEMENT)] = round(insight.engagement, 1)
    return {
        "id": statement_id,
        "actor": analytics_agent(base_url),
        "verb": {"id": verb_iri(base_url, verb), "display": {"en-US": verb.replace("-", " ")}},
        "object": agent_from_key(insight.learner, learner_name),
        "result": {
            "score": {"scaled": round(min(1.0, max(0.0, insight.probability)), 4)},
            "extensions": result_extensions,
        },
        "context": {
            "contextActivities": {"parent": [_course_activity(insight.course)]},
            "extensions": {
                extension_iri(base_url, CONTEXT_MODEL_VERSION): insight.model_version,
                extension_iri(base_url, CONTEXT_AS_OF): _iso(insight.as_of),
                extension_iri(base_url, CONTEXT_CUT_POINT): insight.cut_point,
            },
        },
        "timestamp": _iso(timestamp),
    }


def alert_statement(alert: Alert, *, base_url: str, statement_id: str, timestamp: float) -> dict[str, Any]:
    """The xAPI statement carrying a detector's alert: about a learner if it names one, else the course."""
    context: dict[str, Any] = {
        "extensions": {
            extension_iri(base_url, CONTEXT_ALERT_KIND): alert.kind,
            extension_iri(base_url, CONTEXT_AS_OF): _iso(alert.as_of),
        }
    }
    if alert.learner is not None:
        obj: dict[str, Any] = agent_from_key(alert.learner)
        parents = [_course_activity(alert.course)]
        if alert.activity is not None:
            parents.append(_course_activity(alert.activity))
        context["contextActivities"] = {"parent": parents}
    else:
        obj = _course_activity(alert.course)
    return {
        "id": statement_id,
        "actor": analytics_agent(base_url),
        "verb": {"id": verb_iri(base_url, VERB_FLAGGED), "display": {"en-US": "flagged"}},
        "object": obj,
        "result": {"response": alert.detail},
        "context": context,
        "timestamp": _iso(timestamp),
    }


def needs_new_insight(
    previous_level: str | None, previous_at: float | None, level: str, now: float, period: float = 7 * 86400.0
) -> bool:
    """Write a new insight when the level changed or a scoring period passed, not on every event."""
    if previous_level is None or previous_at is None:
        return True
    return previous_level != level or now - previous_at >= period


def predict_insights(
    model: TrainedModel,
    matrix: FeatureMatrix,
    *,
    bands: RiskBands = DEFAULT_BANDS,
    rules: InterventionRules = DEFAULT_RULES,
    top: int = 3,
    engagement: Sequence[float] | npt.NDArray[np.float64] | None = None,
) -> list[Insight]:
    """Score every learner of `matrix` who has not withdrawn and explain each score."""
    if matrix.columns != model.columns:
        raise ValueError("the feature columns differ from the model's")
    keep = np.flatnonzero(~matrix.withdrawn)
    X = matrix.values[keep]
    probabilities = model.predict_proba(X)
    factors = top_factors(model, X, top)
    version = model.version
    insights = []
    for n, i in enumerate(keep.tolist()):
        features = dict(zip(matrix.columns, X[n].tolist(), strict=True))
        probability = float(probabilities[n])
        insights.append(
            Insight(
                course=matrix.courses[i],
                learner=matrix.learners[i],
                probability=probability,
                level=bands.level(probability),
                factors=factors[n],
                interventions=recommend(features, rules),
                model_version=version,
                cut_point=model.cut_key,
                as_of=matrix.as_of,
                engagement=None if engagement is None else float(engagement[i]),
            )
        )
    return insights
