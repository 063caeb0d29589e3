"""The vendor list and the vendor search run the same queries for one vendor as for many
(issue 15)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from vendors.tests.factories import (
    ContactFactory,
    ServiceCategoryFactory,
    TagFactory,
    VendorFactory,
)

pytestmark = pytest.mark.django_db

# More than a page (PAGE_SIZE is 25).
MANY = 30


def queries_for(client: Client, url: str) -> int:
    client.get(url)  # warm up the session
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def test_the_vendor_list_and_search_run_the_same_queries_for_one_vendor_as_for_many(
    manager: Any,
) -> None:
    first = VendorFactory(owner=manager, legal_name="Acme 0")
    urls = [
        reverse("vendors:vendor_list"),
        reverse("vendors:vendor_list") + "?q=acme&sort=standing",
        reverse("vendors:vendor_search") + "?field=vendor&id=id_vendor&q=acme",
        reverse("vendors:vendor_search") + f"?field=vendor&id=id_vendor&choose={first.pk}",
    ]
    client = Client()
    client.force_login(manager)
    small = [queries_for(client, url) for url in urls]

    service, tag = ServiceCategoryFactory(), TagFactory()
    for n in range(1, MANY + 1):
        vendor = VendorFactory(owner=manager, legal_name=f"Acme {n}")
        vendor.services.add(service)
        vendor.tags.add(tag)
        ContactFactory(vendor=vendor)

    assert [queries_for(client, url) for url in urls] == small
