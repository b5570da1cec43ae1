"""Incremental features: accumulators updated statement by statement, read at any later time.

A worker that sees a few new statements should not recompute a course from scratch. `FeatureState`
keeps, per (course, learner), the same order-independent sums that `analytics.features` computes
with numpy, so new events can arrive in any order and any batching; `features(as_of)` then hands them
to the shared `finalise`. It answers for any `as_of` not before the latest event it holds (an
earlier cut-off needs the from-scratch path). The state pickles to bytes for storage.
"""

from __future__ import annotations

import itertools
import math
import pickle
from bisect import bisect_right
from collections.abc import Iterable, Mapping

import numpy as np

from analytics.courses import DAY, WEEK, CourseCalendar, infer_calendars
from analytics.events import Event
from analytics.features import (
    DEFAULT_SETTINGS,
    TREND_EPOCH,
    FeatureMatrix,
    FeatureSettings,
    RawAggregates,
    depth_level,
    discussion_peers,
    finalise,
    social_level,
)
from analytics.vocabulary import Family

_PICKLE_FORMAT = 1


class _Learner:
    """The running sums of one learner in one course."""

    __slots__ = (
        "completed_content",
        "content_seen",
        "day_counts",
        "depth",
        "discussion_events",
        "dur_activity",
        "dur_session",
        "first_submission",
        "joined",
        "last_ts",
        "left",
        "n_content",
        "n_events",
        "points",
        "possible",
        "posts",
        "score_min",
        "score_n",
        "score_sum",
        "score_t",
        "score_ts",
        "score_tt",
        "session_ends",
        "session_starts",
    )

    def __init__(self) -> None:
        self.n_events = 0
        self.n_content = 0
        self.last_ts = -math.inf
        self.day_counts: dict[int, int] = {}
        self.session_starts: list[float] = []
        self.session_ends: list[float] = []
        self.dur_session = 0.0
        self.dur_activity = 0.0
        self.completed_content: set[str] = set()
        self.content_seen: set[str] = set()
        self.score_n = 0
        self.score_sum = 0.0
        self.score_min = math.inf
        self.score_t = 0.0
        self.score_tt = 0.0
        self.score_ts = 0.0
        self.points = 0.0
        self.possible = 0.0
        self.first_submission: dict[str, float] = {}
        self.discussion_events = 0
        self.posts = 0
        self.depth: dict[str, list[float]] = {}
        self.joined = -math.inf
        self.left = -math.inf

    def add_session_time(self, t: float, gap: float) -> None:
        """Merge `t` into the sorted, disjoint session spans (spans further apart than `gap`)."""
        starts, ends = self.session_starts, self.session_ends
        i = bisect_right(starts, t)
        join_previous = i > 0 and t - ends[i - 1] <= gap
        join_next = i < len(starts) and starts[i] - t <= gap
        if join_previous and join_next:
            ends[i - 1] = max(ends[i - 1], ends[i])
            del starts[i], ends[i]
        elif join_previous:
            ends[i - 1] = max(ends[i - 1], t)
        elif join_next:
            starts[i] = t
        else:
            starts.insert(i, t)
            ends.insert(i, t)


class _Course:
    """The learners of one course and what they share: teachers and discussion threads."""

    __slots__ = ("learners", "posts", "replies", "staff")

    def __init__(self) -> None:
        self.learners: dict[str, _Learner] = {}
        self.staff: set[str] = set()
        self.posts: list[tuple[float, str, str]] = []
        self.replies: list[tuple[str, str]] = []


class FeatureState:
    """Incremental feature accumulators for any number of courses."""

    def __init__(self, settings: FeatureSettings = DEFAULT_SETTINGS) -> None:
        self.settings = settings
        self.courses: dict[str, _Course] = {}
        self.latest = -math.inf
        self._events_for_calendar: list[Event] = []

    def add(self, events: Iterable[Event]) -> None:
        """Fold new events in; order and batching do not matter."""
        vocabulary = self.settings.vocabulary
        gap, cap = self.settings.session_gap, self.settings.duration_cap
        for e in events:
            self.latest = max(self.latest, e.timestamp)
            course = self.courses.get(e.course)
            if course is None:
                course = self.courses[e.course] = _Course()
            if e.instructor is not None:
                course.staff.add(e.instructor)
            if e.due is not None or e.family is Family.OUTCOME:
                self._events_for_calendar.append(e)
            learner = course.learners.get(e.learner)
            if learner is None:
                learner = course.learners[e.learner] = _Learner()
            family = e.family
            if family is Family.ENROLMENT:
                if e.action in vocabulary.withdrawal_actions:
                    learner.left = max(learner.left, e.timestamp)
                else:
                    learner.joined = max(learner.joined, e.timestamp)
                continue
            if family is Family.OUTCOME:
                continue
            ts = e.timestamp
            learner.n_events += 1
            learner.last_ts = max(learner.last_ts, ts)
            day = math.floor(ts / DAY)
            learner.day_counts[day] = learner.day_counts.get(day, 0) + 1
            learner.add_session_time(ts, gap)
            duration = min(e.duration, cap) if e.duration is not None else 0.0
            if family is Family.SESSION:
                learner.dur_session += duration
                continue
            learner.dur_activity += duration
            contribution = e.action in vocabulary.contribution_actions
            if family is Family.CONTENT:
                learner.n_content += 1
                learner.content_seen.add(e.activity)
                if e.completion is True or e.action == "completed":
                    learner.completed_content.add(e.activity)
            elif family is Family.ASSESSMENT and e.score is not None:
                t = ts / WEEK - TREND_EPOCH / WEEK
                learner.score_n += 1
                learner.score_sum += e.score
                learner.score_min = min(learner.score_min, e.score)
                learner.score_t += t
                learner.score_tt += t * t
                learner.score_ts += t * e.score
                low, high = e.score_min, e.score_max
                if e.raw is not None and low is not None and high is not None and high > low:
                    learner.points += e.raw - low
                    learner.possible += high - low
            elif family is Family.SUBMISSION:
                previous = learner.first_submission.get(e.activity, math.inf)
                learner.first_submission[e.activity] = min(previous, ts)
            elif family is Family.DISCUSSION:
                learner.discussion_events += 1
                if contribution:
                    learner.posts += 1
                    if e.action in vocabulary.reply_actions:
                        course.replies.append((e.learner, e.activity))
                    else:
                        course.posts.append((ts, e.learner, e.activity))
            produced = contribution or family is Family.SUBMISSION
            feedback = e.score is not None or e.success is not None
            record = learner.depth.get(e.activity)
            if record is None:
                record = learner.depth[e.activity] = [0.0, math.inf, -math.inf, -math.inf]
            if produced:
                record[0] = 1.0
                record[3] = max(record[3], ts)
            if feedback:
                record[1] = min(record[1], ts)
            record[2] = max(record[2], ts)

    def features(self, as_of: float, calendars: Mapping[str, CourseCalendar] | None = None) -> FeatureMatrix:
        """Features of every (course, learner) as of `as_of` (not before the latest event added)."""
        if as_of < self.latest:
            raise ValueError("as_of is before the latest event held; compute from scratch instead")
        calendars = dict(calendars or {})
        if set(self.courses) - set(calendars):
            calendars.update({c: v for c, v in self._inferred_calendars().items() if c not in calendars})
        keys = [(c, key) for c, course in self.courses.items() for key in course.learners if key not in course.staff]
        raw = RawAggregates.empty([c for c, _ in keys], [key for _, key in keys])
        as_of_day = math.floor(as_of / DAY)
        content_items = {
            c: len(set().union(*[lr.content_seen for k, lr in course.learners.items() if k not in course.staff]))
            for c, course in self.courses.items()
        }
        peers = {c: discussion_peers(course.posts, course.replies) for c, course in self.courses.items()}
        for row, (c, key) in enumerate(keys):
            self._fill_row(raw, row, self.courses[c].learners[key], calendars[c], as_of, as_of_day)
            raw.course_content[row] = content_items[c]
            raw.social[row] = social_level(
                self.courses[c].learners[key].discussion_events,
                self.courses[c].learners[key].posts,
                len(peers[c].get(key, ())),
            )
        return finalise(raw, as_of, calendars)

    def _inferred_calendars(self) -> dict[str, CourseCalendar]:
        """Calendars from what the state holds: first activity day, outcome times and due dates."""
        firsts = []
        for c, course in self.courses.items():
            days = [min(lr.day_counts) for k, lr in course.learners.items() if lr.day_counts and k not in course.staff]
            if days:
                firsts.append(Event("", c, min(days) * DAY, "", Family.INTERACTION, ""))
        return infer_calendars([*firsts, *self._events_for_calendar])

    @staticmethod
    def _fill_row(
        raw: RawAggregates, row: int, lr: _Learner, calendar: CourseCalendar, as_of: float, as_of_day: int
    ) -> None:
        start_day = math.floor(calendar.start / DAY)
        raw.n_events[row] = lr.n_events
        raw.n_content[row] = lr.n_content
        raw.last_ts[row] = lr.last_ts if math.isfinite(lr.last_ts) else np.nan
        days = sorted(lr.day_counts)
        raw.active_days[row] = len(days)
        raw.active_weeks[row] = len({max(0, (d - start_day) // 7) for d in days})
        if days:
            gaps = [days[0] - start_day, as_of_day - days[-1], *(b - a for a, b in itertools.pairwise(days))]
            raw.longest_gap_days[row] = max(0.0, float(max(gaps)))
        else:
            raw.longest_gap_days[row] = max(0.0, float(as_of_day - start_day))
        for window, name in ((7, "window_7"), (14, "window_14"), (28, "window_28")):
            getattr(raw, name)[row] = sum(n for d, n in lr.day_counts.items() if d > as_of_day - window)
        raw.sessions[row] = len(lr.session_starts)
        raw.dur_session[row] = lr.dur_session
        raw.dur_activity[row] = lr.dur_activity
        raw.content_completed[row] = len(lr.completed_content)
        raw.score_n[row] = lr.score_n
        raw.score_sum[row] = lr.score_sum
        raw.score_min[row] = lr.score_min
        raw.score_t[row] = lr.score_t
        raw.score_tt[row] = lr.score_tt
        raw.score_ts[row] = lr.score_ts
        raw.points[row] = lr.points
        raw.possible[row] = lr.possible
        raw.submitted[row] = len(lr.first_submission)
        with_due = late = submitted_passed = 0
        lateness = 0.0
        for activity, at in lr.first_submission.items():
            due = calendar.due_dates.get(activity)
            if due is None:
                continue
            with_due += 1
            late += at > due
            lateness += max(0.0, (at - due) / DAY)
            submitted_passed += due <= as_of
        raw.with_due[row] = with_due
        raw.late[row] = late
        raw.lateness_sum[row] = lateness
        raw.missing[row] = sum(1 for d in calendar.due_dates.values() if d <= as_of) - submitted_passed
        raw.posts[row] = lr.posts
        raw.depth_n[row] = len(lr.depth)
        raw.depth_sum[row] = float(sum(depth_level(r[0] > 0, r[1], r[2], r[3]) for r in lr.depth.values()))
        raw.withdrawn[row] = math.isfinite(lr.left) and lr.left >= lr.joined

    def to_bytes(self) -> bytes:
        """The state as bytes for storage (pickle: load only what this service wrote)."""
        return pickle.dumps((_PICKLE_FORMAT, self), protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def from_bytes(cls, data: bytes) -> FeatureState:
        loaded = pickle.loads(data)
        if not (isinstance(loaded, tuple) and len(loaded) == 2 and loaded[0] == _PICKLE_FORMAT):
            raise ValueError("not a feature state of this version")
        if not isinstance(loaded[1], cls):
            raise ValueError("not a feature state of this version")
        return loaded[1]
