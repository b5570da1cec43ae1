"""`/analytics/models`, `/analytics/score`, `/analytics/jobs`, `/analytics/insights`, `/analytics/feedback`:
model quality, on-demand training and scoring (jobs to poll), and instructors' feedback on insights.

Training and scoring run in the workers: the API records an `analytics_jobs` row, enqueues the job with the
row's id (`train_models(store_id, job_id)`, `score_courses(store_id, job_id)` reading its parameters from the
row) and answers 202 with the job, which `GET /analytics/jobs/{id}` reports until it is done or failed.
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import asyncpg
import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_202_ACCEPTED

from lrs.api.analytics import CURSOR, LIMIT, SECURITY, TAG, known_course
from lrs.api.analytics_params import course_query, decode_cursor, encode_cursor, only, utc
from lrs.api.deps import require
from lrs.errors import Conflict, NotFound, ServiceUnavailable, ValidationError
from lrs.governance import audit
from lrs.queue import SCORE_COURSES_JOB, TRAIN_MODELS_JOB
from lrs.security.authn import Principal
from lrs.security.scopes import Permission
from lrs.store import analytics_actions as actions
from lrs.store import analytics_read as reads
from lrs.store.analytics_read import FeedbackRow, InsightRow, JobRow, ModelRow
from lrs.store.db import connection, in_transaction

MAX_NOTE = 2000
MODEL_ID = Parameter(description="the model's id")
INSIGHT_ID = Parameter(description="the insight's id")
JOB_ID = Parameter(description="the job's id")
AS_OF = Parameter(required=False, description="score as of this time (ISO 8601; default: now)")
FEEDBACK_KIND = Parameter(required=False, description="one kind of feedback")


# -- models -------------------------------------------------------------------------------------------------


class ModelPage(msgspec.Struct, kw_only=True):
    items: list[ModelRow]
    next: str | None


class FeatureImportance(msgspec.Struct, kw_only=True):
    """How much a feature moves the predicted risk; `direction` says which way a higher value moves it."""

    feature: str
    importance: float
    direction: str | None
    description: str | None


class ModelQuality(msgspec.Struct, kw_only=True):
    """The model's evidence (stored at training) and the instructors' verdict on its insights (feedback)."""

    gate_passed: bool | None
    holdout: dict[str, Any] | None
    splits: dict[str, Any] | None
    calibration: list[dict[str, Any]]
    insights: int
    feedback: dict[str, int]
    feedback_total: int
    useful_share: float | None
    incorrectly_flagged_share: float | None


class ModelDetail(msgspec.Struct, kw_only=True):
    model: ModelRow
    quality: ModelQuality
    feature_importances: list[FeatureImportance]
    importance_method: str | None


def quality_of(model: ModelRow) -> ModelQuality:
    metrics = model.metrics if isinstance(model.metrics, dict) else {}
    holdout = metrics.get("holdout") if isinstance(metrics.get("holdout"), dict) else None
    splits = metrics.get("splits") if isinstance(metrics.get("splits"), dict) else None
    calibration = holdout.get("calibration") if holdout is not None else None
    gate = model.gate if isinstance(model.gate, dict) else {}
    total = sum(model.feedback.values())
    useful = model.feedback.get("useful", 0) + model.feedback.get("fixed", 0)
    return ModelQuality(
        gate_passed=gate.get("passed") if isinstance(gate.get("passed"), bool) else None,
        holdout=holdout,
        splits=splits,
        calibration=calibration if isinstance(calibration, list) else [],
        insights=model.insights,
        feedback=model.feedback,
        feedback_total=total,
        useful_share=round(useful / total, 4) if total else None,
        incorrectly_flagged_share=round(model.feedback.get("incorrectly_flagged", 0) / total, 4) if total else None,
    )


_IMPORTANCES: dict[tuple[int, int], tuple[list[FeatureImportance], str | None]] = {}
"""Importances per (store, model): artifacts never change, so each is unpickled once per process."""


def _stored_importances(metrics: Any) -> list[FeatureImportance] | None:
    values = metrics.get("feature_importances") if isinstance(metrics, dict) else None
    if not isinstance(values, dict):
        return None
    return [
        FeatureImportance(feature=str(name), importance=float(value), direction=None, description=None)
        for name, value in sorted(values.items(), key=lambda item: -abs(float(item[1])))
        if isinstance(value, int | float)
    ]


def logistic_importances(artifact: bytes) -> list[FeatureImportance] | None:
    """Standardised coefficients of a logistic model (log-odds of risk per standard deviation), largest first;
    None for other kinds, which have no intrinsic importance."""
    from analytics.features import SPECS
    from analytics.predictors import ModelKind, TrainedModel

    model = TrainedModel.from_bytes(artifact)
    if model.kind is not ModelKind.LOGISTIC:
        return None
    coefficients = model.estimator.named_steps["model"].coef_[0]
    found = []
    weights = sorted(zip(model.columns, (float(v) for v in coefficients), strict=True), key=lambda item: -abs(item[1]))
    for name, weight in weights:
        if not math.isfinite(weight):
            continue
        spec = SPECS.get(name)
        found.append(
            FeatureImportance(
                feature=name,
                importance=round(abs(weight), 4),
                direction="raises_risk" if weight > 0 else "lowers_risk" if weight < 0 else None,
                description=spec.description if spec else None,
            )
        )
    return found


async def importances(
    conn: asyncpg.Connection, store_id: int, model: ModelRow
) -> tuple[list[FeatureImportance], str | None]:
    stored = _stored_importances(model.metrics)
    if stored is not None:
        return stored, "stored"
    key = (store_id, model.id)
    if key not in _IMPORTANCES:
        artifact = await reads.model_artifact(conn, store_id, model.id)
        found = None
        if artifact is not None:
            try:
                found = logistic_importances(artifact)
            except (ValueError, AttributeError, KeyError, ImportError):
                found = None
        _IMPORTANCES[key] = (found, "standardised_coefficient") if found is not None else ([], None)
    return _IMPORTANCES[key]


async def _model(conn: asyncpg.Connection, store_id: int, model_id: int) -> ModelRow:
    found = await reads.model(conn, store_id, model_id)
    if found is None:
        raise NotFound(f"this store has no model {model_id}", path="model_id")
    return found


# -- jobs -----------------------------------------------------------------------------------------------------


async def start_job(
    request: Request[Any, Any, Any], pool: asyncpg.Pool, store_id: int, function: str, params: dict[str, Any]
) -> Response[JobRow]:
    """Record the job, enqueue it by the row's id and answer 202 with it; 503 when the queue cannot take it."""
    async with connection(pool) as conn:
        job = await actions.create_job(conn, store_id, function, params)
    enqueued = await request.app.state.hinter.enqueue(function, store_id, str(job.id), job_id=f"api:{job.id}")
    if not enqueued:
        async with connection(pool) as conn:
            await actions.fail_queued_job(conn, store_id, job.id, "the job queue was unavailable")
        raise ServiceUnavailable("the job queue (Redis) is unavailable; retry later")
    return Response(job, status_code=HTTP_202_ACCEPTED, headers={"Location": f"/analytics/jobs/{job.id}"})


class ModelsController(Controller):
    path = "/analytics/models"
    tags = [TAG]
    security = SECURITY

    @get("/", summary="List models, newest first, with their metrics and feedback")
    async def list_models(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        pool: NamedDependency[asyncpg.Pool],
        cut_key: str | None = Parameter(required=False, description="one cut point (`week-4`, `pct-50`)"),
        active: bool | None = Parameter(required=False, description="only active (or inactive) models"),
        limit: int = LIMIT,
        cursor: str | None = CURSOR,
    ) -> ModelPage:
        require(principal, Permission.ANALYTICS_READ)
        only(request, ("cut_key", "active", "limit", "cursor"))
        after = decode_cursor(cursor, int)
        async with connection(pool) as conn:
            rows = await reads.models_page(
                conn,
                principal.store_id,
                after=after[0] if after else None,
                cut_key=cut_key,
                active=active,
                limit=limit + 1,
            )
        page, more = rows[:limit], len(rows) > limit
        return ModelPage(items=page, next=encode_cursor(page[-1].id) if more else None)

    @get("/{model_id:int}", summary="A model: metrics, calibration, feature importances, training data, feedback")
    async def get_model(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        pool: NamedDependency[asyncpg.Pool],
        model_id: int = MODEL_ID,
    ) -> ModelDetail:
        require(principal, Permission.ANALYTICS_READ)
        only(request, ())
        async with connection(pool) as conn:
            model = await _model(conn, principal.store_id, model_id)
            found, method = await importances(conn, principal.store_id, model)
        return ModelDetail(model=model, quality=quality_of(model), feature_importances=found, importance_method=method)

    @post("/train", summary="Train the store's models (a job to poll)", status_code=HTTP_202_ACCEPTED)
    async def train(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        pool: NamedDependency[asyncpg.Pool],
    ) -> Response[JobRow]:
        require(principal, Permission.ANALYTICS_WRITE)
        only(request, ())
        params = {"trigger": "api", "requested_by": principal.authority_ifi}
        return await start_job(request, pool, principal.store_id, TRAIN_MODELS_JOB, params)

    @post("/{model_id:int}/activate", summary="Make a model its cut point's active model", status_code=HTTP_200_OK)
    async def activate(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        pool: NamedDependency[asyncpg.Pool],
        model_id: int = MODEL_ID,
        force: bool = Parameter(default=False, description="activate although it failed its quality gate"),
    ) -> ModelRow:
        return await _set_active(request, principal, pool, model_id, True, force)

    @post("/{model_id:int}/deactivate", summary="Stop a model from predicting", status_code=HTTP_200_OK)
    async def deactivate(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        pool: NamedDependency[asyncpg.Pool],
        model_id: int = MODEL_ID,
    ) -> ModelRow:
        return await _set_active(request, principal, pool, model_id, False, False)


async def _set_active(
    request: Request[Any, Any, Any], principal: Principal, pool: asyncpg.Pool, model_id: int, active: bool, force: bool
) -> ModelRow:
    require(principal, Permission.ANALYTICS_WRITE)
    only(request, ("force",) if active else ())

    async def change(conn: asyncpg.Connection) -> ModelRow:
        state = await actions.model_state(conn, principal.store_id, model_id)
        if state is None:
            raise NotFound(f"this store has no model {model_id}", path="model_id")
        passed = isinstance(state.gate, dict) and state.gate.get("passed") is True
        if active and not passed and not force:
            raise Conflict(
                f"model {model_id} did not pass its quality gate; add force=true to activate it anyway",
                path="force",
            )
        await actions.set_model_active(conn, principal.store_id, state, active)
        await audit.record(
            conn,
            principal.store_id,
            audit.actor_of(principal),
            audit.Action.MODEL_ACTIVATE,
            {"model_id": model_id},
            {"active": active, "force": force},
        )
        return await _model(conn, principal.store_id, model_id)

    return await in_transaction(pool, change)


class ScoreController(Controller):
    path = "/analytics/score"
    tags = [TAG]
    security = SECURITY

    @post("/", summary="Score a course (or every running course) as of a time: back-tests and backfills")
    async def score(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        pool: NamedDependency[asyncpg.Pool],
        course: str | None = Parameter(required=False, description="the course IRI (default: every running one)"),
        as_of: datetime | None = AS_OF,
    ) -> Response[JobRow]:
        require(principal, Permission.ANALYTICS_WRITE)
        only(request, ("course", "as_of"))
        course_id = course_query(course)
        moment = utc(as_of)
        if moment is not None and moment > datetime.now(UTC):
            raise ValidationError("as_of must not be in the future", path="as_of")
        if course_id is not None:
            async with connection(pool) as conn:
                await known_course(conn, principal.store_id, course_id)
        params = {
            "course_id": course_id,
            "as_of": moment.isoformat() if moment is not None else None,
            "requested_by": principal.authority_ifi,
        }
        return await start_job(request, pool, principal.store_id, SCORE_COURSES_JOB, params)


class JobsController(Controller):
    path = "/analytics/jobs"
    tags = [TAG]
    security = SECURITY

    @get("/{job_id:uuid}", summary="A training or scoring job: queued, running, done (with its result) or failed")
    async def get_job(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        pool: NamedDependency[asyncpg.Pool],
        job_id: uuid.UUID = JOB_ID,
    ) -> JobRow:
        require(principal, Permission.ANALYTICS_READ)
        only(request, ())
        async with connection(pool) as conn:
            found = await reads.job(conn, principal.store_id, job_id)
        if found is None:
            raise NotFound(f"this store has no job {job_id}", path="job_id")
        return found


# -- insights and feedback ------------------------------------------------------------------------------------


class FeedbackKind(StrEnum):
    """As in Moodle: the insight was useful, not useful, flagged someone who is not at risk, or acted upon."""

    USEFUL = "useful"
    NOT_USEFUL = "not_useful"
    INCORRECTLY_FLAGGED = "incorrectly_flagged"
    FIXED = "fixed"


class FeedbackIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    kind: FeedbackKind
    note: str = ""


class InsightDetail(msgspec.Struct, kw_only=True):
    insight: InsightRow
    feedback: list[FeedbackRow]


class FeedbackPage(msgspec.Struct, kw_only=True):
    items: list[FeedbackRow]
    next: str | None


class InsightsController(Controller):
    path = "/analytics/insights"
    tags = [TAG]
    security = SECURITY

    @get("/{insight_id:int}", summary="An insight with the feedback it received")
    async def get_insight(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        pool: NamedDependency[asyncpg.Pool],
        insight_id: int = INSIGHT_ID,
    ) -> InsightDetail:
        require(principal, Permission.ANALYTICS_READ)
        only(request, ())
        async with connection(pool) as conn:
            found = await reads.insight(conn, principal.store_id, insight_id)
            if found is None:
                raise NotFound(f"this store has no insight {insight_id}", path="insight_id")
            feedback = await reads.feedback_page(
                conn,
                principal.store_id,
                after=None,
                insight_id=insight_id,
                model_id=None,
                course_id=None,
                kind=None,
                limit=100,
            )
        return InsightDetail(insight=found, feedback=feedback)

    @post("/{insight_id:int}/feedback", summary="Judge an insight", status_code=HTTP_201_CREATED)
    async def add_feedback(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        pool: NamedDependency[asyncpg.Pool],
        data: JSONBody[FeedbackIn],
        insight_id: int = INSIGHT_ID,
    ) -> FeedbackRow:
        require(principal, Permission.ANALYTICS_WRITE)
        only(request, ())
        if len(data.note) > MAX_NOTE:
            raise ValidationError(f"note is longer than {MAX_NOTE} characters", path="note")
        async with connection(pool) as conn:
            added = await actions.add_feedback(
                conn, principal.store_id, insight_id, data.kind.value, data.note, principal.authority_ifi
            )
            if added is None:
                raise NotFound(f"this store has no insight {insight_id}", path="insight_id")
            rows = await reads.feedback_page(
                conn,
                principal.store_id,
                after=added[0] + 1,
                insight_id=insight_id,
                model_id=None,
                course_id=None,
                kind=None,
                limit=1,
            )
        return rows[0]


class FeedbackController(Controller):
    path = "/analytics/feedback"
    tags = [TAG]
    security = SECURITY

    @get("/", summary="List feedback on insights, newest first")
    async def list_feedback(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        pool: NamedDependency[asyncpg.Pool],
        insight: int | None = Parameter(required=False, description="one insight"),
        model: int | None = Parameter(required=False, description="insights of one model"),
        course: str | None = Parameter(required=False, description="insights about one course"),
        kind: FeedbackKind | None = FEEDBACK_KIND,
        limit: int = LIMIT,
        cursor: str | None = CURSOR,
    ) -> FeedbackPage:
        require(principal, Permission.ANALYTICS_READ)
        only(request, ("insight", "model", "course", "kind", "limit", "cursor"))
        after = decode_cursor(cursor, int)
        async with connection(pool) as conn:
            rows = await reads.feedback_page(
                conn,
                principal.store_id,
                after=after[0] if after else None,
                insight_id=insight,
                model_id=model,
                course_id=course_query(course),
                kind=kind.value if kind is not None else None,
                limit=limit + 1,
            )
        page, more = rows[:limit], len(rows) > limit
        return FeedbackPage(items=page, next=encode_cursor(page[-1].id) if more else None)


CONTROLLERS = [ModelsController, ScoreController, JobsController, InsightsController, FeedbackController]
