"""The dashboard over HTTP on a simulated cohort: sign-in and sessions, every page, the actions, escaping."""

from __future__ import annotations

import re
import uuid
from html import unescape
from typing import Any
from urllib.parse import quote, unquote_plus, urlencode

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from lrs.dashboard import session
from lrs.security.credentials import issue_credential
from tests.conftest import BASE_URL, StoreContext
from tests.insights_cohort import Cohort, seeded_store

Client = AsyncTestClient[Any]


@pytest.fixture(scope="module")
async def seeded(pool: asyncpg.Pool) -> tuple[StoreContext, Cohort]:
    return await seeded_store(pool)


@pytest.fixture
async def web(client: Client) -> Any:
    """The shared client without cookies before and after (the session cookie must not leak between tests)."""
    client.cookies.clear()
    yield client
    client.cookies.clear()


async def sign_in(client: Client, key: str, secret: str) -> Any:
    return await client.post(
        "/dashboard/login", data={"key": key, "secret": secret}, headers={"Origin": BASE_URL}, follow_redirects=False
    )


def csrf_of(page: str) -> str:
    found = re.search(r"name='csrf' value='([^']+)'", page)
    assert found is not None, "no CSRF token on the page"
    return found.group(1)


def at_risk_learners(page: str) -> list[str]:
    section = page.split("id='at-risk'", 1)[1]
    return [unquote_plus(unescape(m)) for m in re.findall(r"href='/dashboard/learner\?id=([^&']+)", section)]


async def test_pages_need_a_session_and_login_refuses_bad_credentials(
    web: Client, seeded: tuple[StoreContext, Cohort], pool: asyncpg.Pool
) -> None:
    store, cohort = seeded
    for path in ("/dashboard/", f"/dashboard/course?id={quote(cohort.running)}", "/dashboard/models"):
        response = await web.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/dashboard/login"
    login = await web.get("/dashboard/login")
    assert login.status_code == 200 and "type='password'" in login.text
    assert "script" not in login.text.lower() and "https://" not in login.text.split("<body>")[1]
    wrong = await sign_in(web, store.credential.key, "not-the-secret")
    assert wrong.status_code == 401 and "set-cookie" not in wrong.headers
    async with pool.acquire() as conn:
        reader = await issue_credential(conn, store_id=store.id, base_url=BASE_URL, scopes=("statements/read",))
    refused = await sign_in(web, reader.key, reader.secret)
    assert refused.status_code == 403 and "analytics scope" in refused.text
    foreign = await web.post(
        "/dashboard/login",
        data={"key": store.credential.key, "secret": store.credential.secret},
        headers={"Origin": "https://evil.example"},
    )
    assert foreign.status_code == 403 and "set-cookie" not in foreign.headers


async def test_session_cookie_is_httponly_strict_and_holds_no_secret(
    web: Client, seeded: tuple[StoreContext, Cohort], pool: asyncpg.Pool
) -> None:
    store, _ = seeded
    response = await sign_in(web, store.credential.key, store.credential.secret)
    assert response.status_code == 303 and response.headers["location"] == "/dashboard/"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{session.COOKIE}=") and "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
    assert "Path=/dashboard" in cookie
    assert store.credential.secret not in cookie
    token = web.cookies[session.COOKIE]
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    async with pool.acquire() as conn:
        assert await session.verify(conn, token) is not None
        assert await session.verify(conn, tampered) is None
        assert await session.verify(conn, token, now=10**12) is None  # expired
    home = await web.get("/dashboard/")
    assert home.status_code == 200 and "Sign out" in home.text
    assert "default-src 'none'" in home.headers["content-security-policy"]
    logout_without_token = await web.post("/dashboard/logout", data={}, follow_redirects=False)
    assert logout_without_token.status_code == 403
    logout = await web.post("/dashboard/logout", data={"csrf": csrf_of(home.text)}, follow_redirects=False)
    assert logout.status_code == 303 and "Max-Age=0" in logout.headers["set-cookie"]
    assert (await web.get("/dashboard/", follow_redirects=False)).status_code == 303


async def test_revoking_the_credential_ends_its_sessions(web: Client, pool: asyncpg.Pool) -> None:
    store, _ = await seeded_store_light(pool)
    async with pool.acquire() as conn:
        own = await issue_credential(conn, store_id=store.id, base_url=BASE_URL, scopes=("analytics",))
    assert (await sign_in(web, own.key, own.secret)).status_code == 303
    assert (await web.get("/dashboard/", follow_redirects=False)).status_code == 200
    revoked = await web.delete(f"/admin/stores/{store.name}/credentials/{own.key}", headers=store.headers())
    assert revoked.status_code == 204
    assert (await web.get("/dashboard/", follow_redirects=False)).status_code == 303


async def seeded_store_light(pool: asyncpg.Pool) -> tuple[StoreContext, None]:
    from tests.conftest import make_store

    return await make_store(pool), None


async def test_course_page_shows_overview_charts_and_the_at_risk_list(
    web: Client, seeded: tuple[StoreContext, Cohort]
) -> None:
    store, cohort = seeded
    await sign_in(web, store.credential.key, store.credential.secret)
    home = await web.get("/dashboard/")
    assert f"href='/dashboard/course?{urlencode({'id': cohort.running})}'" in unescape(home.text).replace('"', "'")
    learners = len({e.learner for e in cohort.course_events(cohort.running)})
    assert f"<td data-label='Learners'>{learners:,}</td>" in home.text
    page = await web.get("/dashboard/course", params={"id": cohort.running})
    assert page.status_code == 200
    text = page.text
    for heading in ("Weekly activity", "Score distribution", "Content completion by type", "Drop-off points"):
        assert heading in text
    assert text.count("<svg") >= 3
    current = cohort.current(cohort.running)
    flagged = sorted(
        (s for s in current.values() if s.insight.level in ("moderate", "high")),
        key=lambda s: (-s.insight.probability, s.insight.learner),
    )
    assert flagged, "the simulated course should have learners at risk"
    assert at_risk_learners(text) == [s.insight.learner for s in flagged[:50]]
    top = flagged[0].insight
    assert f"{top.probability * 100:.0f} %" in text
    for advice in top.interventions:
        assert unescape(advice.title) in unescape(text)
        assert f"<option value='{advice.code}'>" in text  # offered first when recording what was done
    assert "Incorrectly flagged" in text and "name='kind'" in text


async def test_recording_an_intervention_and_feedback_from_the_pages(
    web: Client, seeded: tuple[StoreContext, Cohort]
) -> None:
    store, cohort = seeded
    await sign_in(web, store.credential.key, store.credential.secret)
    course_page = await web.get("/dashboard/course", params={"id": cohort.running})
    learner = at_risk_learners(course_page.text)[0]
    page = await web.get("/dashboard/learner", params={"id": learner, "course": cohort.running})
    assert page.status_code == 200
    for heading in ("Recommended next steps", "Risk history", "course average", "Interventions"):
        assert heading in page.text
    token = csrf_of(page.text)
    note = f"called them <b>{uuid.uuid4().hex[:6]}</b>"
    form = {"course": cohort.running, "learner": learner, "kind": "meeting", "note": note, "insight_id": ""}
    forged = await web.post("/dashboard/interventions", data={**form, "csrf": "nope"}, follow_redirects=False)
    assert forged.status_code == 403
    back = f"/dashboard/learner?{urlencode({'id': learner, 'course': cohort.running})}"
    done = await web.post(
        "/dashboard/interventions", data={**form, "csrf": token, "back": back}, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"].endswith("notice=intervention")
    after = await web.get(done.headers["location"])
    assert "Intervention recorded." in after.text
    assert "called them &lt;b&gt;" in after.text and note not in after.text
    listed = await web.get(
        "/analytics/interventions", params={"learner": learner, "source": "instructor"}, headers=store.headers()
    )
    assert [(i["kind"], i["details"]["note"]) for i in listed.json()["items"]] == [("meeting", note)]
    elsewhere = await web.post(
        "/dashboard/interventions", data={**form, "csrf": token, "back": "https://evil.example/x"}
    )
    assert elsewhere.url.host == "lrs.test"

    insight_id = int(re.findall(r"name='insight_id' value='(\d+)'", after.text)[-1])
    judged = await web.post(
        "/dashboard/feedback",
        data={"csrf": token, "insight_id": str(insight_id), "kind": "incorrectly_flagged", "back": back},
        follow_redirects=False,
    )
    assert judged.status_code == 303
    feedback = await web.get("/analytics/feedback", params={"insight": insight_id}, headers=store.headers())
    assert [f["kind"] for f in feedback.json()["items"]] == ["incorrectly_flagged"]


async def test_names_and_ids_are_escaped(web: Client, seeded: tuple[StoreContext, Cohort]) -> None:
    store, cohort = seeded
    course = cohort.ended[0]
    hostile = "<script>alert('x')</script>"
    response = await web.put(
        f"/analytics/courses/{quote(course, safe='')}", json={"name": hostile}, headers=store.headers()
    )
    assert response.status_code == 200
    await sign_in(web, store.credential.key, store.credential.secret)
    for path in ("/dashboard/", f"/dashboard/course?{urlencode({'id': course})}"):
        text = (await web.get(path)).text
        assert hostile not in text and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in text
    missing = await web.get("/dashboard/course", params={"id": "<b>nope</b>"})
    assert missing.status_code == 404 and "<b>nope</b>" not in missing.text


async def test_models_and_store_pages(web: Client, seeded: tuple[StoreContext, Cohort], pool: asyncpg.Pool) -> None:
    store, cohort = seeded
    statement = {
        "actor": {"mbox": "mailto:someone@example.org"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
        "object": {"id": "https://lms.example.org/page/1"},
    }
    assert (await web.post("/xapi/statements", json=statement, headers=store.headers())).status_code == 200
    await sign_in(web, store.credential.key, store.credential.secret)
    models = await web.get("/dashboard/models")
    assert models.status_code == 200
    for cut, model_id in cohort.model_ids.items():
        assert f"Cut point {cut}" in models.text and f"Model {model_id}:" in models.text
    assert "Calibration of model" in models.text and "quality gate" in models.text
    splits = re.search(r"Repeated splits \(mean of \d+\)</td><td[^>]*>([^<]+)</td>", models.text)
    assert splits is not None and 0.0 <= float(splits.group(1)) <= 1.0  # the splits' mean ROC AUC
    assert "Retrain models" in models.text
    train = await web.post("/dashboard/models/train", data={"csrf": csrf_of(models.text)}, follow_redirects=False)
    assert train.status_code == 303 and "notice=" in train.headers["location"]
    admin_page = await web.get("/dashboard/store")
    assert admin_page.status_code == 200
    for expected in (
        "http://adlnet.gov/expapi/verbs/experienced",
        "https://lms.example.org/page/1",
        store.credential.key,
    ):
        assert expected in admin_page.text
    assert store.credential.secret not in admin_page.text

    async with pool.acquire() as conn:
        teacher = await issue_credential(conn, store_id=store.id, base_url=BASE_URL, scopes=("analytics",))
    web.cookies.clear()
    await sign_in(web, teacher.key, teacher.secret)
    assert (await web.get("/dashboard/store")).status_code == 403
    assert "href='/dashboard/store'" not in (await web.get("/dashboard/")).text


async def test_static_assets_ship_in_the_package(web: Client) -> None:
    css = await web.get("/dashboard/static/dashboard.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css") and "main" in css.text
    assert (await web.get("/dashboard/static/../app.py")).status_code == 404
