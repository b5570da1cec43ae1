"""Labels: did a learner succeed in a course, or were they at risk?

Label generation is a separate, idempotent step: a pure function of the course's events and
calendar, so it can be rerun at any time and gives the same labels. By default (configurable per
store) success is `passed`, or `completed` with `result.success` true, on the course itself; a
learner is at risk if they `failed`, withdrew (`unregistered` / `abandoned`), or had no success by the
course end plus a grace period. Only ended courses are labelled: a running course has no truth yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import msgspec

from analytics.courses import DAY, CourseCalendar
from analytics.events import Event
from analytics.vocabulary import Family


class TargetDefinition(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What counts as success and as being at risk; one per store."""

    success_actions: frozenset[str] = frozenset({"passed"})
    success_if_successful: frozenset[str] = frozenset({"completed"})
    failure_actions: frozenset[str] = frozenset({"failed"})
    withdrawal_actions: frozenset[str] = frozenset({"unregistered", "abandoned"})
    grace_days: float = 7.0


DEFAULT_TARGET = TargetDefinition()


class Label(msgspec.Struct, frozen=True):
    """The outcome of one learner in one course: `at_risk` 1 or 0, why, and when it became known."""

    course: str
    learner: str
    at_risk: bool
    reason: str
    decided_at: float


def generate_labels(
    events: Iterable[Event],
    calendars: Mapping[str, CourseCalendar],
    now: float,
    target: TargetDefinition = DEFAULT_TARGET,
) -> list[Label]:
    """Labels for every learner of every course that ended (end + grace) by `now`.

    Success anywhere before the deadline wins; otherwise the first failure or withdrawal gives the
    reason; a learner with neither is at risk for `no-success` as of the deadline. Teachers (named in
    `context.instructor`) get no label. The result is sorted, so reruns are identical.
    """
    success: dict[tuple[str, str], float] = {}
    first_failure: dict[tuple[str, str], tuple[float, str]] = {}
    learners: set[tuple[str, str]] = set()
    staff: set[tuple[str, str]] = set()
    grace = target.grace_days * DAY
    for e in events:
        calendar = calendars.get(e.course)
        if calendar is None or calendar.end is None or calendar.end + grace > now:
            continue
        deadline = calendar.end + grace
        key = (e.course, e.learner)
        learners.add(key)
        if e.instructor is not None:
            staff.add((e.course, e.instructor))
        if e.timestamp > deadline:
            continue
        on_course = e.family in (Family.OUTCOME, Family.ENROLMENT)
        if not on_course:
            continue
        if e.action in target.success_actions or (e.action in target.success_if_successful and e.success is True):
            success[key] = min(success.get(key, e.timestamp), e.timestamp)
        elif (e.action in target.failure_actions or e.action in target.withdrawal_actions) and (
            key not in first_failure or e.timestamp < first_failure[key][0]
        ):
            reason = "withdrew" if e.action in target.withdrawal_actions else e.action
            first_failure[key] = (e.timestamp, reason)
    labels = []
    for key in sorted(learners - staff):
        course, learner = key
        if key in success:
            labels.append(Label(course, learner, False, "success", success[key]))
        elif key in first_failure:
            at, reason = first_failure[key]
            labels.append(Label(course, learner, True, reason, at))
        else:
            end = calendars[course].end
            assert end is not None
            labels.append(Label(course, learner, True, "no-success", end + grace))
    return labels
