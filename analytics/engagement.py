"""An engagement score: a weighted composite of features, each normalised within its course.

Each feature becomes its percentile rank among the course's learners (flipped where more means less
engaged), so the score is comparable across courses of different sizes and designs; the weighted
mean is scaled to 0-100. A learner without a value (say, no scores yet) counts as the lowest rank.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from analytics.features import SPECS, FeatureMatrix, percentile_rank

DEFAULT_WEIGHTS: dict[str, float] = {
    "active_weeks_ratio": 0.2,
    "events_last_14d": 0.15,
    "days_since_last_activity": 0.1,
    "content_completion_rate": 0.15,
    "assessment_mean": 0.1,
    "submissions": 0.1,
    "missing_submissions": 0.1,
    "discussion_posts": 0.05,
    "cognitive_depth": 0.05,
}


def engagement_scores(matrix: FeatureMatrix, weights: Mapping[str, float] = DEFAULT_WEIGHTS) -> npt.NDArray[np.float64]:
    """One 0-100 score per row of `matrix`."""
    total = sum(abs(w) for w in weights.values())
    if total == 0:
        raise ValueError("engagement weights must not all be zero")
    scores = np.zeros(len(matrix))
    courses = np.array(matrix.courses, dtype=object)
    for course in set(matrix.courses):
        rows = np.flatnonzero(courses == course)
        for name, weight in weights.items():
            ranks = percentile_rank(matrix.values[rows, matrix.columns.index(name)])
            if SPECS[name].risk_direction > 0:
                ranks = 1.0 - ranks
            scores[rows] += abs(weight) * np.nan_to_num(ranks, nan=0.0)
    return np.asarray(100.0 * scores / total, dtype=np.float64)
