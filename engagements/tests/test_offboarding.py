"""Leaving: the offboarding checklist, its tab, and closing an engagement."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from engagements.models import DataAccessGrant, Engagement, OffboardingItem, Risk
from engagements.services.offboarding import (
    close_engagement,
    complete_item,
    settle,
    start_offboarding,
)
from engagements.tests.factories import (
    ActionItemFactory,
    CheckInFactory,
    DataAccessGrantFactory,
    EngagementFactory,
    RiskFactory,
    ScorecardFactory,
)
from engagements.tests.worlds import EngagementWorld, world_fixture
from outsourcing.tests.factories import UserFactory
from outsourcing.tests.roles import CHANGE, READ, user_for, without
from outsourcing.tests.roles import ROLES as ALL_ROLES
from vendors.models import Vendor, VendorStatusChange

pytestmark = pytest.mark.django_db

Status = Engagement.Status
Kind = OffboardingItem.Kind


def start(engagement: Engagement, outcome: str = Status.TERMINATED) -> list[OffboardingItem]:
    return start_offboarding(
        engagement=engagement, outcome=outcome, by=engagement.owner, reason="Quality fell."
    )


def finish_everything(engagement: Engagement) -> None:
    for item in OffboardingItem.objects.filter(engagement=engagement):
        complete_item(item=item, by=engagement.owner)


# --- the service -----------------------------------------------------------------


def test_starting_offboarding_opens_one_item_per_active_grant_and_the_standard_steps() -> None:
    engagement = EngagementFactory()
    DataAccessGrantFactory(engagement=engagement, system="Zendesk")
    DataAccessGrantFactory(
        engagement=engagement, system="Old CRM", revoked_on=engagement.start_date
    )

    items = start(engagement)

    engagement.refresh_from_db()
    assert engagement.status == Status.OFFBOARDING
    assert sorted(item.kind for item in items) == sorted(
        [
            Kind.REVOKE_ACCESS,
            Kind.RECOVER_DATA,
            Kind.RECOVER_IP,
            Kind.KNOWLEDGE_HANDOVER,
            Kind.FINAL_SCORECARD,
            Kind.FINAL_REVIEW,
        ]
    )
    assert [i.title for i in items if i.grant] == ["Revoke access to Zendesk"]
    assert engagement.offboarding_outcome == Status.TERMINATED


def test_starting_twice_does_not_double_the_checklist_but_picks_up_a_new_grant() -> None:
    engagement = EngagementFactory()
    DataAccessGrantFactory(engagement=engagement)
    start(engagement)
    DataAccessGrantFactory(engagement=engagement)

    items = start(engagement, outcome=Status.IN_HOUSE)

    assert len(items) == 7
    assert OffboardingItem.objects.filter(engagement=engagement).count() == 7
    engagement.refresh_from_db()
    assert engagement.offboarding_outcome == Status.IN_HOUSE


def test_once_the_final_review_is_done_starting_again_keeps_the_decision_and_its_reason() -> None:
    engagement = EngagementFactory()
    start(engagement, outcome=Status.COMPLETED)
    final = OffboardingItem.objects.get(engagement=engagement, kind=Kind.FINAL_REVIEW)
    complete_item(item=final, by=engagement.owner)

    start_offboarding(
        engagement=engagement, outcome=Status.TERMINATED, by=engagement.owner, reason="Other."
    )

    engagement.refresh_from_db()
    final.refresh_from_db()
    assert (engagement.offboarding_outcome, final.notes) == (Status.COMPLETED, "Quality fell.")


def test_an_ended_engagement_cannot_start_offboarding() -> None:
    engagement = EngagementFactory(status=Status.COMPLETED)

    with pytest.raises(ValidationError):
        start(engagement)

    assert not OffboardingItem.objects.exists()


def test_ticking_a_revoke_item_revokes_its_grant_in_the_same_step() -> None:
    engagement = EngagementFactory()
    grant = DataAccessGrantFactory(engagement=engagement)
    start(engagement)
    item = OffboardingItem.objects.get(grant=grant)
    by = UserFactory()

    complete_item(item=item, by=by)

    grant.refresh_from_db()
    item.refresh_from_db()
    assert grant.revoked_on is not None and grant.revoked_by == by
    assert item.done_at is not None and item.done_by == by


def test_closing_is_refused_while_items_are_open_and_says_what_is_left() -> None:
    engagement = EngagementFactory()
    DataAccessGrantFactory(engagement=engagement, system="Zendesk")
    start(engagement)

    with pytest.raises(ValidationError) as error:
        close_engagement(engagement=engagement, by=engagement.owner)

    assert "Recover data" in str(error.value)
    assert "Zendesk" in str(error.value)
    engagement.refresh_from_db()
    assert engagement.status == Status.OFFBOARDING


def test_closing_is_refused_while_a_grant_is_active_even_with_every_item_done() -> None:
    engagement = EngagementFactory()
    start(engagement)
    finish_everything(engagement)
    DataAccessGrantFactory(engagement=engagement, system="Added late")

    with pytest.raises(ValidationError, match="Added late"):
        close_engagement(engagement=engagement, by=engagement.owner)


def test_closing_sets_the_chosen_outcome_and_offboards_a_vendor_with_nothing_else_live() -> None:
    engagement = EngagementFactory()
    DataAccessGrantFactory(engagement=engagement)
    start(engagement, outcome=Status.IN_HOUSE)
    finish_everything(engagement)

    close_engagement(engagement=engagement, by=engagement.owner)

    engagement.refresh_from_db()
    engagement.vendor.refresh_from_db()
    assert engagement.status == Status.IN_HOUSE
    assert engagement.closed_at is not None
    assert engagement.vendor.status == Vendor.Status.OFFBOARDED
    change = VendorStatusChange.objects.get(vendor=engagement.vendor)
    assert engagement.title in change.reason


def test_the_vendor_stays_when_it_has_another_live_engagement() -> None:
    engagement = EngagementFactory()
    EngagementFactory(vendor=engagement.vendor, status=Status.ON_HOLD)
    start(engagement)
    finish_everything(engagement)

    close_engagement(engagement=engagement, by=engagement.owner)

    engagement.vendor.refresh_from_db()
    assert engagement.vendor.status == Vendor.Status.ACTIVE
    assert not VendorStatusChange.objects.exists()


# --- the tab ---------------------------------------------------------------------


class World(EngagementWorld):
    """An engagement owned by `manager`, being offboarded, with one active grant."""

    def __init__(self, owner: Any) -> None:
        super().__init__(owner)
        self.grant = DataAccessGrantFactory(engagement=self.engagement, system="Zendesk")
        start(self.engagement)
        self.revoke_item = OffboardingItem.objects.get(grant=self.grant)
        self.fresh = EngagementFactory(owner=owner, title="Fresh engagement")

    def snapshot(self) -> dict[str, Any]:
        return {
            "items": list(
                OffboardingItem.objects.order_by("pk").values_list("pk", "done_at", "notes")
            ),
            "grants": list(DataAccessGrant.objects.order_by("pk").values_list("pk", "revoked_on")),
            "engagements": list(
                Engagement.objects.order_by("pk").values_list("pk", "status", "closed_at")
            ),
            "vendors": list(Vendor.objects.order_by("pk").values_list("pk", "status")),
        }


world = world_fixture(World)


# The tab is tried without a co-owner.
ROLES = without(ALL_ROLES, "co_owner")


@pytest.mark.parametrize("role", ROLES)
def test_the_offboarding_tab_opens_for_every_role_that_may_read(
    role: str, world: World, client_for: Callable[[Any], Any], request: Any
) -> None:
    url = reverse("engagements:engagement_offboarding", args=[world.engagement.pk])

    response = client_for(user_for(role, request)).get(url)

    assert response.status_code == READ[role]
    if role == "anonymous":
        assert response["Location"].startswith(reverse("login"))


def post_of(route: str, world: World) -> tuple[str, dict[str, str]]:
    if route == "offboarding_start":
        url = reverse("engagements:offboarding_start", args=[world.fresh.pk])
        return url, {"outcome": Status.COMPLETED, "reason": "Work delivered."}
    if route == "offboarding_item_done":
        args = [world.engagement.pk, world.revoke_item.pk]
        return reverse("engagements:offboarding_item_done", args=args), {}
    finish_everything(world.engagement)
    return reverse("engagements:offboarding_close", args=[world.engagement.pk]), {}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "route", ["offboarding_start", "offboarding_item_done", "offboarding_close"]
)
def test_an_offboarding_post_changes_things_only_for_the_owner_and_admins(
    route: str, role: str, world: World, client_for: Callable[[Any], Any], request: Any
) -> None:
    client = client_for(user_for(role, request))
    url, data = post_of(route, world)
    before = world.snapshot()

    response = client.post(url, data)

    if CHANGE[role] == 200:
        assert response.status_code == 302
        assert world.snapshot() != before
    else:
        assert response.status_code == CHANGE[role]
        assert world.snapshot() == before


def test_the_tab_shows_progress_and_what_blocks_closing(
    world: World, client_for: Callable[[Any], Any], manager: Any
) -> None:
    complete_item(item=world.revoke_item, by=manager)

    page = (
        client_for(manager)
        .get(reverse("engagements:engagement_offboarding", args=[world.engagement.pk]))
        .content.decode()
    )

    assert "1 of 6 done" in page
    assert "Closing waits for" in page
    assert "Hand over knowledge" in page
    assert "Terminated" in page


def test_starting_without_a_reason_gets_a_field_message_and_writes_nothing(
    world: World, client_for: Callable[[Any], Any], manager: Any
) -> None:
    before = world.snapshot()

    response = client_for(manager).post(
        reverse("engagements:offboarding_start", args=[world.fresh.pk]), {"outcome": "completed"}
    )

    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert world.snapshot() == before


def test_closing_from_the_tab_while_items_are_open_shows_what_is_left(
    world: World, client_for: Callable[[Any], Any], manager: Any
) -> None:
    before = world.snapshot()

    response = client_for(manager).post(
        reverse("engagements:offboarding_close", args=[world.engagement.pk]), follow=True
    )

    assert "Cannot close yet" in response.content.decode()
    assert world.snapshot() == before


def test_the_offboarding_tab_runs_the_same_queries_for_3_and_30_grants(
    client_for: Callable[[Any], Any], manager: Any
) -> None:
    def engagement_with(grants: int) -> Engagement:
        engagement = EngagementFactory(owner=manager)
        for _ in range(grants):
            DataAccessGrantFactory(engagement=engagement)
        start(engagement)
        finish_everything(engagement)
        return engagement

    small, large = engagement_with(3), engagement_with(30)
    client = client_for(manager)

    def count(engagement: Engagement) -> int:
        url = reverse("engagements:engagement_offboarding", args=[engagement.pk])
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    count(small)
    assert count(small) == count(large)


# --- a tidy close: open work settled, check-ins called off, nothing more to enter ----------


def ready_to_close(engagement: Engagement) -> None:
    start(engagement)
    finish_everything(engagement)


def test_closing_waits_for_open_action_items_and_risks_and_names_them() -> None:
    engagement = EngagementFactory()
    ActionItemFactory(checkin__engagement=engagement, description="Send the last invoice")
    RiskFactory(engagement=engagement, title="Knowledge walks out")
    ready_to_close(engagement)

    with pytest.raises(ValidationError) as error:
        close_engagement(engagement=engagement, by=engagement.owner)

    assert "Send the last invoice" in str(error.value)
    assert "Knowledge walks out" in str(error.value)


def test_settling_closes_with_a_reason_or_hands_over_and_then_closing_goes_through() -> None:
    engagement = EngagementFactory()
    item = ActionItemFactory(checkin__engagement=engagement, description="Archive tickets")
    risk = RiskFactory(engagement=engagement, title="Data left at the vendor")
    successor = UserFactory(first_name="Ines", last_name="Ortega")
    ready_to_close(engagement)

    settle(thing=item, reason="Done by our own team.", by=engagement.owner)
    settle(
        thing=risk, reason="Deletion certificate due.", by=engagement.owner, hand_over_to=successor
    )
    close_engagement(engagement=engagement, by=engagement.owner)

    item.refresh_from_db()
    risk.refresh_from_db()
    assert item.done_on is not None and "Done by our own team." in item.resolution
    assert risk.status == Risk.Status.CLOSED and risk.owner == successor
    assert risk.resolution.startswith("Handed over to Ines Ortega")
    assert risk.history.first().resolution == risk.resolution  # kept in the history


def test_settling_without_a_reason_is_refused() -> None:
    item = ActionItemFactory()

    with pytest.raises(ValidationError):
        settle(thing=item, reason="  ", by=item.checkin.engagement.owner)

    item.refresh_from_db()
    assert item.done_on is None


def test_closing_cancels_every_check_in_still_to_hold() -> None:
    engagement = EngagementFactory()
    now = timezone.now()
    ahead = CheckInFactory(engagement=engagement, scheduled_for=now + datetime.timedelta(days=7))
    missed = CheckInFactory(engagement=engagement, scheduled_for=now - datetime.timedelta(days=2))
    held = CheckInFactory(
        engagement=engagement, scheduled_for=now - datetime.timedelta(days=9), recorded=True
    )
    ready_to_close(engagement)

    close_engagement(engagement=engagement, by=engagement.owner)

    for checkin in (ahead, missed, held):
        checkin.refresh_from_db()
    assert ahead.cancelled and missed.cancelled and not held.cancelled
    assert ahead.change_note.startswith("Engagement closed")


def test_the_settle_form_shows_its_error_in_its_row_and_writes_nothing(
    world: World, client_for: Callable[[Any], Any], manager: Any
) -> None:
    item = ActionItemFactory(checkin__engagement=world.engagement, description="Return laptops")
    url = reverse("engagements:action_item_settle", args=[world.engagement.pk, item.pk])

    response = client_for(manager).post(url, {f"action-{item.pk}-reason": ""})

    item.refresh_from_db()
    assert response.status_code == 200
    assert "Say why, so the record explains it." in response.content.decode()
    assert item.done_on is None


def test_settling_from_the_tab_hands_a_risk_over(
    world: World, client_for: Callable[[Any], Any], manager: Any
) -> None:
    risk = RiskFactory(engagement=world.engagement, title="Backups at the vendor")
    url = reverse("engagements:risk_settle", args=[world.engagement.pk, risk.pk])

    client_for(manager).post(
        url,
        {f"risk-{risk.pk}-reason": "IT keeps watch.", f"risk-{risk.pk}-hand_over_to": manager.pk},
    )

    risk.refresh_from_db()
    assert risk.status == Risk.Status.CLOSED
    assert "IT keeps watch." in risk.resolution


def test_a_closed_engagement_asks_for_nothing_more(
    client_for: Callable[[Any], Any], manager: Any
) -> None:
    engagement = EngagementFactory(owner=manager)
    checkin = CheckInFactory(
        engagement=engagement, scheduled_for=timezone.now() + datetime.timedelta(days=3)
    )
    ScorecardFactory(engagement=engagement, score=Decimal("71"))
    ready_to_close(engagement)
    close_engagement(engagement=engagement, by=manager)
    client = client_for(manager)

    tabs = {
        name: client.get(reverse(f"engagements:{name}", args=[engagement.pk])).content.decode()
        for name in ("engagement_communication", "engagement_kpis", "engagement_risks")
    }
    offboarding = client.get(
        reverse("engagements:engagement_offboarding", args=[engagement.pk])
    ).content.decode()
    refused = client.post(
        reverse("engagements:checkin_record", args=[engagement.pk, checkin.pk]), {}
    )

    assert "Record</a>" not in tabs["engagement_communication"]
    assert "Add an extra check-in" not in tabs["engagement_communication"]
    assert "Enter one value" not in tabs["engagement_kpis"]
    assert "Add a risk" not in tabs["engagement_risks"]
    assert "Final scorecard: <strong>71/100</strong>" in offboarding
    assert refused.status_code == 403


def test_an_item_is_ticked_with_a_note_and_evidence_anyone_who_reads_can_download(
    world: World, client_for: Callable[[Any], Any], manager: Any, viewer: Any
) -> None:
    item = OffboardingItem.objects.get(engagement=world.engagement, kind=Kind.RECOVER_DATA)
    url = reverse("engagements:offboarding_item_done", args=[world.engagement.pk, item.pk])
    upload = SimpleUploadedFile("deletion.pdf", b"%PDF-1.4 certificate", "application/pdf")

    client_for(manager).post(
        url,
        {
            f"item-{item.pk}-note": "Vendor deleted every export.",
            f"item-{item.pk}-evidence": upload,
        },
    )

    item.refresh_from_db()
    assert item.is_done and "Vendor deleted every export." in item.notes
    page = (
        client_for(viewer)
        .get(reverse("engagements:engagement_offboarding", args=[world.engagement.pk]))
        .content.decode()
    )
    download = reverse("engagements:offboarding_evidence", args=[world.engagement.pk, item.pk])
    assert download in page and "Vendor deleted every export." in page
    response = client_for(viewer).get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 certificate"


def test_a_file_of_the_wrong_kind_is_refused_in_its_row_and_the_item_stays_open(
    world: World, client_for: Callable[[Any], Any], manager: Any
) -> None:
    item = OffboardingItem.objects.get(engagement=world.engagement, kind=Kind.RECOVER_DATA)
    url = reverse("engagements:offboarding_item_done", args=[world.engagement.pk, item.pk])
    upload = SimpleUploadedFile("tool.exe", b"MZ\x90\x00", "application/octet-stream")

    response = client_for(manager).post(url, {f"item-{item.pk}-evidence": upload})

    item.refresh_from_db()
    assert response.status_code == 200
    assert not item.is_done
    assert "list-group-item" in response.content.decode()
    assert response.context["checklist"]
    refused = dict((i.pk, f) for i, f in response.context["checklist"])[item.pk]
    assert refused.errors["evidence"]


def test_open_work_with_an_owner_at_the_vendor_shows_and_costs_the_same_queries(
    world: World, client_for: Callable[[Any], Any], manager: Any
) -> None:
    url = reverse("engagements:engagement_offboarding", args=[world.engagement.pk])
    client = client_for(manager)
    ActionItemFactory(
        checkin__engagement=world.engagement, owner=None, owner_name="Priya at the vendor"
    )

    def count() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url).content.decode()
        return len(queries), page

    one, page = count()
    for _ in range(4):
        RiskFactory(engagement=world.engagement)
    five, _ = count()

    assert "Priya at the vendor" in page
    assert one == five


def test_a_live_engagements_tab_with_open_work_reads_no_one_to_hand_it_over_to(
    client_for: Callable[[Any], Any], manager: Any
) -> None:
    """Open work is settled only while offboarding: before that the tab neither shows the
    hand-over choice nor reads every manager for it, however many there are."""
    engagement = EngagementFactory(owner=manager)
    url = reverse("engagements:engagement_offboarding", args=[engagement.pk])
    client = client_for(manager)

    def count() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url).content.decode()
        return len(queries), page

    count()
    nothing_open, _ = count()
    ActionItemFactory(checkin__engagement=engagement, description="Send the handover notes")
    RiskFactory(engagement=engagement)
    open_work, page = count()

    assert "Hand over to" not in page
    assert open_work == nothing_open


def test_while_offboarding_open_work_can_be_handed_over_to_any_manager(
    client_for: Callable[[Any], Any], manager: Any, other_manager: Any
) -> None:
    engagement = EngagementFactory(owner=manager)
    ActionItemFactory(checkin__engagement=engagement, description="Send the handover notes")
    start(engagement)

    page = (
        client_for(manager)
        .get(reverse("engagements:engagement_offboarding", args=[engagement.pk]))
        .content.decode()
    )

    assert "Hand over to" in page
    # Picked by type-ahead from every manager, not listed: there may be thousands.
    assert reverse("people_search") in page
    assert f'value="{other_manager.pk}"' not in page
