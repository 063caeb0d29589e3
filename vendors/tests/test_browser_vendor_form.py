"""The vendor form's tier in a real browser: it follows the answers live (htmx) until the
person picks another one, and only then is a reason asked for.

Runs headless Chromium through Playwright against the live server (see
outsourcing/tests/browser.py); deselect with `-m "not browser"`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import Group

from outsourcing.tests.browser import log_in, new_page
from outsourcing.tests.factories import UserFactory
from vendors.models import Vendor, VendorTierChange

# Screenshots to look at after a run; the folder is git-ignored.
OUTPUT = Path(settings.BASE_DIR) / "test-output" / "browser"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_tier_follows_the_answers_until_chosen_by_hand_which_needs_a_reason(
    browser: Any, live_server: Any
) -> None:
    from playwright.sync_api import expect

    user = UserFactory(username="maria")
    user.groups.add(Group.objects.get_or_create(name="Manager")[0])
    page = new_page(browser)
    console: list[str] = []  # where Chromium reports what the Content-Security-Policy refused
    page.on("console", lambda message: console.append(message.text))
    log_in(page, live_server.url, "maria")

    page.goto(f"{live_server.url}/vendors/new/")
    suggestion = page.locator("#vendor-tier-suggestion")
    tier = page.locator("select[name=tier]")
    reason = page.locator("textarea[name=tier_override_reason]")
    expect(suggestion).to_have_text("Suggested tier: Medium")
    expect(tier).to_have_value("medium")
    expect(reason).to_be_hidden()

    # Answering the questions moves the suggestion, and the tier with it.
    page.select_option("select[name=highest_data_classification]", "restricted")
    expect(suggestion).to_have_text("Suggested tier: High")
    expect(tier).to_have_value("high")
    page.fill("input[name=annual_spend]", "300000")
    page.press("input[name=annual_spend]", "Tab")
    expect(suggestion).to_have_text("Suggested tier: Critical")
    expect(tier).to_have_value("critical")
    expect(reason).to_be_hidden()

    # Saved without a reason: nobody chose the tier, it is the suggestion.
    page.fill("input[name=legal_name]", "Acme Payroll Ltd")
    page.fill("input[name=country]", "PL")
    page.get_by_role("button", name="Add vendor").click()
    expect(page.get_by_text("Acme Payroll Ltd is in the registry.")).to_be_visible()
    vendor = Vendor.objects.get(legal_name="Acme Payroll Ltd")
    assert (vendor.tier, vendor.tier_override_reason) == (Vendor.Tier.CRITICAL, "")

    # Choosing another tier by hand asks for the reason, and refuses to save without one.
    page.goto(f"{live_server.url}/vendors/{vendor.pk}/edit/")
    expect(reason).to_be_hidden()
    tier.select_option("high")
    expect(reason).to_be_visible()
    expect(page.locator("label[for=id_tier_override_reason]")).to_contain_text("*")
    expect(suggestion).to_have_text("Suggested tier: Critical")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.locator("fieldset", has_text="Tier (criticality)").screenshot(
        path=str(OUTPUT / "vendor-tier-chosen.png")
    )
    page.get_by_role("button", name="Save changes").click()
    expect(
        page.get_by_text(
            "The suggested tier is Critical; say why this vendor should be treated differently."
        )
    ).to_be_visible()
    # A later answer leaves a chosen tier alone (waiting for its htmx answer to land before
    # typing, as the swap replaces the tier part of the form).
    with page.expect_response(lambda response: "/tier/" in response.url):
        page.select_option("select[name=replaceability]", "hard")
    expect(suggestion).to_have_text("Suggested tier: Critical")
    expect(tier).to_have_value("high")
    reason.fill("Payroll runs on a second provider too.")
    page.get_by_role("button", name="Save changes").click()
    expect(page).to_have_url(re.compile(rf"/vendors/{vendor.pk}/$"))

    vendor.refresh_from_db()
    assert (vendor.tier, vendor.tier_override_reason) == (
        Vendor.Tier.HIGH,
        "Payroll runs on a second provider too.",
    )
    change = VendorTierChange.objects.get(vendor=vendor)
    assert (change.old_tier, change.new_tier, change.suggested_tier) == (
        "critical",
        "high",
        "critical",
    )
    assert [text for text in console if "Content Security Policy" in text] == []
