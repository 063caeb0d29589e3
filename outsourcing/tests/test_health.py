import time

import pytest
from django.conf import LazySettings
from django.test import Client

from outsourcing.celery import app
from outsourcing.tests.outages import database_unreachable, unreachable_redis_cache
from outsourcing.tests.ports import free_port


@pytest.mark.django_db
def test_health_check_answers_without_login(client: Client, settings: LazySettings) -> None:
    response = client.get("/health/")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] == "ok"
    assert response.json()["down"] == []


@pytest.mark.django_db
def test_health_names_the_embedded_cache_and_broker(
    client: Client, settings: LazySettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    monkeypatch.setenv("CELERY_BROKER_URL", "filesystem://")
    monkeypatch.setitem(app.conf.broker_transport_options, "data_folder_in", str(settings.BASE_DIR))

    response = client.get("/health/?strict=1")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "cache": "local memory",
        "broker": "filesystem",
        "down": [],
    }


@pytest.mark.django_db
def test_home_sends_anonymous_people_to_the_login_page(client: Client) -> None:
    response = client.get("/")

    assert response.status_code == 302
    assert "/login/" in response["Location"]


@pytest.mark.django_db
def test_admin_login_page_is_reachable(client: Client) -> None:
    assert client.get("/admin/login/").status_code == 200


@pytest.mark.django_db
def test_a_person_signs_in_on_the_styled_login_page(client: Client) -> None:
    from django.contrib.auth.models import User

    User.objects.create_user("maria", password="a-long-demo-password-1")

    page = client.get("/accounts/login/")
    response = client.post(
        "/accounts/login/", {"username": "maria", "password": "a-long-demo-password-1"}
    )

    assert "Sign in" in page.content.decode()
    assert "bootstrap/css/bootstrap.min.css" in page.content.decode()
    assert response.status_code == 302
    assert response.wsgi_request.user.is_authenticated


@pytest.mark.django_db
def test_a_wrong_password_is_refused_with_a_message(client: Client) -> None:
    response = client.post("/accounts/login/", {"username": "nobody", "password": "wrong"})

    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()


@pytest.mark.django_db
def test_an_unknown_page_gets_the_friendly_404(client: Client, settings) -> None:
    settings.DEBUG = False

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


# --- with services down ------------------------------------------------------------------


@pytest.fixture
def redis_unreachable(settings: LazySettings, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache and the Celery broker on Redis at a port nothing listens on."""
    closed = f"redis://127.0.0.1:{free_port()}"
    settings.CACHES = unreachable_redis_cache(closed)
    monkeypatch.setenv("CELERY_BROKER_URL", f"{closed}/1")


@pytest.mark.django_db
def test_health_says_degraded_and_names_redis_when_it_is_unreachable(
    client: Client, redis_unreachable: None
) -> None:
    started = time.monotonic()
    response = client.get("/health/")

    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "database": "ok",
        "cache": "down",
        "broker": "down",
        "down": ["cache", "broker"],
    }
    assert time.monotonic() - started < 3


@pytest.mark.django_db
def test_strict_health_answers_503_when_any_dependency_is_down(
    client: Client, redis_unreachable: None
) -> None:
    response = client.get("/health/?strict=1")

    assert response.status_code == 503
    assert response.json()["status"] == "degraded"


@pytest.mark.django_db(transaction=True)
def test_health_answers_503_when_the_database_is_down(client: Client, postgres: None) -> None:
    with database_unreachable():
        response = client.get("/health/")

    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["database"] == "down"
    assert "database" in response.json()["down"]
