"""The hostile-input harness catches what it promises to catch: a 500, a write by a
refused request, an undeclared write by an accepted one, unescaped user text, a broken
page after saving, and a lost session. Each view in harness_urls.py breaks one promise."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group

from outsourcing.tests.hostile import XSS_PROBES, check_get, check_post, sign_in

pytestmark = [pytest.mark.urls("outsourcing.tests.harness_urls"), pytest.mark.django_db]


@pytest.fixture
def signed_in(client: Any, manager: Any) -> Any:
    sign_in(client, manager)
    Group.objects.create(name="Harness group")
    return client


def test_a_refused_request_that_writes_is_caught(signed_in: Any) -> None:
    with pytest.raises(AssertionError, match=r"a refused request changed \['auth_group'\]"):
        check_post(signed_in, "/harness/refuse-but-write/", {})


def test_a_get_that_writes_is_caught(signed_in: Any) -> None:
    with pytest.raises(AssertionError, match=r"a GET changed \['auth_group'\]"):
        check_get(signed_in, "/harness/refuse-but-write/", {})


def test_a_refused_request_rewriting_a_row_unchanged_passes(signed_in: Any) -> None:
    assert check_post(signed_in, "/harness/refuse-unchanged/", {}) == 200


def test_an_accepted_request_may_write_what_it_declares_only(signed_in: Any) -> None:
    assert check_post(signed_in, "/harness/accept/", {}, writes={"auth_group"}) == 302
    with pytest.raises(AssertionError, match=r"an accepted request changed \['auth_group'\]"):
        check_post(signed_in, "/harness/accept/", {}, writes={"vendors_vendor"})


def test_every_example_is_rolled_back(signed_in: Any) -> None:
    check_post(signed_in, "/harness/accept/", {"name": "kept?"}, writes={"auth_group"})
    assert not Group.objects.filter(name="kept?").exists()


def test_then_sees_the_saved_rows_before_the_rollback(signed_in: Any) -> None:
    seen = []

    def then(response: Any, posted: dict[str, Any]) -> None:
        seen.append(Group.objects.filter(name=posted["name"]).count())

    check_post(signed_in, "/harness/accept/", {"name": "seen"}, writes={"auth_group"}, then=then)
    assert seen == [1]


def test_unescaped_user_text_is_caught_on_a_form_page_and_a_list_page(signed_in: Any) -> None:
    probe = {"name": XSS_PROBES[0]}
    with pytest.raises(AssertionError, match="unescaped user text"):
        check_post(signed_in, "/harness/echo/", probe)
    with pytest.raises(AssertionError, match="unescaped user text"):
        check_get(signed_in, "/harness/echo/", probe)


def test_a_500_is_caught_with_the_data_that_caused_it(signed_in: Any) -> None:
    with pytest.raises(AssertionError, match=r"500 for \{'name': 'x'\}"):
        check_post(signed_in, "/harness/fail/", {"name": "x"})
    with pytest.raises(AssertionError, match="500 for"):
        check_get(signed_in, "/harness/fail/", {})


def test_a_broken_page_after_saving_is_caught(signed_in: Any, client: Any) -> None:
    client.raise_request_exception = False
    with pytest.raises(AssertionError, match="500 after the redirect"):
        check_post(signed_in, "/harness/broken-landing/", {})


def test_a_request_that_lands_on_the_sign_in_page_is_caught(signed_in: Any) -> None:
    with pytest.raises(AssertionError, match="sign-in page"):
        check_post(signed_in, "/harness/sign-in/", {})
    with pytest.raises(AssertionError, match="sign-in page"):
        check_get(signed_in, "/harness/sign-in/", {})


def test_sign_in_signs_in_once_per_user(client: Any, manager: Any, viewer: Any) -> None:
    sign_in(client, manager)
    session = client.cookies["sessionid"].value
    sign_in(client, manager)
    assert client.cookies["sessionid"].value == session
    sign_in(client, viewer)
    assert client.cookies["sessionid"].value != session
