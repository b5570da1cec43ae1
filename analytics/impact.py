"""Did the interventions help? Treated versus control outcomes, as an experiment.

An outcome is 1 when the learner succeeded in the course (the label says not at risk) and 0 otherwise. Treated
learners received at least one intervention; the control group is the hold-out: at-risk learners deliberately
left without automated interventions, chosen at random (`analytics.pipeline.ids.in_holdout`). `compare` reports
both groups, the difference of their success rates, Welch's t-test (unequal variances), a confidence interval of
the difference and Cohen's d (pooled SD), and refuses to conclude ("not enough data") while either group is
smaller than a minimum size.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from enum import StrEnum

import msgspec

DEFAULT_MIN_GROUP = 10
"""Smallest group size for which an impact is computed."""


class ImpactStatus(StrEnum):
    OK = "ok"
    NOT_ENOUGH_DATA = "not_enough_data"
    NO_VARIANCE = "no_variance"


class GroupSummary(msgspec.Struct, frozen=True):
    """One group's size, success rate (mean outcome) and sample standard deviation (None below 2 learners)."""

    n: int
    successes: int
    mean: float | None
    sd: float | None


class Impact(msgspec.Struct, frozen=True):
    """Treated versus control. The statistics are None unless `status` is `ok`.

    `difference` is treated minus control success rate; `p_value` is two-sided; `cohens_d` uses the pooled SD;
    `ci_low`/`ci_high` bound the difference at `confidence` with Welch's degrees of freedom.
    """

    status: ImpactStatus
    message: str
    min_group: int
    treated: GroupSummary
    control: GroupSummary
    difference: float | None = None
    t: float | None = None
    df: float | None = None
    p_value: float | None = None
    cohens_d: float | None = None
    confidence: float = 0.95
    ci_low: float | None = None
    ci_high: float | None = None


def summarise(values: Sequence[float]) -> GroupSummary:
    n = len(values)
    if n == 0:
        return GroupSummary(0, 0, None, None)
    mean = math.fsum(values) / n
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else None
    return GroupSummary(n, sum(1 for v in values if v > 0), mean, sd)


def _student_t_sf(t: float, df: float) -> float:
    """P(T > t) for Student's t with `df` degrees of freedom."""
    from scipy.stats import t as student_t

    return float(student_t.sf(t, df))


def _student_t_ppf(q: float, df: float) -> float:
    from scipy.stats import t as student_t

    return float(student_t.ppf(q, df))


def compare(
    treated: Sequence[float],
    control: Sequence[float],
    *,
    min_group: int = DEFAULT_MIN_GROUP,
    confidence: float = 0.95,
) -> Impact:
    """Compare the outcomes of the treated and the control learners (one value per learner)."""
    if min_group < 2:
        raise ValueError("min_group must be at least 2 (a variance needs two learners)")
    if not 0.0 < confidence < 1.0:
        raise ValueError("confidence must be between 0 and 1")
    a, b = summarise(treated), summarise(control)
    if a.n < min_group or b.n < min_group:
        return Impact(
            ImpactStatus.NOT_ENOUGH_DATA,
            f"not enough data: {a.n} treated and {b.n} control learners with a known outcome; "
            f"at least {min_group} in each group are needed",
            min_group,
            a,
            b,
            confidence=confidence,
        )
    assert a.mean is not None and b.mean is not None and a.sd is not None and b.sd is not None
    difference = a.mean - b.mean
    va, vb = a.sd**2 / a.n, b.sd**2 / b.n
    if va + vb == 0.0:
        return Impact(
            ImpactStatus.NO_VARIANCE,
            "every learner in both groups had the same outcome within their group: no test is possible",
            min_group,
            a,
            b,
            difference=difference,
            confidence=confidence,
        )
    se = math.sqrt(va + vb)
    t = difference / se
    df = (va + vb) ** 2 / (va**2 / (a.n - 1) + vb**2 / (b.n - 1))
    p_value = min(1.0, 2.0 * _student_t_sf(abs(t), df))
    pooled = math.sqrt(((a.n - 1) * a.sd**2 + (b.n - 1) * b.sd**2) / (a.n + b.n - 2))
    cohens_d = difference / pooled if pooled > 0 else None
    margin = _student_t_ppf(0.5 + confidence / 2.0, df) * se
    return Impact(
        ImpactStatus.OK,
        f"treated learners succeeded {difference:+.1%} more often than the control group (p = {p_value:.3g})",
        min_group,
        a,
        b,
        difference=difference,
        t=t,
        df=df,
        p_value=p_value,
        cohens_d=cohens_d,
        confidence=confidence,
        ci_low=difference - margin,
        ci_high=difference + margin,
    )
