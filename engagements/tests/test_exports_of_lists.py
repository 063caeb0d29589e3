"""Every list downloads as CSV and XLSX with its filters applied, every row, not a page."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from engagements.models import Engagement, Risk
from engagements.tests.factories import (
    CandidateFactory,
    ComplianceItemFactory,
    EngagementFactory,
    KpiFactory,
    KpiRollupFactory,
    MeasurementFactory,
    RiskFactory,
    ScorecardFactory,
    SelectionFactory,
)
from outsourcing.tests.downloads import csv_rows, xlsx_rows
from vendors.tests.factories import VendorFactory


@pytest.fixture(autouse=True)
def small_pages(settings: Any) -> None:
    settings.PAGE_SIZE = 2  # three matching rows: more than a page


def _vendors() -> set[str]:
    for name in ("Northwind Alpha", "Northwind Beta", "Northwind Gamma", "Contoso"):
        VendorFactory(legal_name=name)
    return {"Northwind Alpha", "Northwind Beta", "Northwind Gamma"}


def _engagements() -> set[str]:
    for title in ("Payroll Alpha", "Payroll Beta", "Payroll Gamma", "Helpdesk"):
        EngagementFactory(title=title)
    return {"Payroll Alpha", "Payroll Beta", "Payroll Gamma"}


def _candidates() -> set[str]:
    for name in ("Payroll Alpha", "Payroll Beta", "Payroll Gamma", "Helpdesk"):
        CandidateFactory(name=name)
    return {"Payroll Alpha", "Payroll Beta", "Payroll Gamma"}


def _selections() -> set[str]:
    for title in ("Payroll Alpha", "Payroll Beta", "Payroll Gamma", "Helpdesk"):
        SelectionFactory(title=title)
    return {"Payroll Alpha", "Payroll Beta", "Payroll Gamma"}


LISTS: dict[str, tuple[str, str, Callable[[], set[str]], int]] = {
    # list: (route, search word, the rows made and the names that match, column of the name)
    "vendors": ("vendors:vendor_list", "Northwind", _vendors, 0),
    "engagements": ("engagements:engagement_list", "Payroll", _engagements, 0),
    "candidates": ("engagements:candidate_list", "Payroll", _candidates, 0),
    "selections": ("engagements:selection_list", "Payroll", _selections, 0),
}


@pytest.mark.parametrize("kind", LISTS)
@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_a_list_downloads_every_row_its_filters_keep(
    kind: str, file_format: str, viewer: Any, client_for: Callable[[Any], Any]
) -> None:
    route, word, make, column = LISTS[kind]
    expected = make()
    client = client_for(viewer)

    page = client.get(reverse(route), {"q": word})
    response = client.get(reverse(route), {"q": word, "export": file_format, "page": "2"})

    assert len(page.context["page"].object_list) == 2  # the page shows two of the three
    assert response.status_code == 200
    rows = xlsx_rows(response) if file_format == "xlsx" else csv_rows(response)
    assert {row[column] for row in rows[1:]} == expected
    assert f"export={file_format}" in page.content.decode().replace("&amp;", "&")


def test_the_download_links_keep_the_filters_and_leave_out_the_page(
    viewer: Any, client_for: Callable[[Any], Any]
) -> None:
    _vendors()

    html = client_for(viewer).get(reverse("vendors:vendor_list"), {"q": "North", "page": "2"})

    links = html.content.decode().replace("&amp;", "&")
    assert '/vendors/?q=North&export=xlsx"' in links
    assert '/vendors/?q=North&export=csv"' in links


def test_an_unknown_format_shows_the_page(viewer: Any, client_for: Callable[[Any], Any]) -> None:
    response = client_for(viewer).get(reverse("vendors:vendor_list"), {"export": "pdf"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("route", [route for route, *_ in LISTS.values()])
def test_nobody_signed_out_downloads_a_list(
    route: str, db: None, client_for: Callable[[Any], Any]
) -> None:
    response = client_for(None).get(reverse(route), {"export": "xlsx"})

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_the_risk_register_downloads_as_xlsx_with_the_overview_filters(
    viewer: Any, client_for: Callable[[Any], Any]
) -> None:
    live = EngagementFactory()
    RiskFactory(engagement=live, title="Late invoices", category=Risk.Category.FINANCIAL)
    RiskFactory(engagement=live, title="Laptop theft")
    RiskFactory(engagement=EngagementFactory(status=Engagement.Status.COMPLETED), title="Old")

    response = client_for(viewer).get(
        reverse("engagements:risk_export"), {"category": "financial", "export": "xlsx"}
    )

    rows = xlsx_rows(response)
    assert rows[0][:3] == ["Engagement", "Vendor", "Risk"]
    assert [row[2] for row in rows[1:]] == ["Late invoices"]
    assert rows[1][4:7] == [4, 4, 16]  # likelihood, impact and score as numbers


def test_the_compliance_items_download_as_xlsx(
    viewer: Any, client_for: Callable[[Any], Any]
) -> None:
    item = ComplianceItemFactory(engagement__title="Payroll")

    response = client_for(viewer).get(reverse("engagements:compliance_export"), {"export": "xlsx"})

    vendor, requirement = item.engagement.vendor.legal_name, item.requirement.name
    assert xlsx_rows(response) == [
        ["Vendor", "Engagement", "Requirement", "Status", "Expires on", "Accepted on"],
        [vendor, "Payroll", requirement, "Missing", None, None],
    ]


def test_the_kpis_tab_downloads_its_kpis_every_value_and_every_scorecard(
    viewer: Any, client_for: Callable[[Any], Any]
) -> None:
    engagement = EngagementFactory()
    uptime = KpiFactory(engagement=engagement, name="Uptime")
    KpiRollupFactory(kpi=uptime, value=Decimal("91"))
    first = MeasurementFactory(kpi=uptime, value=Decimal("99.5"), note="=1+1")
    MeasurementFactory(kpi=uptime, value=Decimal("90"))
    MeasurementFactory(value=Decimal("12"))  # another engagement's
    for _ in range(14):  # more than the tab's chart shows
        ScorecardFactory(engagement=engagement)
    url = reverse("engagements:engagement_kpis", args=[engagement.pk])
    client = client_for(viewer)

    kpis = xlsx_rows(client.get(url, {"export": "xlsx"}))
    values = xlsx_rows(client.get(url, {"export": "xlsx", "rows": "values"}))
    scorecards = csv_rows(client.get(url, {"export": "csv", "rows": "scorecards"}))

    assert [(row[0], row[11], row[12]) for row in kpis[1:]] == [("Uptime", 91, "Amber")]
    assert [row[:3] for row in values[1:]] == [
        ["Uptime", datetime.datetime.combine(first.measured_on, datetime.time()), 99.5],
        ["Uptime", values[2][1], 90],
    ]
    assert values[1][6] == "=1+1"  # a note, shown as typed
    assert len(scorecards) == 1 + 14
    assert 'href="?export=xlsx&amp;rows=values"' in client.get(url).content.decode()


def test_a_kpi_download_needs_the_right_to_read_the_engagement(
    client_for: Callable[[Any], Any], db: None
) -> None:
    engagement = EngagementFactory()
    url = reverse("engagements:engagement_kpis", args=[engagement.pk])

    response = client_for(None).get(url, {"export": "xlsx", "rows": "values"})

    assert response.status_code == 302
