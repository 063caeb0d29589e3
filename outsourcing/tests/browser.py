"""Headless Chromium through Playwright, for the tests marked `browser`.

The `browser` fixture (conftest.py) launches it against the system Chromium; these
helpers open a page and sign in through the login form, as a person would.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from outsourcing.tests.factories import PASSWORD

# Every request the browser made and every response it got (pages opened with `sign_in`),
# to prove the app asks no other host for anything and every page and asset is there.
REQUESTS: list[str] = []
RESPONSES: list[tuple[str, int]] = []

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


LAPTOP = (1280, 900)
PHONE = (390, 844)


def new_page(browser: Any, size: tuple[int, int] = LAPTOP) -> Any:
    """A page in a fresh context (its own cookies), laptop-sized unless told (PHONE)."""
    width, height = size
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    page.set_default_timeout(15_000)
    return page


def log_in(page: Any, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def sign_in(browser: Any, base_url: str, username: str, size: tuple[int, int] = LAPTOP) -> Any:
    """A new page signed in as `username`, its requests and responses recorded."""
    page = new_page(browser, size)
    page.on("response", lambda response: RESPONSES.append((response.url, response.status)))
    page.on("request", lambda request: REQUESTS.append(request.url))
    log_in(page, base_url, username)
    return page
