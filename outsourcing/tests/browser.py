"""Headless Chromium through Playwright, for the tests marked `browser`.

The `browser` fixture (conftest.py) launches it against the system Chromium; these
helpers open a page and sign in through the login form, as a person would.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from outsourcing.tests.factories import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def new_page(browser: Any) -> Any:
    """A page in a fresh context (its own cookies), laptop-sized."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(15_000)
    return page


def log_in(page: Any, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
