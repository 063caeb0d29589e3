"""Type-ahead choices (outsourcing/typeahead.py): searching people and vendors, choosing
and dropping one, and a list filter that names the chosen row without listing the rest."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from conftest import user_with_role
from engagements.tests.factories import EngagementFactory
from outsourcing.typeahead import MATCHES, TypeAhead
from vendors.tests.factories import VendorFactory

pytestmark = pytest.mark.django_db

WIDGET = {"field": "owner", "id": "id_owner"}


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def named(role: str, username: str, first: str, last: str) -> Any:
    user = user_with_role(role, username)
    user.first_name, user.last_name = first, last
    user.save()
    return user


def test_it_finds_people_by_each_word_of_their_name(manager: Any) -> None:
    named("Manager", "anovak", "Ana", "Novak")
    named("Manager", "akovac", "Ana", "Kovač")
    response = signed_in(manager).get(reverse("people_search"), {**WIDGET, "q": "ana nov"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "Ana Novak (anovak)" in text
    assert "Kovač" not in text


def test_it_says_when_no_one_matches(manager: Any) -> None:
    response = signed_in(manager).get(reverse("people_search"), {**WIDGET, "q": "xyz"})
    assert "No one matches “xyz”" in response.content.decode()


def test_it_shows_at_most_a_short_list_and_says_to_type_more(manager: Any) -> None:
    for n in range(MATCHES + 5):
        named("Viewer", f"sam{n}", "Sam", f"Smith{n}")
    response = signed_in(manager).get(reverse("people_search"), {**WIDGET, "q": "sam"})
    text = response.content.decode()
    assert text.count("list-group-item-action") == MATCHES
    assert "type more to narrow them down" in text


def test_it_narrows_to_managers_when_the_field_takes_only_them(manager: Any) -> None:
    named("Viewer", "vera", "Vera", "Viewer")
    named("Manager", "vince", "Vince", "Manager")
    response = signed_in(manager).get(
        reverse("people_search"), {**WIDGET, "q": "v", "among": "managers"}
    )
    text = response.content.decode()
    assert "vince" in text
    assert "vera" not in text


def test_choosing_a_person_renders_the_widget_with_them_chosen(manager: Any) -> None:
    ana = named("Manager", "anovak", "Ana", "Novak")
    response = signed_in(manager).get(reverse("people_search"), {**WIDGET, "choose": ana.pk})
    text = response.content.decode()
    assert f'name="owner" value="{ana.pk}"' in text
    assert "Ana Novak (anovak)" in text


def test_dropping_a_person_leaves_the_others_of_a_multiple_choice(manager: Any) -> None:
    ana = named("Manager", "anovak", "Ana", "Novak")
    ben = named("Manager", "bkos", "Ben", "Kos")
    response = signed_in(manager).get(
        reverse("people_search"),
        {**WIDGET, "multiple": "1", "owner": [ana.pk, ben.pk], "drop": ana.pk},
    )
    text = response.content.decode()
    assert f'value="{ben.pk}"' in text
    assert f'value="{ana.pk}"' not in text


def test_a_search_that_names_no_field_is_refused(manager: Any) -> None:
    response = signed_in(manager).get(
        reverse("people_search"), {"field": '"><script>', "id": "x", "q": "a"}
    )
    assert response.status_code == 400


def test_it_finds_vendors_by_name(manager: Any) -> None:
    VendorFactory(legal_name="Acme Support Ltd")
    VendorFactory(legal_name="Globex")
    response = signed_in(manager).get(
        reverse("vendors:vendor_search"), {"field": "vendor", "id": "id_vendor", "q": "acme"}
    )
    text = response.content.decode()
    assert "Acme Support Ltd" in text
    assert "Globex" not in text


def test_the_engagement_list_names_the_chosen_owner_and_lists_no_one_else(
    manager: Any,
) -> None:
    ana = named("Manager", "anovak", "Ana", "Novak")
    named("Manager", "bkos", "Ben", "Kos")
    vendor = VendorFactory(legal_name="Acme Support Ltd")
    EngagementFactory(owner=ana, vendor=vendor, title="Payroll")
    response = signed_in(manager).get(
        reverse("engagements:engagement_list"), {"owner": ana.pk, "vendor": vendor.pk}
    )
    text = response.content.decode()
    assert f'name="owner" value="{ana.pk}"' in text
    assert "Ana Novak (anovak)" in text
    assert f'name="vendor" value="{vendor.pk}"' in text
    assert "Ben Kos" not in text
    assert "Payroll" in text


def test_it_finds_engagements_by_title_or_vendor(manager: Any) -> None:
    EngagementFactory(title="Payroll", vendor=VendorFactory(legal_name="Acme Support Ltd"))
    EngagementFactory(title="Helpdesk", vendor=VendorFactory(legal_name="Globex"))
    url = reverse("engagements:engagement_search")
    field = {"field": "engagement", "id": "id_engagement"}
    text = signed_in(manager).get(url, {**field, "q": "acme"}).content.decode()
    assert "Payroll (Acme Support Ltd)" in text
    assert "Helpdesk" not in text
    text = signed_in(manager).get(url, {**field, "q": "zzz"}).content.decode()
    assert "No engagement matches “zzz”" in text


def test_a_search_with_unprintable_characters_finds_by_the_rest(manager: Any) -> None:
    named("Manager", "anovak", "Ana", "Novak")
    response = signed_in(manager).get(reverse("people_search"), {**WIDGET, "q": "nov\x00"})
    assert response.status_code == 200
    assert "Ana Novak (anovak)" in response.content.decode()


def test_a_refused_choice_shows_its_message_beside_the_box() -> None:
    widget = TypeAhead("people_search")
    html = widget.render(
        "owner", None, attrs={"id": "id_owner", "class": "form-control is-invalid"}
    )
    assert 'class="typeahead-widget position-relative is-invalid"' in html
