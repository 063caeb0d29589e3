"""Settings come from the environment, with embedded defaults for a laptop."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
VARIABLES = (
    "DJANGO_DEBUG",
    "DJANGO_SECRET_KEY",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "EMAIL_URL",
    "REDIS_URL",
    "TIME_ZONE",
    "DJANGO_ALLOWED_HOSTS",
    "SITE_URL",
    "HOST",
    "PORT",
    "VAR_DIR",
)


def load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    """Import the settings in a fresh interpreter with only the given variables set."""
    clean = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    clean.update(env, DJANGO_SETTINGS_MODULE="outsourcing.settings")
    script = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'], "
        "'name': str(settings.DATABASES['default']['NAME']), "
        "'broker': settings.CELERY_BROKER_URL, 'email': settings.EMAIL_BACKEND, "
        "'tz': settings.TIME_ZONE, 'use_tz': settings.USE_TZ, 'debug': settings.DEBUG, "
        "'hosts': settings.ALLOWED_HOSTS, 'cache': settings.CACHES['default']['BACKEND'], "
        "'sessions': settings.SESSION_ENGINE, 'site_url': settings.SITE_URL}))"
    )
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off() -> None:
    result = load_settings(DJANGO_DEBUG="0")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_it_runs_on_embedded_defaults_in_development() -> None:
    result = load_settings(DJANGO_DEBUG="1")

    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded["engine"] == "django.db.backends.sqlite3"
    assert loaded["name"] == str(BASE_DIR / "var" / "db.sqlite3")
    assert loaded["broker"] == "filesystem://"
    assert loaded["email"] == "django.core.mail.backends.console.EmailBackend"
    assert loaded["tz"] == "UTC"
    assert loaded["use_tz"] is True
    assert loaded["cache"].endswith("LocMemCache")
    # A cache inside each process cannot hold sessions: signing out would not reach the
    # other web workers.
    assert loaded["sessions"] == "django.contrib.sessions.backends.db"
    assert loaded["site_url"] == "http://127.0.0.1:8000"


def test_it_takes_production_services_from_the_environment() -> None:
    result = load_settings(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="a-test-secret-key-that-is-long-enough-for-the-test-only-0123456789",
        DATABASE_URL="postgres://app:pw@db.internal:5432/outsourcing",
        CELERY_BROKER_URL="redis://cache.internal:6379/1",
        REDIS_URL="redis://cache.internal:6379/0",
        EMAIL_URL="smtp://mail.internal:25",
        TIME_ZONE="Europe/Berlin",
        DJANGO_ALLOWED_HOSTS="outsourcing.example.com",
    )

    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded["engine"] == "django.db.backends.postgresql"
    assert loaded["name"] == "outsourcing"
    assert loaded["broker"] == "redis://cache.internal:6379/1"
    assert loaded["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert loaded["tz"] == "Europe/Berlin"
    assert loaded["debug"] is False
    assert loaded["hosts"] == ["outsourcing.example.com"]
    assert loaded["cache"].endswith("RedisCache")
    assert loaded["sessions"] == "django.contrib.sessions.backends.db"


def test_links_follow_the_address_make_run_serves_on_when_site_url_is_not_set() -> None:
    result = load_settings(DJANGO_DEBUG="1", HOST="localhost", PORT="8101")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["site_url"] == (
        "http://localhost:8101"
    )


def test_an_explicit_site_url_wins_over_host_and_port() -> None:
    result = load_settings(
        DJANGO_DEBUG="1", HOST="localhost", PORT="8101", SITE_URL="https://outsourcing.example.com/"
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["site_url"] == (
        "https://outsourcing.example.com"
    )


def test_var_dir_holds_the_embedded_defaults_files(tmp_path: Path) -> None:
    result = load_settings(DJANGO_DEBUG="1", VAR_DIR=str(tmp_path))

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["name"] == str(
        tmp_path / "db.sqlite3"
    )
    # Celery's queue and its exchange tables ("control", Kombu's default in the working
    # directory) alike.
    assert sorted(path.name for path in (tmp_path / "celery").iterdir()) == [
        "control",
        "processed",
        "queue",
    ]
