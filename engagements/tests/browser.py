"""Headless Chromium through Playwright, for the tests marked `browser`.

A module takes the browser as it takes its world (engagements.tests.worlds):

    browser = browser_fixture()

Without Chromium (/usr/bin/chromium) those tests skip, unless REQUIRE_SERVICES=1 says
they must run. `sign_in` opens a page signed in as a user, recording every request and
response in REQUESTS and RESPONSES.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections

from conftest import require_service
from outsourcing.tests.factories import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Every request the browser made and every response it got, to prove the app asks no
# other host for anything and every page and asset it asks for is there.
REQUESTS: list[str] = []
RESPONSES: list[tuple[str, int]] = []


def browser_fixture() -> Any:
    """A `browser` fixture: headless Chromium, launched afresh for each test."""

    @pytest.fixture(name="browser")
    def launch(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
        require_service(f"Chromium ({CHROMIUM})", CHROMIUM.exists())
        # Playwright's sync API runs an event loop in this thread; the test still talks to
        # the database directly to set up and check, which Django otherwise refuses.
        monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield browser
            browser.close()
            # Queries made while Playwright's loop runs open their own connection; close
            # it, or PostgreSQL refuses to drop the test database at the end of the run.
            connections.close_all()

    return launch


def sign_in(browser: Any, base_url: str, username: str) -> Any:
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.on("response", lambda response: RESPONSES.append((response.url, response.status)))
    page.on("request", lambda request: REQUESTS.append(request.url))
    page.set_default_timeout(15_000)
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page
