import pytest
from django.test import Client


@pytest.mark.django_db
def test_health_check_answers_without_login(client: Client) -> None:
    response = client.get("/health/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


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
