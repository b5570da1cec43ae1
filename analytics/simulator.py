"""A deterministic simulator of course offerings, written as xAPI 1.0.3 statements.

Behaviour comes from a small latent model so that outcomes are predictable, but not trivially:

- every learner has an *ability* (fixed) and a *motivation* that drifts week to week (an AR(1)
  process around a personal baseline);
- some learners follow an arc the early weeks do not show: *faders* start strong and lose motivation
  around the middle of the course, *late bloomers* start slowly and then catch up;
- engagement (sessions, videos, readings, forum posts, on-time submissions) follows motivation,
  scores follow ability (and a little motivation), each with noise;
- a weekly dropout hazard grows as motivation falls; some dropouts unregister, others just vanish;
- the final grade mixes quizzes, assignments (with a lateness penalty) and an unobserved final exam.

`--courses C` gives C consecutive offerings of one course: all but the last have ended with their
outcomes, the last is in progress at `now` (unless `progress` is 1). Everything is derived from the
seed: each learner has its own `random.Random`, statement ids are UUIDs drawn from it, and times are
measured from `now` or `start`, never from the clock.
"""

from __future__ import annotations

import gc
import math
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from analytics.statement_builder import (
    EXT_CMI5_SESSION,
    EXT_DUE_DATE,
    EXT_VIDEO_LENGTH,
    EXT_VIDEO_PROGRESS,
    EXT_VIDEO_SEGMENTS,
    EXT_VIDEO_SESSION,
    EXT_VIDEO_TIME,
    TYPE_ASSIGNMENT,
    TYPE_COURSE,
    TYPE_DISCUSSION,
    TYPE_MESSAGE,
    TYPE_MODULE,
    TYPE_PROFILE,
    TYPE_QUESTION,
    TYPE_QUIZ,
    TYPE_READING,
    TYPE_VIDEO,
    VIDEO_PROFILE,
    StatementWriter,
    activity,
    iso,
    iso_duration,
    random_uuid,
    score_result,
)

DAY = 86400.0
WEEK = 7 * DAY

_FIRST = (
    "Ada",
    "Ben",
    "Chloe",
    "Dev",
    "Elif",
    "Femi",
    "Gita",
    "Hugo",
    "Ines",
    "Jonas",
    "Kai",
    "Lena",
    "Milo",
    "Nia",
    "Omar",
    "Pia",
    "Quinn",
    "Rosa",
    "Sami",
    "Tara",
    "Uma",
    "Vik",
    "Wen",
    "Xena",
    "Yusuf",
    "Zoe",
    "Arun",
    "Bea",
    "Cyril",
    "Dana",
)
_LAST = (
    "Abara",
    "Berg",
    "Costa",
    "Dahl",
    "Eze",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowal",
    "Larsen",
    "Moreau",
    "Novak",
    "Okafor",
    "Petrov",
    "Quist",
    "Rossi",
    "Silva",
    "Tanaka",
    "Umar",
    "Varga",
    "Weber",
    "Xu",
    "Yilmaz",
    "Zhou",
)

QUIZ_QUESTIONS = 3
QUIZ_POINTS = 20
ASSIGNMENT_POINTS = 100
EXAM_POINTS = 50
PASS_MARK = 0.4


@dataclass(frozen=True)
class SimulationConfig:
    """What to simulate. `start` (first offering) or else `now` (the present) anchors the timeline."""

    learners: int = 200
    courses: int = 3
    weeks: int = 12
    seed: int = 0
    now: datetime | None = None
    start: datetime | None = None
    progress: float = 0.5
    gap_weeks: int = 2
    home_page: str = "https://lms.example.org"
    content_base: str = "https://courses.example.com"
    course_code: str = "data-101"
    course_title: str = "Introduction to Data Analysis"

    def __post_init__(self) -> None:
        if self.learners < 1 or self.courses < 1 or self.weeks < 2:
            raise ValueError("need at least 1 learner, 1 course and 2 weeks")
        if not 0.0 < self.progress <= 1.0:
            raise ValueError("progress must be in (0, 1]")
        if self.now is None and self.start is None:
            raise ValueError("give now or start: the simulator never reads the clock")


@dataclass(frozen=True)
class Offering:
    """One run of the course: its activity id and its calendar (Unix seconds)."""

    index: int
    course_id: str
    title: str
    start: float
    end: float
    cutoff: float

    @property
    def in_progress(self) -> bool:
        return self.cutoff < self.end


@dataclass(frozen=True)
class LearnerTruth:
    """The hidden side of one simulated learner, for tests and for judging predictions."""

    course_id: str
    learner: str
    ability: float
    archetype: str
    dropout_week: int | None
    withdrew: bool
    outcome: str | None
    grade: float | None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def plan_offerings(config: SimulationConfig) -> list[Offering]:
    """The calendar of every offering: consecutive runs separated by `gap_weeks`, starting at midnight UTC."""
    length = config.weeks * WEEK
    step = length + config.gap_weeks * WEEK
    if config.start is not None:
        first = _aware(config.start).timestamp()
        first -= first % DAY
        now = first + (config.courses - 1) * step + config.progress * length
        if config.progress >= 1.0:
            now += 3 * DAY
    else:
        assert config.now is not None
        now = _aware(config.now).timestamp()
        last = now - config.progress * length
        last -= last % DAY
        first = last - (config.courses - 1) * step
    offerings = []
    for index in range(config.courses):
        start = first + index * step
        end = start + length
        label = datetime.fromtimestamp(start, UTC).strftime("%Y-%m-%d")
        offerings.append(
            Offering(
                index=index,
                course_id=f"{config.content_base}/{config.course_code}/{label}",
                title=f"{config.course_title} ({label})",
                start=start,
                end=end,
                cutoff=min(now, end + 3 * DAY),
            )
        )
    return offerings


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


@dataclass
class _Course:
    """The activities of one offering, built once."""

    offering: Offering
    base: str
    activity: dict[str, Any]
    modules: list[dict[str, Any]]
    videos: list[list[dict[str, Any]]]
    video_lengths: list[list[float]]
    readings: list[list[dict[str, Any]]]
    quizzes: list[dict[str, Any]]
    questions: list[list[dict[str, Any]]]
    assignments: dict[int, tuple[dict[str, Any], float]]
    discussions: list[dict[str, Any]]
    exam: dict[str, Any]


def _build_course(offering: Offering, rng: random.Random) -> _Course:
    base = offering.course_id
    weeks = round((offering.end - offering.start) / WEEK)
    modules = [activity(f"{base}/module-{k + 1}", TYPE_MODULE, f"Week {k + 1}") for k in range(weeks)]
    videos = [
        [activity(f"{base}/module-{k + 1}/video-{v + 1}", TYPE_VIDEO, f"Lecture {k + 1}.{v + 1}") for v in range(2)]
        for k in range(weeks)
    ]
    lengths = [[round(rng.uniform(240, 900), 1) for _ in range(2)] for _ in range(weeks)]
    readings = [
        [activity(f"{base}/module-{k + 1}/reading-{r + 1}", TYPE_READING, f"Reading {k + 1}.{r + 1}") for r in range(2)]
        for k in range(weeks)
    ]
    quizzes = [activity(f"{base}/module-{k + 1}/quiz", TYPE_QUIZ, f"Quiz {k + 1}") for k in range(weeks)]
    questions = [
        [
            activity(f"{base}/module-{k + 1}/quiz/q{q + 1}", TYPE_QUESTION, f"Question {q + 1}")
            for q in range(QUIZ_QUESTIONS)
        ]
        for k in range(weeks)
    ]
    assignments: dict[int, tuple[dict[str, Any], float]] = {}
    for k in range(1, weeks - 1, 2):
        due = offering.start + (k + 1) * WEEK - 60.0
        assignments[k] = (
            activity(
                f"{base}/module-{k + 1}/assignment",
                TYPE_ASSIGNMENT,
                f"Assignment {len(assignments) + 1}",
                {EXT_DUE_DATE: iso(due)},
            ),
            due,
        )
    discussions = [
        activity(f"{base}/forum/week-{k + 1}", TYPE_DISCUSSION, f"Week {k + 1} discussion") for k in range(weeks)
    ]
    exam = activity(f"{base}/final-exam", TYPE_QUIZ, "Final exam")
    course = activity(base, TYPE_COURSE, offering.title)
    return _Course(
        offering, base, course, modules, videos, lengths, readings, quizzes, questions, assignments, discussions, exam
    )


@dataclass
class _Post:
    activity: dict[str, Any]
    author: str
    at: float


@dataclass
class _Learner:
    """The evolving state of one learner in one offering."""

    index: int
    rng: random.Random
    agent: dict[str, Any]
    key: str
    registration: str
    ability: float
    baseline: float
    sociability: float
    archetype: str
    turn_week: int
    drift: float = 0.0
    motivation: float = 0.0
    dropped_week: int | None = None
    withdrew: bool = False
    quiz_best: dict[int, float] = field(default_factory=dict)
    assignment_grades: dict[int, float] = field(default_factory=dict)
    exam: float | None = None


class _OfferingSimulator:
    """Generates one offering week by week, so forum replies can point at earlier posts."""

    def __init__(self, config: SimulationConfig, offering: Offering) -> None:
        self.config = config
        self.offering = offering
        self.weeks = config.weeks
        self.rng = random.Random(f"{config.seed}:{offering.index}:course")
        self.course = _build_course(offering, self.rng)
        instructor_name = f"Dr. {self.rng.choice(_LAST)}"
        self.instructor = {
            "objectType": "Agent",
            "name": instructor_name,
            "account": {"homePage": config.home_page, "name": f"staff-{offering.index + 1:02d}"},
        }
        self.writer = StatementWriter(self.course.activity, offering.cutoff, self.instructor, "Example LMS")
        self.learners = [self._new_learner(i) for i in range(config.learners)]
        self.posts: list[list[_Post]] = [[] for _ in range(self.weeks)]
        self.truths: list[LearnerTruth] = []

    def _new_learner(self, index: int) -> _Learner:
        rng = random.Random(f"{self.config.seed}:{self.offering.index}:{index}")
        name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        account = f"s{self.offering.index + 1:02d}{index + 1:05d}"
        agent = {"objectType": "Agent", "name": name, "account": {"homePage": self.config.home_page, "name": account}}
        roll = rng.random()
        archetype = "fader" if roll < 0.06 else "late-bloomer" if roll < 0.12 else "steady"
        ability = rng.gauss(0.4 if archetype == "late-bloomer" else 0.0, 1.0)
        return _Learner(
            index=index,
            rng=rng,
            agent=agent,
            key=f"account:{self.config.home_page}|{account}",
            registration=random_uuid(rng),
            ability=ability,
            baseline=rng.gauss(0.0, 1.0),
            sociability=rng.gauss(0.0, 0.7),
            archetype=archetype,
            turn_week=rng.randint(max(1, round(0.3 * self.weeks)), max(2, round(0.6 * self.weeks))),
        )

    def _motivation_shift(self, learner: _Learner, week: int) -> float:
        if learner.archetype == "fader":
            return 0.7 if week < learner.turn_week else 0.7 - 1.3 * min(2, week - learner.turn_week + 1)
        if learner.archetype == "late-bloomer":
            return -1.4 if week < max(1, round(0.3 * self.weeks)) else 0.8
        return 0.0

    def _take(self) -> list[dict[str, Any]]:
        out, self.writer.out = self.writer.out, []
        return out

    def chunks(self) -> Iterator[tuple[float, list[dict[str, Any]]]]:
        """The statements week by week, each with the share of the offering done; truths fill at the end."""
        offering = self.offering
        with _gc_paused():
            for learner in self.learners:
                at = offering.start - learner.rng.uniform(0.2, 10.0) * DAY
                if learner.rng.random() < 0.1:
                    at = offering.start + learner.rng.uniform(0.0, 5.0) * DAY
                self.writer.emit(
                    learner.rng,
                    learner.agent,
                    "registered",
                    self.course.activity,
                    at,
                    registration=learner.registration,
                )
        yield 0.0, self._take()
        for week in range(self.weeks):
            if offering.start + week * WEEK > offering.cutoff:
                break
            with _gc_paused():
                self._instructor_week(week)
                for learner in self.learners:
                    if learner.dropped_week is None:
                        self._learner_week(learner, week)
            yield (week + 1) / (self.weeks + 1), self._take()
        with _gc_paused():
            self.truths = [self._finish(learner) for learner in self.learners]
        yield 1.0, self._take()

    def _instructor_week(self, week: int) -> None:
        rng = self.rng
        start = self.offering.start + week * WEEK
        topic = self.course.discussions[week]
        self.writer.emit(
            rng,
            self.instructor,
            "posted",
            topic,
            start + rng.uniform(6, 10) * 3600,
            registration=None,
            parent=self.course.modules[week],
            result={"response": "Welcome to this week. " * rng.randint(3, 8)},
            instructor=True,
        )
        if week > 0:
            for post in rng.sample(self.posts[week - 1], min(3, len(self.posts[week - 1]))):
                at = max(post.at, start) + rng.uniform(1, 48) * 3600
                self.writer.emit(
                    rng,
                    self.instructor,
                    "replied",
                    post.activity,
                    at,
                    registration=None,
                    parent=self.course.discussions[week - 1],
                    result={"response": "Good point. " * rng.randint(2, 6)},
                    instructor=True,
                )

    def _learner_week(self, learner: _Learner, week: int) -> None:
        rng = learner.rng
        learner.drift = 0.85 * learner.drift + rng.gauss(0.0, 0.2)
        m = learner.baseline + learner.drift + self._motivation_shift(learner, week)
        learner.motivation = m
        week_start = self.offering.start + week * WEEK
        if week > 0:
            hazard = _sigmoid(-5.0 - 1.8 * m - 0.4 * learner.ability)
            if rng.random() < hazard:
                learner.dropped_week = week
                learner.withdrew = rng.random() < 0.5
                if learner.withdrew:
                    at = week_start + rng.uniform(0.5, 6.5) * DAY
                    self.writer.emit(
                        rng, learner.agent, "unregistered", self.course.activity, at, registration=learner.registration
                    )
                return
        sessions = min(7, self._poisson(rng, math.exp(0.75 + 0.7 * m)))
        days = sorted(rng.sample(range(7), min(7, sessions)))
        pending = {"videos": [0, 1], "readings": [0, 1], "quiz": True}
        for day in days:
            hour = min(22.5, max(7.0, rng.gauss(15.0, 4.0)))
            self._session(learner, week, week_start + day * DAY + hour * 3600, pending)
        if week in self.course.assignments:
            self._assignment(learner, week)
        if week == self.weeks - 1:
            self._exam(learner, week)

    @staticmethod
    def _poisson(rng: random.Random, mean: float) -> int:
        limit, product, count = math.exp(-mean), rng.random(), 0
        while product > limit:
            product *= rng.random()
            count += 1
        return count

    def _session(self, learner: _Learner, week: int, at: float, pending: dict[str, Any]) -> None:
        rng, writer, course = learner.rng, self.writer, self.course
        m, module, reg = learner.motivation, course.modules[week], learner.registration
        session = random_uuid(rng)
        ext = {EXT_CMI5_SESSION: session}
        start = at
        writer.emit(rng, learner.agent, "launched", module, at, registration=reg, extensions=ext)
        at += rng.uniform(2, 10)
        writer.emit(rng, learner.agent, "initialized", module, at, registration=reg, extensions=ext)
        engage = _sigmoid(0.4 + 0.9 * m)
        for v in list(pending["videos"]):
            if rng.random() < engage:
                at = self._video(learner, week, v, at + rng.uniform(5, 60))
                pending["videos"].remove(v)
        for r in list(pending["readings"]):
            if rng.random() < engage * 0.9:
                at += rng.uniform(5, 60)
                reading = course.readings[week][r]
                spent = rng.uniform(120, 1200) * (1.2 if m > 0 else 0.8)
                writer.emit(
                    rng,
                    learner.agent,
                    "experienced",
                    reading,
                    at,
                    registration=reg,
                    parent=module,
                    result={"duration": iso_duration(spent)},
                )
                at += spent
                if rng.random() < _sigmoid(0.8 + 0.8 * m):
                    writer.emit(
                        rng,
                        learner.agent,
                        "completed",
                        reading,
                        at,
                        registration=reg,
                        parent=module,
                        result={"completion": True, "duration": iso_duration(spent)},
                    )
                    pending["readings"].remove(r)
        if pending["quiz"] and rng.random() < _sigmoid(0.6 + 1.0 * m):
            at = self._quiz(learner, week, at + rng.uniform(30, 300))
            pending["quiz"] = week in learner.quiz_best and learner.quiz_best[week] < 0.6 and m > 0.3
        if rng.random() < _sigmoid(-1.3 + 0.6 * m + learner.sociability):
            at = self._forum(learner, week, at + rng.uniform(30, 600))
        at += rng.uniform(10, 120)
        writer.emit(
            rng,
            learner.agent,
            "terminated",
            module,
            at,
            registration=reg,
            extensions=ext,
            result={"duration": iso_duration(at - start)},
        )

    def _video(self, learner: _Learner, week: int, v: int, at: float) -> float:
        rng, writer = learner.rng, self.writer
        video, length = self.course.videos[week][v], self.course.video_lengths[week][v]
        reg, parent = learner.registration, self.course.modules[week]
        session = random_uuid(rng)
        ext = {EXT_VIDEO_SESSION: session, EXT_VIDEO_LENGTH: length}
        category = {"id": VIDEO_PROFILE, "definition": {"type": TYPE_PROFILE}}

        def send(verb: str, when: float, result: dict[str, Any] | None = None) -> None:
            writer.emit(
                rng,
                learner.agent,
                verb,
                video,
                when,
                registration=reg,
                parent=parent,
                result=result,
                extensions=ext,
                category=category,
            )

        send("initialized", at)
        send("played", at + 1.0, {"extensions": {EXT_VIDEO_TIME: 0.0}})
        watched = length if rng.random() < _sigmoid(0.9 + 0.9 * learner.motivation) else length * rng.uniform(0.1, 0.9)
        watched = round(watched, 1)
        spent = watched * rng.uniform(1.0, 1.3)
        segments = f"0[.]{watched:g}"
        end = at + 1.0 + spent
        if watched >= length:
            send(
                "completed",
                end,
                {
                    "completion": True,
                    "duration": iso_duration(spent),
                    "extensions": {EXT_VIDEO_TIME: watched, EXT_VIDEO_PROGRESS: 1.0, EXT_VIDEO_SEGMENTS: segments},
                },
            )
        else:
            send(
                "paused",
                end,
                {
                    "extensions": {
                        EXT_VIDEO_TIME: watched,
                        EXT_VIDEO_SEGMENTS: segments,
                        EXT_VIDEO_PROGRESS: round(watched / length, 3),
                    }
                },
            )
        send(
            "terminated",
            end + 2.0,
            {
                "duration": iso_duration(spent),
                "extensions": {
                    EXT_VIDEO_TIME: watched,
                    EXT_VIDEO_PROGRESS: round(watched / length, 3),
                    EXT_VIDEO_SEGMENTS: segments,
                },
            },
        )
        return end + 2.0

    def _quiz(self, learner: _Learner, week: int, at: float) -> float:
        rng, writer = learner.rng, self.writer
        quiz, reg = self.course.quizzes[week], learner.registration
        p = _sigmoid(0.4 + 1.1 * learner.ability + 0.35 * learner.motivation + rng.gauss(0.0, 0.35))
        writer.emit(rng, learner.agent, "attempted", quiz, at, registration=reg, parent=self.course.modules[week])
        start = at
        for question in self.course.questions[week]:
            at += rng.uniform(20, 120)
            correct = rng.random() < p
            writer.emit(
                rng,
                learner.agent,
                "answered",
                question,
                at,
                registration=reg,
                parent=quiz,
                result={"success": correct, "response": rng.choice("abcd")},
            )
        raw = float(sum(rng.random() < p for _ in range(QUIZ_POINTS)))
        at += rng.uniform(20, 90)
        scaled = raw / QUIZ_POINTS
        writer.emit(
            rng,
            learner.agent,
            "passed" if scaled >= 0.6 else "failed",
            quiz,
            at,
            registration=reg,
            parent=self.course.modules[week],
            result=score_result(raw, QUIZ_POINTS, success=scaled >= 0.6, duration=at - start),
        )
        learner.quiz_best[week] = max(scaled, learner.quiz_best.get(week, 0.0))
        return at

    def _forum(self, learner: _Learner, week: int, at: float) -> float:
        rng, writer = learner.rng, self.writer
        topic, reg = self.course.discussions[week], learner.registration
        writer.emit(rng, learner.agent, "viewed", topic, at, registration=reg, parent=self.course.modules[week])
        at += rng.uniform(30, 600)
        words = max(5, round(rng.lognormvariate(3.2 + 0.3 * learner.ability, 0.6)))
        text = " ".join(["idea"] * words)
        earlier = [p for p in self.posts[week - 1] if p.author != learner.key] if week > 0 else []
        if earlier and rng.random() < 0.5:
            target = rng.choice(earlier)
            writer.emit(
                rng,
                learner.agent,
                "replied",
                target.activity,
                at,
                registration=reg,
                parent=topic,
                result={"response": text},
            )
        else:
            post = activity(f"{topic['id']}/post-{random_uuid(rng)}", TYPE_MESSAGE, f"Post by {learner.agent['name']}")
            writer.emit(
                rng, learner.agent, "posted", post, at, registration=reg, parent=topic, result={"response": text}
            )
            self.posts[week].append(_Post(post, learner.key, at))
        return at + rng.uniform(10, 60)

    def _assignment(self, learner: _Learner, week: int) -> None:
        rng, writer = learner.rng, self.writer
        assignment, due = self.course.assignments[week]
        m, reg = learner.motivation, learner.registration
        if rng.random() >= _sigmoid(1.3 + 1.4 * m):
            return
        late = rng.random() < _sigmoid(-1.6 - 1.2 * m)
        at = due + min(7.0, rng.expovariate(0.5)) * DAY if late else due - rng.uniform(0.1, 4.0) * DAY
        writer.emit(
            rng,
            learner.agent,
            "submitted",
            assignment,
            at,
            registration=reg,
            parent=self.course.modules[week],
            result={"completion": True, "response": "See attached report."},
        )
        late_days = max(0.0, (at - due) / DAY)
        quality = _sigmoid(0.6 + 1.0 * learner.ability + 0.5 * m + rng.gauss(0.0, 0.35))
        grade = round(ASSIGNMENT_POINTS * quality * (1.0 - min(0.5, 0.1 * late_days)))
        learner.assignment_grades[week] = grade / ASSIGNMENT_POINTS
        graded = max(at, due) + rng.uniform(2.0, 6.0) * DAY
        writer.emit(
            rng,
            learner.agent,
            "scored",
            assignment,
            graded,
            registration=reg,
            parent=self.course.modules[week],
            instructor=True,
            result=score_result(float(grade), ASSIGNMENT_POINTS),
        )

    def _exam(self, learner: _Learner, week: int) -> None:
        rng, writer = learner.rng, self.writer
        if rng.random() >= _sigmoid(2.0 + learner.motivation):
            return
        at = self.offering.end - rng.uniform(1.5, 4.0) * DAY
        p = _sigmoid(0.2 + 1.2 * learner.ability + 0.3 * learner.motivation + rng.gauss(0.0, 0.3))
        raw = float(sum(rng.random() < p for _ in range(EXAM_POINTS)))
        learner.exam = raw / EXAM_POINTS
        writer.emit(
            rng,
            learner.agent,
            "attempted",
            self.course.exam,
            at,
            registration=learner.registration,
            parent=self.course.modules[week],
        )
        duration = rng.uniform(1800, 5400)
        writer.emit(
            rng,
            learner.agent,
            "passed" if learner.exam >= PASS_MARK else "failed",
            self.course.exam,
            at + duration,
            registration=learner.registration,
            parent=self.course.modules[week],
            result=score_result(raw, EXAM_POINTS, success=learner.exam >= PASS_MARK, duration=duration),
        )

    def _finish(self, learner: _Learner) -> LearnerTruth:
        offering, rng = self.offering, learner.rng
        outcome: str | None = None
        grade: float | None = None
        if learner.withdrew:
            outcome = "unregistered"
        elif not offering.in_progress:
            weeks = self.weeks
            quizzes = sum(learner.quiz_best.values()) / weeks
            assignments = sum(learner.assignment_grades.values()) / max(1, len(self.course.assignments))
            grade = round(0.25 * quizzes + 0.35 * assignments + 0.4 * (learner.exam or 0.0), 4)
            passed = grade >= PASS_MARK
            outcome = "passed" if passed else "failed"
            self.writer.emit(
                rng,
                learner.agent,
                outcome,
                self.course.activity,
                offering.end - rng.uniform(1.0, 20.0) * 3600,
                registration=learner.registration,
                result={"score": {"scaled": grade}, "success": passed, "completion": True},
            )
        return LearnerTruth(
            self.course.base,
            learner.key,
            learner.ability,
            learner.archetype,
            learner.dropped_week,
            learner.withdrew,
            outcome,
            grade,
        )


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many acyclic dicts (3x faster)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def simulate_offering(config: SimulationConfig, offering: Offering) -> tuple[list[dict[str, Any]], list[LearnerTruth]]:
    """The statements of one offering and the hidden truth about its learners.

    Statements share their activity and agent sub-objects: serialise them, or copy before mutating.
    """
    simulator = _OfferingSimulator(config, offering)
    statements: list[dict[str, Any]] = []
    for _, chunk in simulator.chunks():
        statements.extend(chunk)
    return statements, simulator.truths


def simulate_chunks(config: SimulationConfig) -> Iterator[tuple[float, list[dict[str, Any]]]]:
    """Statements in chunks of about a week, each with the share of the whole simulation done (0-1)."""
    offerings = plan_offerings(config)
    for offering in offerings:
        for done, chunk in _OfferingSimulator(config, offering).chunks():
            yield (offering.index + done) / len(offerings), chunk


def simulate(config: SimulationConfig) -> Iterator[dict[str, Any]]:
    """Every statement of every offering, offering by offering, week by week; memory stays at a week."""
    for _, chunk in simulate_chunks(config):
        yield from chunk


def default_now() -> datetime:
    """The current time truncated to the hour, so runs within the same hour are identical."""
    now = datetime.now(UTC)
    return now.replace(minute=0, second=0, microsecond=0)
