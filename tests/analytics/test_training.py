"""Training on earlier offerings predicts a later one at 25 % of the course: well, but not trivially."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from analytics.dataset import Dataset, build_dataset
from analytics.evaluation import (
    Metrics,
    QualityGate,
    check_gate,
    compute_metrics,
    repeated_splits,
    temporal_holdout,
)
from analytics.explain import contributions, top_factors
from analytics.predictors import ModelKind, TrainedModel, train_model
from analytics.training import score_course, train_cut_point
from tests.analytics.conftest import Cohort


@dataclass
class Split:
    train: Dataset
    test: Dataset


@pytest.fixture(scope="module")
def split(ended_cohort: Cohort) -> Split:
    courses = sorted(ended_cohort.by_course)
    earlier = {c: ended_cohort.by_course[c] for c in courses[:2]}
    later = {c: ended_cohort.by_course[c] for c in courses[2:]}
    return Split(
        build_dataset(earlier, ended_cohort.calendars, ended_cohort.labels, "pct-25"),
        build_dataset(later, ended_cohort.calendars, ended_cohort.labels, "pct-25"),
    )


@pytest.fixture(scope="module")
def logistic(split: Split) -> TrainedModel:
    return train_model(split.train.X, split.train.y, split.train.columns, kind=ModelKind.LOGISTIC, cut_key="pct-25")


@pytest.fixture(scope="module")
def boosting(split: Split) -> TrainedModel:
    return train_model(split.train.X, split.train.y, split.train.columns, kind=ModelKind.BOOSTING, cut_key="pct-25")


def test_the_datasets_leave_out_learners_who_already_left(split: Split, ended_cohort: Cohort) -> None:
    assert len(split.train) > 500 and len(split.test) > 250
    assert set(split.test.courses) == {sorted(ended_cohort.by_course)[2]}
    assert 0.3 < split.test.y.mean() < 0.6
    withdrawn_early = {
        (t.course_id, t.learner)
        for t in ended_cohort.truths
        if t.withdrew and t.dropout_week is not None and t.dropout_week <= 1
    }
    assert withdrawn_early
    assert not withdrawn_early & set(
        zip(split.train.courses + split.test.courses, split.train.learners + split.test.learners, strict=True)
    )


def test_a_model_of_earlier_offerings_predicts_a_later_one_at_25_percent(split: Split, logistic: TrainedModel) -> None:
    metrics = compute_metrics(split.test.y, logistic.predict_proba(split.test.X))
    assert 0.80 <= metrics.roc_auc < 0.97
    assert metrics.f1_weighted >= 0.7
    assert metrics.brier < 0.2
    assert metrics.mcc > 0.3


def test_boosting_also_generalises(split: Split, boosting: TrainedModel) -> None:
    metrics = compute_metrics(split.test.y, boosting.predict_proba(split.test.X))
    assert 0.78 <= metrics.roc_auc < 0.97


def test_temporal_holdout_trains_on_the_earlier_rows_only(split: Split, logistic: TrainedModel) -> None:
    metrics = temporal_holdout(split.train.X, split.train.y, split.test.X, split.test.y, ModelKind.LOGISTIC)
    expected = compute_metrics(split.test.y, logistic.predict_proba(split.test.X))
    assert metrics.roc_auc == pytest.approx(expected.roc_auc)


def test_no_single_feature_gives_the_answer_away(split: Split) -> None:
    for j, name in enumerate(split.test.columns):
        values = np.nan_to_num(split.test.X[:, j], nan=-1.0)
        auc = roc_auc_score(split.test.y, values)
        assert max(auc, 1 - auc) < 0.85, name


def test_logistic_probabilities_are_calibrated_to_the_base_rate(split: Split, logistic: TrainedModel) -> None:
    assert abs(logistic.predict_proba(split.train.X).mean() - split.train.y.mean()) < 0.05
    curve = compute_metrics(split.test.y, logistic.predict_proba(split.test.X)).calibration
    assert sum(b.count for b in curve) == len(split.test)


def test_training_is_seeded_and_models_round_trip_through_bytes(split: Split, boosting: TrainedModel) -> None:
    first = boosting
    again = train_model(split.train.X, split.train.y, split.train.columns, kind=ModelKind.BOOSTING, cut_key="pct-25")
    np.testing.assert_array_equal(first.predict_proba(split.test.X), again.predict_proba(split.test.X))
    assert again.version == first.version
    restored = TrainedModel.from_bytes(first.to_bytes())
    np.testing.assert_array_equal(restored.predict_proba(split.test.X), first.predict_proba(split.test.X))
    assert restored.version == first.version and len(first.version) == 12
    with pytest.raises(ValueError):
        TrainedModel.from_bytes(b"\x80\x05N.")


def test_training_needs_both_classes(split: Split) -> None:
    with pytest.raises(ValueError, match="both"):
        train_model(split.train.X[:10], np.zeros(10, dtype=np.int64), split.train.columns)


def test_the_quality_gate_passes_on_repeated_splits(split: Split) -> None:
    splits = repeated_splits(split.train.X, split.train.y, ModelKind.LOGISTIC, seed=1)
    assert len(splits) == 10
    result = check_gate(splits)
    assert result.passed, result.reason
    assert result.f1_mean >= 0.7 and result.f1_std <= 0.05


def _metrics(f1: float) -> Metrics:
    return Metrics(n=10, positives=5, roc_auc=0.5, pr_auc=0.5, brier=0.25, f1_weighted=f1, mcc=0.0, calibration=[])


def test_the_gate_rejects_weak_or_unstable_models() -> None:
    assert not check_gate([_metrics(0.65)] * 10).passed
    unstable = check_gate([_metrics(0.65), _metrics(0.95)] * 5)
    assert not unstable.passed and "deviation" in unstable.reason
    assert check_gate([_metrics(0.72), _metrics(0.74)] * 5).passed
    assert not check_gate([]).passed
    assert check_gate([_metrics(0.6)] * 10, QualityGate(min_f1=0.5)).passed


def test_metrics_of_a_single_class_are_nan_where_undefined() -> None:
    metrics = compute_metrics(np.zeros(4, dtype=np.int64), np.array([0.1, 0.2, 0.3, 0.4]))
    assert np.isnan(metrics.roc_auc) and metrics.f1_weighted == 1.0


def test_logistic_factors_are_the_terms_of_the_decision_function(split: Split, logistic: TrainedModel) -> None:
    X = split.test.X[:20]
    terms = contributions(logistic, X)
    decision = logistic.estimator.decision_function(X)
    np.testing.assert_allclose(terms.sum(axis=1) + logistic.estimator.named_steps["model"].intercept_[0], decision)
    factors = top_factors(logistic, X, k=3)
    for row, found in enumerate(factors):
        assert len(found) <= 3
        assert [f.contribution for f in found] == sorted((f.contribution for f in found), reverse=True)
        assert all(f.contribution > 0 and f.description for f in found)
        if found:
            assert found[0].contribution == pytest.approx(terms[row].max(), abs=1e-4)


def test_boosting_factors_come_from_occlusion(split: Split, boosting: TrainedModel) -> None:
    model = boosting
    risky = np.argsort(-model.predict_proba(split.test.X))[:5]
    factors = top_factors(model, split.test.X[risky], k=2)
    assert all(found and found[0].contribution > 0 for found in factors)


def test_train_a_cut_point_and_score_a_running_course(ended_cohort: Cohort, running_cohort: Cohort) -> None:
    report = train_cut_point(ended_cohort.by_course, ended_cohort.calendars, ended_cohort.labels, "week-2")
    assert report.holdout_courses == [sorted(ended_cohort.by_course)[-1]]
    assert report.holdout is not None and report.holdout.roc_auc > 0.75
    assert len(report.splits) == 10 and report.gate.passed
    running = running_cohort.offerings[-1]
    events = running_cohort.by_course[running.course_id]
    calendar = running_cohort.calendars[running.course_id]
    insights = score_course({"week-2": report.model}, events, calendar, running_cohort.now)
    assert insights and {i.course for i in insights} == {running.course_id}
    assert all(0 <= (i.engagement or 0) <= 100 for i in insights)
    assert score_course({"week-2": report.model}, events, calendar, calendar.start + 86400) == []
