"""Hostile input to every form of step 3 (communication), to the engagement's terms and
contract, and to the reminder settings page."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from engagements.models import (
    ActionItem,
    Amendment,
    CheckIn,
    CommunicationPlan,
    Contract,
    Engagement,
    Milestone,
    PerformanceReview,
    ReminderPreference,
)
from engagements.tests import factories as ef
from outsourcing.models import Currency
from outsourcing.tests.factories import UserFactory
from outsourcing.tests.hostile import (
    XSS_PROBES,
    check_get,
    check_post,
    form_data,
    hostile_choice,
    hostile_date,
    hostile_flag,
    hostile_number,
    hostile_text,
    hostile_upload,
    sign_in,
)
from vendors.tests import factories as vf

pytestmark = pytest.mark.hostile

PROBE = XSS_PROBES[0]
# Zones at the edges of the offsets: a far date shown in them overflows if nothing stops it.
EAST = "Pacific/Kiritimati"  # UTC+14
WEST = "Pacific/Pago_Pago"  # UTC-11


@dataclass
class World:
    engagement: Engagement
    checkin: CheckIn
    item: ActionItem
    milestone: Milestone
    review: PerformanceReview
    teammate: Any
    inactive: Any


@pytest.fixture
def world(manager: Any) -> World:
    """A running engagement of the manager, its stored names carrying a script probe."""
    today = timezone.localdate()
    engagement = ef.EngagementFactory(
        owner=manager,
        title=f"Support desk {PROBE}",
        vendor=vf.VendorFactory(legal_name=f"Acme {PROBE}"),
        start_date=today - datetime.timedelta(days=60),
        end_date=today + datetime.timedelta(days=300),
    )
    ef.CommunicationPlanFactory(engagement=engagement, time_zone=EAST)
    checkin = ef.CheckInFactory(
        engagement=engagement, scheduled_for=timezone.now() - datetime.timedelta(days=2)
    )
    item = ef.ActionItemFactory(checkin=checkin, description=f"Send the report {PROBE}")
    milestone = ef.MilestoneFactory(engagement=engagement, title=f"Go live {PROBE}")
    review = ef.PerformanceReviewFactory(engagement=engagement, summary=f"Quality fell {PROBE}")
    ef.ContractFactory(engagement=engagement, reference=f"MSA {PROBE}")
    teammate = UserFactory(username="teammate", first_name=PROBE)
    teammate.groups.add(Group.objects.get_or_create(name="Manager")[0])
    inactive = UserFactory(username="gone", is_active=False)
    inactive.groups.add(Group.objects.get_or_create(name="Manager")[0])
    return World(engagement, checkin, item, milestone, review, teammate, inactive)


def url(name: str, world: World, **kwargs: int) -> str:
    return reverse(f"engagements:{name}", kwargs={"pk": world.engagement.pk, **kwargs})


def cleaned(value: Any) -> str:
    """What a Django CharField keeps of a posted string."""
    return str(value).strip()


def meeting_zone(world: World, data: st.DataObject) -> None:
    """Meetings set at the far east or the far west of the offsets, drawn per example."""
    zone = data.draw(st.sampled_from([EAST, WEST]), label="plan time zone")
    CommunicationPlan.objects.filter(engagement=world.engagement).update(time_zone=zone)


def far_datetime() -> st.SearchStrategy[str]:
    return st.one_of(
        hostile_date(),
        st.sampled_from(
            [
                "0001-01-01T00:00",
                "0001-01-01 00:00",
                "9999-12-31T23:59",
                "9999-12-31 23:59:59",
                "2026-02-30T10:00",
                "2026-12-01T24:00",
                "1970-01-01T00:00",
            ]
        ),
        st.datetimes(
            min_value=datetime.datetime(1, 1, 1), max_value=datetime.datetime(9999, 12, 31)
        ).map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M")),
    )


def management(prefix: str, total: Any = "1", initial: Any = "0") -> dict[str, Any]:
    return {
        f"{prefix}-TOTAL_FORMS": total,
        f"{prefix}-INITIAL_FORMS": initial,
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


MANAGEMENT_NONSENSE = st.one_of(
    st.sampled_from(["-1", "-2147483649", "1000000000", "9" * 40, "", "abc", "1e3", "\u0000"]),
    hostile_number(),
)


# --- the engagement list's filters ---------------------------------------------------------


@given(
    params=form_data(
        {"q": "Support", "status": "active", "sort": "title", "page": "1"},
        {
            "q": hostile_text(),
            "status": hostile_choice(Engagement.Status.values),
            "owner": hostile_choice(),
            "vendor": hostile_choice(),
            "sort": hostile_choice(["title", "-start", "end", "vendor", "-title", "pk; --"]),
            "page": hostile_number(),
        },
    )
)
def test_engagement_list_filters_survive_hostile_query(
    params: dict, world: World, manager: Any, client: Client
) -> None:
    sign_in(client, manager)
    check_get(client, reverse("engagements:engagement_list"), params)


# --- the communication plan and its escalation path ---------------------------------------


def plan_valid(world: World) -> dict[str, Any]:
    return {
        "channels": "Weekly video call",
        "cadence": "weekly",
        "weekday": "1",
        "time": "10:00",
        "time_zone": EAST,
        "duration_minutes": "30",
        "starts_on": world.engagement.start_date.isoformat(),
        "reporting_expectations": "A weekly report on Fridays.",
        **management("levels"),
        "levels-0-level": "1",
        "levels-0-who": "Account manager",
        "levels-0-contact": "am@vendor.example",
        "levels-0-response_time_hours": "24",
        "levels-0-when_to_escalate": "A missed deadline",
    }


def plan_saved(response: Any, data: dict[str, Any]) -> None:
    plan = CommunicationPlan.objects.get()
    assert plan.channels == cleaned(data["channels"])
    assert plan.time_zone == data["time_zone"].strip()
    assert plan.reporting_expectations == cleaned(data.get("reporting_expectations", ""))
    for level in plan.escalation_levels.all():
        assert level.who == cleaned(data["levels-0-who"])


def test_plan_form_valid_baseline_is_accepted(world: World, manager: Any, client: Client) -> None:
    sign_in(client, manager)
    response = client.post(url("communication_plan_edit", world), plan_valid(world))
    assert response.status_code == 302
    assert CommunicationPlan.objects.get().escalation_levels.count() == 1


@given(data=st.data())
def test_plan_form_survives_hostile_input(
    data: st.DataObject, world: World, manager: Any, client: Client
) -> None:
    sign_in(client, manager)
    body = data.draw(
        form_data(
            plan_valid(world),
            {
                "channels": hostile_text(),
                "cadence": hostile_choice(["weekly", "fortnightly", "monthly"]),
                "weekday": hostile_choice(range(7)),
                "time": hostile_text(max_size=10),
                "time_zone": st.one_of(st.sampled_from([EAST, WEST]), hostile_text()),
                "duration_minutes": hostile_number(),
                "starts_on": hostile_date(),
                "reporting_expectations": hostile_text(),
                "levels-TOTAL_FORMS": MANAGEMENT_NONSENSE,
                "levels-INITIAL_FORMS": MANAGEMENT_NONSENSE,
                "levels-0-level": hostile_number(),
                "levels-0-who": hostile_text(),
                "levels-0-contact": hostile_text(),
                "levels-0-response_time_hours": hostile_number(),
                "levels-0-when_to_escalate": hostile_text(),
                "levels-0-DELETE": hostile_flag(),
                "levels-0-id": hostile_choice(),
            },
        )
    )
    check_post(
        client,
        url("communication_plan_edit", world),
        body,
        writes={
            "engagements_communicationplan",
            "engagements_escalationlevel",
            "engagements_checkin",
        },
        then=plan_saved,
    )


# --- check-ins: an extra one, and recording one with its action items ----------------------


def test_unscheduled_checkin_valid_baseline_is_accepted(
    world: World, manager: Any, client: Client
) -> None:
    sign_in(client, manager)
    response = client.post(url("checkin_create", world), {"scheduled_for": "2026-12-15T10:00"})
    assert response.status_code == 302


@given(data=st.data())
def test_unscheduled_checkin_form_survives_hostile_input(
    data: st.DataObject, world: World, manager: Any, client: Client
) -> None:
    meeting_zone(world, data)
    sign_in(client, manager)
    # The only field is always attacked: half the values are plausible times, so the save
    # path is walked too.
    near = st.datetimes(
        min_value=datetime.datetime(2025, 1, 1), max_value=datetime.datetime(2028, 12, 31)
    ).map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M"))
    body = data.draw(
        form_data(
            {"scheduled_for": "2026-12-15T10:00"},
            {"scheduled_for": st.one_of(near, far_datetime())},
        )
    )

    def saved(response: Any, body: dict[str, Any]) -> None:
        assert CheckIn.objects.filter(engagement=world.engagement).count() == 2

    check_post(
        client, url("checkin_create", world), body, writes={"engagements_checkin"}, then=saved
    )


def record_valid(world: World) -> dict[str, Any]:
    return {
        "held_on": world.checkin.scheduled_for.date().isoformat(),
        "status": "amber",
        "attendees": "Ana, Ben",
        "progress_summary": "Backlog down by a third.",
        "blockers": "Access to the ticket system.",
        "decisions": "Weekly report from now on.",
        **management("items", total="1"),
        "items-0-description": "Grant ticket system access",
        "items-0-owner": str(world.engagement.owner_id),
        "items-0-owner_name": "",
        "items-0-due_date": (timezone.localdate() + datetime.timedelta(days=7)).isoformat(),
    }


def test_checkin_record_valid_baseline_is_accepted(
    world: World, manager: Any, client: Client
) -> None:
    sign_in(client, manager)
    body = record_valid(world)
    response = client.post(url("checkin_record", world, checkin_pk=world.checkin.pk), body)
    assert response.status_code == 302
    assert world.checkin.action_items.count() == 2


@given(data=st.data())
def test_checkin_record_form_survives_hostile_input(
    data: st.DataObject, world: World, manager: Any, client: Client
) -> None:
    meeting_zone(world, data)
    sign_in(client, manager)
    people = [world.engagement.owner_id, world.teammate.pk, world.inactive.pk]
    body = data.draw(
        form_data(
            record_valid(world),
            {
                "held_on": hostile_date(),
                "status": hostile_choice(["green", "amber", "red"]),
                "attendees": hostile_text(),
                "progress_summary": hostile_text(),
                "blockers": hostile_text(),
                "decisions": hostile_text(),
                "items-TOTAL_FORMS": MANAGEMENT_NONSENSE,
                "items-INITIAL_FORMS": MANAGEMENT_NONSENSE,
                "items-0-id": hostile_choice([world.item.pk]),
                "items-0-description": hostile_text(),
                "items-0-owner": hostile_choice(people),
                "items-0-owner_name": hostile_text(),
                "items-0-due_date": hostile_date(),
                "items-0-DELETE": hostile_flag(),
            },
        )
    )

    def saved(response: Any, body: dict[str, Any]) -> None:
        checkin = CheckIn.objects.get(pk=world.checkin.pk)
        assert checkin.held_on is not None
        assert checkin.status == body["status"]
        assert checkin.attendees == cleaned(body.get("attendees", ""))
        assert checkin.progress_summary == cleaned(body.get("progress_summary", ""))
        owners = set(checkin.action_items.values_list("owner_id", flat=True))
        assert world.inactive.pk not in owners, "an inactive colleague was given an action item"

    check_post(
        client,
        url("checkin_record", world, checkin_pk=world.checkin.pk),
        body,
        writes={"engagements_checkin", "engagements_actionitem"},
        then=saved,
    )


EXTRA_FIELDS = st.dictionaries(
    st.one_of(
        st.sampled_from(["done_on", "description", "owner", "completed_on", "pk", "id"]),
        st.text(min_size=1, max_size=20),
    ),
    st.one_of(hostile_text(), hostile_date(), hostile_number()),
    max_size=4,
)


@given(body=EXTRA_FIELDS)
def test_action_item_done_ignores_hostile_fields(
    body: dict, world: World, manager: Any, client: Client
) -> None:
    sign_in(client, manager)

    def saved(response: Any, body: dict[str, Any]) -> None:
        item = ActionItem.objects.get(pk=world.item.pk)
        assert item.done_on == timezone.localdate()
        assert item.description == f"Send the report {PROBE}"

    status = check_post(
        client,
        url("action_item_done", world, item_pk=world.item.pk),
        body,
        writes={"engagements_actionitem"},
        then=saved,
    )
    assert status == 302


# --- milestones --------------------------------------------------------------------------

MILESTONE_VALID = {
    "title": "Pilot complete",
    "due_date": "2026-12-20",
    "description": "The pilot team handles every ticket.",
    "completed_on": "",
}
MILESTONE_HOSTILE = {
    "title": hostile_text(),
    "due_date": hostile_date(),
    "description": hostile_text(),
    "completed_on": hostile_date(),
}


def milestone_saved(response: Any, data: dict[str, Any]) -> None:
    milestone = Milestone.objects.filter(engagement__isnull=False).latest("updated_at")
    assert milestone.title == cleaned(data["title"])
    assert milestone.description == cleaned(data.get("description", ""))
    assert milestone.completed_on is None or milestone.completed_on <= timezone.localdate()


def test_milestone_form_valid_baseline_is_accepted(
    world: World, manager: Any, client: Client
) -> None:
    sign_in(client, manager)
    assert client.post(url("milestone_create", world), MILESTONE_VALID).status_code == 302
    edit = url("milestone_update", world, milestone_pk=world.milestone.pk)
    assert client.post(edit, MILESTONE_VALID).status_code == 302


@given(data=form_data(MILESTONE_VALID, MILESTONE_HOSTILE))
def test_milestone_create_form_survives_hostile_input(
    data: dict, world: World, manager: Any, client: Client
) -> None:
    sign_in(client, manager)
    check_post(
        client,
        url("milestone_create", world),
        data,
        writes={"engagements_milestone"},
        then=milestone_saved,
    )


@given(data=form_data(MILESTONE_VALID, MILESTONE_HOSTILE))
def test_milestone_update_form_survives_hostile_input(
    data: dict, world: World, manager: Any, client: Client
) -> None:
    sign_in(client, manager)
    check_post(
        client,
        url("milestone_update", world, milestone_pk=world.milestone.pk),
        data,
        writes={"engagements_milestone"},
        then=milestone_saved,
    )


@given(body=EXTRA_FIELDS)
def test_milestone_complete_ignores_hostile_fields(
    body: dict, world: World, manager: Any, client: Client
) -> None:
    sign_in(client, manager)

    def saved(response: Any, body: dict[str, Any]) -> None:
        milestone = Milestone.objects.get(pk=world.milestone.pk)
        assert milestone.completed_on == timezone.localdate()
        assert milestone.title == f"Go live {PROBE}"

    status = check_post(
        client,
        url("milestone_complete", world, milestone_pk=world.milestone.pk),
        body,
        writes={"engagements_milestone"},
        then=saved,
    )
    assert status == 302


# --- the engagement's terms and its contract ----------------------------------------------

TERMS_WRITES = {
    "engagements_engagement",
    "engagements_historicalengagement",
    "engagements_historicalengagement_co_owners",
}
TERMS_VALID = {
    "scope": "First-line support by phone and chat.",
    "deliverables": "Monthly service report.",
    "budget": "85000.00",
    "currency": "EUR",
    "status": "on_hold",
}
TERMS_HOSTILE = {
    "scope": hostile_text(),
    "deliverables": hostile_text(),
    "budget": hostile_number(),
    "currency": hostile_choice(Currency.values),
    "status": hostile_choice(Engagement.Status.values),
}


def terms_saved(response: Any, data: dict[str, Any]) -> None:
    engagement = Engagement.objects.get(title__startswith="Support desk")
    assert engagement.scope == cleaned(data.get("scope", ""))
    assert engagement.deliverables == cleaned(data.get("deliverables", ""))
    assert engagement.status in (Engagement.Status.ACTIVE, Engagement.Status.ON_HOLD)
    assert engagement.budget is None or engagement.budget >= 0


def test_terms_form_valid_baseline_is_accepted(world: World, manager: Any, client: Client) -> None:
    sign_in(client, manager)
    assert client.post(url("engagement_terms", world), TERMS_VALID).status_code == 302


@given(data=form_data(TERMS_VALID, TERMS_HOSTILE))
def test_terms_form_survives_hostile_input(
    data: dict, world: World, manager: Any, client: Client
) -> None:
    sign_in(client, manager)
    check_post(client, url("engagement_terms", world), data, writes=TERMS_WRITES, then=terms_saved)


CONTRACT_WRITES = {"engagements_contract", "engagements_historicalcontract"}
CONTRACT_VALID = {
    "reference": "MSA-7",
    "value": "85000.00",
    "currency": "EUR",
    "start_date": "2026-01-01",
    "end_date": "2026-12-31",
    "renewal_date": "2026-12-01",
    "notice_period_days": "90",
    "service_levels": "Answer 80% of calls within 20 seconds.",
    "termination_terms": "90 days' notice.",
    "signed_on": "2025-12-20",
    "auto_renews": "on",
    "renewal_term_months": "12",
}
CONTRACT_HOSTILE = {
    "reference": hostile_text(),
    "value": hostile_number(),
    "currency": hostile_choice(Currency.values),
    "start_date": hostile_date(),
    "end_date": hostile_date(),
    "renewal_date": hostile_date(),
    "notice_period_days": hostile_number(),
    "service_levels": hostile_text(),
    "termination_terms": hostile_text(),
    "signed_on": hostile_date(),
    "auto_renews": hostile_flag(),
    "renewal_term_months": hostile_number(),
    "document": hostile_upload(),
}


def contract_saved(response: Any, data: dict[str, Any]) -> None:
    contract = Contract.objects.get(engagement__title__startswith="Support desk")
    assert contract.reference == cleaned(data.get("reference", ""))
    assert contract.service_levels == cleaned(data.get("service_levels", ""))
    assert contract.end_date >= contract.start_date
    # The deadline is a date the reminders can count back from.
    assert contract.notice_deadline.year >= 1990
    assert len(contract.document_name) <= 255
    assert not any(ord(c) < 32 for c in contract.document_name)
    # An automatic renewal always says by how much, within ten years.
    if contract.auto_renews:
        assert contract.renewal_term_months is not None
        assert 1 <= contract.renewal_term_months <= 120


def test_contract_form_valid_baseline_is_accepted(
    world: World, manager: Any, client: Client
) -> None:
    sign_in(client, manager)
    assert client.post(url("contract_edit", world), CONTRACT_VALID).status_code == 302


@given(data=form_data(CONTRACT_VALID, CONTRACT_HOSTILE))
def test_contract_form_survives_hostile_input(
    data: dict, world: World, manager: Any, client: Client
) -> None:
    sign_in(client, manager)
    check_post(
        client, url("contract_edit", world), data, writes=CONTRACT_WRITES, then=contract_saved
    )


# --- amendments and notice on the contract ---------------------------------------------------

# The world's contract started 60 days ago; yesterday is inside it and never in the future.
YESTERDAY = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
AMENDMENT_WRITES = {"engagements_amendment", "engagements_historicalamendment"}
AMENDMENT_VALID = {
    "effective_on": YESTERDAY,
    "summary": "Chat support added",
    "note": "Agreed at the quarterly review.",
}
AMENDMENT_HOSTILE = {
    "effective_on": hostile_date(),
    "summary": hostile_text(),
    "note": hostile_text(),
    "document": hostile_upload(),
}


def amendment_saved(response: Any, data: dict[str, Any]) -> None:
    amendment = Amendment.objects.get()
    assert amendment.summary == cleaned(data["summary"])
    assert amendment.note == cleaned(data.get("note", ""))
    assert amendment.effective_on >= amendment.contract.start_date
    assert len(amendment.document_name) <= 255


def test_amendment_and_notice_forms_valid_baselines_are_accepted(
    world: World, manager: Any, client: Client
) -> None:
    sign_in(client, manager)
    assert client.post(url("amendment_create", world), AMENDMENT_VALID).status_code == 302
    assert client.post(url("contract_notice", world), NOTICE_VALID).status_code == 302
    assert Contract.objects.get(engagement=world.engagement).notice_given


@given(data=form_data(AMENDMENT_VALID, AMENDMENT_HOSTILE))
def test_amendment_form_survives_hostile_input(
    data: dict, world: World, manager: Any, client: Client
) -> None:
    sign_in(client, manager)
    check_post(
        client, url("amendment_create", world), data, writes=AMENDMENT_WRITES, then=amendment_saved
    )


NOTICE_VALID = {"given_on": YESTERDAY, "reason": "Bringing support in-house."}
NOTICE_HOSTILE = {"given_on": hostile_date(), "reason": hostile_text()}


def notice_saved(response: Any, data: dict[str, Any]) -> None:
    contract = Contract.objects.get(engagement__title__startswith="Support desk")
    assert contract.notice_reason == cleaned(data["reason"])
    assert contract.notice_given_on is not None
    assert contract.start_date <= contract.notice_given_on <= timezone.localdate()


@given(data=form_data(NOTICE_VALID, NOTICE_HOSTILE))
def test_notice_form_survives_hostile_input(
    data: dict, world: World, manager: Any, client: Client
) -> None:
    sign_in(client, manager)
    check_post(
        client, url("contract_notice", world), data, writes=CONTRACT_WRITES, then=notice_saved
    )


# --- performance reviews ------------------------------------------------------------------


def test_review_forms_valid_baselines_are_accepted(
    world: World, manager: Any, client: Client
) -> None:
    sign_in(client, manager)
    created = client.post(url("review_create", world), {"summary": "Rework rate doubled."})
    assert created.status_code == 302
    decide = url("review_decide", world, review_pk=world.review.pk)
    decided = client.post(decide, {"decision": "continue", "decision_notes": "Back on track."})
    assert decided.status_code == 302
    world.review.refresh_from_db()
    assert world.review.decision == "continue"


@given(data=form_data({"summary": "Rework rate doubled."}, {"summary": hostile_text()}))
def test_manual_review_form_survives_hostile_input(
    data: dict, world: World, manager: Any, client: Client
) -> None:
    sign_in(client, manager)

    def saved(response: Any, data: dict[str, Any]) -> None:
        review = PerformanceReview.objects.exclude(pk=world.review.pk).get()
        assert review.summary == cleaned(data["summary"])

    check_post(
        client,
        url("review_create", world),
        data,
        writes={"engagements_performancereview"},
        then=saved,
    )


@given(
    data=form_data(
        # An improvement plan also needs its owner and follow-up date (tried hostile here).
        {"decision": "continue", "decision_notes": "Thirty-day plan agreed."},
        {
            "decision": hostile_choice(PerformanceReview.Decision.values),
            "decision_notes": hostile_text(),
            "plan_owner": hostile_text(max_size=30),
            "follow_up_on": hostile_text(max_size=30),
        },
    )
)
def test_review_decision_form_survives_hostile_input(
    data: dict, world: World, manager: Any, client: Client
) -> None:
    sign_in(client, manager)

    def saved(response: Any, data: dict[str, Any]) -> None:
        review = PerformanceReview.objects.get(pk=world.review.pk)
        assert review.decision == data["decision"]
        assert review.decision_notes == cleaned(data["decision_notes"])
        assert review.decided_by == manager

    check_post(
        client,
        url("review_decide", world, review_pk=world.review.pk),
        data,
        writes={"engagements_performancereview"},
        then=saved,
    )


# --- reminder settings -----------------------------------------------------------------------

PREFERENCES_VALID = {
    "time_zone": "Europe/Berlin",
    "digest_enabled": "on",
    "digest_weekday": "0",
    "digest_hour": "8",
    "checkin_reminders": "on",
    "deadline_reminders": "on",
}


def test_reminder_preferences_valid_baseline_is_accepted(manager: Any, client: Client) -> None:
    sign_in(client, manager)
    response = client.post(reverse("engagements:reminder_preferences"), PREFERENCES_VALID)
    assert response.status_code == 302
    assert ReminderPreference.objects.get(user=manager).time_zone == "Europe/Berlin"


@given(
    data=form_data(
        PREFERENCES_VALID,
        {
            "time_zone": st.one_of(st.sampled_from([EAST, WEST, "utc", "UTC "]), hostile_text()),
            "digest_enabled": hostile_flag(),
            "digest_weekday": st.one_of(
                st.sampled_from(["-1", "7", "Monday", "0.5", "1e1"]), hostile_choice(range(7))
            ),
            "digest_hour": st.one_of(
                st.sampled_from(["-1", "24", "23", "0", "08", "8.0", "99999999999999999999"]),
                hostile_number(),
            ),
            "checkin_reminders": hostile_flag(),
            "deadline_reminders": hostile_flag(),
        },
    )
)
def test_reminder_preferences_form_survives_hostile_input(
    data: dict, manager: Any, client: Client
) -> None:
    sign_in(client, manager)

    def saved(response: Any, data: dict[str, Any]) -> None:
        preference = ReminderPreference.objects.get(user=manager)
        assert preference.time_zone == data["time_zone"].strip()
        assert 0 <= preference.digest_hour <= 23
        assert 0 <= preference.digest_weekday <= 6

    check_post(
        client,
        reverse("engagements:reminder_preferences"),
        data,
        writes={"engagements_reminderpreference"},
        then=saved,
    )


# --- regressions found by the examples above ---------------------------------------------------


@pytest.mark.parametrize("zone", [EAST, WEST])
@pytest.mark.parametrize("moment", ["9999-12-31T23:59", "0001-01-01T00:00", "2100-01-01T10:00"])
def test_extra_checkin_far_from_today_is_refused_next_to_the_field(
    zone: str, moment: str, world: World, manager: Any, client: Client
) -> None:
    CommunicationPlan.objects.filter(engagement=world.engagement).update(time_zone=zone)
    sign_in(client, manager)
    response = client.post(url("checkin_create", world), {"scheduled_for": moment})
    assert response.status_code == 200
    assert "Pick a time within 10 years of today." in response.content.decode()
    assert CheckIn.objects.filter(engagement=world.engagement).count() == 1


def test_plan_starting_near_the_year_9999_is_refused_next_to_the_field(
    world: World, manager: Any, client: Client
) -> None:
    sign_in(client, manager)
    body = {**plan_valid(world), "starts_on": "9999-12-31"}
    response = client.post(url("communication_plan_edit", world), body)
    assert response.status_code == 200
    assert "Start the plan within 10 years from today." in response.content.decode()
    assert CommunicationPlan.objects.get().starts_on == world.engagement.start_date


def test_escalation_path_refuses_more_than_nine_levels_however_many_are_claimed(
    world: World, manager: Any, client: Client
) -> None:
    sign_in(client, manager)
    body = {**plan_valid(world), "levels-TOTAL_FORMS": "1000000000", "channels": ""}
    response = client.post(url("communication_plan_edit", world), body)
    assert response.status_code == 200
    page = response.content.decode()
    assert "An escalation path has at most 9 levels." in page
    assert page.count('name="levels-') < 9 * 8  # nine rows at most, not Django's 2,000


def test_checkin_refuses_a_tampered_number_of_action_items(
    world: World, manager: Any, client: Client
) -> None:
    sign_in(client, manager)
    body = {**record_valid(world), "items-TOTAL_FORMS": "1000000000"}
    response = client.post(url("checkin_record", world, checkin_pk=world.checkin.pk), body)
    assert response.status_code == 200
    assert "A check-in holds at most 50 action items." in response.content.decode()
    assert CheckIn.objects.get(pk=world.checkin.pk).held_on is None
