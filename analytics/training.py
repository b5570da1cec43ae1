"""The whole learning loop in two calls, for the workers: train per cut point, then score a course.

`train_cut_point` builds the cut point's dataset from ended courses, evaluates on a temporal hold-out
(the most recently ended courses) and by repeated random splits, judges the quality gate and trains
the final model on every labelled course. `score_course` picks, for a running course, the model of
the latest cut point not after now (among models that passed their gate) and returns insights.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from analytics.courses import CourseCalendar
from analytics.dataset import build_dataset
from analytics.engagement import engagement_scores
from analytics.evaluation import GateResult, Metrics, QualityGate, check_gate, repeated_splits, temporal_holdout
from analytics.events import Event
from analytics.features import DEFAULT_SETTINGS, FeatureSettings, compute_features
from analytics.insights import DEFAULT_BANDS, Insight, RiskBands, predict_insights
from analytics.interventions import DEFAULT_RULES, InterventionRules
from analytics.predictors import ModelKind, TrainedModel, train_model
from analytics.splitting import cut_point_for
from analytics.targets import Label


@dataclass
class TrainingReport:
    """A trained model with the evidence for (or against) using it."""

    model: TrainedModel
    holdout: Metrics | None
    splits: list[Metrics]
    gate: GateResult
    train_courses: list[str]
    holdout_courses: list[str]


def train_cut_point(
    events_by_course: Mapping[str, Sequence[Event]],
    calendars: Mapping[str, CourseCalendar],
    labels: Sequence[Label],
    cut_key: str,
    *,
    kind: ModelKind = ModelKind.LOGISTIC,
    seed: int = 0,
    gate: QualityGate | None = None,
    holdout_share: float = 0.34,
    trained_at: float = 0.0,
    settings: FeatureSettings = DEFAULT_SETTINGS,
) -> TrainingReport:
    """Train and evaluate the model of one cut point; raises ValueError when the data cannot train one."""
    dataset = build_dataset(events_by_course, calendars, labels, cut_key, settings)
    courses = sorted(set(dataset.courses), key=lambda c: (calendars[c].end or 0.0, c))
    holdout_courses = courses[-max(1, round(len(courses) * holdout_share)) :] if len(courses) > 1 else []
    holdout: Metrics | None = None
    if holdout_courses:
        in_holdout = np.array([c in holdout_courses for c in dataset.courses], dtype=bool)
        train, test = dataset.subset(~in_holdout), dataset.subset(in_holdout)
        if len(set(train.y.tolist())) == 2:
            holdout = temporal_holdout(train.X, train.y, test.X, test.y, kind, seed=seed)
    splits = repeated_splits(dataset.X, dataset.y, kind, seed=seed)
    model = train_model(
        dataset.X, dataset.y, dataset.columns, kind=kind, cut_key=cut_key, seed=seed, trained_at=trained_at
    )
    return TrainingReport(model, holdout, splits, check_gate(splits, gate), courses, holdout_courses)


def score_course(
    models: Mapping[str, TrainedModel],
    events: Sequence[Event],
    calendar: CourseCalendar,
    as_of: float,
    *,
    bands: RiskBands = DEFAULT_BANDS,
    rules: InterventionRules = DEFAULT_RULES,
    settings: FeatureSettings = DEFAULT_SETTINGS,
) -> list[Insight]:
    """Insights for the learners of one course as of `as_of`; none before its first usable cut point."""
    point = cut_point_for(calendar, as_of, available=set(models))
    if point is None:
        return []
    matrix = compute_features(events, as_of, {calendar.course: calendar}, settings)
    matrix = matrix.select(np.array([c == calendar.course for c in matrix.courses], dtype=bool))
    return predict_insights(models[point.key], matrix, bands=bands, rules=rules, engagement=engagement_scores(matrix))
