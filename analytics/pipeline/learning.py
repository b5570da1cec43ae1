"""Training a store's models: one per cut point, from the labelled learners of its ended courses.

`train_store` runs `train_cut_point` for every cut point the data can support and returns what to store:
the artifact, the evidence (metrics, gate) and whether the model may predict. `ready_to_train` is the
automatic trigger: a store without an active model trains once enough courses have ended.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from analytics.courses import DAY, CourseCalendar
from analytics.events import Event
from analytics.features import FeatureSettings
from analytics.pipeline.calendars import CourseDates
from analytics.pipeline.config import EngineConfig
from analytics.splitting import DEFAULT_FRACTIONS, DEFAULT_WEEKS
from analytics.targets import Label, generate_labels
from analytics.training import TrainingReport, train_cut_point

log = logging.getLogger("analytics.pipeline")

CUT_KEYS: tuple[str, ...] = (
    *(f"week-{w}" for w in DEFAULT_WEEKS),
    *(f"pct-{round(f * 100)}" for f in DEFAULT_FRACTIONS),
)


@dataclass(frozen=True)
class ModelRecord:
    """A trained model as `analytics_models` stores it."""

    kind: str
    cut_key: str
    version: str
    trained_on: dict[str, Any]
    metrics: dict[str, Any]
    gate: dict[str, Any]
    feature_columns: list[str]
    artifact: bytes

    @property
    def passed(self) -> bool:
        return bool(self.gate.get("passed"))


@dataclass(frozen=True)
class TrainingOutcome:
    """The models trained for a store, and the cut points that could not be trained, with why."""

    records: list[ModelRecord]
    skipped: dict[str, str]
    labelled_courses: list[str]
    labels: int

    def summary(self) -> dict[str, Any]:
        return {
            "labelled_courses": len(self.labelled_courses),
            "labels": self.labels,
            "models": {
                r.cut_key: {
                    "version": r.version,
                    "passed": r.passed,
                    "gate": r.gate.get("reason"),
                    "holdout_roc_auc": (r.metrics.get("holdout") or {}).get("roc_auc"),
                }
                for r in self.records
            },
            "skipped": self.skipped,
        }


def _finite(value: Any) -> Any:
    """JSON has no NaN: undefined metrics are stored as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def _mean(values: Sequence[float]) -> float | None:
    finite = [v for v in values if math.isfinite(v)]
    return sum(finite) / len(finite) if finite else None


def model_record(report: TrainingReport, config: EngineConfig) -> ModelRecord:
    """What to store of a training report."""
    splits = report.splits
    metrics = {
        "holdout": msgspec.to_builtins(report.holdout) if report.holdout is not None else None,
        "splits": {
            "count": len(splits),
            "roc_auc_mean": _mean([m.roc_auc for m in splits]),
            "f1_weighted_mean": _mean([m.f1_weighted for m in splits]),
            "brier_mean": _mean([m.brier for m in splits]),
        },
    }
    gate = {**msgspec.to_builtins(report.gate), "min_f1": config.gate.min_f1, "max_f1_std": config.gate.max_f1_std}
    model = report.model
    trained_on = {
        "courses": report.train_courses,
        "holdout_courses": report.holdout_courses,
        "rows": model.n_samples,
        "positive_rate": model.positive_rate,
        "seed": model.seed,
    }
    return ModelRecord(
        kind=str(model.kind),
        cut_key=model.cut_key,
        version=model.version,
        trained_on=_finite(trained_on),
        metrics=_finite(metrics),
        gate=_finite(gate),
        feature_columns=list(model.columns),
        artifact=model.to_bytes(),
    )


def ended(calendars: Mapping[str, CourseCalendar], now: float, config: EngineConfig) -> list[str]:
    """Courses whose end plus the target's grace period is past: their outcomes are final."""
    grace = config.target.grace_days * DAY
    return sorted(c for c, cal in calendars.items() if cal.end is not None and cal.end + grace <= now)


def label_courses(
    events_by_course: Mapping[str, Sequence[Event]],
    calendars: Mapping[str, CourseCalendar],
    now: float,
    config: EngineConfig,
) -> list[Label]:
    """The labels of every ended course (the idempotent labelling step)."""
    events = [e for course in ended(calendars, now, config) for e in events_by_course.get(course, ())]
    return generate_labels(events, calendars, now, config.target)


def train_store(
    events_by_course: Mapping[str, Sequence[Event]],
    calendars: Mapping[str, CourseCalendar],
    labels: Sequence[Label],
    config: EngineConfig,
    *,
    now: float,
    seed: int = 0,
    cut_keys: Sequence[str] = CUT_KEYS,
) -> TrainingOutcome:
    """A model per cut point that the labelled courses support."""
    labelled = sorted({label.course for label in labels})
    training_events = {c: events_by_course[c] for c in labelled if c in events_by_course}
    settings = FeatureSettings(vocabulary=config.vocabulary_mapping)
    records: list[ModelRecord] = []
    skipped: dict[str, str] = {}
    for cut_key in cut_keys:
        try:
            report = train_cut_point(
                training_events,
                calendars,
                labels,
                cut_key,
                kind=config.model_kind,
                seed=seed,
                gate=config.gate,
                trained_at=now,
                settings=settings,
            )
        except ValueError as exc:
            skipped[cut_key] = str(exc)
            continue
        records.append(model_record(report, config))
    return TrainingOutcome(records, skipped, labelled, len(labels))


def ended_count(courses: Sequence[CourseDates], now: float, config: EngineConfig) -> int:
    """How many courses have final outcomes (end plus grace period past) by `now`."""
    grace = config.target.grace_days * DAY
    return sum(1 for c in courses if c.end is not None and c.end + grace <= now)


def ready_to_train(ended_courses: int, config: EngineConfig, *, ended_at_last_training: int | None) -> bool:
    """Train automatically: enough courses have ended, and more than when training was last tried (so a
    store whose data cannot pass the gate is not retrained on every sweep)."""
    if ended_courses < config.min_ended_courses:
        return False
    return ended_at_last_training is None or ended_courses > ended_at_last_training
