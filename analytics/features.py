"""Features per (course, learner) as of a cut-off time, computed from scratch with numpy.

Only events whose timestamp is not after the cut-off count, and teachers (anyone a course names as
`context.instructor`) are left out, so a feature never sees the future. The work is split in two:
a path that sums raw aggregates (this module vectorises it; `analytics.feature_state` keeps the same
sums incrementally) and one shared `finalise` that turns aggregates into the feature columns. The
test that both paths agree therefore checks the part that differs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import numpy.typing as npt

from analytics.courses import DAY, WEEK, CourseCalendar, infer_calendars
from analytics.events import Event
from analytics.vocabulary import DEFAULT_VOCABULARY, Family, Vocabulary

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

TREND_EPOCH = 1577836800.0
"""Score trends use weeks since 2020-01-01 as time: a fixed origin both paths share."""


@dataclass(frozen=True)
class FeatureSpec:
    """One feature column: its name, what it measures, and whether a higher value means more risk."""

    name: str
    description: str
    risk_direction: int


FEATURES: tuple[FeatureSpec, ...] = (
    FeatureSpec("events_total", "learning events so far", -1),
    FeatureSpec("active_days", "days with any learning activity", -1),
    FeatureSpec("active_weeks_ratio", "share of course weeks so far with activity (regularity)", -1),
    FeatureSpec("days_since_last_activity", "days since the last learning activity (recency)", 1),
    FeatureSpec("longest_gap_days", "longest stretch of days without activity", 1),
    FeatureSpec("sessions", "study sessions (a 30-minute gap ends a session)", -1),
    FeatureSpec("time_on_task_hours", "hours on task from reported durations (capped per event)", -1),
    FeatureSpec("content_events", "events with course content (videos, readings)", -1),
    FeatureSpec("content_completion_rate", "share of the course's content items completed", -1),
    FeatureSpec("assessment_count", "scored assessment results", -1),
    FeatureSpec("assessment_mean", "mean scaled assessment score", -1),
    FeatureSpec("assessment_min", "lowest scaled assessment score", -1),
    FeatureSpec("assessment_trend", "change of assessment scores per week (slope)", -1),
    FeatureSpec("assessment_weighted", "points earned over points possible", -1),
    FeatureSpec("submissions", "work items submitted", -1),
    FeatureSpec("late_submissions", "submissions after their due date", 1),
    FeatureSpec("mean_lateness_days", "mean days late over submissions with a due date", 1),
    FeatureSpec("missing_submissions", "items past their due date and not submitted", 1),
    FeatureSpec("discussion_posts", "posts, replies and comments in discussions", -1),
    FeatureSpec("events_last_7d", "learning events in the last 7 days", -1),
    FeatureSpec("events_last_14d", "learning events in the last 14 days", -1),
    FeatureSpec("events_last_28d", "learning events in the last 28 days", -1),
    FeatureSpec("volume_percentile", "rank of activity volume within the course (0-1)", -1),
    FeatureSpec("score_percentile", "rank of the mean score within the course (0-1)", -1),
    FeatureSpec("cognitive_depth", "mean depth of engagement per activity (1 viewed .. 5 revised after feedback)", -1),
    FeatureSpec("social_breadth", "breadth of interaction with others (0 none .. 5 many peers)", -1),
)
COLUMNS: tuple[str, ...] = tuple(spec.name for spec in FEATURES)
SPECS: dict[str, FeatureSpec] = {spec.name: spec for spec in FEATURES}


@dataclass(frozen=True)
class FeatureSettings:
    """Tunable constants of the feature definitions."""

    session_gap: float = 1800.0
    duration_cap: float = 4 * 3600.0
    vocabulary: Vocabulary = DEFAULT_VOCABULARY


DEFAULT_SETTINGS = FeatureSettings()


@dataclass
class FeatureMatrix:
    """Rows are (course, learner) pairs, columns are `COLUMNS`; `withdrawn` marks learners who left."""

    as_of: float
    courses: list[str]
    learners: list[str]
    values: FloatArray
    withdrawn: npt.NDArray[np.bool_]
    columns: tuple[str, ...] = COLUMNS

    def __len__(self) -> int:
        return len(self.learners)

    def column(self, name: str) -> FloatArray:
        return self.values[:, self.columns.index(name)]

    def row(self, course: str, learner: str) -> dict[str, float]:
        for i, (c, learner_key) in enumerate(zip(self.courses, self.learners, strict=True)):
            if c == course and learner_key == learner:
                return dict(zip(self.columns, self.values[i].tolist(), strict=True))
        raise KeyError((course, learner))

    def rows(self) -> dict[tuple[str, str], int]:
        return {(c, learner): i for i, (c, learner) in enumerate(zip(self.courses, self.learners, strict=True))}

    def select(self, mask: npt.NDArray[np.bool_]) -> FeatureMatrix:
        index = np.flatnonzero(mask)
        return FeatureMatrix(
            self.as_of,
            [self.courses[i] for i in index],
            [self.learners[i] for i in index],
            self.values[index],
            self.withdrawn[index],
            self.columns,
        )


@dataclass
class RawAggregates:
    """Order-independent sums per row, from which `finalise` derives every feature."""

    courses: list[str]
    learners: list[str]
    n_events: IntArray
    n_content: IntArray
    last_ts: FloatArray
    active_days: IntArray
    active_weeks: IntArray
    longest_gap_days: FloatArray
    window_7: IntArray
    window_14: IntArray
    window_28: IntArray
    sessions: IntArray
    dur_session: FloatArray
    dur_activity: FloatArray
    content_completed: IntArray
    course_content: IntArray
    score_n: IntArray
    score_sum: FloatArray
    score_min: FloatArray
    score_t: FloatArray
    score_tt: FloatArray
    score_ts: FloatArray
    points: FloatArray
    possible: FloatArray
    submitted: IntArray
    late: IntArray
    lateness_sum: FloatArray
    with_due: IntArray
    missing: IntArray
    posts: IntArray
    depth_sum: FloatArray
    depth_n: IntArray
    social: IntArray
    withdrawn: npt.NDArray[np.bool_]

    @classmethod
    def empty(cls, courses: list[str], learners: list[str]) -> RawAggregates:
        n = len(learners)
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name in ("courses", "learners"):
                continue
            if f.name == "withdrawn":
                values[f.name] = np.zeros(n, dtype=bool)
            elif f.type == "FloatArray":
                values[f.name] = np.zeros(n, dtype=np.float64)
            else:
                values[f.name] = np.zeros(n, dtype=np.int64)
        values["last_ts"][:] = np.nan
        values["score_min"][:] = np.inf
        return cls(courses=courses, learners=learners, **values)


def percentile_rank(values: FloatArray) -> FloatArray:
    """Mid-rank percentile (0-1) of each value among the finite ones; NaN stays NaN.

    Values are rounded to 9 decimals first, so sums taken in another order still tie.
    """
    values = np.round(values, 9)
    out = np.full(values.shape, np.nan)
    finite = np.isfinite(values)
    if not finite.any():
        return out
    ordered = np.sort(values[finite])
    below = np.searchsorted(ordered, values[finite], side="left")
    upto = np.searchsorted(ordered, values[finite], side="right")
    out[finite] = (below + upto) / (2.0 * len(ordered))
    return out


def finalise(raw: RawAggregates, as_of: float, calendars: Mapping[str, CourseCalendar]) -> FeatureMatrix:
    """Turn raw aggregates into the feature columns, ratios and within-course percentiles."""
    n = len(raw.learners)
    starts = np.array([calendars[c].start for c in raw.courses], dtype=np.float64)
    values = np.empty((n, len(COLUMNS)), dtype=np.float64)
    col = {name: i for i, name in enumerate(COLUMNS)}
    as_of_day = math.floor(as_of / DAY)
    start_days = np.floor(starts / DAY)
    elapsed_weeks = np.maximum(1.0, (as_of_day - start_days) // 7 + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        values[:, col["events_total"]] = raw.n_events
        values[:, col["active_days"]] = raw.active_days
        values[:, col["active_weeks_ratio"]] = np.minimum(1.0, raw.active_weeks / elapsed_weeks)
        last = np.where(np.isnan(raw.last_ts), starts, raw.last_ts)
        values[:, col["days_since_last_activity"]] = np.maximum(0.0, (as_of - last) / DAY)
        values[:, col["longest_gap_days"]] = raw.longest_gap_days
        values[:, col["sessions"]] = raw.sessions
        values[:, col["time_on_task_hours"]] = np.maximum(raw.dur_session, raw.dur_activity) / 3600.0
        values[:, col["content_events"]] = raw.n_content
        values[:, col["content_completion_rate"]] = np.where(
            raw.course_content > 0, raw.content_completed / np.maximum(raw.course_content, 1), 0.0
        )
        has_scores = raw.score_n > 0
        mean = np.where(has_scores, raw.score_sum / np.maximum(raw.score_n, 1), np.nan)
        values[:, col["assessment_count"]] = raw.score_n
        values[:, col["assessment_mean"]] = mean
        values[:, col["assessment_min"]] = np.where(has_scores, raw.score_min, np.nan)
        denominator = raw.score_n * raw.score_tt - raw.score_t**2
        numerator = raw.score_n * raw.score_ts - raw.score_t * raw.score_sum
        scale = np.maximum(1.0, raw.score_n * raw.score_tt)
        values[:, col["assessment_trend"]] = np.where(
            (raw.score_n >= 2) & (denominator > 1e-9 * scale), numerator / denominator, np.nan
        )
        values[:, col["assessment_weighted"]] = np.where(raw.possible > 0, raw.points / raw.possible, mean)
        values[:, col["submissions"]] = raw.submitted
        values[:, col["late_submissions"]] = raw.late
        values[:, col["mean_lateness_days"]] = np.where(
            raw.with_due > 0, raw.lateness_sum / np.maximum(raw.with_due, 1), 0.0
        )
        values[:, col["missing_submissions"]] = raw.missing
        values[:, col["discussion_posts"]] = raw.posts
        values[:, col["events_last_7d"]] = raw.window_7
        values[:, col["events_last_14d"]] = raw.window_14
        values[:, col["events_last_28d"]] = raw.window_28
        values[:, col["cognitive_depth"]] = np.where(raw.depth_n > 0, raw.depth_sum / np.maximum(raw.depth_n, 1), 0.0)
        values[:, col["social_breadth"]] = raw.social
    courses = np.array(raw.courses, dtype=object)
    for course in set(raw.courses):
        rows = np.flatnonzero(courses == course)
        values[rows, col["volume_percentile"]] = percentile_rank(values[rows, col["events_total"]])
        values[rows, col["score_percentile"]] = percentile_rank(values[rows, col["assessment_mean"]])
    return FeatureMatrix(as_of, list(raw.courses), list(raw.learners), values, raw.withdrawn.copy())


def depth_level(produced: bool, first_feedback: float, last_seen: float, last_produced: float) -> int:
    """Cognitive depth of one learner on one activity, after Moodle's Community of Inquiry levels.

    1 viewed, 2 produced something, 3 received feedback (a score or success), 4 came back after the
    feedback, 5 produced again after the feedback.
    """
    level = 2 if produced else 1
    if math.isfinite(first_feedback):
        level = 3
        if last_seen > first_feedback:
            level = 4
        if last_produced > first_feedback:
            level = 5
    return level


def social_level(discussion_events: int, posts: int, peers: int) -> int:
    """Social breadth: 0 none, 1 read only, 2 posted, 3 with a peer, 4 with 3+ peers, 5 with 6+ peers."""
    if peers >= 6:
        return 5
    if peers >= 3:
        return 4
    if peers >= 1:
        return 3
    if posts > 0:
        return 2
    return 1 if discussion_events > 0 else 0


def discussion_peers(
    posts: Sequence[tuple[float, str, str]], replies: Sequence[tuple[str, str]]
) -> dict[str, set[str]]:
    """Who interacted with whom: `posts` are (time, author, post), `replies` are (replier, post).

    A post's author is its first poster; a reply links the replier and the author both ways.
    """
    owners: dict[str, tuple[float, str]] = {}
    for at, author, post in posts:
        if post not in owners or (at, author) < owners[post]:
            owners[post] = (at, author)
    peers: dict[str, set[str]] = {}
    for replier, post in replies:
        owner = owners.get(post)
        if owner is None or owner[1] == replier:
            continue
        peers.setdefault(replier, set()).add(owner[1])
        peers.setdefault(owner[1], set()).add(replier)
    return peers


@dataclass
class _Columns:
    """Events as parallel arrays, teachers and future events already removed."""

    group: IntArray
    course_of_group: IntArray
    course_names: list[str]
    group_courses: list[str]
    group_learners: list[str]
    ts: FloatArray
    family: IntArray
    activity: IntArray
    action: list[str]
    score: FloatArray
    raw: FloatArray
    score_min: FloatArray
    score_max: FloatArray
    success: npt.NDArray[np.bool_]
    completed: npt.NDArray[np.bool_]
    duration: FloatArray
    activity_names: list[str]
    posts: dict[int, list[tuple[float, str, str]]] = field(default_factory=dict)
    replies: dict[int, list[tuple[str, str]]] = field(default_factory=dict)


_CODE = {family: code for code, family in enumerate(Family)}


def _to_columns(events: Sequence[Event], as_of: float, vocabulary: Vocabulary) -> _Columns:
    kept = [e for e in events if e.timestamp <= as_of]
    posts: dict[str, list[tuple[float, str, str]]] = {}
    replies: dict[str, list[tuple[str, str]]] = {}
    staff = {(e.course, e.instructor) for e in kept if e.instructor is not None}
    for e in kept:
        if e.family is Family.DISCUSSION and e.action in vocabulary.contribution_actions:
            if e.action in vocabulary.reply_actions:
                replies.setdefault(e.course, []).append((e.learner, e.activity))
            else:
                posts.setdefault(e.course, []).append((e.timestamp, e.learner, e.activity))
    kept = [e for e in kept if (e.course, e.learner) not in staff]
    group_codes: dict[tuple[str, str], int] = {}
    course_codes: dict[str, int] = {}
    activity_codes: dict[str, int] = {}
    group = np.fromiter(
        (group_codes.setdefault((e.course, e.learner), len(group_codes)) for e in kept), np.int64, len(kept)
    )
    group_courses = [c for c, _ in group_codes]
    group_learners = [learner for _, learner in group_codes]
    for c in group_courses:
        course_codes.setdefault(c, len(course_codes))
    course_of_group = np.array([course_codes[c] for c in group_courses], dtype=np.int64)
    activity = np.fromiter(
        (activity_codes.setdefault(e.activity, len(activity_codes)) for e in kept), np.int64, len(kept)
    )
    course_index = {c: i for i, c in enumerate(course_codes)}
    return _Columns(
        group=group,
        course_of_group=course_of_group,
        course_names=list(course_codes),
        group_courses=group_courses,
        group_learners=group_learners,
        ts=np.fromiter((e.timestamp for e in kept), np.float64, len(kept)),
        family=np.fromiter((_CODE[e.family] for e in kept), np.int64, len(kept)),
        activity=activity,
        action=[e.action for e in kept],
        score=np.array([e.score for e in kept], dtype=np.float64),
        raw=np.array([e.raw for e in kept], dtype=np.float64),
        score_min=np.array([e.score_min for e in kept], dtype=np.float64),
        score_max=np.array([e.score_max for e in kept], dtype=np.float64),
        success=np.fromiter((e.success is not None for e in kept), np.bool_, len(kept)),
        completed=np.fromiter((e.completion is True or e.action == "completed" for e in kept), np.bool_, len(kept)),
        duration=np.array([e.duration for e in kept], dtype=np.float64),
        activity_names=list(activity_codes),
        posts={course_index[c]: p for c, p in posts.items() if c in course_index},
        replies={course_index[c]: r for c, r in replies.items() if c in course_index},
    )


def _unique_pairs(a: IntArray, b: IntArray) -> tuple[IntArray, IntArray]:
    """The distinct (a, b) pairs, sorted by a then b."""
    if len(a) == 0:
        return a, b
    width = int(b.max()) + 1
    keys = np.unique(a * width + b)
    return keys // width, keys % width


def _count(groups: IntArray, n: int, weights: FloatArray | None = None) -> Any:
    return np.bincount(groups, weights=weights, minlength=n)


def compute_features(
    events: Sequence[Event],
    as_of: float,
    calendars: Mapping[str, CourseCalendar] | None = None,
    settings: FeatureSettings = DEFAULT_SETTINGS,
) -> FeatureMatrix:
    """Features of every (course, learner) in `events` as of `as_of`, from scratch.

    Courses missing from `calendars` get a calendar inferred from the events up to `as_of`.
    """
    vocabulary = settings.vocabulary
    cols = _to_columns(events, as_of, vocabulary)
    calendars = dict(calendars or {})
    missing_calendars = set(cols.course_names) - set(calendars)
    if missing_calendars:
        inferred = infer_calendars(e for e in events if e.timestamp <= as_of and e.course in missing_calendars)
        calendars.update(inferred)
    raw = RawAggregates.empty(cols.group_courses, cols.group_learners)
    n = len(cols.group_learners)
    if n == 0:
        return finalise(raw, as_of, calendars)
    g, ts, fam = cols.group, cols.ts, cols.family
    start_day_of_group = np.array([math.floor(calendars[c].start / DAY) for c in cols.group_courses], np.int64)
    activity_mask = (fam != _CODE[Family.ENROLMENT]) & (fam != _CODE[Family.OUTCOME])
    ga, ta = g[activity_mask], ts[activity_mask]
    raw.n_events = _count(ga, n).astype(np.int64)
    content = fam == _CODE[Family.CONTENT]
    raw.n_content = _count(g[content], n).astype(np.int64)
    last = np.full(n, -np.inf)
    np.maximum.at(last, ga, ta)
    raw.last_ts = np.where(np.isfinite(last), last, np.nan)

    day = np.floor(ta / DAY).astype(np.int64)
    day_groups, days = _unique_pairs(ga, day - int(day.min(initial=0)))
    days = days + int(day.min(initial=0))
    raw.active_days = _count(day_groups, n).astype(np.int64)
    weeks = np.maximum(0, (days - start_day_of_group[day_groups]) // 7)
    week_groups, _ = _unique_pairs(day_groups, weeks)
    raw.active_weeks = _count(week_groups, n).astype(np.int64)
    as_of_day = math.floor(as_of / DAY)
    gaps = (as_of_day - start_day_of_group).astype(np.float64)
    if len(days):
        first_of_group = np.ones(len(days), dtype=bool)
        first_of_group[1:] = day_groups[1:] != day_groups[:-1]
        last_of_group = np.ones(len(days), dtype=bool)
        last_of_group[:-1] = day_groups[1:] != day_groups[:-1]
        longest = np.zeros(n)
        np.maximum.at(longest, day_groups[first_of_group], (days - start_day_of_group[day_groups])[first_of_group])
        np.maximum.at(longest, day_groups[last_of_group], (as_of_day - days)[last_of_group])
        inner = ~first_of_group
        np.maximum.at(longest, day_groups[inner], (days[1:] - days[:-1])[inner[1:]])
        has_days = raw.active_days > 0
        gaps[has_days] = longest[has_days]
    raw.longest_gap_days = np.maximum(0.0, gaps)
    event_day = np.floor(ta / DAY)
    raw.window_7 = _count(ga[event_day > as_of_day - 7], n).astype(np.int64)
    raw.window_14 = _count(ga[event_day > as_of_day - 14], n).astype(np.int64)
    raw.window_28 = _count(ga[event_day > as_of_day - 28], n).astype(np.int64)

    order = np.lexsort((ta, ga))
    gs, tss = ga[order], ta[order]
    new_session = np.ones(len(gs), dtype=bool)
    new_session[1:] = (gs[1:] != gs[:-1]) | (tss[1:] - tss[:-1] > settings.session_gap)
    raw.sessions = _count(gs[new_session], n).astype(np.int64)

    duration = np.minimum(np.nan_to_num(cols.duration, nan=0.0), settings.duration_cap)
    session_family = fam == _CODE[Family.SESSION]
    raw.dur_session = _count(g[session_family], n, duration[session_family])
    other = activity_mask & ~session_family
    raw.dur_activity = _count(g[other], n, duration[other])

    done = content & cols.completed
    done_groups, _ = _unique_pairs(g[done], cols.activity[done])
    raw.content_completed = _count(done_groups, n).astype(np.int64)
    content_courses, _ = _unique_pairs(cols.course_of_group[g[content]], cols.activity[content])
    per_course = np.bincount(content_courses, minlength=len(cols.course_names))
    raw.course_content = per_course[cols.course_of_group].astype(np.int64)

    scored = (fam == _CODE[Family.ASSESSMENT]) & ~np.isnan(cols.score)
    gsc, s = g[scored], cols.score[scored]
    t = ts[scored] / WEEK - TREND_EPOCH / WEEK
    raw.score_n = _count(gsc, n).astype(np.int64)
    raw.score_sum = _count(gsc, n, s)
    np.minimum.at(raw.score_min, gsc, s)
    raw.score_t = _count(gsc, n, t)
    raw.score_tt = _count(gsc, n, t * t)
    raw.score_ts = _count(gsc, n, t * s)
    pointed = scored & ~np.isnan(cols.raw) & ~np.isnan(cols.score_min) & (cols.score_max > cols.score_min)
    raw.points = _count(g[pointed], n, (cols.raw - cols.score_min)[pointed])
    raw.possible = _count(g[pointed], n, (cols.score_max - cols.score_min)[pointed])

    _submissions(raw, cols, calendars, as_of)
    _depth(raw, cols, vocabulary, activity_mask)
    _social(raw, cols, vocabulary)

    enrolment = fam == _CODE[Family.ENROLMENT]
    withdrawal = np.array([a in vocabulary.withdrawal_actions for a in cols.action], dtype=bool) & enrolment
    joined, left = np.full(n, -np.inf), np.full(n, -np.inf)
    np.maximum.at(joined, g[enrolment & ~withdrawal], ts[enrolment & ~withdrawal])
    np.maximum.at(left, g[withdrawal], ts[withdrawal])
    raw.withdrawn = np.isfinite(left) & (left >= joined)
    return finalise(raw, as_of, calendars)


def _submissions(raw: RawAggregates, cols: _Columns, calendars: Mapping[str, CourseCalendar], as_of: float) -> None:
    n = len(raw.learners)
    mask = cols.family == _CODE[Family.SUBMISSION]
    g, act, ts = cols.group[mask], cols.activity[mask], cols.ts[mask]
    order = np.lexsort((ts, act, g))
    g, act, ts = g[order], act[order], ts[order]
    first = np.ones(len(g), dtype=bool)
    first[1:] = (g[1:] != g[:-1]) | (act[1:] != act[:-1])
    g, act, ts = g[first], act[first], ts[first]
    raw.submitted = _count(g, n).astype(np.int64)
    due = np.array(
        [
            calendars[raw.courses[gi]].due_dates.get(cols.activity_names[ai], np.nan)
            for gi, ai in zip(g.tolist(), act.tolist(), strict=True)
        ],
        dtype=np.float64,
    )
    known = ~np.isnan(due)
    lateness = np.maximum(0.0, (ts - due) / DAY)
    raw.with_due = _count(g[known], n).astype(np.int64)
    raw.late = _count(g[known & (ts > due)], n).astype(np.int64)
    raw.lateness_sum = _count(g[known], n, lateness[known])
    passed_due = known & (due <= as_of)
    submitted_passed = _count(g[passed_due], n)
    due_passed = np.array(
        [sum(1 for d in calendars[c].due_dates.values() if d <= as_of) for c in cols.course_names], dtype=np.int64
    )
    raw.missing = (due_passed[cols.course_of_group] - submitted_passed).astype(np.int64)


def _depth(raw: RawAggregates, cols: _Columns, vocabulary: Vocabulary, activity_mask: npt.NDArray[np.bool_]) -> None:
    n = len(raw.learners)
    touched = activity_mask & (cols.family != _CODE[Family.SESSION])
    produced_all = np.array([a in vocabulary.contribution_actions for a in cols.action], dtype=bool) | (
        cols.family == _CODE[Family.SUBMISSION]
    )
    feedback_all = ~np.isnan(cols.score) | cols.success
    g, act, ts = cols.group[touched], cols.activity[touched], cols.ts[touched]
    produced, feedback = produced_all[touched], feedback_all[touched]
    if len(g) == 0:
        return
    width = int(act.max()) + 1
    keys, pair = np.unique(g * width + act, return_inverse=True)
    m = len(keys)
    any_produced = np.zeros(m, dtype=bool)
    any_produced[pair[produced]] = True
    first_feedback = np.full(m, np.inf)
    np.minimum.at(first_feedback, pair[feedback], ts[feedback])
    last_seen = np.full(m, -np.inf)
    np.maximum.at(last_seen, pair, ts)
    last_produced = np.full(m, -np.inf)
    np.maximum.at(last_produced, pair[produced], ts[produced])
    level = np.where(any_produced, 2, 1)
    has_feedback = np.isfinite(first_feedback)
    level = np.where(has_feedback, 3, level)
    level = np.where(has_feedback & (last_seen > first_feedback), 4, level)
    level = np.where(has_feedback & (last_produced > first_feedback), 5, level)
    pair_group = keys // width
    raw.depth_sum = _count(pair_group, n, level.astype(np.float64))
    raw.depth_n = _count(pair_group, n).astype(np.int64)


def _social(raw: RawAggregates, cols: _Columns, vocabulary: Vocabulary) -> None:
    n = len(raw.learners)
    discussion = cols.family == _CODE[Family.DISCUSSION]
    contribution = np.array([a in vocabulary.contribution_actions for a in cols.action], dtype=bool)
    raw.posts = _count(cols.group[discussion & contribution], n).astype(np.int64)
    seen = _count(cols.group[discussion], n)
    index = {(c, learner): i for i, (c, learner) in enumerate(zip(raw.courses, raw.learners, strict=True))}
    peer_counts = np.zeros(n, dtype=np.int64)
    for course_code, posts in cols.posts.items():
        course = cols.course_names[course_code]
        for learner, peers in discussion_peers(posts, cols.replies.get(course_code, [])).items():
            row = index.get((course, learner))
            if row is not None:
                peer_counts[row] = len(peers)
    raw.social = np.array(
        [social_level(int(seen[i]), int(raw.posts[i]), int(peer_counts[i])) for i in range(n)], dtype=np.int64
    )
