"""Training sets: features at a cut point joined with the labels of ended courses.

At a cut point only learners still enrolled and without a known outcome are scored, so a training row
never contains what it is meant to predict (a learner who already withdrew is not a prediction).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from analytics.courses import CourseCalendar
from analytics.events import Event
from analytics.features import COLUMNS, DEFAULT_SETTINGS, FeatureSettings, compute_features
from analytics.splitting import DEFAULT_FRACTIONS, DEFAULT_WEEKS, cut_points
from analytics.targets import Label


@dataclass
class Dataset:
    """Rows of features (`X`) and labels (`y`, 1 = at risk) with the (course, learner) of each row."""

    cut_key: str
    X: npt.NDArray[np.float64]
    y: npt.NDArray[np.int64]
    courses: list[str]
    learners: list[str]
    columns: tuple[str, ...] = COLUMNS

    def __len__(self) -> int:
        return len(self.y)

    def subset(self, mask: npt.NDArray[np.bool_]) -> Dataset:
        index = np.flatnonzero(mask)
        return Dataset(
            self.cut_key,
            self.X[index],
            self.y[index],
            [self.courses[i] for i in index],
            [self.learners[i] for i in index],
            self.columns,
        )


def group_by_course(events: Iterable[Event]) -> dict[str, list[Event]]:
    """Events split by course, each list in the original order."""
    grouped: dict[str, list[Event]] = {}
    for event in events:
        grouped.setdefault(event.course, []).append(event)
    return grouped


def build_dataset(
    events_by_course: Mapping[str, Sequence[Event]],
    calendars: Mapping[str, CourseCalendar],
    labels: Iterable[Label],
    cut_key: str,
    settings: FeatureSettings = DEFAULT_SETTINGS,
    weeks: Sequence[int] = DEFAULT_WEEKS,
    fractions: Sequence[float] = DEFAULT_FRACTIONS,
) -> Dataset:
    """Features as of each labelled course's `cut_key` moment, with the labels of learners still open then."""
    by_course: dict[str, dict[str, Label]] = {}
    for label in labels:
        by_course.setdefault(label.course, {})[label.learner] = label
    blocks: list[npt.NDArray[np.float64]] = []
    targets: list[int] = []
    courses: list[str] = []
    learners: list[str] = []
    for course in sorted(by_course):
        calendar = calendars.get(course)
        if calendar is None or course not in events_by_course:
            continue
        cut = next((p for p in cut_points(calendar, weeks, fractions) if p.key == cut_key), None)
        if cut is None:
            continue
        matrix = compute_features(events_by_course[course], cut.at, {course: calendar}, settings)
        course_labels = by_course[course]
        keep = [
            i
            for i, learner in enumerate(matrix.learners)
            if learner in course_labels and not matrix.withdrawn[i] and course_labels[learner].decided_at > cut.at
        ]
        blocks.append(matrix.values[keep])
        targets.extend(int(course_labels[matrix.learners[i]].at_risk) for i in keep)
        courses.extend(course for _ in keep)
        learners.extend(matrix.learners[i] for i in keep)
    X = np.vstack(blocks) if blocks else np.empty((0, len(COLUMNS)))
    return Dataset(cut_key, X, np.array(targets, dtype=np.int64), courses, learners)
