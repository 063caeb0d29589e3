"""`manage.py seed_demo`: the reference document's stories, and safe to run twice."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import call_command
from django.http import HttpRequest
from django.utils import timezone

from engagements.demo import DEMO_PASSWORD, DEMO_USERS
from engagements.models import (
    Candidate,
    CheckIn,
    ComplianceItem,
    Engagement,
    Measurement,
    OffboardingItem,
    PerformanceReview,
    Risk,
    Selection,
)
from engagements.selectors.spend import spend_summary
from vendors.models import Vendor

# Dated: CI runs these at awkward moments too (outsourcing/tests/clock.py).
pytestmark = [pytest.mark.django_db, pytest.mark.dates]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    counts = {"auth.User": User.objects.count()}
    for app in ("vendors", "engagements"):
        for model in apps.get_app_config(app).get_models():
            counts[model._meta.label] = model._default_manager.count()
    return counts


def test_running_it_twice_adds_nothing_twice():
    seed()
    first = row_counts()

    output = seed()

    assert row_counts() == first
    assert "nothing added" in output


def test_a_run_weeks_later_keeps_the_stories_and_only_schedules_new_checkins():
    seed()
    first = row_counts()

    with time_machine.travel(timezone.now() + datetime.timedelta(days=40), tick=False):
        output = seed()

    later = row_counts()
    assert {label for label in first if later[label] != first[label]} <= {"engagements.CheckIn"}
    assert "dated from" in output


@pytest.mark.parametrize(
    "first_run",
    [
        # Half an hour before the content studio's weekly Monday 09:30 (London) check-in,
        # and half an hour after it.
        datetime.datetime(2026, 12, 7, 9, 0, tzinfo=datetime.UTC),
        datetime.datetime(2026, 12, 7, 10, 0, tzinfo=datetime.UTC),
        # A minute before IT support's monthly first-Wednesday 14:00 (Berlin) review, and
        # half an hour after it.
        datetime.datetime(2027, 1, 6, 12, 59, tzinfo=datetime.UTC),
        datetime.datetime(2027, 1, 6, 13, 30, tzinfo=datetime.UTC),
        # A quarter of an hour before midnight.
        datetime.datetime(2027, 2, 28, 23, 45, tzinfo=datetime.UTC),
    ],
)
def test_runs_later_that_day_and_weeks_later_find_the_first_runs_stories(
    first_run: datetime.datetime,
) -> None:
    with time_machine.travel(first_run, tick=False):
        seed()
    first = row_counts()

    # Later the same day (in TIME_ZONE): a check-in upcoming when the stories were told
    # stays so.
    later_that_day = timezone.localtime(first_run).replace(hour=23, minute=59)
    with time_machine.travel(later_that_day, tick=False):
        output = seed()
    assert row_counts() == first
    assert "nothing added" in output

    with time_machine.travel(first_run + datetime.timedelta(days=40), tick=False):
        seed()
    later = row_counts()
    assert {label for label in first if later[label] != first[label]} == {"engagements.CheckIn"}


# Written only by the scheduled jobs. A demo row would pretend a job had run: an outbox
# key would stop the real reminder it names from ever being queued. (The seed does run the
# real rollup job, so its JobRun watermark is the truth.)
LEFT_TO_THE_JOBS = {"engagements.OutboundEmail"}


def test_every_model_of_both_apps_has_rows_except_the_job_bookkeeping():
    seed()

    empty = {label for label, count in row_counts().items() if count == 0}
    assert empty == LEFT_TO_THE_JOBS


def test_the_stories_spend_shows_above_plan_and_nearing_its_limit():
    seed()

    service = Engagement.objects.get(title="Customer service – phone, email and chat")
    support = Engagement.objects.get(title__startswith="24/7 IT support")
    service_spend, support_spend = spend_summary(service), spend_summary(support)

    assert len(service_spend.lines) == 9
    assert service_spend.unconverted == 0  # the USD rate is kept
    assert service_spend.spent == Decimal("163944.00")  # 9 × 19,800 USD at 0.92
    assert {burn.label: burn.level for burn in support_spend.burns} == {
        "budget": "near",
        "contract value": "near",
    }


def test_it_prints_the_demo_logins_and_they_work():
    output = seed()

    assert DEMO_PASSWORD in output
    for demo_user in DEMO_USERS:
        assert demo_user.username in output
        # django-axes throttles logins per request, so authenticate() needs one.
        user = authenticate(HttpRequest(), username=demo_user.username, password=DEMO_PASSWORD)
        assert user is not None
        assert list(user.groups.values_list("name", flat=True)) == [demo_user.group]
    assert User.objects.get(username="admin").is_superuser


def test_customer_service_is_brought_back_in_house():
    seed()

    engagement = Engagement.objects.get(title__startswith="Customer service")
    assert engagement.status == Engagement.Status.IN_HOUSE
    review = engagement.reviews.get(trigger=PerformanceReview.Trigger.KPI_RED_STREAK)
    assert review.decision == PerformanceReview.Decision.BRING_IN_HOUSE
    assert review.decided_at is not None
    assert review.kpi is not None and review.kpi.name == "Customer satisfaction"
    red_months = review.kpi.rollups.filter(status="red").count()
    assert red_months >= 3
    scores = [s.score for s in engagement.scorecards.order_by("period_start")]
    scored = [score for score in scores if score is not None]
    assert scored[0] > 90
    assert scored[-1] < 20
    # The month after the decision has no measurements: "no data", never zero.
    assert scores[-1] is None
    assert engagement.vendor.status == Vendor.Status.OFFBOARDED
    assert engagement.vendor.status_changes.filter(new_status=Vendor.Status.OFFBOARDED).exists()
    assert engagement.vendor.standing == Vendor.Standing.POOR
    items = engagement.offboarding_items.all()
    assert items.filter(kind=OffboardingItem.Kind.REVOKE_ACCESS).count() == (
        engagement.access_grants.count()
    )
    done = items.filter(done_at__isnull=False).count()
    assert items.count() > done > items.count() / 2


def test_customer_services_contract_renewed_itself_once_then_notice_was_given():
    seed()

    contract = Engagement.objects.get(title__startswith="Customer service").contract
    assert contract.auto_renews and contract.renewal_term_months == 12
    # A six-month first term rolled on once by twelve months: eighteen months in all.
    eighteen_months = contract.start_date + relativedelta(months=18)
    assert contract.end_date == eighteen_months - datetime.timedelta(days=1)
    reasons = list(
        contract.history.exclude(history_change_reason=None)
        .order_by("history_id")
        .values_list("history_change_reason", flat=True)
    )
    assert len(reasons) == 2
    assert reasons[0].startswith("Renewed automatically for 12 months; notice deadline now")
    assert reasons[1] == "Notice given"
    assert contract.notice_given_on is not None
    assert contract.notice_given_by is not None and contract.notice_given_by.username == "manager"
    assert contract.amendments.count() == 1


def test_customer_service_went_through_the_award_and_the_offboarding_checklist():
    seed()

    engagement = Engagement.objects.get(title__startswith="Customer service")
    selection = engagement.selection
    assert selection is not None and selection.status == Selection.Status.AWARDED
    assert selection.awarded_proposal is not None
    assert selection.awarded_proposal.vendor == engagement.vendor
    assert engagement.candidate is not None
    assert engagement.candidate.status == Candidate.Status.OUTSOURCED
    assert engagement.offboarding_outcome == Engagement.Status.IN_HOUSE
    items = engagement.offboarding_items.select_related("grant")
    assert set(OffboardingItem.Kind) - {OffboardingItem.Kind.OTHER} <= {i.kind for i in items}
    final_review = items.get(kind=OffboardingItem.Kind.FINAL_REVIEW)
    assert final_review.notes and final_review.done_at is None
    for item in items.filter(kind=OffboardingItem.Kind.REVOKE_ACCESS):
        assert item.grant is not None
        assert (item.done_at is None) == (item.grant.revoked_on is None)


def test_infographics_studio_got_back_on_track_with_weekly_checkins():
    seed()

    engagement = Engagement.objects.get(title="Blog content and infographics")
    recorded = engagement.checkins.filter(held_on__isnull=False).order_by("scheduled_for")
    assert [c.status for c in recorded[:4]] == ["amber", "amber", "amber", "red"]
    assert "No regular updates" in recorded[0].blockers
    latest = recorded.last()
    assert latest is not None and latest.status == "green"
    assert engagement.communication_plan.escalation_levels.count() == 3
    cards = list(engagement.scorecards.order_by("period_start"))
    assert cards[0].score is not None and cards[0].score < 50
    # Back on track in the latest month with figures. Values come every Friday, so the
    # current month is "no data" until its first Friday: never a zero.
    today = timezone.localdate()
    months = Measurement.objects.filter(kpi__engagement=engagement).dates("measured_on", "month")
    last_measured = months.last()
    assert last_measured is not None
    assert cards[-1].period_start == today.replace(day=1)
    for card in cards:
        if card.period_start == last_measured:
            assert card.score is not None and card.score > 95
        elif card.period_start > last_measured:
            assert card.score is None and today.day < 7
    expiring = ComplianceItem.objects.filter(
        engagement=engagement, expires_on__range=(today, today + datetime.timedelta(days=30))
    )
    assert expiring.count() == 1


def test_it_support_shows_risks_evidence_and_an_early_notice_deadline():
    seed()

    engagement = Engagement.objects.get(title__startswith="24/7 IT support")
    today = timezone.localdate()
    assert engagement.vendor.tier == Vendor.Tier.CRITICAL
    assert today < engagement.contract.notice_deadline <= today + datetime.timedelta(days=60)
    risks = list(engagement.risks.all())
    assert sum(r.is_above_appetite() for r in risks) == 1
    assert Risk.objects.filter(engagement=engagement, next_review_on__lt=today).count() == 1
    assert engagement.access_grants.filter(classification="restricted").exists()
    # The vendor's hosting sub-processor reaches two of its grants.
    touched = engagement.access_grants.filter(sub_processors__name="CloudVault Hosting B.V.")
    assert touched.count() == 2
    valid = {
        item.requirement.name
        for item in engagement.compliance_items.all()
        if item.status_on(today) == "valid"
    }
    assert {"SOC 2 report", "ISO 27001 certificate"} <= valid
    uptime = engagement.kpis.get(name="Uptime").rollups
    assert {r.status for r in uptime.filter(period_end__lt=today)} == {"green"}
    assert uptime.get(period_end__gte=today).status == "no_data"  # this month's is not in yet


def test_bookkeeping_selection_is_being_scored_by_two_colleagues_who_disagree():
    seed()

    selection = Selection.objects.get(status=Selection.Status.EVALUATING)
    assert selection.proposals.count() == 3
    assert len({p.currency for p in selection.proposals.all()}) == 3
    assert selection.criteria_weight_total() == 100
    assert selection.criteria.filter(category="cultural_fit").exists()
    evaluators = selection.evaluators.all()
    assert evaluators.count() == 2
    assert sorted(e.submitted_at is None for e in evaluators) == [False, True]
    ranking = selection.evaluation(submitted_only=False).ranking
    assert len(ranking) == 3
    assert any(row.disagreements for row in ranking)


def test_the_registry_has_vendors_in_every_status_and_an_overdue_checkin():
    seed()

    assert set(Vendor.objects.values_list("status", flat=True)) == set(Vendor.Status.values)
    assert Vendor.objects.filter(certifications__expires_on__lt=timezone.localdate()).exists()
    assert CheckIn.objects.overdue().count() == 1
    assert PerformanceReview.objects.filter(decided_at__isnull=True).count() == 1
