"""`/analytics/interventions`: actions taken for learners, and whether they worked.

An intervention is recorded in one of three ways: the engine records the automated ones it recommends with each
at-risk insight (and a `holdout` row instead for the random hold-out group, who get none); an instructor records
one with `POST /analytics/interventions`; any xAPI client records one with a statement whose verb is
`{base}/xapi/profiles/insights/verbs/intervened` (defined in the LRS's own profile, `analytics.profile`), the
learner as object and the course as context parent (the kind in the context extension
`{base}/xapi/profiles/insights/extensions/intervention-kind`). Statements are
recorded when the interventions are next read (list or impact), once each; voiding one forgets it.

`GET /analytics/interventions/impact` compares the outcomes (analytics_labels: success = not at risk) of the
treated learners with the hold-out's, as an experiment (`analytics.impact`).
"""

from __future__ import annotations

from typing import Any

import asyncpg
import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_201_CREATED

from analytics.impact import Impact, compare
from analytics.profile import CONTEXT_INTERVENTION_KIND, VERB_INTERVENED, extension_iri, verb_iri
from lrs.api.analytics import CURSOR, LIMIT, SECURITY, TAG, insights_settings, known_course
from lrs.api.analytics_params import course_query, decode_cursor, encode_cursor, learner_id, only
from lrs.api.deps import require
from lrs.errors import NotFound, ValidationError
from lrs.security.authn import Principal
from lrs.security.scopes import Permission
from lrs.settings import Settings
from lrs.store import analytics_actions as actions
from lrs.store import analytics_read as reads
from lrs.store.analytics_read import InterventionRow
from lrs.store.db import connection, in_transaction

SOURCES = ("automated", "instructor", "statement", "holdout")
MAX_KIND = 100


def intervention_verb(base_url: str) -> str:
    """The verb IRI of statements recording an intervention (the object is the learner)."""
    return verb_iri(base_url, VERB_INTERVENED)


def kind_extension(base_url: str) -> str:
    return extension_iri(base_url, CONTEXT_INTERVENTION_KIND)


async def record_statements(conn: asyncpg.Connection, store_id: int, settings: Settings) -> int:
    return await actions.record_intervention_statements(
        conn, store_id, intervention_verb(settings.base_url), kind_extension(settings.base_url)
    )


class InterventionIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """An action an instructor took: the course, the learner (IFI key or Agent object), a short kind
    (`email`, `meeting`, or a recommended intervention's code), optionally the insight acted upon, and details."""

    course: str
    learner: str | dict[str, Any]
    kind: str
    insight_id: int | None = None
    details: dict[str, Any] = msgspec.field(default_factory=dict)


class InterventionPage(msgspec.Struct, kw_only=True):
    items: list[InterventionRow]
    next: str | None


class Pending(msgspec.Struct, kw_only=True):
    """Learners of the experiment whose course has no outcome label for them yet (left out of the comparison)."""

    treated: int
    control: int


class ImpactReport(msgspec.Struct, kw_only=True):
    """Treated learners (any intervention, or of `kind`) against the hold-out (no intervention; with `kind`, those
    held out from that kind), by outcome."""

    course: str | None
    kind: str | None
    outcome: str
    impact: Impact
    pending: Pending


class InterventionsController(Controller):
    path = "/analytics/interventions"
    tags = [TAG]
    security = SECURITY

    @post("/", summary="Record an intervention taken for a learner", status_code=HTTP_201_CREATED)
    async def record(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        pool: NamedDependency[asyncpg.Pool],
        data: JSONBody[InterventionIn],
    ) -> InterventionRow:
        require(principal, Permission.ANALYTICS_WRITE)
        only(request, ())
        course_id = course_query(data.course) or ""
        learner = learner_id(
            data.learner if isinstance(data.learner, str) else msgspec.json.encode(data.learner).decode(), "learner"
        )
        kind = data.kind.strip()
        if not kind or len(kind) > MAX_KIND:
            raise ValidationError(f"kind must be 1 to {MAX_KIND} characters", path="kind")

        async def save(conn: asyncpg.Connection) -> InterventionRow:
            await known_course(conn, principal.store_id, course_id)
            if not await reads.learner_in_course(conn, principal.store_id, learner, course_id):
                raise NotFound(f"learner {learner!r} has no activity in course {course_id!r}", path="learner")
            if data.insight_id is not None:
                insight = await reads.insight(conn, principal.store_id, data.insight_id)
                if insight is None or insight.course != course_id or insight.learner != learner:
                    message = "insight_id is not an insight about this learner in this course"
                    raise ValidationError(message, path="insight_id")
            details = {**data.details, "recorded_by": principal.authority_ifi}
            added = await actions.add_intervention(
                conn,
                principal.store_id,
                course_id=course_id,
                learner=learner,
                kind=kind,
                source="instructor",
                insight_id=data.insight_id,
                details=details,
            )
            assert added is not None
            rows = await reads.interventions_page(
                conn, principal.store_id, after=added[0] + 1, course_id=None, learner=None, source=None, limit=1
            )
            return rows[0]

        return await in_transaction(pool, save)

    @get("/", summary="List interventions, newest first")
    async def list_interventions(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        pool: NamedDependency[asyncpg.Pool],
        settings: NamedDependency[Settings],
        course: str | None = Parameter(required=False, description="one course"),
        learner: str | None = Parameter(required=False, description="one learner (IFI key or Agent JSON)"),
        source: str | None = Parameter(required=False, description="automated, instructor, statement or holdout"),
        limit: int = LIMIT,
        cursor: str | None = CURSOR,
    ) -> InterventionPage:
        require(principal, Permission.ANALYTICS_READ)
        only(request, ("course", "learner", "source", "limit", "cursor"))
        if source is not None and source not in SOURCES:
            raise ValidationError(f"source must be one of {', '.join(SOURCES)}", path="source")
        after = decode_cursor(cursor, int)
        learner_key = learner_id(learner, "learner") if learner is not None else None
        async with connection(pool) as conn:
            await record_statements(conn, principal.store_id, settings)
            rows = await reads.interventions_page(
                conn,
                principal.store_id,
                after=after[0] if after else None,
                course_id=course_query(course),
                learner=learner_key,
                source=source,
                limit=limit + 1,
            )
        page, more = rows[:limit], len(rows) > limit
        return InterventionPage(items=page, next=encode_cursor(page[-1].id) if more else None)

    @get("/impact", summary="Treated versus hold-out outcomes: Welch's t-test, Cohen's d, counts, p-value")
    async def impact(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        pool: NamedDependency[asyncpg.Pool],
        settings: NamedDependency[Settings],
        course: str | None = Parameter(required=False, description="one course (default: every course)"),
        kind: str | None = Parameter(required=False, description="treated = received this kind of intervention"),
        min_group: int | None = Parameter(
            required=False, ge=2, le=100_000, description="smallest group compared (default: the store's setting)"
        ),
    ) -> ImpactReport:
        require(principal, Permission.ANALYTICS_READ)
        only(request, ("course", "kind", "min_group"))
        course_id = course_query(course)
        async with connection(pool) as conn:
            if course_id is not None:
                await known_course(conn, principal.store_id, course_id)
            store = await reads.store_settings(conn, principal.store_id)
            await record_statements(conn, principal.store_id, settings)
            rows = await reads.impact_rows(conn, principal.store_id, course_id, kind)
        minimum = min_group if min_group is not None else insights_settings(store).impact_min_group
        treated = [1.0 if r.succeeded else 0.0 for r in rows if r.treated and r.succeeded is not None]
        control = [1.0 if r.succeeded else 0.0 for r in rows if not r.treated and r.succeeded is not None]
        pending = Pending(
            treated=sum(1 for r in rows if r.treated and r.succeeded is None),
            control=sum(1 for r in rows if not r.treated and r.succeeded is None),
        )
        return ImpactReport(
            course=course_id,
            kind=kind,
            outcome="success in the course (outcome label not at risk) = 1, otherwise 0",
            impact=compare(treated, control, min_group=minimum),
            pending=pending,
        )


CONTROLLERS = [InterventionsController]
