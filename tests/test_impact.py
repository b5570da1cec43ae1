"""Impact statistics checked against values computed here independently (numpy formulas, scipy's own test)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from analytics.impact import ImpactStatus, compare, summarise


def _independent(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """Welch's t, df, two-sided p and Cohen's d (pooled SD) from textbook formulas."""
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    t = (a.mean() - b.mean()) / np.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    pooled = np.sqrt(((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1)) / (len(a) + len(b) - 2))
    reference = stats.ttest_ind(a, b, equal_var=False)
    return {
        "t": float(t),
        "df": float(df),
        "p": float(reference.pvalue),
        "scipy_t": float(reference.statistic),
        "d": float((a.mean() - b.mean()) / pooled),
        "margin": float(stats.t.ppf(0.975, df) * np.sqrt(va + vb)),
    }


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_binary_outcomes_match_the_independent_computation(seed: int) -> None:
    rng = np.random.default_rng(seed)
    treated = (rng.random(37) < 0.7).astype(float)
    control = (rng.random(23) < 0.45).astype(float)
    impact = compare(treated.tolist(), control.tolist(), min_group=10)
    expected = _independent(treated, control)
    assert impact.status is ImpactStatus.OK
    assert impact.t == pytest.approx(expected["t"], rel=1e-9)
    assert impact.t == pytest.approx(expected["scipy_t"], rel=1e-9)
    assert impact.df == pytest.approx(expected["df"], rel=1e-9)
    assert impact.p_value == pytest.approx(expected["p"], rel=1e-7)
    assert impact.cohens_d == pytest.approx(expected["d"], rel=1e-9)
    assert impact.difference == pytest.approx(treated.mean() - control.mean())
    assert impact.ci_low == pytest.approx(impact.difference - expected["margin"])
    assert impact.ci_high == pytest.approx(impact.difference + expected["margin"])
    assert impact.treated.n == 37 and impact.treated.successes == int(treated.sum())
    assert impact.control.sd == pytest.approx(control.std(ddof=1))


def test_a_clear_effect_is_significant_and_no_effect_is_not() -> None:
    strong = compare([1.0] * 40 + [0.0] * 10, [1.0] * 15 + [0.0] * 35)
    assert strong.status is ImpactStatus.OK and strong.p_value is not None and strong.p_value < 1e-6
    assert strong.cohens_d is not None and strong.cohens_d > 1.0
    same = compare([1.0, 0.0] * 20, [0.0, 1.0] * 20)
    assert same.difference == 0.0 and same.t == 0.0 and same.p_value == pytest.approx(1.0)
    assert same.ci_low is not None and same.ci_low < 0.0 < (same.ci_high or 0.0)


def test_below_the_minimum_group_size_there_is_no_conclusion() -> None:
    treated, control = [1.0] * 6 + [0.0] * 3, [0.0] * 20 + [1.0] * 10
    impact = compare(treated, control, min_group=10)
    assert impact.status is ImpactStatus.NOT_ENOUGH_DATA
    assert "not enough data" in impact.message and "10" in impact.message
    assert impact.p_value is None and impact.t is None and impact.cohens_d is None
    assert impact.treated.n == 9 and impact.control.n == 30 and impact.control.mean == pytest.approx(1 / 3)
    assert compare(treated, control, min_group=5).status is ImpactStatus.OK


def test_no_variance_in_either_group_cannot_be_tested() -> None:
    impact = compare([1.0] * 12, [0.0] * 12)
    assert impact.status is ImpactStatus.NO_VARIANCE
    assert impact.difference == 1.0 and impact.p_value is None


def test_continuous_outcomes_work_too() -> None:
    rng = np.random.default_rng(5)
    a, b = rng.normal(0.6, 0.1, 50), rng.normal(0.55, 0.2, 80)
    impact = compare(a.tolist(), b.tolist())
    expected = _independent(a, b)
    assert impact.p_value == pytest.approx(expected["p"], rel=1e-7)
    assert impact.cohens_d == pytest.approx(expected["d"], rel=1e-9)


def test_summaries_and_arguments() -> None:
    assert summarise([]).mean is None
    one = summarise([1.0])
    assert one.n == 1 and one.mean == 1.0 and one.sd is None
    assert math.isclose(summarise([0.0, 1.0]).sd or 0.0, math.sqrt(0.5))
    with pytest.raises(ValueError, match="min_group"):
        compare([1.0], [0.0], min_group=1)
    with pytest.raises(ValueError, match="confidence"):
        compare([1.0], [0.0], confidence=1.0)
