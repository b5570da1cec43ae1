"""The dashboard in headless Chromium against a real server: sign in, open a simulated course, see the at-risk
list, open a learner, record an intervention and see it appear; keyboard and narrow-screen checks. Every page
visited is saved as a screenshot in artifacts/screenshots/."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import asyncpg
import httpx
import pytest

from tests.conftest import StoreContext
from tests.insights_cohort import Cohort, seeded_store


@pytest.fixture(scope="module")
async def seeded(pool: asyncpg.Pool) -> tuple[StoreContext, Cohort]:
    return await seeded_store(pool)


async def _shot(page: Any, folder: Path, name: str) -> None:
    await page.screenshot(path=str(folder / f"dashboard-{name}.png"), full_page=True)


async def test_an_instructor_acts_on_an_at_risk_learner(
    browser: Any, live_url: str, seeded: tuple[StoreContext, Cohort], screenshots: Path
) -> None:
    store, cohort = seeded
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    try:
        await page.goto(f"{live_url}/dashboard/")
        assert page.url.endswith("/dashboard/login")
        await _shot(page, screenshots, "login")
        await page.fill("#key", store.credential.key)
        await page.fill("#secret", store.credential.secret)
        await page.click("button[type=submit]")
        await page.wait_for_url(f"{live_url}/dashboard/")
        assert store.credential.secret not in page.url
        stored = await page.evaluate("JSON.stringify(localStorage) + JSON.stringify(sessionStorage)")
        assert store.credential.secret not in stored
        cookies = await context.cookies()
        assert [(c["name"], c["httpOnly"], c["sameSite"]) for c in cookies] == [("lrs_dashboard", True, "Strict")]
        assert all(store.credential.secret not in c["value"] for c in cookies)
        await _shot(page, screenshots, "courses")

        await page.click(f"text={cohort.offerings[-1].title}")
        await page.wait_for_selector("#at-risk")
        rows = page.locator("section[aria-labelledby=at-risk] tbody tr")
        assert await rows.count() > 0
        await _shot(page, screenshots, "course")

        first = rows.first.locator("td a").first
        learner = await first.inner_text()
        await first.click()
        await page.wait_for_selector("#steps")
        assert learner in await page.inner_text("h1")
        await _shot(page, screenshots, "learner")

        note = "Phoned about the missed quiz"
        form = page.locator("section[aria-labelledby=interventions] form.inline")
        await form.locator("select[name=kind]").select_option("tutoring")
        await form.locator("input[name=note]").fill(note)
        await form.locator("button[type=submit]").click()
        await page.wait_for_selector(".notice")
        assert "Intervention recorded." in await page.inner_text(".notice")
        history = page.locator("section[aria-labelledby=interventions] tbody tr").first
        cells = await history.locator("td").all_inner_texts()
        assert cells[1:4] == ["tutoring", "instructor", note]
        await _shot(page, screenshots, "learner-after-intervention")

        await page.click("nav >> text=Models")
        await page.wait_for_selector("article.model")
        await _shot(page, screenshots, "models")
        for n in range(3):
            statement = {
                "actor": {"mbox": f"mailto:reader{n}@example.org"},
                "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
                "object": {"id": f"https://lms.example.org/page/{n % 2}"},
            }
            async with httpx.AsyncClient(base_url=live_url) as http:
                stored = await http.post("/xapi/statements", json=statement, headers=store.headers())
                assert stored.status_code == 200
        await page.click("nav >> text=Store")
        await page.wait_for_selector("#creds")
        assert "https://lms.example.org/page/0" in await page.inner_text("section[aria-labelledby=top]")
        await _shot(page, screenshots, "store")
    finally:
        await context.close()


async def test_keyboard_and_narrow_screen(
    browser: Any, live_url: str, seeded: tuple[StoreContext, Cohort], screenshots: Path
) -> None:
    store, cohort = seeded
    context = await browser.new_context(viewport={"width": 375, "height": 740})
    page = await context.new_page()
    try:
        await page.goto(f"{live_url}/dashboard/login")
        await page.keyboard.press("Tab")
        assert await page.evaluate("document.activeElement.className") == "skip"
        await page.keyboard.press("Tab")
        await page.keyboard.type(store.credential.key)
        await page.keyboard.press("Tab")
        await page.keyboard.type(store.credential.secret)
        await page.keyboard.press("Enter")
        await page.wait_for_url(f"{live_url}/dashboard/")
        await page.goto(f"{live_url}/dashboard/course?{urlencode({'id': cohort.running})}")
        await page.wait_for_selector("#at-risk")
        overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"the course page is {overflow}px wider than a 375px screen"
        await _shot(page, screenshots, "course-narrow")
    finally:
        await context.close()
