"""Risk predictors: scikit-learn pipelines trained on a cut point's dataset, serialisable to bytes.

Two kinds. `logistic`: median imputation, standardisation and class-weighted logistic regression
whose intercept is then corrected back to the true base rate (King & Zeng's prior correction), so its
probabilities stay calibrated and its coefficients read as risk factors. `boosting`: class-weighted
HistGradientBoosting (missing values handled natively) with sigmoid probability calibration by
cross-validation. Both are seeded, so the same data gives the same model.
"""

from __future__ import annotations

import enum
import hashlib
import io
import math
import pickle
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

_ARTIFACT_FORMAT = 1


class ModelKind(enum.StrEnum):
    """The predictor families on offer."""

    LOGISTIC = "logistic"
    BOOSTING = "boosting"


@dataclass
class TrainedModel:
    """A fitted estimator plus what is needed to use and explain it."""

    kind: ModelKind
    cut_key: str
    columns: tuple[str, ...]
    estimator: Any
    baseline: npt.NDArray[np.float64]
    n_samples: int
    positive_rate: float
    seed: int
    trained_at: float
    version: str
    metadata: dict[str, Any] = field(default_factory=dict)

    def predict_proba(self, X: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """The probability of being at risk for each row."""
        if len(X) == 0:
            return np.empty(0)
        return np.asarray(self.estimator.predict_proba(X)[:, 1], dtype=np.float64)

    def to_bytes(self) -> bytes:
        """The model as bytes (a pickle: load only artifacts this service wrote)."""
        buffer = io.BytesIO()
        pickle.dump((_ARTIFACT_FORMAT, self), buffer, protocol=pickle.HIGHEST_PROTOCOL)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> TrainedModel:
        loaded = pickle.loads(data)
        if not (isinstance(loaded, tuple) and len(loaded) == 2 and loaded[0] == _ARTIFACT_FORMAT):
            raise ValueError("not a model artifact of this version")
        if not isinstance(loaded[1], cls):
            raise ValueError("not a model artifact of this version")
        return loaded[1]


def _median(values: npt.NDArray[np.float64]) -> float:
    finite = values[np.isfinite(values)]
    return float(np.median(finite)) if len(finite) else 0.0


def make_estimator(kind: ModelKind, seed: int) -> Any:
    """An unfitted pipeline of the given kind."""
    if kind is ModelKind.LOGISTIC:
        return Pipeline(
            [
                ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
                ("scale", StandardScaler()),
                ("model", LogisticRegression(C=0.5, class_weight="balanced", max_iter=2000, random_state=seed)),
            ]
        )
    boosting = HistGradientBoostingClassifier(
        learning_rate=0.1,
        max_iter=100,
        early_stopping=True,
        validation_fraction=0.15,
        n_iter_no_change=10,
        max_leaf_nodes=15,
        min_samples_leaf=20,
        l2_regularization=1.0,
        class_weight="balanced",
        random_state=seed,
    )
    return CalibratedClassifierCV(boosting, method="sigmoid", cv=3)


def fit_estimator(
    kind: ModelKind, X: npt.NDArray[np.float64], y: npt.NDArray[np.int64], seed: int, threads: int | None = 1
) -> Any:
    """Fit a fresh estimator; for the logistic kind, undo the class weighting's shift of the intercept.

    `threads` caps BLAS/OpenMP threads while fitting (None: no cap): on a shared machine, small fits
    run faster on one thread than with threads competing for the cores.
    """
    if len(np.unique(y)) < 2:
        raise ValueError("training needs both at-risk and successful learners")
    estimator = make_estimator(kind, seed)
    with threadpool_limits(limits=threads):
        estimator.fit(X, y)
    if kind is ModelKind.LOGISTIC:
        rate = float(np.mean(y))
        estimator.named_steps["model"].intercept_ += math.log(rate / (1.0 - rate))
    return estimator


def train_model(
    X: npt.NDArray[np.float64],
    y: npt.NDArray[np.int64],
    columns: tuple[str, ...],
    *,
    kind: ModelKind = ModelKind.LOGISTIC,
    cut_key: str = "",
    seed: int = 0,
    trained_at: float = 0.0,
    threads: int | None = 1,
) -> TrainedModel:
    """Train a model of `kind` on rows `X` (columns named `columns`) with labels `y` (1 = at risk)."""
    estimator = fit_estimator(kind, X, y, seed, threads)
    digest = hashlib.sha256(pickle.dumps(estimator, protocol=5))
    digest.update(repr((kind, cut_key, tuple(columns), seed)).encode())
    baseline = np.array([_median(X[:, j]) for j in range(X.shape[1])], dtype=np.float64)
    return TrainedModel(
        kind=kind,
        cut_key=cut_key,
        columns=tuple(columns),
        estimator=estimator,
        baseline=baseline,
        n_samples=len(y),
        positive_rate=float(np.mean(y)),
        seed=seed,
        trained_at=trained_at,
        version=digest.hexdigest()[:12],
    )
