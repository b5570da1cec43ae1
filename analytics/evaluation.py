"""How good is a model: metrics, repeated splits, temporal hold-out and the quality gate.

A model only predicts after it passes the gate. The default follows Moodle's: the weighted F1 over 10
random train/test splits must average at least 0.7 with a standard deviation of at most 0.05.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import msgspec
import numpy as np
import numpy.typing as npt
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    f1_score,
    matthews_corrcoef,
    roc_auc_score,
)
from sklearn.model_selection import StratifiedShuffleSplit

from analytics.predictors import ModelKind, fit_estimator


class CalibrationBin(msgspec.Struct, frozen=True):
    """One bin of the calibration curve: mean predicted risk against the observed at-risk share."""

    lower: float
    upper: float
    mean_predicted: float
    observed: float
    count: int


class Metrics(msgspec.Struct, frozen=True):
    """Scores of one set of predictions; NaN where undefined (e.g. ROC AUC with one class)."""

    n: int
    positives: int
    roc_auc: float
    pr_auc: float
    brier: float
    f1_weighted: float
    mcc: float
    calibration: list[CalibrationBin]


def calibration_curve(y: npt.NDArray[np.int64], proba: npt.NDArray[np.float64], bins: int = 10) -> list[CalibrationBin]:
    """Equal-width bins over [0, 1]; empty bins are left out."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.digitize(proba, edges[1:-1]), 0, bins - 1)
    curve = []
    for b in range(bins):
        mask = index == b
        if mask.any():
            curve.append(
                CalibrationBin(
                    float(edges[b]),
                    float(edges[b + 1]),
                    float(proba[mask].mean()),
                    float(y[mask].mean()),
                    int(mask.sum()),
                )
            )
    return curve


def compute_metrics(
    y: npt.NDArray[np.int64], proba: npt.NDArray[np.float64], threshold: float = 0.5, bins: int = 10
) -> Metrics:
    """All stored metrics for predictions `proba` of labels `y` (1 = at risk)."""
    y = np.asarray(y, dtype=np.int64)
    proba = np.asarray(proba, dtype=np.float64)
    predicted = (proba >= threshold).astype(np.int64)
    both = len(np.unique(y)) == 2
    return Metrics(
        n=len(y),
        positives=int(y.sum()),
        roc_auc=float(roc_auc_score(y, proba)) if both else math.nan,
        pr_auc=float(average_precision_score(y, proba)) if both else math.nan,
        brier=float(brier_score_loss(y, proba, pos_label=1)) if len(y) else math.nan,
        f1_weighted=float(f1_score(y, predicted, average="weighted", zero_division=0)) if len(y) else math.nan,
        mcc=float(matthews_corrcoef(y, predicted)) if both else math.nan,
        calibration=calibration_curve(y, proba, bins),
    )


def repeated_splits(
    X: npt.NDArray[np.float64],
    y: npt.NDArray[np.int64],
    kind: ModelKind,
    *,
    seed: int = 0,
    n_splits: int = 10,
    test_size: float = 0.3,
) -> list[Metrics]:
    """Metrics of `n_splits` stratified random train/test splits, each trained afresh (seeded)."""
    splitter = StratifiedShuffleSplit(n_splits=n_splits, test_size=test_size, random_state=seed)
    results = []
    for train, test in splitter.split(X, y):
        estimator = fit_estimator(kind, X[train], y[train], seed)
        results.append(compute_metrics(y[test], estimator.predict_proba(X[test])[:, 1]))
    return results


def temporal_holdout(
    X_train: npt.NDArray[np.float64],
    y_train: npt.NDArray[np.int64],
    X_test: npt.NDArray[np.float64],
    y_test: npt.NDArray[np.int64],
    kind: ModelKind,
    *,
    seed: int = 0,
) -> Metrics:
    """Train on earlier courses, score on later ones."""
    estimator = fit_estimator(kind, X_train, y_train, seed)
    return compute_metrics(y_test, estimator.predict_proba(X_test)[:, 1])


class QualityGate(msgspec.Struct, frozen=True):
    """The bar a model must clear before it predicts."""

    min_f1: float = 0.7
    max_f1_std: float = 0.05


class GateResult(msgspec.Struct, frozen=True):
    """Whether the gate passed, the numbers it judged and, if it failed, why."""

    passed: bool
    f1_mean: float
    f1_std: float
    reason: str


def check_gate(splits: Sequence[Metrics], gate: QualityGate | None = None) -> GateResult:
    """Judge the weighted F1 across repeated splits against the gate."""
    gate = gate or QualityGate()
    scores = np.array([m.f1_weighted for m in splits], dtype=np.float64)
    if len(scores) == 0 or np.isnan(scores).any():
        return GateResult(False, math.nan, math.nan, "no evaluation")
    mean, std = float(scores.mean()), float(scores.std())
    if mean < gate.min_f1:
        return GateResult(False, mean, std, f"mean weighted F1 {mean:.3f} < {gate.min_f1}")
    if std > gate.max_f1_std:
        return GateResult(False, mean, std, f"weighted F1 deviation {std:.3f} > {gate.max_f1_std}")
    return GateResult(True, mean, std, "passed")
