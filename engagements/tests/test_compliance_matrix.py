"""The organisation-wide compliance matrix at size: pages of vendors, counts over every
page, filters that stay on, an export of every filtered row, queries that do not grow."""

from __future__ import annotations

import csv
import datetime
import io
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from engagements.models import ComplianceItem, ComplianceRequirement
from engagements.models.compliance import compliance_status
from engagements.tests.factories import (
    ComplianceItemFactory,
    ComplianceRequirementFactory,
    EngagementFactory,
    EvidenceFactory,
)
from outsourcing.tests.downloads import body_of
from vendors.models import Vendor

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

MATRIX = reverse("engagements:compliance_matrix")
EXPORT = reverse("engagements:compliance_export")
PAGE = 3


@pytest.fixture(autouse=True)
def small_pages(settings: Any) -> None:
    settings.PAGE_SIZE = PAGE


def add_vendors(
    count: int,
    requirement: ComplianceRequirement,
    *,
    prefix: str = "Vendor",
    status: str = Vendor.Status.ACTIVE,
    evidence: bool = False,
) -> None:
    """`count` vendors named `prefix` NN, each with one live engagement holding one item."""
    for n in range(count):
        engagement = EngagementFactory(
            vendor__legal_name=f"{prefix} {n:02d}", vendor__status=status
        )
        item = ComplianceItemFactory(engagement=engagement, requirement=requirement)
        if evidence:
            EvidenceFactory(item=item)


def count_queries(client: Any, url: str, data: dict[str, str]) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, data)
        assert response.status_code == 200
        body_of(response)
    return len(queries)


def export_rows(client: Any, data: dict[str, str]) -> list[list[str]]:
    body = body_of(client.get(EXPORT, data)).decode("utf-8").removeprefix("\ufeff")
    return list(csv.reader(io.StringIO(body)))[1:]


def test_the_matrix_shows_one_page_of_vendors_and_the_next_page_keeps_the_filters(
    client_for: Callable[[Any], Any], viewer: Any
) -> None:
    requirement = ComplianceRequirementFactory(name="NDA")
    add_vendors(PAGE + 2, requirement, prefix="Watched", status=Vendor.Status.ON_WATCH)
    add_vendors(2, requirement, prefix="Fine")
    client = client_for(viewer)
    filters = {"vendor_status": Vendor.Status.ON_WATCH}

    first = client.get(MATRIX, filters).content.decode()
    second = client.get(MATRIX, {**filters, "page": "2"}).content.decode()

    assert [f"Watched 0{n}" in first for n in range(PAGE + 2)] == [True] * PAGE + [False] * 2
    assert "vendor_status=on_watch&amp;page=2" in first
    assert "Watched 03" in second and "Watched 04" in second
    assert "Watched 00" not in second
    assert "Fine" not in first + second


def test_the_status_counts_add_up_every_page_of_the_filtered_items(
    client_for: Callable[[Any], Any], viewer: Any
) -> None:
    requirement = ComplianceRequirementFactory(name="NDA")
    add_vendors(PAGE + 1, requirement, prefix="Missing")
    add_vendors(2, requirement, prefix="Pending", evidence=True)
    add_vendors(2, requirement, prefix="Suspended", status=Vendor.Status.SUSPENDED)

    page = (
        client_for(viewer)
        .get(MATRIX, {"vendor_status": Vendor.Status.ACTIVE, "page": "2"})
        .content.decode()
    )

    assert "6 items across 6 vendors" in page
    assert f"{PAGE + 1} missing</a>" in page
    assert "2 pending review</a>" in page
    assert "0 expired</a>" in page


def test_a_status_filter_pages_only_the_vendors_with_items_in_that_status(
    client_for: Callable[[Any], Any], viewer: Any
) -> None:
    requirement = ComplianceRequirementFactory(name="NDA")
    add_vendors(PAGE + 1, requirement, prefix="Pending", evidence=True)
    add_vendors(1, requirement, prefix="Missing")
    client = client_for(viewer)

    first = client.get(MATRIX, {"status": "pending"}).content.decode()
    second = client.get(MATRIX, {"status": "pending", "page": "2"}).content.decode()

    assert f"{PAGE + 1} items across {PAGE + 1} vendors" in first
    assert "Pending 03" in second
    assert "Missing 00" not in first + second


def test_a_status_count_links_to_the_matrix_filtered_by_that_status_keeping_the_others(
    client_for: Callable[[Any], Any], viewer: Any
) -> None:
    add_vendors(PAGE + 1, ComplianceRequirementFactory(name="NDA"))

    page = client_for(viewer).get(MATRIX, {"scope": "all", "page": "2"}).content.decode()

    assert 'href="?scope=all&amp;status=expired"' in page


def test_the_export_holds_every_filtered_item_not_only_the_first_page(
    client_for: Callable[[Any], Any], viewer: Any
) -> None:
    requirement = ComplianceRequirementFactory(name="NDA")
    add_vendors(PAGE * 2 + 1, requirement, prefix="Watched", status=Vendor.Status.ON_WATCH)
    add_vendors(2, requirement, prefix="Fine")

    rows = export_rows(client_for(viewer), {"vendor_status": Vendor.Status.ON_WATCH})

    assert [row[0] for row in rows] == [f"Watched {n:02d}" for n in range(PAGE * 2 + 1)]
    assert {row[3] for row in rows} == {"Missing"}


def test_the_export_filtered_by_status_holds_only_items_in_that_status(
    client_for: Callable[[Any], Any], viewer: Any
) -> None:
    requirement = ComplianceRequirementFactory(name="NDA")
    add_vendors(PAGE + 1, requirement, prefix="Pending", evidence=True)
    add_vendors(2, requirement, prefix="Missing")

    rows = export_rows(client_for(viewer), {"status": "pending"})

    assert [row[0] for row in rows] == [f"Pending {n:02d}" for n in range(PAGE + 1)]


@pytest.mark.parametrize("url", [MATRIX, EXPORT])
@pytest.mark.parametrize("data", [{}, {"status": "missing"}, {"vendor_status": "active"}])
def test_the_matrix_and_export_run_the_same_queries_for_one_page_and_several(
    url: str, data: dict[str, str], client_for: Callable[[Any], Any], viewer: Any
) -> None:
    requirements = [ComplianceRequirementFactory() for _ in range(2)]
    client = client_for(viewer)
    for requirement in requirements:
        add_vendors(1, requirement, prefix=f"First {requirement.pk}")
    count_queries(client, url, data)
    one_page = count_queries(client, url, data)
    for requirement in requirements:
        add_vendors(PAGE * 3, requirement, prefix=f"Then {requirement.pk}")

    assert count_queries(client, url, data) == one_page


@pytest.mark.parametrize(
    ("has_evidence", "accepted", "expires_in"),
    list(itertools.product([False, True], [False, True], [None, -1, 0, 30])),
)
def test_the_status_worked_out_in_sql_follows_the_same_rules_as_one_item(
    has_evidence: bool, accepted: bool, expires_in: int | None
) -> None:
    today = timezone.localdate()
    expires_on = None if expires_in is None else today + datetime.timedelta(days=expires_in)
    item = ComplianceItemFactory(
        expires_on=expires_on, accepted_at=timezone.now() if accepted else None
    )
    if has_evidence:
        EvidenceFactory(item=item)

    in_sql = ComplianceItem.objects.with_status(today).get(pk=item.pk).status  # type: ignore[attr-defined]

    assert in_sql == compliance_status(
        has_evidence=has_evidence, accepted=accepted, expires_on=expires_on, today=today
    )
