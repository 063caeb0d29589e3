"""A manager's whole journey in a real browser: from a candidate to an awarded engagement.

Runs headless Chromium through Playwright against the live server
(outsourcing.tests.browser). Deselect with `-m "not browser"`.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.db.models import Sum

from engagements.models import (
    AssessmentFactor,
    Candidate,
    CriterionTemplate,
    Engagement,
    Evaluator,
    Selection,
)
from engagements.tests.factories import AssessmentFactorFactory, CriterionTemplateFactory
from outsourcing.tests.browser import REQUESTS, RESPONSES, sign_in
from outsourcing.tests.factories import UserFactory
from vendors.models import BusinessFunction, Vendor
from vendors.tests.factories import ServiceCategoryFactory, VendorFactory

# Screenshots to look at after a run; the folder is git-ignored.
OUTPUT = Path(settings.BASE_DIR) / "test-output" / "browser"

VENDORS = ("Alder Bookkeeping Ltd", "Birch Ledger Services", "Cedar Payroll GmbH")
# Each evaluator's score for every criterion of each vendor, in the order above.
SCORES = {"tom": (5, 4, 3), "sam": (5, 2, 3)}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def person(username: str, group: str, first_name: str) -> Any:
    user = UserFactory(username=username, first_name=first_name, last_name="Tester")
    user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user


@pytest.fixture
def organisation() -> dict[str, Any]:
    """People, vendors and the admin-kept catalogs the journey needs."""
    # A transactional test may start after another one flushed the catalogs the
    # migrations filled in; bring them back to a known state.
    if not AssessmentFactor.objects.filter(is_active=True).exists():
        AssessmentFactorFactory(name="Saving potential", high_favours_outsourcing=True)
        AssessmentFactorFactory(name="How core to the business", high_favours_outsourcing=False)
    active = CriterionTemplate.objects.filter(is_active=True)
    if active.aggregate(total=Sum("default_weight"))["total"] != Decimal("100"):
        active.update(is_active=False)
        for name, weight in (("Experience", 50), ("Price", 30), ("Cultural fit", 20)):
            CriterionTemplateFactory(name=f"{name} (journey)", default_weight=weight)
    payroll = ServiceCategoryFactory(name="Payroll", business_function=BusinessFunction.ACCOUNTING)
    for name in VENDORS:
        VendorFactory(legal_name=name, status=Vendor.Status.APPROVED).services.add(payroll)
    return {
        "manager": person("maria", "Manager", "Maria"),
        "tom": person("tom", "Manager", "Tom"),
        "sam": person("sam", "Viewer", "Sam"),
    }


def score_as(browser: Any, base_url: str, username: str) -> None:
    from playwright.sync_api import expect

    page = sign_in(browser, base_url, username)
    page.goto(f"{base_url}/selections/")
    page.get_by_role("region", name="Waiting for your scores").get_by_role(
        "link", name="Payroll run – request for proposal"
    ).click()
    expect(page.get_by_role("heading", name="Your scores")).to_be_visible()
    cells = page.locator("select[name^=score-]")
    for index in range(cells.count()):
        cells.nth(index).select_option(str(SCORES[username][index % len(VENDORS)]))
    page.locator("textarea[name^=comment-]").first.fill(f"{username.title()}: strong references.")
    page.get_by_role("button", name="Submit…").click()
    # Locking is for good, so the page asks once more.
    expect(page.get_by_text("Submit your scores for good?")).to_be_visible()
    page.get_by_role("button", name="Yes, submit and lock them").click()
    expect(page.get_by_text("are submitted. Thank you.")).to_be_visible()
    page.context.close()


def test_a_manager_takes_work_from_candidate_to_an_awarded_engagement(
    browser: Any, live_server: Any, organisation: dict[str, Any]
) -> None:
    from playwright.sync_api import expect

    base = live_server.url
    REQUESTS.clear()
    RESPONSES.clear()
    page = sign_in(browser, base, "maria")

    # Step 1: name the work, assess it and approve it for outsourcing.
    page.goto(f"{base}/candidates/new/")
    page.fill("input[name=name]", "Payroll run")
    page.select_option("select[name=business_function]", "accounting")
    page.fill("textarea[name=description]", "Monthly payroll for 85 people in two countries.")
    page.fill("input[name=in_house_yearly_cost]", "96000")
    page.fill("input[name=quoted_vendor_yearly_cost]", "60000")
    page.get_by_role("button", name="Add candidate").click()
    expect(page.get_by_role("heading", name="Payroll run", exact=True)).to_be_visible()

    main = page.locator("#content")  # the navigation has links of the same names
    main.get_by_role("link", name="Assess", exact=True).click()
    for group in page.get_by_role("radiogroup").all():
        group.locator("label", has_text="4").click()
    page.get_by_role("button", name="Save assessment").click()
    expect(page.get_by_role("heading", name="Payroll run", exact=True)).to_be_visible()

    main.get_by_role("link", name="Decide", exact=True).first.click()
    page.get_by_label("Outsource", exact=True).check()
    page.fill("textarea[name=reason]", "A clear saving; payroll bureaus are a mature market.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Approved for sourcing").first).to_be_visible()
    candidate = Candidate.objects.get(name="Payroll run")
    assert candidate.status == Candidate.Status.APPROVED

    # Step 2: start the selection from the approved candidate.
    page.goto(f"{base}/selections/")
    page.get_by_role("listitem").filter(has_text="Payroll run").get_by_role(
        "link", name="Start a selection"
    ).click()
    page.fill("input[name=budget]", "60000")
    page.fill("input[name=deadline]", "2026-01-31")
    page.get_by_role("button", name="Start the selection").click()
    expect(page.get_by_text("Selection started with")).to_be_visible()
    selection = Selection.objects.get(candidate=candidate)

    # Three vendors on the shortlist, then their proposals.
    main.get_by_role("link", name="Shortlist vendors").first.click()
    for name in VENDORS:
        page.get_by_label(name).check()
    page.get_by_role("button", name="Add to the shortlist").click()
    expect(page.get_by_text("Shortlisted Alder Bookkeeping Ltd")).to_be_visible()
    for price, name in zip(("5200", "4100", "4700"), VENDORS, strict=True):
        page.goto(f"{base}/selections/{selection.pk}/shortlist/")
        page.get_by_role("listitem").filter(has_text=name).get_by_role(
            "link", name="Proposal"
        ).click()
        page.fill("input[name=price]", price)
        page.select_option("select[name=pricing_model]", "retainer")
        page.fill("input[name=proposed_start]", "2026-03-01")
        page.fill("input[name=proposed_end]", "2027-02-28")
        page.fill("input[name=received_on]", "2026-01-20")
        page.get_by_role("button", name="Save the proposal").click()
        expect(page.get_by_text(f"Proposal of {name} saved.")).to_be_visible()

    # Two colleagues invited to score.
    main.get_by_role("link", name="Invite").click()
    for username in ("tom", "sam"):
        # Typed and picked from the matches (a type-ahead: there may be thousands).
        page.get_by_label("Colleague").fill(username)
        page.get_by_role("button", name=f"{username.title()} Tester ({username})").click()
        # Chosen once the widget came back with the choice, not while the match's button
        # (showing the same name) is still on the page.
        chosen = page.locator(".typeahead-chosen", has_text=f"{username.title()} Tester")
        expect(chosen).to_be_visible()
        page.get_by_role("button", name="Invite", exact=True).click()
        expect(page.get_by_text("is invited to score this selection")).to_be_visible()
    assert Evaluator.objects.filter(selection=selection).count() == 2

    # Each evaluator signs in and submits a full matrix.
    for username in SCORES:
        score_as(browser, base, username)
    assert not Evaluator.objects.filter(selection=selection, submitted_at__isnull=True).exists()

    # Results: Alder ranks first; the evaluators disagree about Birch.
    page.goto(f"{base}/selections/{selection.pk}/results/")
    expect(page.get_by_role("heading", name="Results")).to_be_visible()
    expect(page.locator("tr.table-success")).to_contain_text("Alder Bookkeeping Ltd")
    expect(page.get_by_text("scores 2, 4").first).to_be_visible()
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / "selection-results.png"), full_page=True)

    # Award, confirm, and arrive on the new engagement.
    main.get_by_role("link", name="Award…").click()
    page.get_by_label("Alder Bookkeeping Ltd").check()
    page.get_by_role("button", name="Award and create the engagement").click()
    # The figures follow the vendor chosen: its yearly equivalent, to confirm or correct.
    expect(page.get_by_text("now filled in from Alder Bookkeeping Ltd")).to_be_visible()
    expect(page.get_by_label("Contract value")).to_have_value("62400.00")
    page.get_by_role("button", name="Award and create the engagement").click()
    expect(page).to_have_url(re.compile(r"/engagements/\d+/$"))
    expect(page.get_by_role("heading", name="Payroll run – Alder Bookkeeping Ltd")).to_be_visible()
    expect(page.get_by_text("Awarded to Alder Bookkeeping Ltd.")).to_be_visible()
    page.screenshot(path=str(OUTPUT / "engagement.png"), full_page=True)

    engagement = Engagement.objects.get(selection=selection)
    assert engagement.budget == Decimal("62400.00")  # 5,200 a month, a year's worth
    assert engagement.vendor.status == Vendor.Status.ACTIVE
    assert Candidate.objects.get(pk=candidate.pk).status == Candidate.Status.OUTSOURCED
    # Styled by the app's own Bootstrap and scripts, and nothing asked of any other host.
    assert {urlsplit(url).netloc for url in REQUESTS} == {urlsplit(base).netloc}
    assert [(url, status) for url, status in RESPONSES if status >= 400] == []
    loaded = {urlsplit(url).path for url, _ in RESPONSES}
    assert "/static/bootstrap/css/bootstrap.min.css" in loaded
    assert "/static/bootstrap/js/bootstrap.bundle.min.js" in loaded
