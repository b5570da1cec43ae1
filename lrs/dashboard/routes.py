"""`/dashboard`: the HTTP handlers. They read through the same store functions as the insights API and render
`pages`; actions are same-origin form POSTs carrying the session's CSRF token, answered with a 303 redirect."""

from __future__ import annotations

import base64
import hmac
import re
from importlib import resources
from typing import Annotated, Any
from urllib.parse import urlsplit

import asyncpg
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.enums import MediaType
from litestar.params import PathParameter

from lrs.api.analytics import _fill_summaries as fill_summaries
from lrs.api.analytics import at_risk_rows, course_overview, course_timeline, known_course
from lrs.api.analytics_models import FeedbackKind, importances, quality_of, start_job
from lrs.api.analytics_params import decode_cursor, encode_cursor, learner_id
from lrs.dashboard import pages, session, store_stats
from lrs.dashboard.html import BASE, esc, notice, page, url
from lrs.errors import Forbidden, LRSError, NotFound, ServiceUnavailable, Unauthorized, ValidationError
from lrs.queue import TRAIN_MODELS_JOB
from lrs.security.authn import Authenticator
from lrs.security.scopes import Permission, grants
from lrs.settings import Settings
from lrs.store import analytics_actions as actions
from lrs.store import analytics_read as reads
from lrs.store import stores
from lrs.store.db import connection, in_transaction

PAGE_SIZE = 50
STORE_DAYS = 30
MAX_NOTE = 2000
KIND = re.compile(r"[a-z0-9][a-z0-9_-]{0,99}")
"""An intervention kind: a generic one or a recommended action's code (as the engine names them)."""
NOTICES = {
    "intervention": "Intervention recorded.",
    "feedback": "Thank you: your feedback was recorded.",
    "training": "Training started; new models appear here when it is done.",
    "queue": "The job queue is unavailable; try again later.",
}
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
STATIC = {"dashboard.css": "text/css; charset=utf-8"}


def html(body: str, status: int = 200, cookies: list[Cookie] | None = None) -> Response[str]:
    return Response(body, status_code=status, media_type=MediaType.HTML, headers=HEADERS, cookies=cookies or [])


def redirect(location: str, cookies: list[Cookie] | None = None) -> Response[str]:
    return Response("", status_code=303, headers={**HEADERS, "Location": location}, cookies=cookies or [])


def _cookie(request: Request[Any, Any, Any], value: str, max_age: int) -> Cookie:
    return Cookie(
        key=session.COOKIE,
        value=value,
        path=BASE,
        max_age=max_age,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https" or _public(request).startswith("https://"),
    )


def error_page(request: Request[Any, Any, Any], exc: Exception) -> Response[str]:
    """LRS errors as an HTML page with their status (the API's JSON errors are not for people)."""
    status = exc.status if isinstance(exc, LRSError) else 500
    message = exc.message if isinstance(exc, LRSError) else "Something went wrong."
    body = f"<p class='error' role='alert'>{esc(message)}</p><p><a href='{url('/')}'>Back to the courses</a></p>"
    return html(page({403: "Not allowed", 404: "Not found"}.get(status, "Error"), body), status)


def _safe_back(value: str | None, fallback: str) -> str:
    """Only a dashboard path (no scheme, no host) is followed after an action."""
    if value and value.startswith(BASE + "/") and "//" not in value and "\\" not in value:
        return value
    return fallback


def _public(request: Request[Any, Any, Any]) -> str:
    settings: Settings = request.app.state.settings
    return settings.base_url


def _same_origin(request: Request[Any, Any, Any]) -> None:
    """Form POSTs must come from the dashboard's own pages: the Origin's host is the request's (as the browser
    sent it) or the public URL's (behind a proxy). Browsers send Origin on every POST; its absence is allowed."""
    origin = request.headers.get("origin")
    if origin is None:
        return
    host = urlsplit(origin).netloc
    if not host or host not in {request.headers.get("host"), urlsplit(_public(request)).netloc}:
        raise Forbidden("cross-origin form submissions are refused")


async def _signed_in(request: Request[Any, Any, Any], pool: asyncpg.Pool) -> session.Session | None:
    async with connection(pool) as conn:
        found = await session.verify(conn, request.cookies.get(session.COOKIE))
    if found is None or not grants(found.principal.scopes, Permission.ANALYTICS_READ):
        return None
    return found


async def _action(request: Request[Any, Any, Any], pool: asyncpg.Pool) -> tuple[session.Session, dict[str, str]]:
    """The session and form of a POST action; 403 without a valid session, CSRF token and same origin."""
    _same_origin(request)
    found = await _signed_in(request, pool)
    form = {k: str(v) for k, v in (await request.form()).items()}
    if found is None or not hmac.compare_digest(form.get("csrf", "").encode(), found.csrf.encode()):
        raise Forbidden("your session has ended or the form is stale; sign in again")
    return found, form


def _chrome(found: session.Session, title: str, body: str) -> str:
    admin = grants(found.principal.scopes, Permission.ADMIN)
    return page(title, body, store=found.principal.store_name, csrf=found.csrf, admin=admin)


class DashboardController(Controller):
    path = BASE
    include_in_schema = False
    exception_handlers = {LRSError: error_page}

    @get("/static/{name:str}", sync_to_thread=False)
    def static(self, name: Annotated[str, PathParameter(description="an asset's file name")]) -> Response[bytes]:
        if name not in STATIC:
            raise NotFound("no such file", path="name")
        data = resources.files("lrs.dashboard").joinpath("static", name).read_bytes()
        return Response(data, media_type=STATIC[name], headers={"Cache-Control": "max-age=3600"})

    @get("/login")
    async def login_form(self, request: Request[Any, Any, Any], pool: NamedDependency[asyncpg.Pool]) -> Response[str]:
        if await _signed_in(request, pool) is not None:
            return redirect(url("/"))
        return html(page("Sign in", pages.login()))

    @post("/login")
    async def login(self, request: Request[Any, Any, Any], pool: NamedDependency[asyncpg.Pool]) -> Response[str]:
        _same_origin(request)
        form = await request.form()
        key, secret = str(form.get("key") or "").strip(), str(form.get("secret") or "")
        authenticator: Authenticator = request.app.state.authenticator
        header = "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()
        try:
            principal = await authenticator.authenticate(header)
        except Unauthorized:
            return html(page("Sign in", pages.login("Unknown key, wrong secret, or a revoked credential.")), 401)
        if not grants(principal.scopes, Permission.ANALYTICS_READ):
            return html(page("Sign in", pages.login("This credential lacks the analytics scope.")), 403)
        async with connection(pool) as conn:
            token = await session.issue(conn, principal)
        return redirect(url("/"), [_cookie(request, token, session.LIFETIME_SECONDS)])

    @post("/logout")
    async def logout(self, request: Request[Any, Any, Any], pool: NamedDependency[asyncpg.Pool]) -> Response[str]:
        await _action(request, pool)
        return redirect(url("/login"), [_cookie(request, "", 0)])

    @get("/")
    async def courses(self, request: Request[Any, Any, Any], pool: NamedDependency[asyncpg.Pool]) -> Response[str]:
        found = await _signed_in(request, pool)
        if found is None:
            return redirect(url("/login"))
        after = decode_cursor(_query(request, "cursor"), str)
        async with connection(pool) as conn:
            rows = await reads.course_page(conn, found.principal.store_id, after[0] if after else None, PAGE_SIZE + 1)
            store_settings = await reads.store_settings(conn, found.principal.store_id)
        page_rows, more = rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
        # As the API's course list: learner counts come from each course's summary (computed now if never, and
        # refreshed in the background after answering when stale).
        refresh = await fill_summaries(pool, found.principal.store_id, page_rows, store_settings)
        next_cursor = encode_cursor(page_rows[-1].id) if more else None
        response = html(_chrome(found, "Courses", pages.courses(page_rows, next_cursor)))
        response.background = refresh
        return response

    @get("/course")
    async def course(self, request: Request[Any, Any, Any], pool: NamedDependency[asyncpg.Pool]) -> Response[str]:
        found = await _signed_in(request, pool)
        if found is None:
            return redirect(url("/login"))
        id, cursor, notice = _required(request, "id"), _query(request, "cursor"), _query(request, "notice")
        store_id = found.principal.store_id
        overview, refresh = await course_overview(pool, store_id, id)
        after = decode_cursor(cursor, float, str)
        async with connection(pool) as conn:
            rows = await at_risk_rows(conn, store_id, id, None, None, after=after, limit=PAGE_SIZE + 1)
        listed, more = rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
        next_cursor = encode_cursor(listed[-1].risk, listed[-1].learner) if more else None
        back = url("/course", id=id, cursor=cursor)
        body = pages.course(overview, listed, next_cursor, found.csrf, back)
        response = html(_chrome(found, overview.name or id, _notice(notice) + body))
        response.background = refresh
        return response

    @get("/learner")
    async def learner(self, request: Request[Any, Any, Any], pool: NamedDependency[asyncpg.Pool]) -> Response[str]:
        found = await _signed_in(request, pool)
        if found is None:
            return redirect(url("/login"))
        id, course, notice = _required(request, "id"), _query(request, "course"), _query(request, "notice")
        store_id = found.principal.store_id
        who = learner_id(id)
        async with connection(pool) as conn:
            courses = await reads.learner_courses(conn, store_id, who)
            if not courses or (course is not None and course not in courses):
                raise NotFound("no analytics about this learner in this course", path="id")
            course_id = course or courses[0]
            timeline = await course_timeline(conn, store_id, who, course_id)
            latest = await reads.insight(conn, store_id, timeline.risk[-1].insight_id) if timeline.risk else None
        overview, refresh = await course_overview(pool, store_id, course_id)
        average = pages.CourseAverage(
            events_per_learner={w.week: w.events / w.learners for w in overview.weeks if w.learners},
            mean_score=overview.scores.mean,
        )
        back = url("/learner", id=who, course=course_id)
        body = pages.learner(who, timeline, average, latest, found.csrf, back)
        response = html(_chrome(found, f"Learner {who}", _notice(notice) + body))
        response.background = refresh
        return response

    @post("/interventions")
    async def record_intervention(
        self, request: Request[Any, Any, Any], pool: NamedDependency[asyncpg.Pool]
    ) -> Response[str]:
        found, form = await _action(request, pool)
        principal = found.principal
        if not grants(principal.scopes, Permission.ANALYTICS_WRITE):
            raise Forbidden("this credential may not record interventions")
        course_id, who = form.get("course", ""), learner_id(form.get("learner", ""))
        kind = form.get("kind", "").strip()
        if not KIND.fullmatch(kind):
            raise ValidationError("choose a kind of intervention from the list", path="kind")
        note = form.get("note", "").strip()[:MAX_NOTE]
        insight_text = form.get("insight_id", "")
        insight_id = int(insight_text) if insight_text.isdigit() else None

        async def save(conn: asyncpg.Connection) -> None:
            await known_course(conn, principal.store_id, course_id)
            if not await reads.learner_in_course(conn, principal.store_id, who, course_id):
                raise NotFound("this learner has no activity in this course", path="learner")
            linked = insight_id
            if linked is not None:
                insight = await reads.insight(conn, principal.store_id, linked)
                if insight is None or insight.course != course_id or insight.learner != who:
                    linked = None
            details: dict[str, Any] = {"recorded_by": principal.authority_ifi, "via": "dashboard"}
            if note:
                details["note"] = note
            await actions.add_intervention(
                conn,
                principal.store_id,
                course_id=course_id,
                learner=who,
                kind=kind,
                source="instructor",
                insight_id=linked,
                details=details,
            )

        await in_transaction(pool, save)
        back = _safe_back(form.get("back"), url("/learner", id=who, course=course_id))
        return redirect(_with_notice(back, "intervention"))

    @post("/feedback")
    async def feedback(self, request: Request[Any, Any, Any], pool: NamedDependency[asyncpg.Pool]) -> Response[str]:
        found, form = await _action(request, pool)
        principal = found.principal
        if not grants(principal.scopes, Permission.ANALYTICS_WRITE):
            raise Forbidden("this credential may not give feedback")
        try:
            kind = FeedbackKind(form.get("kind", ""))
        except ValueError:
            raise ValidationError("unknown kind of feedback", path="kind") from None
        insight_text = form.get("insight_id", "")
        if not insight_text.isdigit():
            raise ValidationError("insight_id must be a number", path="insight_id")
        async with connection(pool) as conn:
            added = await actions.add_feedback(
                conn, principal.store_id, int(insight_text), kind.value, "", principal.authority_ifi
            )
        if added is None:
            raise NotFound("this store has no such insight", path="insight_id")
        return redirect(_with_notice(_safe_back(form.get("back"), url("/")), "feedback"))

    @get("/models")
    async def models(self, request: Request[Any, Any, Any], pool: NamedDependency[asyncpg.Pool]) -> Response[str]:
        found = await _signed_in(request, pool)
        if found is None:
            return redirect(url("/login"))
        store_id = found.principal.store_id
        cards: dict[str, list[str]] = {}
        async with connection(pool) as conn:
            rows = await reads.models_page(conn, store_id, after=None, cut_key=None, active=None, limit=PAGE_SIZE)
            for model in sorted(rows, key=lambda m: (not m.active, -m.id)):
                found_importances, _ = await importances(conn, store_id, model)
                card = pages.model_card(model, quality_of(model), found_importances)
                cards.setdefault(model.cut_key, []).append(card)
        body = pages.models(cards, found.csrf, NOTICES.get(_query(request, "notice") or ""))
        return html(_chrome(found, "Models", body))

    @post("/models/train")
    async def train(self, request: Request[Any, Any, Any], pool: NamedDependency[asyncpg.Pool]) -> Response[str]:
        found, _ = await _action(request, pool)
        principal = found.principal
        if not grants(principal.scopes, Permission.ANALYTICS_WRITE):
            raise Forbidden("this credential may not train models")
        params = {"trigger": "dashboard", "requested_by": principal.authority_ifi}
        try:
            await start_job(request, pool, principal.store_id, TRAIN_MODELS_JOB, params)
        except ServiceUnavailable:
            return redirect(url("/models", notice="queue"))
        return redirect(url("/models", notice="training"))

    @get("/store")
    async def store(self, request: Request[Any, Any, Any], pool: NamedDependency[asyncpg.Pool]) -> Response[str]:
        found = await _signed_in(request, pool)
        if found is None:
            return redirect(url("/login"))
        if not grants(found.principal.scopes, Permission.ADMIN):
            raise Forbidden("the store page needs a credential with the admin scope")
        store_id = found.principal.store_id
        async with connection(pool) as conn:
            volume = await store_stats.volume(conn, store_id, STORE_DAYS)
            verbs = await store_stats.top_verbs(conn, store_id, STORE_DAYS)
            activities = await store_stats.top_activities(conn, store_id, STORE_DAYS)
            credentials = await stores.list_credentials(conn, store_id)
        body = pages.store(found.principal.store_name, volume, verbs, activities, credentials, STORE_DAYS)
        return html(_chrome(found, "Store", body))


def _query(request: Request[Any, Any, Any], name: str) -> str | None:
    value = request.query_params.get(name)
    return value if isinstance(value, str) and value else None


def _required(request: Request[Any, Any, Any], name: str) -> str:
    value = _query(request, name)
    if value is None:
        raise ValidationError(f"the {name} parameter is required", path=name)
    return value


def _notice(code: str | None) -> str:
    return notice(NOTICES.get(code or ""))


def _with_notice(location: str, code: str) -> str:
    base, _, query = location.partition("?")
    kept = "&".join(p for p in query.split("&") if p and not p.startswith("notice="))
    return f"{base}?{kept + '&' if kept else ''}notice={code}"


ROUTES: list[Any] = [DashboardController]
