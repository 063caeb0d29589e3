"""Before the notice deadline, in a real browser: the owner amends the contract, enters an
invoice, finds the service credit the rollup computed and claims it, then records the
renewal decision on the renewal view (outsourcing.tests.browser; deselect with
-m "not browser")."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from engagements.models import Measurement, RenewalDecision, ServiceCredit, SpendEntry
from engagements.services.monitoring import rollup_kpis
from engagements.tests.factories import ContractFactory, EngagementFactory, KpiFactory
from outsourcing.tests.browser import REQUESTS, RESPONSES, sign_in
from outsourcing.tests.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_owner_amends_enters_spend_claims_a_credit_and_decides_on_renewal(
    browser: Any, live_server: Any
) -> None:
    from playwright.sync_api import expect

    today = timezone.localdate()
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    owner = UserFactory(username="ines", first_name="Ines", last_name="Tester")
    owner.groups.add(Group.objects.get_or_create(name="Manager")[0])
    engagement = EngagementFactory(
        owner=owner,
        title="24/7 IT support – NorthStar",
        start_date=today - datetime.timedelta(days=400),
        end_date=today + datetime.timedelta(days=150),
        currency="EUR",
    )
    ContractFactory(
        engagement=engagement,
        value=Decimal("836000.00"),
        monthly_fee=Decimal("34833.00"),
        currency="EUR",
        start_date=engagement.start_date,
        end_date=engagement.end_date,
        notice_period_days=90,
    )
    uptime = KpiFactory(
        engagement=engagement,
        name="Uptime",
        target=Decimal("99.95"),
        amber_threshold=Decimal("99.9"),
        red_threshold=Decimal("99.5"),
        credit_threshold=Decimal("99.9"),
        credit_percent=Decimal("5"),
        credit_cap=Decimal("2000"),
    )
    Measurement.objects.create(kpi=uptime, measured_on=last_month, value=Decimal("99.85"))
    rollup_kpis()
    base = live_server.url
    REQUESTS.clear()
    RESPONSES.clear()
    page = sign_in(browser, base, "ines")

    # The contract is amended: the amendment is listed on the overview.
    page.goto(f"{base}/engagements/{engagement.pk}/")
    page.get_by_role("link", name="Record an amendment").click()
    page.get_by_label("Effective from").fill(today.isoformat())
    page.get_by_label("What changed").fill("Patch window moved to Sunday night")
    page.get_by_role("button", name="Record the amendment").click()
    expect(page.get_by_role("region", name="Amendments")).to_contain_text(
        "Patch window moved to Sunday night"
    )

    # An invoice is entered on the Spend tab and counts against the contract's value.
    page.get_by_role("link", name="Spend").first.click()
    page.get_by_role("link", name="Enter spend").click()
    page.get_by_label("Invoice date").fill(last_month.isoformat())
    page.get_by_label("Period start").fill(last_month.isoformat())
    page.get_by_label("Period end").fill(
        (today.replace(day=1) - datetime.timedelta(days=1)).isoformat()
    )
    page.get_by_label("Amount").fill("34833")
    page.get_by_label("Invoice number").fill("NS-2026-117")
    page.get_by_role("button", name="Enter the spend").click()
    expect(page.get_by_text("Spend of 34,833.00 EUR")).to_be_visible()
    expect(page.get_by_role("region", name="Spend against value")).to_contain_text("34,833.00")

    # Last month's uptime missed the promised 99.9 %: its credit waits on the KPIs tab.
    page.get_by_role("link", name="KPIs").first.click()
    credits = page.get_by_role("region", name="Service credits")
    expect(credits).to_contain_text("1,741.65 EUR")
    credits.get_by_role("link", name="Every credit, to track claims").click()
    page.get_by_role("link", name="Track the credit for Uptime").click()
    page.get_by_label("Claimed", exact=True).check()
    page.get_by_label("Claimed on").fill(today.isoformat())
    page.get_by_label("Note").fill("Claimed in the monthly service review.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("claimed.", exact=False).first).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("Claimed")

    # The notice deadline is on the renewal view, with the open credit; the owner decides.
    page.get_by_role("link", name="Renewals").click()
    row = page.get_by_role("row", name="24/7 IT support – NorthStar")
    expect(row).to_contain_text("1,741.65 EUR credits open")
    row.get_by_role("link", name="Record decision").click()
    page.get_by_label("Renegotiate").check()
    page.get_by_label("Why").fill("Ask for a lower fee and a 99.95 % uptime level.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator("#renewal-decision")).to_contain_text("renegotiating")
    page.get_by_role("link", name="Renewals").click()
    row = page.get_by_role("row", name="24/7 IT support – NorthStar")
    expect(row).to_contain_text("renegotiating")

    credit = ServiceCredit.objects.get()
    assert (credit.state, credit.amount, credit.claimed_on) == (
        "claimed",
        Decimal("1741.65"),
        today,
    )
    assert SpendEntry.objects.get().invoice_number == "NS-2026-117"
    decision = RenewalDecision.objects.get()
    assert (decision.decision, decision.decided_by) == ("renegotiate", owner)
    assert {urlsplit(url).netloc for url in REQUESTS} == {urlsplit(base).netloc}
    assert [(url, status) for url, status in RESPONSES if status >= 400] == []
