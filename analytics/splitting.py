"""Time-splitting: the moments in a course at which models are trained and used.

A model for cut point "week-4" is trained on every ended course's features as of its week 4 and
predicts for running courses from their own week 4 on, until a later cut point's model takes over:
a prediction at time T uses the model of the latest cut point not after T.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import msgspec

from analytics.courses import WEEK, CourseCalendar

DEFAULT_WEEKS: tuple[int, ...] = (2, 4, 6, 10)
DEFAULT_FRACTIONS: tuple[float, ...] = (0.25, 0.5, 0.75)


class CutPoint(msgspec.Struct, frozen=True, order=True):
    """A named moment in one course (`week-2`, `pct-25`) and when it falls (Unix seconds)."""

    at: float
    key: str


def cut_points(
    calendar: CourseCalendar,
    weeks: Sequence[int] = DEFAULT_WEEKS,
    fractions: Sequence[float] = DEFAULT_FRACTIONS,
) -> list[CutPoint]:
    """The course's cut points in time order.

    Week cut points at or past the end are left out, and so are the fractions of a course without an end.
    """
    points = []
    for week in weeks:
        at = calendar.start + week * WEEK
        if calendar.end is None or at < calendar.end:
            points.append(CutPoint(at, f"week-{week}"))
    if calendar.end is not None:
        for fraction in fractions:
            points.append(
                CutPoint(calendar.start + fraction * (calendar.end - calendar.start), f"pct-{round(fraction * 100)}")
            )
    return sorted(points)


def cut_point_for(
    calendar: CourseCalendar,
    when: float,
    available: Collection[str] | None = None,
    weeks: Sequence[int] = DEFAULT_WEEKS,
    fractions: Sequence[float] = DEFAULT_FRACTIONS,
) -> CutPoint | None:
    """The latest cut point not after `when` whose model is `available` (any, if None)."""
    best = None
    for point in cut_points(calendar, weeks, fractions):
        if point.at <= when and (available is None or point.key in available):
            best = point
    return best
