"""The owner records the renewal decision, and the decision feeds the engagement: a
longer term, notice given, offboarding started; the renewal view and the contract
section show it."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from engagements.models import (
    Contract,
    Engagement,
    OffboardingItem,
    RenewalAction,
    RenewalDecision,
)
from engagements.services.engagement import renew_contracts
from engagements.services.renewals import record_renewal_decision
from engagements.tests.factories import ContractFactory, EngagementFactory
from outsourcing.tests.hostile import (
    check_post,
    form_data,
    hostile_choice,
    hostile_date,
    hostile_text,
    sign_in,
)
from vendors.models import Vendor

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 9, 15)
START, END = datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)  # deadline 2 Oct


@pytest.fixture(autouse=True)
def _today() -> Any:
    with time_machine.travel(datetime.datetime(2026, 9, 15, 9, tzinfo=datetime.UTC), tick=False):
        yield


def contract_of(owner: Any, title: str = "Payroll processing", **terms: Any) -> Contract:
    work = EngagementFactory(owner=owner, title=title, start_date=START, end_date=END)
    return ContractFactory(engagement=work, start_date=START, end_date=END, **terms)


def url(contract: Contract) -> str:
    return reverse("engagements:renewal_decision", args=[contract.engagement_id])


def posted(client: Any, contract: Contract, **data: Any) -> Any:
    """Post the decision form as the page shows it, with `data` typed in."""
    page = client.get(url(contract))
    version = page.context["form"]["version"].value()
    return client.post(url(contract), {"version": version, "note": "Decided.", **data})


# --- what each decision does --------------------------------------------------------


def test_renewing_a_contract_that_renews_by_itself_changes_no_term(manager: Any) -> None:
    contract = contract_of(manager, auto_renews=True, renewal_term_months=12)

    decision = record_renewal_decision(
        contract=contract, decision="renew", note="Good year.", by=manager
    )

    contract.refresh_from_db()
    assert (decision.decision, decision.decided_by) == ("renew", manager)
    assert (contract.end_date, contract.notice_given) == (END, False)
    # It still rolls on when its renewal date passes.
    with time_machine.travel(datetime.datetime(2027, 1, 2, 9, tzinfo=datetime.UTC), tick=False):
        assert renew_contracts() == 1
    contract.refresh_from_db()
    assert contract.end_date == datetime.date(2027, 12, 31)


def test_renewing_by_hand_extends_the_term_and_moves_the_notice_deadline(
    manager: Any,
) -> None:
    contract = contract_of(manager, renewal_date=datetime.date(2026, 12, 1))

    record_renewal_decision(
        contract=contract,
        decision="renew",
        note="Two more years agreed.",
        by=manager,
        new_end_date=datetime.date(2028, 12, 31),
    )

    contract.refresh_from_db()
    assert contract.end_date == datetime.date(2028, 12, 31)
    assert contract.renewal_date == datetime.date(2028, 12, 1)  # as far from the end as before
    assert contract.notice_deadline == datetime.date(2028, 9, 2)  # renewal minus 90 days
    latest, before = contract.history.order_by("-history_id")[:2]
    assert latest.history_change_reason == "Renewed by decision to 31 Dec 2028"
    assert before.end_date == END, "the old term stays in the history"


def test_renewing_a_contract_that_does_not_renew_by_itself_asks_for_the_new_end(
    manager: Any,
) -> None:
    contract = contract_of(manager)

    with pytest.raises(ValidationError, match="give the end date of the new term"):
        record_renewal_decision(contract=contract, decision="renew", note="", by=manager)

    assert not RenewalDecision.objects.exists()


def test_renegotiating_keeps_the_contract_on_the_renewal_view_marked(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    contract = contract_of(manager, auto_renews=True, renewal_term_months=12)

    record_renewal_decision(
        contract=contract, decision="renegotiate", note="Ask for 10% off.", by=manager
    )

    contract.refresh_from_db()
    assert (contract.notice_given, contract.end_date) == (False, END)
    page = client_for(manager).get("/renewals/")
    [(row, _)] = page.context["rows"]
    assert row.decision.decision == "renegotiate"
    text = page.content.decode()
    assert "renegotiating" in text and "Decide again" in text


def test_replacing_the_vendor_gives_notice_and_stops_the_roll(manager: Any) -> None:
    contract = contract_of(manager, auto_renews=True, renewal_term_months=12)

    record_renewal_decision(
        contract=contract, decision="replace", note="Too many outages.", by=manager
    )

    contract.refresh_from_db()
    assert (contract.notice_given_on, contract.notice_given_by) == (TODAY, manager)
    assert contract.notice_reason == "Too many outages."
    engagement = Engagement.objects.get(pk=contract.engagement_id)
    assert engagement.status == Engagement.Status.ACTIVE, "no offboarding unless asked"
    assert engagement.offboarding_outcome == Engagement.Status.COMPLETED
    with time_machine.travel(datetime.datetime(2027, 1, 2, 9, tzinfo=datetime.UTC), tick=False):
        assert renew_contracts() == 0


def test_bringing_it_in_house_with_offboarding_starts_the_checklist(manager: Any) -> None:
    contract = contract_of(manager)

    decision = record_renewal_decision(
        contract=contract, decision="in_house", note="", by=manager, offboard=True
    )

    engagement = Engagement.objects.get(pk=contract.engagement_id)
    assert engagement.status == Engagement.Status.OFFBOARDING
    assert engagement.offboarding_outcome == Engagement.Status.IN_HOUSE
    assert OffboardingItem.objects.filter(engagement=engagement).count() == 5
    contract.refresh_from_db()
    assert contract.notice_reason == "Bring in-house", "without a note, the decision says why"
    assert decision.offboarding_started


def test_it_keeps_the_suggestion_and_reasons_shown_at_the_time(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    contract = contract_of(manager)
    Vendor.objects.filter(pk=contract.engagement.vendor_id).update(standing=Vendor.Standing.POOR)
    client = client_for(manager)

    page = client.get(url(contract))
    response = posted(client, contract, decision="renegotiate", note="One more chance.")

    assert page.context["form"]["decision"].value() == "replace", "the suggestion preselected"
    assert "The vendor&#x27;s standing is poor" in page.content.decode()
    assert response.status_code == 302
    decision = RenewalDecision.objects.get()
    assert (decision.decision, decision.suggestion) == ("renegotiate", "replace")
    assert decision.suggestion_reasons == ["the vendor's standing is poor"]


# --- the pages --------------------------------------------------------------------


def test_the_owner_records_it_from_the_renewal_view_and_sees_it_there(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    contract = contract_of(manager, auto_renews=True, renewal_term_months=12)
    client = client_for(manager)
    listed = client.get("/renewals/").content.decode()
    assert url(contract) in listed and "Record decision" in listed

    response = posted(client, contract, decision="renew", note="Service is fine.")

    assert response.status_code == 302
    assert response["Location"].endswith("#contract")
    detail = client.get(response["Location"]).content.decode()
    assert "Decision recorded: renew. It renews by itself on 31 Dec 2026." in detail
    assert "Service is fine." in detail
    row = client.get("/renewals/").content.decode()
    assert "Decided:" in row and manager.get_full_name() in row


def test_offboarding_from_the_form_lands_on_the_offboarding_tab(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    contract = contract_of(manager)

    response = posted(
        client_for(manager), contract, decision="in_house", note="Own team ready.", offboard="on"
    )

    assert response.status_code == 302
    assert response["Location"] == reverse(
        "engagements:engagement_offboarding", args=[contract.engagement_id]
    )
    assert not Contract.objects.filter(pk=contract.pk, notice_given_on__isnull=True).exists()


def test_recording_twice_keeps_both_and_the_latest_stands(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    contract = contract_of(manager, auto_renews=True, renewal_term_months=12)
    client = client_for(manager)

    assert posted(client, contract, decision="renegotiate", note="First.").status_code == 302
    assert posted(client, contract, decision="replace", note="Talks failed.").status_code == 302

    assert list(RenewalDecision.objects.values_list("decision", flat=True)) == [
        "replace",
        "renegotiate",
    ]
    contract.refresh_from_db()
    assert contract.notice_reason == "Talks failed."
    # Notice given, it leaves the renewal view; renewing is no longer possible.
    assert client.get("/renewals/").context["rows"] == []
    refused = posted(client, contract, decision="renegotiate")
    assert refused.status_code == 200
    assert "the contract no longer renews" in refused.content.decode()
    assert RenewalDecision.objects.count() == 2


def test_a_form_read_before_someone_else_decided_is_refused(
    manager: Any, role_admin: Any, client_for: Callable[[Any], Any]
) -> None:
    contract = contract_of(manager, auto_renews=True, renewal_term_months=12)
    client = client_for(manager)
    version = client.get(url(contract)).context["form"]["version"].value()
    with time_machine.travel(datetime.datetime(2026, 9, 15, 9, 5, tzinfo=datetime.UTC)):
        record_renewal_decision(contract=contract, decision="replace", note="Gone.", by=role_admin)

    refused = client.post(url(contract), {"version": version, "decision": "renew", "note": "x"})

    assert refused.status_code == 200
    assert "Not saved:" in refused.content.decode()
    assert RenewalDecision.objects.count() == 1


@pytest.mark.parametrize("who", ["viewer", "other_manager"])
def test_only_those_who_may_change_the_engagement_decide(
    who: str, request: pytest.FixtureRequest, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    contract = contract_of(manager)
    client = client_for(request.getfixturevalue(who))

    assert client.get(url(contract)).status_code == 403
    posted_ = client.post(url(contract), {"decision": "replace", "note": "Mine now."})
    assert posted_.status_code == 403
    assert not RenewalDecision.objects.exists()
    everyone = client.get("/renewals/?scope=all").content.decode()
    assert contract.engagement.title in everyone  # the row is there, without the action
    assert "Record decision" not in everyone


def test_anonymous_people_are_sent_to_sign_in(client_for: Callable[[Any], Any]) -> None:
    contract = contract_of(EngagementFactory().owner)
    client = client_for(None)

    for response in (
        client.get(url(contract)),
        client.post(url(contract), {"decision": "replace", "note": "x"}),
    ):
        assert response.status_code == 302
        assert "/login/" in response["Location"] or "/accounts/" in response["Location"]
    assert not RenewalDecision.objects.exists()


def test_a_closed_engagement_takes_no_decision(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    contract = contract_of(manager)
    Engagement.objects.filter(pk=contract.engagement_id).update(status=Engagement.Status.COMPLETED)

    assert client_for(manager).get(url(contract)).status_code == 403


# --- hostile input ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"new_end_date": "2025-06-30"}, "a renewal ends later"),  # before the start
        ({"new_end_date": "2026-12-31"}, "a renewal ends later"),  # the same end
        ({"new_end_date": "9999-12-31"}, "Enter a date"),
        ({"new_end_date": "2027-02-30"}, "Enter a valid date"),
        ({"decision": "replace", "new_end_date": "2028-12-31"}, "goes with renewing only"),
        ({"decision": "renegotiate", "offboard": "on"}, "Offboarding starts with replacing"),
        ({"decision": "sell_the_company"}, "Select a valid choice"),
        ({"decision": ""}, "This field is required"),
        ({"note": ""}, "Say why"),
        ({"note": "x" * 2001}, "at most 2000 characters"),
        ({"note": "Fine\u202egnp.exe"}, "invisible character"),
    ],
    ids=[
        "end-before-start",
        "end-not-later",
        "far-future",
        "no-such-day",
        "end-date-with-replace",
        "offboarding-while-renegotiating",
        "unknown-decision",
        "no-decision",
        "no-note",
        "overlong-note",
        "hidden-character",
    ],
)
def test_hostile_input_is_refused_and_changes_nothing(
    data: dict[str, str], error: str, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    contract = contract_of(manager)
    before = Contract.objects.values().get(pk=contract.pk)

    response = posted(client_for(manager), contract, **{"decision": "renew", **data})

    assert response.status_code == 200
    text = response.content.decode()
    assert error.replace("'", "&#x27;") in text, text[text.find("invalid-feedback") :][:400]
    assert not RenewalDecision.objects.exists()
    assert Contract.objects.values().get(pk=contract.pk) == before
    assert Engagement.objects.get(pk=contract.engagement_id).status == Engagement.Status.ACTIVE


def test_script_in_the_note_is_shown_as_text(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    contract = contract_of(manager)
    client = client_for(manager)
    note = "<script>alert('x')</script>"

    assert posted(client, contract, decision="renegotiate", note=note).status_code == 302

    for page in (
        client.get(reverse("engagements:engagement_detail", args=[contract.engagement_id])),
        client.get(url(contract)),
    ):
        text = page.content.decode()
        assert "<script>alert" not in text
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in text


def test_the_contracts_history_shows_the_decision_and_why_the_term_moved(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    contract = contract_of(manager)
    record_renewal_decision(
        contract=contract,
        decision="renew",
        note="Two more years.",
        by=manager,
        new_end_date=datetime.date(2028, 12, 31),
    )

    page = client_for(manager).get(
        reverse("engagements:contract_history", args=[contract.engagement_id])
    )

    text = page.content.decode()
    assert "Renewal decision “Renew”" in text
    assert "Renewed by decision to 31 Dec 2028" in text


DECISION_VALID = {"decision": "renew", "new_end_date": "2027-12-31", "note": "Another year."}
DECISION_HOSTILE = {
    "decision": hostile_choice(RenewalAction.values),
    "new_end_date": st.one_of(hostile_date(), st.sampled_from(["2025-06-30", "2026-12-31"])),
    "note": hostile_text(max_size=2100),
    "offboard": st.sampled_from(["", "on", "off", "0", "<script>"]),
}
# A decision may extend the term or give notice (the contract), keep the outcome or start
# offboarding (the engagement, its checklist).
DECISION_WRITES = {
    "engagements_renewaldecision",
    "engagements_contract",
    "engagements_engagement",
    "engagements_offboardingitem",
}


def decision_saved(response: Any, data: dict[str, Any]) -> None:
    decision = RenewalDecision.objects.get()
    contract = Contract.objects.get(pk=decision.contract_id)
    assert decision.decision in RenewalAction.values
    assert decision.note == str(data["note"]).strip() and 0 < len(decision.note) <= 2000
    if decision.new_end_date is not None:
        assert decision.decision == "renew"
        assert contract.end_date == decision.new_end_date > END
    if decision.gives_notice:
        assert contract.notice_given_on == TODAY
    else:
        assert not decision.offboarding_started and not contract.notice_given


@pytest.mark.hostile
@given(data=form_data(DECISION_VALID, DECISION_HOSTILE))
def test_the_decision_form_survives_hostile_input(
    data: dict[str, Any], manager: Any, client: Client
) -> None:
    contract = Contract.objects.filter(engagement__owner=manager).first() or contract_of(manager)
    sign_in(client, manager)
    check_post(client, url(contract), data, writes=DECISION_WRITES, then=decision_saved)


def test_a_decision_stands_for_its_term_only_the_next_asks_again(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    contract = contract_of(
        manager, title="Rolling", auto_renews=True, renewal_term_months=12, notice_period_days=60
    )
    record_renewal_decision(contract=contract, decision="renew", note="Let it roll.", by=manager)
    before = client_for(manager).get("/renewals/?days=730").content.decode()

    renew_contracts(today=END + datetime.timedelta(days=1))
    after = client_for(manager).get("/renewals/?days=730").content.decode()

    assert "Decided:" in before
    assert "Rolling" in after and "Decided:" not in after  # the new term's deadline asks
