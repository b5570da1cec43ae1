"""The engine's settings: one JSON object per store, refined per course.

A store's `settings` JSON holds them under the `analytics` key; a course's own `settings` (in
`analytics_courses`) may replace any top-level key for that course (a whole key, not a deep merge), and adds
`due_dates`. Everything has a default, so a fresh store needs no configuration.

    {"analytics": {"bands": {"moderate": 0.3, "high": 0.6}, "holdout_share": 0.1,
                   "vocabulary": {"verbs": {"https://example.org/verbs/watched": "played"}},
                   "target": {"success_actions": ["passed"], "grace_days": 7}, ...}}
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import msgspec

from analytics.evaluation import QualityGate
from analytics.events import parse_timestamp
from analytics.insights import RiskBands
from analytics.interventions import InterventionRules
from analytics.predictors import ModelKind
from analytics.targets import TargetDefinition
from analytics.vocabulary import DEFAULT_VOCABULARY, Family, Vocabulary

log = logging.getLogger("analytics.pipeline")

SETTINGS_KEY = "analytics"


class VocabularyOverrides(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Entries added to (or replacing those of) the default vocabulary."""

    verbs: dict[str, str] = msgspec.field(default_factory=dict)
    actions: dict[str, Family] = msgspec.field(default_factory=dict)
    activity_types: dict[str, Family] = msgspec.field(default_factory=dict)

    def apply(self, base: Vocabulary = DEFAULT_VOCABULARY) -> Vocabulary:
        if not (self.verbs or self.actions or self.activity_types):
            return base
        return base.with_overrides(verbs=self.verbs, actions=self.actions, activity_types=self.activity_types)


class DetectorSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Thresholds of the rule-based detectors; a detector is off when its threshold is None."""

    no_recent_access_days: float | None = 7.0
    no_teaching_days: float | None = 14.0
    due_within_days: float | None = 3.0


class EngineConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Everything configurable about the engine for one store (and course).

    - `holdout_share`: share of at-risk learners who get no automated intervention (a 'holdout' row
      instead), chosen by a hash of learner and course, so the impact of interventions can be measured;
    - `scoring_period_days`: a new insight statement at least this often, even when the level holds;
    - `min_risk_change`: an insight row (no statement) is also written when the risk moved this much;
    - `debounce_seconds`: how long scoring waits after new statements, to batch a burst of them;
    - `min_ended_courses`: ended courses needed before a store without models trains automatically;
    - `due_dates`: activity IRI -> ISO 8601 due date (course settings), beside those in activity definitions.
    """

    vocabulary: VocabularyOverrides = VocabularyOverrides()
    target: TargetDefinition = TargetDefinition()
    bands: RiskBands = RiskBands()
    rules: InterventionRules = InterventionRules()
    gate: QualityGate = QualityGate()
    model_kind: ModelKind = ModelKind.LOGISTIC
    detectors: DetectorSettings = DetectorSettings()
    holdout_share: float = 0.1
    scoring_period_days: float = 7.0
    min_risk_change: float = 0.05
    debounce_seconds: float = 1.0
    min_ended_courses: int = 2
    due_dates: dict[str, str] = msgspec.field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0.0 <= self.holdout_share < 1.0:
            raise ValueError("holdout_share must be in [0, 1)")
        if self.scoring_period_days <= 0 or self.debounce_seconds < 0 or self.min_ended_courses < 1:
            raise ValueError("scoring_period_days > 0, debounce_seconds >= 0 and min_ended_courses >= 1 are needed")
        for activity, due in self.due_dates.items():
            try:
                parse_timestamp(due)
            except ValueError:
                raise ValueError(f"due date of {activity} is not an ISO 8601 timestamp") from None

    @property
    def vocabulary_mapping(self) -> Vocabulary:
        return self.vocabulary.apply()

    @property
    def scoring_period(self) -> float:
        return self.scoring_period_days * 86400.0

    def due_timestamps(self) -> dict[str, float]:
        return {activity: parse_timestamp(due) for activity, due in self.due_dates.items()}


DEFAULT_CONFIG = EngineConfig()


def parse_config(store_settings: Mapping[str, Any], course_settings: Mapping[str, Any] | None = None) -> EngineConfig:
    """The configuration of a store (its `settings` JSON), refined by one course's settings; ValueError if invalid."""
    raw = store_settings.get(SETTINGS_KEY) or {}
    if not isinstance(raw, dict):
        raise ValueError(f"the store's {SETTINGS_KEY!r} settings must be an object")
    merged = {**raw, **(course_settings or {})}
    unknown = sorted(set(merged) - set(EngineConfig.__struct_fields__))
    if unknown:
        # Other tools may keep their own keys in the same JSON; say so once per use, but do not fail on them.
        log.debug("analytics settings: ignoring unknown keys %s", ", ".join(unknown))
        merged = {k: v for k, v in merged.items() if k not in unknown}
    try:
        return msgspec.convert(merged, EngineConfig)
    except msgspec.ValidationError as exc:
        raise ValueError(f"invalid analytics settings: {exc}") from None


def config_or_default(
    store_settings: Mapping[str, Any], course_settings: Mapping[str, Any] | None = None, *, where: str = ""
) -> EngineConfig:
    """`parse_config`, falling back to the store's config (then the defaults) with a warning when invalid.

    The engine must keep running on bad settings: a feed that stopped on them would stall every insight.
    """
    try:
        return parse_config(store_settings, course_settings)
    except ValueError as exc:
        log.warning("%s: %s; using the defaults", where or "analytics settings", exc)
    if course_settings:
        return config_or_default(store_settings, None, where=where)
    return DEFAULT_CONFIG
