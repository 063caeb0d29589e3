"""After the award, in a real browser: the owner edits the contract, uploads the signed
document and downloads it again (outsourcing.tests.browser; deselect with -m "not browser")."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Group

from engagements.models import Contract
from engagements.tests.factories import ContractFactory, EngagementFactory
from outsourcing.tests.browser import REQUESTS, RESPONSES, sign_in
from outsourcing.tests.factories import UserFactory

PDF = b"%PDF-1.4\n% Master services agreement, signed by both parties\n%%EOF\n"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_owner_edits_the_contract_uploads_the_signed_document_and_downloads_it(
    browser: Any, live_server: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    owner = UserFactory(username="maria", first_name="Maria", last_name="Tester")
    owner.groups.add(Group.objects.get_or_create(name="Manager")[0])
    engagement = EngagementFactory(owner=owner, title="Payroll run – Alder Bookkeeping Ltd")
    ContractFactory(
        engagement=engagement,
        value=Decimal("62400.00"),
        currency="EUR",
        start_date=datetime.date(2026, 3, 1),
        end_date=datetime.date(2027, 2, 28),
        notice_period_days=90,
    )
    signed = tmp_path / "Signed MSA.pdf"
    signed.write_bytes(PDF)
    base = live_server.url
    REQUESTS.clear()
    RESPONSES.clear()
    page = sign_in(browser, base, "maria")

    page.goto(f"{base}/engagements/{engagement.pk}/")
    contract_card = page.get_by_role("region", name="Contract terms")
    expect(contract_card).not_to_contain_text("Signed MSA.pdf")
    contract_card.get_by_role("link", name="Edit the contract").click()
    page.get_by_label("Contract value").fill("64000")
    page.get_by_label("Renews on").fill("2027-02-01")
    page.get_by_label("Notice period (days)").fill("60")
    page.get_by_label("Service levels").fill("Payslips 3 working days before pay day.")
    page.get_by_label("Signed on").fill("2026-02-20")
    page.get_by_label("Signed document").set_input_files(str(signed))
    page.get_by_role("button", name="Save the contract").click()

    expect(page.get_by_text("Contract saved.")).to_be_visible()
    contract_card = page.get_by_role("region", name="Contract terms")
    expect(contract_card).to_contain_text("64,000.00 EUR")
    expect(contract_card).to_contain_text("3 Dec 2026")  # 1 Feb 2027 minus 60 days
    history = page.get_by_role("region", name="History of the engagement and its contract")
    expect(history).to_contain_text("Document: — → a new file")
    expect(history).to_contain_text("Notice period days: 90 → 60")

    with page.expect_download() as download_info:
        contract_card.get_by_role("link", name="Signed MSA.pdf").click()
    download = download_info.value
    assert download.suggested_filename == "Signed MSA.pdf"
    assert Path(download.path()).read_bytes() == PDF

    contract = Contract.objects.get(engagement=engagement)
    assert (contract.value, contract.notice_period_days, contract.document_name) == (
        Decimal("64000.00"),
        60,
        "Signed MSA.pdf",
    )
    assert {urlsplit(url).netloc for url in REQUESTS} == {urlsplit(base).netloc}
    assert [(url, status) for url, status in RESPONSES if status >= 400] == []
