"""Why a learner is at risk: the features that push their predicted risk up the most.

For the logistic model a factor's contribution is coefficient x standardised value (its share of the
log-odds against an average learner). For other models it is the drop in predicted risk when that
one feature is set back to the training median (occlusion), computed for all rows in one batch.
"""

from __future__ import annotations

import math

import msgspec
import numpy as np
import numpy.typing as npt

from analytics.features import SPECS
from analytics.predictors import ModelKind, TrainedModel


class Factor(msgspec.Struct, frozen=True):
    """One reason for risk: the feature, the learner's value, how much it adds, and what it means."""

    feature: str
    value: float | None
    contribution: float
    description: str


def contributions(model: TrainedModel, X: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Per row and feature, how much the feature raises the risk (positive) or lowers it (negative)."""
    if len(X) == 0:
        return np.empty((0, len(model.columns)))
    if model.kind is ModelKind.LOGISTIC:
        pipeline = model.estimator
        z = pipeline.named_steps["scale"].transform(pipeline.named_steps["impute"].transform(X))
        return np.asarray(z * pipeline.named_steps["model"].coef_[0], dtype=np.float64)
    n, f = X.shape
    occluded = np.repeat(X[np.newaxis, :, :], f, axis=0)
    for j in range(f):
        occluded[j, :, j] = model.baseline[j]
    base = model.predict_proba(X)
    shifted = model.predict_proba(occluded.reshape(f * n, f)).reshape(f, n)
    return np.asarray((base[np.newaxis, :] - shifted).T, dtype=np.float64)


def top_factors(model: TrainedModel, X: npt.NDArray[np.float64], k: int = 3) -> list[list[Factor]]:
    """For each row, up to `k` features that raise the risk, largest first."""
    scores = contributions(model, X)
    result = []
    for i in range(len(X)):
        order = np.argsort(-scores[i], kind="stable")[:k]
        factors = []
        for j in order:
            if scores[i, j] <= 0:
                break
            name = model.columns[j]
            value = float(X[i, j])
            spec = SPECS.get(name)
            factors.append(
                Factor(
                    name,
                    value if math.isfinite(value) else None,
                    round(float(scores[i, j]), 4),
                    spec.description if spec else name,
                )
            )
        result.append(factors)
    return result
