"""Deployment settings, browser protections and login throttling."""

import os
import re
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from outsourcing.tests.factories import PASSWORD, UserFactory

BASE_DIR = Path(settings.BASE_DIR)
LOGIN_URL = "/accounts/login/"
CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'self'",
    "object-src": "'none'",
}


def directives(header: str) -> dict[str, str]:
    """The policy's directives and their sources (their order in the header does not matter)."""
    parts = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {name: sources for name, sources in parts}


def run_in_production(*command: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run a Python command in a fresh interpreter with DEBUG off and only the given variables."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="example.com",
        DJANGO_SETTINGS_MODULE="outsourcing.settings",
        **env,
    )
    return subprocess.run(
        [sys.executable, *command],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_deployment_check_passes_in_production_configuration() -> None:
    result = run_in_production("manage.py", "check", "--deploy")

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_takes_the_proxy_header_and_overrides_from_the_environment() -> None:
    result = run_in_production(
        "-c",
        "import django; from django.conf import settings; django.setup(); "
        "print(settings.SECURE_PROXY_SSL_HEADER, settings.SECURE_SSL_REDIRECT, "
        "settings.SECURE_HSTS_SECONDS, settings.SESSION_COOKIE_SECURE, "
        "settings.SESSION_COOKIE_AGE)",
        DJANGO_SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https",
        DJANGO_SECURE_HSTS_SECONDS="3600",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        "('HTTP_X_FORWARDED_PROTO', 'https') True 3600 True 28800"
    )


def test_development_settings_do_not_redirect_to_https() -> None:
    # The test run takes DEBUG=1 from .env: the secure defaults stay off, so the
    # test client and runserver speak plain HTTP.
    assert settings.SECURE_SSL_REDIRECT is False
    assert settings.SESSION_COOKIE_SECURE is False


@pytest.mark.django_db
def test_pages_carry_the_content_security_policy_and_browser_protections(client: Client) -> None:
    response = client.get(LOGIN_URL)

    assert response.status_code == 200
    assert directives(response["Content-Security-Policy"]) == CSP
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert 'name="htmx-config"' in response.content.decode()


@pytest.mark.django_db
def test_signed_in_pages_carry_the_policy_too(client: Client, manager: Any) -> None:
    client.force_login(manager)

    response = client.get("/dashboard/")

    assert response.status_code == 200
    assert directives(response["Content-Security-Policy"]) == CSP


# What the Content-Security-Policy would block in a page: an inline <script> (one
# without src), an on…= event handler, a style="" attribute, a <style> block.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE)
STYLE_BLOCK = re.compile(r"<style[\s>]", re.IGNORECASE)


def page_templates() -> list[Path]:
    """Every template a browser renders; emails are read by mail clients, not under the CSP."""
    root = BASE_DIR / "templates"
    return [path for path in root.rglob("*.html") if "emails" not in path.relative_to(root).parts]


def test_no_template_has_what_the_content_security_policy_blocks() -> None:
    offences = []
    for path in page_templates():
        # Django comments may mention the forbidden things; drop them first.
        text = re.sub(r"{#.*?#}", "", path.read_text(), flags=re.DOTALL)
        text = re.sub(r"{% comment %}.*?{% endcomment %}", "", text, flags=re.DOTALL)
        for name, pattern in (
            ("inline script", INLINE_SCRIPT),
            ("event handler", EVENT_HANDLER),
            ("style attribute", STYLE_ATTRIBUTE),
            ("style block", STYLE_BLOCK),
        ):
            offences += [f"{path.relative_to(BASE_DIR)}: {name}" for _ in pattern.findall(text)]

    assert len(page_templates()) > 20
    assert offences == []


def test_no_python_code_writes_style_attributes_or_handlers() -> None:
    """Widgets and charts build HTML in Python: they may use SVG presentation attributes
    (fill=, stroke=) but no style= attribute, <style> block or event handler either."""
    offences = []
    for app in ("engagements", "vendors", "outsourcing"):
        for path in (BASE_DIR / app).rglob("*.py"):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            text = path.read_text()
            if re.search(
                r"""["']style["']\s*:|\sstyle=|<style|\son(click|change|submit|load)=""", text
            ):
                offences.append(str(path.relative_to(BASE_DIR)))

    assert offences == []


def attempt_login(client: Client, password: str) -> Any:
    return client.post(LOGIN_URL, {"username": "maria", "password": password})


@pytest.mark.django_db
def test_six_failed_logins_lock_the_account_until_the_cool_off_passes(client: Client) -> None:
    UserFactory(username="maria")
    assert settings.AXES_FAILURE_LIMIT == 6
    start = timezone.now()

    with time_machine.travel(start, tick=False):
        for _ in range(5):
            response = attempt_login(client, "wrong-password")
            assert response.status_code == 200
            assert "Sign-in locked" not in response.content.decode()
        sixth = attempt_login(client, "wrong-password")
        seventh = attempt_login(client, PASSWORD)

    assert sixth.status_code == 429
    assert seventh.status_code == 429
    page = seventh.content.decode()
    assert "Sign-in locked" in page
    assert "after 6 wrong passwords, signing in is locked for 15 minutes" in page
    assert "_auth_user_id" not in client.session

    # The cool-off counts from the last attempt: trying while locked starts it again.
    last_try = start + timedelta(minutes=14)
    with time_machine.travel(last_try, tick=False):
        assert attempt_login(client, PASSWORD).status_code == 429

    after_cool_off = last_try + settings.AXES_COOLOFF_TIME + timedelta(seconds=1)
    with time_machine.travel(after_cool_off, tick=False):
        response = attempt_login(client, PASSWORD)

    assert response.status_code == 302
    assert "_auth_user_id" in client.session


@pytest.mark.django_db
def test_a_lock_is_per_username_and_address(client: Client) -> None:
    """Another address may still sign in as the locked username: a stranger's guesses
    do not lock the real person out from their own machine."""
    UserFactory(username="maria")
    for _ in range(6):
        attempt_login(client, "wrong-password")

    elsewhere = Client(REMOTE_ADDR="10.0.0.7")
    response = elsewhere.post(LOGIN_URL, {"username": "maria", "password": PASSWORD})

    assert response.status_code == 302


@pytest.mark.django_db
def test_a_session_outlives_the_cache_and_ends_everywhere_on_sign_out(
    client: Client, manager: Any
) -> None:
    """With Redis, sessions are read from the cache and written through to the database:
    emptying the cache (a restart of Redis) signs nobody out, and signing out ends the
    session in both, so the old cookie opens nothing. Without it, the database alone."""
    from django.core.cache import cache
    from django.shortcuts import resolve_url
    from django.urls import reverse

    dashboard = reverse("engagements:dashboard")
    client.force_login(manager)
    cookie = client.cookies["sessionid"].value
    cache.clear()
    assert client.get(dashboard).status_code == 200

    client.post(reverse("logout"))
    stolen = Client()
    stolen.cookies["sessionid"] = cookie
    response = stolen.get(dashboard)
    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))


@pytest.mark.django_db
def test_signed_in_pages_are_kept_by_no_browser_or_proxy(client: Any) -> None:
    from django.contrib.auth.models import Group

    viewer = UserFactory()
    viewer.groups.add(Group.objects.get_or_create(name="Viewer")[0])
    client.force_login(viewer)

    dashboard = client.get(reverse("engagements:dashboard"))
    vendors = client.get(reverse("vendors:vendor_list"))

    for response in (dashboard, vendors):
        assert "private" in response["Cache-Control"]
        assert "no-store" in response["Cache-Control"]


def test_the_anonymous_health_check_is_not_marked_private(client: Any) -> None:
    response = client.get("/health/")

    assert "private" not in response.get("Cache-Control", "")


def test_a_kept_database_connection_is_checked_before_use(settings: Any) -> None:
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
