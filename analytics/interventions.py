"""Recommended interventions: plain rules over a learner's features, configurable per store.

- inactive for N days -> a re-engagement nudge to the learner;
- low content completion -> a content recommendation;
- scores declining (over enough assessments) -> an alert to the instructor;
- work past due and not submitted -> a deadline reminder.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import msgspec


class Intervention(msgspec.Struct, frozen=True):
    """A recommended action: a stable code, a title, the evidence, and who should receive it."""

    code: str
    title: str
    reason: str
    audience: str


class InterventionRules(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Thresholds of the rules; a rule is off when its threshold is None."""

    inactive_days: float | None = 7.0
    low_completion: float | None = 0.3
    declining_trend: float | None = -0.03
    min_scores_for_trend: int = 3
    missing_submissions: int | None = 1


DEFAULT_RULES = InterventionRules()


def _finite(features: Mapping[str, float], name: str) -> float | None:
    value = features.get(name)
    return value if value is not None and math.isfinite(value) else None


def recommend(features: Mapping[str, float], rules: InterventionRules = DEFAULT_RULES) -> list[Intervention]:
    """The interventions the rules recommend for one learner's features, in a fixed order."""
    out = []
    idle = _finite(features, "days_since_last_activity")
    if rules.inactive_days is not None and idle is not None and idle >= rules.inactive_days:
        out.append(
            Intervention(
                "re-engagement-nudge", "Send a re-engagement nudge", f"no activity for {idle:.0f} days", "learner"
            )
        )
    completion = _finite(features, "content_completion_rate")
    if rules.low_completion is not None and completion is not None and completion < rules.low_completion:
        out.append(
            Intervention(
                "content-recommendation",
                "Recommend the content not yet completed",
                f"{completion:.0%} of the course content completed",
                "learner",
            )
        )
    trend, count = _finite(features, "assessment_trend"), _finite(features, "assessment_count") or 0.0
    if (
        rules.declining_trend is not None
        and trend is not None
        and count >= rules.min_scores_for_trend
        and trend <= rules.declining_trend
    ):
        out.append(
            Intervention(
                "instructor-alert",
                "Alert the instructor: scores are declining",
                f"scores falling by {-trend:.0%} a week over {count:.0f} assessments",
                "instructor",
            )
        )
    missing = _finite(features, "missing_submissions")
    if rules.missing_submissions is not None and missing is not None and missing >= rules.missing_submissions:
        out.append(
            Intervention(
                "deadline-reminder",
                "Remind of missed and upcoming deadlines",
                f"{missing:.0f} submission(s) past due",
                "learner",
            )
        )
    return out
