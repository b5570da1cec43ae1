"""`/analytics/`: the insights API for admins and instructors (scope `analytics`), per store.

Courses (list, settings, overview, at-risk list) and learner timelines are here; models, jobs and feedback in
`analytics_models`, interventions and their impact in `analytics_interventions`, CSV / NDJSON exports in
`analytics_export`. Every list is cursor-paged: a page has `items` and `next`, the cursor of the following page
(None on the last). Course ids and learners are URL-encoded path segments (see `analytics_params`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import msgspec
from litestar import Controller, Request, Response, get, put
from litestar.background_tasks import BackgroundTask
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from analytics.pipeline.config import EngineConfig, config_or_default, parse_config
from lrs.api.analytics_params import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    course_query,
    course_segment,
    decode_cursor,
    encode_cursor,
    learner_segment,
    levels,
    only,
)
from lrs.api.deps import require
from lrs.errors import NotFound, ValidationError
from lrs.security.authn import Principal
from lrs.security.scopes import Permission
from lrs.store import analytics_actions as actions
from lrs.store import analytics_read as reads
from lrs.store import analytics_summary as summaries
from lrs.store.analytics_read import (
    AtRiskRow,
    CourseHead,
    CourseRow,
    InterventionRow,
    LearnerWeek,
    RiskCounts,
    RiskPoint,
    ScorePoint,
)
from lrs.store.analytics_summary import DropOff, ScoreDistribution, TypeCompletion, WeekActivity
from lrs.store.db import connection, in_transaction

SECURITY: list[dict[str, list[str]]] = [{"basic": []}, {"bearer": []}]
TAG = "Insights"
STORE_SECTION = "insights"
"""The top-level key of the store's settings JSON holding the API's own settings (the engine's: `analytics`)."""
LIMIT = Parameter(
    default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"page size (default {DEFAULT_LIMIT}, at most {MAX_LIMIT})"
)
CURSOR = Parameter(description="the `next` cursor of the previous page", required=False)
COURSE_PATH = Parameter(description="the course IRI, URL-encoded (`encodeURIComponent`)")
AT_RISK_PARAMS = ("min_risk", "level", "limit", "cursor")
MIN_RISK = Parameter(ge=0.0, le=1.0, required=False, description="lowest risk listed")
LEVEL = Parameter(required=False, description="risk levels (repeat or comma-separate); default: moderate and high")


# -- configuration ------------------------------------------------------------------------------------------


class InsightsSettings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The insights API's own store settings: pseudonymised exports and the impact report's minimum group size."""

    pseudonymise_exports: bool = False
    impact_min_group: int = msgspec.field(default=10)

    def __post_init__(self) -> None:
        if not 2 <= self.impact_min_group <= 100_000:
            raise ValueError("impact_min_group must be between 2 and 100000")


def insights_settings(store: dict[str, Any]) -> InsightsSettings:
    """The API's settings from the store's settings JSON; defaults where absent or unreadable."""
    try:
        return msgspec.convert(store.get(STORE_SECTION) or {}, InsightsSettings)
    except (msgspec.ValidationError, ValueError):
        return InsightsSettings()


def check_engine_settings(values: dict[str, Any], path: str, store: dict[str, Any] | None = None) -> EngineConfig:
    """The engine's configuration `values` (whole top-level keys), or 400 naming what is wrong.

    With `store`, `values` refine the store's configuration (course settings); unknown keys are refused here,
    though the engine ignores them, since a misspelt key would silently do nothing.
    """
    known = set(EngineConfig.__struct_fields__)
    for key in values:
        if key not in known:
            raise ValidationError(
                f"unknown setting {key!r}; known settings: {', '.join(sorted(known))}", path=f"{path}.{key}"
            )
    try:
        msgspec.convert(values, EngineConfig)
    except msgspec.ValidationError as exc:
        message, _, where = str(exc).partition(" - at `$")
        raise ValidationError(f"{path}: {message}", path=path + where.rstrip("`")) from None
    try:
        return parse_config({"analytics": (store or {}).get("analytics") or {}}, values)
    except ValueError as exc:
        raise ValidationError(f"{path}: {exc}", path=path) from None


def engine_config(store: dict[str, Any], course_settings: dict[str, Any] | None) -> EngineConfig:
    return config_or_default(store, course_settings, where="insights API")


def withdrawal_actions(config: EngineConfig) -> list[str]:
    return sorted(config.vocabulary_mapping.withdrawal_actions | config.target.withdrawal_actions)


# -- courses --------------------------------------------------------------------------------------------------


class CoursePage(msgspec.Struct, kw_only=True):
    items: list[CourseRow]
    next: str | None


class CourseDetail(msgspec.Struct, kw_only=True):
    """A course and the engine's configuration in force for it (store settings refined by the course's own)."""

    course: CourseRow
    effective_settings: dict[str, Any]


class CourseSettingsIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A course's configuration, replacing the previous one. `start` / `end` override the inferred calendar
    (omit them to use the inferred one); `settings` holds any of the engine's settings for this course, each a
    whole value replacing the store's: `target`, `bands` (risk cut points), `due_dates` (activity IRI -> ISO 8601),
    `vocabulary` (verbs, actions, activity_types), `holdout_share`, `rules`, ..."""

    name: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    settings: dict[str, Any] = msgspec.field(default_factory=dict)


async def known_course(conn: asyncpg.Connection, store_id: int, course_id: str) -> CourseHead:
    """The course, or 404 naming the `course` parameter."""
    head = await reads.course_head(conn, store_id, course_id)
    if head is None:
        raise NotFound(f"this store has no course {course_id!r}", path="course")
    return head


async def course_row(conn: asyncpg.Connection, store_id: int, course_id: str) -> CourseRow:
    """The course with its counts, or 404 naming the `course` parameter."""
    row = await reads.course(conn, store_id, course_id)
    if row is None:
        raise NotFound(f"this store has no course {course_id!r}", path="course")
    return row


async def _fill_summaries(
    pool: asyncpg.Pool, store_id: int, rows: list[CourseRow], store: dict[str, Any]
) -> BackgroundTask | None:
    """Learner and activity counts come from each course's summary: computed now for a course never summarised,
    and the background refresh of stale ones returned (to run after the answer)."""
    stale: list[tuple[str, list[str]]] = []
    for row in rows:
        withdrawals = withdrawal_actions(engine_config(store, row.settings))
        cached = await summaries.cached(pool, store_id, row.id, withdrawal_actions=withdrawals)
        row.learners = cached.summary.learners
        row.active_last_7_days = cached.summary.active_last_7_days
        row.events_last_7_days = cached.summary.events_last_7_days
        row.summary_at = cached.summary.as_of
        if cached.stale:
            stale.append((row.id, withdrawals))
    return BackgroundTask(_refresh_all, pool, store_id, stale) if stale else None


async def _refresh_all(pool: asyncpg.Pool, store_id: int, courses: list[tuple[str, list[str]]]) -> None:
    for course_id, withdrawals in courses:
        await summaries.refresh(pool, store_id, course_id, withdrawal_actions=withdrawals)


class CoursesController(Controller):
    path = "/analytics/courses"
    tags = [TAG]
    security = SECURITY

    @get("/", summary="List courses with learner, activity and at-risk counts")
    async def list_courses(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        pool: NamedDependency[asyncpg.Pool],
        limit: int = LIMIT,
        cursor: str | None = CURSOR,
    ) -> Response[CoursePage]:
        require(principal, Permission.ANALYTICS_READ)
        only(request, ("limit", "cursor"))
        after = decode_cursor(cursor, str)
        async with connection(pool) as conn:
            rows = await reads.course_page(conn, principal.store_id, after[0] if after else None, limit + 1)
            store = await reads.store_settings(conn, principal.store_id)
        page, more = rows[:limit], len(rows) > limit
        refresh = await _fill_summaries(pool, principal.store_id, page, store)
        body = CoursePage(items=page, next=encode_cursor(page[-1].id) if more else None)
        return Response(body, background=refresh)

    @get("/{course:str}", summary="A course: calendar, settings and counts")
    async def get_course(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        pool: NamedDependency[asyncpg.Pool],
        course: str = COURSE_PATH,
    ) -> Response[CourseDetail]:
        require(principal, Permission.ANALYTICS_READ)
        only(request, ())
        course_id = course_segment(course)
        async with connection(pool) as conn:
            row = await course_row(conn, principal.store_id, course_id)
            store = await reads.store_settings(conn, principal.store_id)
        refresh = await _fill_summaries(pool, principal.store_id, [row], store)
        config = engine_config(store, row.settings)
        return Response(CourseDetail(course=row, effective_settings=msgspec.to_builtins(config)), background=refresh)

    @put(
        "/{course:str}",
        summary="Set a course's calendar, target, risk cut points, due dates and vocabulary",
        status_code=HTTP_200_OK,
    )
    async def put_course(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        pool: NamedDependency[asyncpg.Pool],
        data: JSONBody[CourseSettingsIn],
        course: str = COURSE_PATH,
    ) -> Response[CourseDetail]:
        require(principal, Permission.ANALYTICS_WRITE)
        only(request, ())
        course_id = course_segment(course)
        start, end = _aware(data.start), _aware(data.end)
        if start is not None and end is not None and end <= start:
            raise ValidationError("the course must end after it starts", path="end")
        if data.name is not None and not data.name.strip():
            raise ValidationError("name must not be empty (omit it to keep the known name)", path="name")

        async def save(conn: asyncpg.Connection) -> tuple[bool, CourseDetail]:
            store = await reads.store_settings(conn, principal.store_id)
            config = check_engine_settings(data.settings, "settings", store)
            created = await actions.upsert_course(
                conn, principal.store_id, course_id, name=data.name, start=start, end=end, settings=data.settings
            )
            row = await course_row(conn, principal.store_id, course_id)
            return created, CourseDetail(course=row, effective_settings=msgspec.to_builtins(config))

        created, detail = await in_transaction(pool, save)
        return Response(detail, status_code=HTTP_201_CREATED if created else HTTP_200_OK)

    @get("/{course:str}/overview", summary="Course overview: learners, activity, risk, completion, scores, drop-off")
    async def overview(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        pool: NamedDependency[asyncpg.Pool],
        course: str = COURSE_PATH,
    ) -> Response[CourseOverview]:
        require(principal, Permission.ANALYTICS_READ)
        only(request, ())
        result, refresh = await course_overview(pool, principal.store_id, course_segment(course))
        return Response(result, background=refresh)

    @get("/{course:str}/at-risk", summary="Learners by risk, with factors and recommended interventions")
    async def at_risk(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        pool: NamedDependency[asyncpg.Pool],
        course: str = COURSE_PATH,
        min_risk: float | None = MIN_RISK,
        level: list[str] | None = LEVEL,
        limit: int = LIMIT,
        cursor: str | None = CURSOR,
    ) -> AtRiskPage:
        require(principal, Permission.ANALYTICS_READ)
        only(request, AT_RISK_PARAMS)
        course_id = course_segment(course)
        after = decode_cursor(cursor, float, str)
        async with connection(pool) as conn:
            await known_course(conn, principal.store_id, course_id)
            rows = await at_risk_rows(
                conn, principal.store_id, course_id, min_risk, levels(level), after=after, limit=limit + 1
            )
        page, more = rows[:limit], len(rows) > limit
        return AtRiskPage(
            course=course_id, items=page, next=encode_cursor(page[-1].risk, page[-1].learner) if more else None
        )


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# -- overview -------------------------------------------------------------------------------------------------


class CourseOverview(msgspec.Struct, kw_only=True):
    """A course at a glance. Risk counts are live; the event-based parts come from a summary computed at
    `summary_as_of` and refreshed in the background when the course's events changed (`summary_refreshing`)."""

    course: str
    name: str | None
    start: datetime | None
    end: datetime | None
    learners: int
    active_last_7_days: int
    events_last_7_days: int
    risk: RiskCounts
    risk_as_of: datetime | None
    completion: list[TypeCompletion]
    scores: ScoreDistribution
    weeks: list[WeekActivity]
    drop_off: DropOff
    summary_as_of: datetime
    summary_refreshing: bool


async def course_overview(
    pool: asyncpg.Pool, store_id: int, course_id: str
) -> tuple[CourseOverview, BackgroundTask | None]:
    """The overview, and the background refresh of its summary to run after answering (None when fresh)."""
    async with connection(pool) as conn:
        row = await known_course(conn, store_id, course_id)
        store = await reads.store_settings(conn, store_id)
        risk, risk_as_of = await reads.risk_counts(conn, store_id, course_id)
    withdrawals = withdrawal_actions(engine_config(store, row.settings))
    cached = await summaries.cached(pool, store_id, course_id, withdrawal_actions=withdrawals)
    s = cached.summary
    overview = CourseOverview(
        course=course_id,
        name=row.name,
        start=row.start,
        end=row.end,
        learners=s.learners,
        active_last_7_days=s.active_last_7_days,
        events_last_7_days=s.events_last_7_days,
        risk=risk,
        risk_as_of=risk_as_of,
        completion=s.completion,
        scores=s.scores,
        weeks=s.weeks,
        drop_off=s.drop_off,
        summary_as_of=s.as_of,
        summary_refreshing=cached.stale,
    )
    refresh = None
    if cached.stale:
        refresh = BackgroundTask(summaries.refresh, pool, store_id, course_id, withdrawal_actions=withdrawals)
    return overview, refresh


# -- at-risk list ---------------------------------------------------------------------------------------------


class AtRiskPage(msgspec.Struct, kw_only=True):
    course: str
    items: list[AtRiskRow]
    next: str | None


async def at_risk_rows(
    conn: asyncpg.Connection,
    store_id: int,
    course_id: str,
    min_risk: float | None,
    wanted_levels: list[str] | None,
    *,
    after: tuple[Any, ...] | None,
    limit: int,
) -> list[AtRiskRow]:
    """Without `min_risk` or `level`, the at-risk learners: levels moderate and high."""
    if min_risk is None and wanted_levels is None:
        wanted_levels = ["moderate", "high"]
    return await reads.at_risk_page(
        conn,
        store_id,
        course_id,
        min_risk=min_risk or 0.0,
        levels=wanted_levels,
        after=(after[0], after[1]) if after else None,
        limit=limit,
    )


# -- learner timeline -----------------------------------------------------------------------------------------


class CourseTimeline(msgspec.Struct, kw_only=True):
    """One learner in one course: weekly activity and engagement, scores over time, the risk history (every
    insight, oldest first) and the interventions received (or withheld: `holdout`)."""

    course: str
    start: datetime | None
    weeks: list[LearnerWeek]
    scores: list[ScorePoint]
    risk: list[RiskPoint]
    interventions: list[InterventionRow]


class LearnerTimeline(msgspec.Struct, kw_only=True):
    learner: str
    courses: list[CourseTimeline]


def _with_engagement(weeks: list[LearnerWeek], risk: list[RiskPoint], start: datetime) -> list[LearnerWeek]:
    """Each week gets the engagement of the latest insight made in it; weeks with insights but no events too."""
    by_week = {w.week: w for w in weeks}
    for point in risk:
        week = max(0, int((point.as_of - start) / timedelta(days=7)))
        entry = by_week.get(week)
        if entry is None:
            entry = by_week[week] = LearnerWeek(
                week=week, start=start + timedelta(days=7) * week, events=0, active_days=0, minutes=0.0
            )
        if point.engagement is not None:
            entry.engagement = point.engagement
    return [by_week[w] for w in sorted(by_week)]


async def course_timeline(conn: asyncpg.Connection, store_id: int, learner: str, course_id: str) -> CourseTimeline:
    head = await reads.course_head(conn, store_id, course_id)
    start = head.start if head is not None else None
    if start is None:
        first = await reads.learner_first_event(conn, store_id, learner, course_id)
        start = None if first is None else first.replace(hour=0, minute=0, second=0, microsecond=0)
    risk = await reads.learner_risk(conn, store_id, learner, course_id)
    weeks: list[LearnerWeek] = []
    if start is not None:
        weeks = _with_engagement(await reads.learner_weeks(conn, store_id, learner, course_id, start), risk, start)
    return CourseTimeline(
        course=course_id,
        start=start,
        weeks=weeks,
        scores=await reads.learner_scores(conn, store_id, learner, course_id),
        risk=risk,
        interventions=await reads.learner_interventions(conn, store_id, learner, course_id),
    )


class LearnersController(Controller):
    path = "/analytics/learners"
    tags = [TAG]
    security = SECURITY

    @get("/{agent:str}/timeline", summary="A learner's weekly engagement, scores, risk history and interventions")
    async def timeline(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        pool: NamedDependency[asyncpg.Pool],
        agent: str = Parameter(
            description="the learner: an IFI key (`mbox:mailto:a@example.org`, `account:<homePage>|<name>`) or "
            "Agent JSON, URL-encoded"
        ),
        course: str | None = Parameter(required=False, description="one course (default: every course)"),
    ) -> LearnerTimeline:
        require(principal, Permission.ANALYTICS_READ)
        only(request, ("course",))
        learner = learner_segment(agent)
        course_id = course_query(course)
        async with connection(pool) as conn:
            courses = await reads.learner_courses(conn, principal.store_id, learner)
            if not courses:
                raise NotFound(f"this store has no analytics about learner {learner!r}", path="agent")
            if course_id is not None:
                if course_id not in courses:
                    await known_course(conn, principal.store_id, course_id)
                    raise NotFound(f"learner {learner!r} has no activity in course {course_id!r}", path="course")
                courses = [course_id]
            timelines = [await course_timeline(conn, principal.store_id, learner, c) for c in courses]
        return LearnerTimeline(learner=learner, courses=timelines)


# -- store settings -------------------------------------------------------------------------------------------


class StoreSettingsOut(msgspec.Struct, kw_only=True):
    """The store's analytics configuration as set (`analytics`), as in force (`effective`, defaults filled in),
    and the insights API's own settings."""

    analytics: dict[str, Any]
    effective: dict[str, Any]
    pseudonymise_exports: bool
    impact_min_group: int


class StoreSettingsIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Replaces the store's analytics configuration. `analytics` holds the engine's settings for every course
    (courses may refine them); turning `pseudonymise_exports` off needs the `admin` scope as well."""

    analytics: dict[str, Any] = msgspec.field(default_factory=dict)
    pseudonymise_exports: bool = False
    impact_min_group: int = 10


def _settings_out(store: dict[str, Any]) -> StoreSettingsOut:
    own = insights_settings(store)
    analytics = store.get("analytics")
    return StoreSettingsOut(
        analytics=analytics if isinstance(analytics, dict) else {},
        effective=msgspec.to_builtins(engine_config(store, None)),
        pseudonymise_exports=own.pseudonymise_exports,
        impact_min_group=own.impact_min_group,
    )


class SettingsController(Controller):
    path = "/analytics/settings"
    tags = [TAG]
    security = SECURITY

    @get("/", summary="The store's analytics settings")
    async def get_settings(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        pool: NamedDependency[asyncpg.Pool],
    ) -> StoreSettingsOut:
        require(principal, Permission.ANALYTICS_READ)
        only(request, ())
        async with connection(pool) as conn:
            return _settings_out(await reads.store_settings(conn, principal.store_id))

    @put("/", summary="Replace the store's analytics settings", status_code=HTTP_200_OK)
    async def put_settings(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        pool: NamedDependency[asyncpg.Pool],
        data: JSONBody[StoreSettingsIn],
    ) -> StoreSettingsOut:
        require(principal, Permission.ANALYTICS_WRITE)
        only(request, ())
        check_engine_settings(data.analytics, "analytics")
        try:
            own = InsightsSettings(
                pseudonymise_exports=data.pseudonymise_exports, impact_min_group=data.impact_min_group
            )
        except ValueError as exc:
            raise ValidationError(str(exc), path="impact_min_group") from None

        async def save(conn: asyncpg.Connection) -> StoreSettingsOut:
            store = await reads.store_settings(conn, principal.store_id)
            if insights_settings(store).pseudonymise_exports and not own.pseudonymise_exports:
                require(principal, Permission.ADMIN)
            await actions.set_store_section(conn, principal.store_id, "analytics", data.analytics)
            await actions.set_store_section(conn, principal.store_id, STORE_SECTION, msgspec.to_builtins(own))
            return _settings_out(await reads.store_settings(conn, principal.store_id))

        return await in_transaction(pool, save)


def routers() -> list[Any]:
    """Every `/analytics/` controller (the other modules import this one, so they are imported here late)."""
    from lrs.api import analytics_export, analytics_interventions, analytics_models

    return [
        CoursesController,
        LearnersController,
        SettingsController,
        *analytics_models.CONTROLLERS,
        *analytics_interventions.CONTROLLERS,
        *analytics_export.CONTROLLERS,
    ]
