"""CSV and NDJSON exports of a course's at-risk list and overview.

When the store's `pseudonymise_exports` setting is on, every learner in an export is replaced by their
pseudonym: the IFI key of the account `<base>/pseudonyms|HMAC-SHA256(store secret, IFI key)`, the same
pseudonym the store's erasure and audit log use (`lrs.governance.pseudonym`). It is stable, so exports can be
joined with each other, and leads back to no one without the store's secret.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Any

import asyncpg
import msgspec
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import Parameter

from lrs.api.analytics import (
    AT_RISK_PARAMS,
    COURSE_PATH,
    LEVEL,
    MIN_RISK,
    SECURITY,
    TAG,
    CourseOverview,
    at_risk_rows,
    course_overview,
    insights_settings,
    known_course,
)
from lrs.api.analytics_params import course_segment, levels, only
from lrs.api.deps import require
from lrs.governance.pseudonym import learner_ref, new_key, pseudonym_agent
from lrs.security.authn import Principal
from lrs.security.scopes import Permission
from lrs.settings import Settings
from lrs.store import analytics_read as reads
from lrs.store.analytics_read import AtRiskRow
from lrs.store.db import connection
from lrs.store.governance import pseudonym_key
from lrs.xapi import agent_ifi

EXPORT_PAGE = 1000
AT_RISK_COLUMNS = (
    "learner",
    "risk",
    "level",
    "engagement",
    "as_of",
    "insight_id",
    "model_id",
    "cut_key",
    "holdout",
    "interventions_received",
    "factors",
    "recommended",
)
OVERVIEW_COLUMNS = ("section", "item", "metric", "value")


class ExportFormat(StrEnum):
    CSV = "csv"
    NDJSON = "ndjson"


MEDIA = {ExportFormat.CSV: "text/csv; charset=utf-8", ExportFormat.NDJSON: "application/x-ndjson"}
FORMAT = Parameter(default=ExportFormat.CSV, description="csv (default) or ndjson")


def pseudonymiser(key: bytes, base_url: str) -> Callable[[str], str]:
    """Learner IFI key -> the IFI key of their pseudonym."""

    def replace(learner: str) -> str:
        return agent_ifi(pseudonym_agent(base_url, learner_ref(key, learner))) or ""

    return replace


async def learner_mask(conn: asyncpg.Connection, store_id: int, settings: Settings) -> Callable[[str], str]:
    """How learners appear in this store's exports: themselves, or pseudonymised when the store says so."""
    store = await reads.store_settings(conn, store_id)
    if not insights_settings(store).pseudonymise_exports:
        return lambda learner: learner
    return pseudonymiser(await pseudonym_key(conn, store_id, new_key), settings.base_url)


def _csv(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue().encode()


def _ndjson(records: Iterable[Any]) -> bytes:
    return b"".join(msgspec.json.encode(r) + b"\n" for r in records)


def at_risk_export(rows: list[AtRiskRow], mask: Callable[[str], str], form: ExportFormat) -> bytes:
    masked = [msgspec.structs.replace(r, learner=mask(r.learner)) for r in rows]
    if form is ExportFormat.NDJSON:
        return _ndjson(masked)
    return _csv(
        AT_RISK_COLUMNS,
        (
            (
                r.learner,
                round(r.risk, 4),
                r.level,
                None if r.engagement is None else round(r.engagement, 1),
                r.as_of.isoformat(),
                r.insight_id,
                r.model_id,
                r.cut_key,
                str(r.holdout).lower(),
                r.interventions_received,
                ";".join(str(f.get("feature")) for f in r.factors),
                ";".join(str(i.get("code")) for i in r.interventions),
            )
            for r in masked
        ),
    )


def overview_records(overview: CourseOverview) -> list[dict[str, Any]]:
    """The overview as flat records (section, item, metric, value), the shape of both export formats."""
    records: list[dict[str, Any]] = []

    def add(section: str, item: Any, metric: str, value: Any) -> None:
        records.append({"section": section, "item": item, "metric": metric, "value": value})

    for metric in ("learners", "active_last_7_days", "events_last_7_days"):
        add("summary", None, metric, getattr(overview, metric))
    add("summary", None, "summary_as_of", overview.summary_as_of.isoformat())
    for metric, value in msgspec.structs.asdict(overview.risk).items():
        add("risk", None, metric, value)
    for c in overview.completion:
        add("completion", c.activity_type, "activities", c.activities)
        add("completion", c.activity_type, "accessed_rate", c.accessed_rate)
        add("completion", c.activity_type, "completion_rate", c.completion_rate)
    scores = overview.scores
    for metric in ("learners", "mean", "p25", "median", "p75"):
        add("scores", None, metric, getattr(scores, metric))
    for b in scores.bins:
        add("scores", f"{b.lower:.1f}-{b.upper:.1f}", "learners", b.learners)
    for w in overview.weeks:
        add("weeks", w.week, "events", w.events)
        add("weeks", w.week, "learners", w.learners)
    add("drop_off", None, "stopped", overview.drop_off.stopped)
    add("drop_off", None, "withdrew", overview.drop_off.withdrew)
    for p in overview.drop_off.points:
        add("drop_off", p.activity, "learners", p.learners)
        add("drop_off", p.activity, "share", p.share)
    return records


def overview_export(overview: CourseOverview, form: ExportFormat) -> bytes:
    records = overview_records(overview)
    if form is ExportFormat.NDJSON:
        return _ndjson(records)
    return _csv(OVERVIEW_COLUMNS, ([r[c] for c in OVERVIEW_COLUMNS] for r in records))


def _download(body: bytes, form: ExportFormat, name: str) -> Response[bytes]:
    return Response(
        body,
        media_type=MEDIA[form],
        headers={"Content-Disposition": f'attachment; filename="{name}.{form.value}"'},
    )


class ExportsController(Controller):
    path = "/analytics/courses"
    tags = [TAG]
    security = SECURITY

    @get("/{course:str}/at-risk/export", summary="The whole at-risk list as CSV or NDJSON")
    async def export_at_risk(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        pool: NamedDependency[asyncpg.Pool],
        settings: NamedDependency[Settings],
        course: str = COURSE_PATH,
        format: ExportFormat = FORMAT,
        min_risk: float | None = MIN_RISK,
        level: list[str] | None = LEVEL,
    ) -> Response[bytes]:
        require(principal, Permission.ANALYTICS_READ)
        only(request, ("format", *AT_RISK_PARAMS[:2]))
        course_id = course_segment(course)
        wanted = levels(level)
        rows: list[AtRiskRow] = []
        async with connection(pool) as conn:
            await known_course(conn, principal.store_id, course_id)
            mask = await learner_mask(conn, principal.store_id, settings)
            while True:
                after = (rows[-1].risk, rows[-1].learner) if rows else None
                page = await at_risk_rows(
                    conn, principal.store_id, course_id, min_risk, wanted, after=after, limit=EXPORT_PAGE
                )
                rows.extend(page)
                if len(page) < EXPORT_PAGE:
                    break
        return _download(at_risk_export(rows, mask, format), format, "at-risk")

    @get("/{course:str}/overview/export", summary="The course overview as CSV or NDJSON")
    async def export_overview(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        pool: NamedDependency[asyncpg.Pool],
        course: str = COURSE_PATH,
        format: ExportFormat = FORMAT,
    ) -> Response[bytes]:
        require(principal, Permission.ANALYTICS_READ)
        only(request, ("format",))
        overview, refresh = await course_overview(pool, principal.store_id, course_segment(course))
        response = _download(overview_export(overview, format), format, "overview")
        response.background = refresh
        return response


CONTROLLERS = [ExportsController]
