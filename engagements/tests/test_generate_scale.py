"""`manage.py generate_scale`: a consistent organisation of the shape asked for, the same
every time, and never mixed into a database that holds anyone else's data."""

import zoneinfo
from io import StringIO

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from engagements.forms.compliance import MatrixFilterForm
from engagements.models import (
    Cadence,
    CheckIn,
    CommunicationPlan,
    Contract,
    Engagement,
    Kpi,
    KpiRollup,
    Measurement,
    Risk,
)
from engagements.scale import SIZES, USERNAME_PREFIX, WRITTEN, bulk
from engagements.views.compliance import matrix_vendors
from outsourcing.roles import MANAGER
from vendors.models import Vendor
from vendors.tests.factories import VendorFactory

# Dated: CI runs these at awkward moments too (outsourcing/tests/clock.py).
pytestmark = [pytest.mark.django_db, pytest.mark.dates]

# Small enough for a second or two, big enough for every status to turn up.
TINY = [
    "--people=30",
    "--vendors=6",
    "--engagements=14",
    "--kpis-per-engagement=2",
    "--years=1",
]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def frozen():
    """One moment for the whole test: two runs at it must give the same rows."""
    with time_machine.travel(timezone.now(), tick=False):
        yield


def generate(*options: str) -> str:
    out = StringIO()
    call_command("generate_scale", *TINY, *options, stdout=out)
    return out.getvalue()


def test_it_makes_the_organisation_of_the_shape_asked_for(frozen):
    output = generate()

    assert User.objects.count() == 30
    assert Vendor.objects.count() == 6
    assert Engagement.objects.count() == 14
    assert Kpi.objects.count() == 28
    assert Contract.objects.count() == CommunicationPlan.objects.count() == 14
    assert Measurement.objects.exists() and CheckIn.objects.exists()
    statuses = [e.status for e in Engagement.objects.all()]
    assert statuses.count("planned") == statuses.count("completed") == 1
    assert statuses.count("active") > len(statuses) / 2
    # Small enough for the generator to run the rollup itself.
    assert KpiRollup.objects.exists()
    assert "Generated people=30" in output


def test_every_engagement_is_owned_and_co_owned_by_managers(frozen):
    generate("--no-rollup")

    managers = set(User.objects.filter(groups__name=MANAGER).values_list("pk", flat=True))
    for engagement in Engagement.objects.prefetch_related("co_owners"):
        assert engagement.owner_id in managers
        co_owners = {user.pk for user in engagement.co_owners.all()}
        assert co_owners <= managers - {engagement.owner_id}


def test_measurements_fall_only_on_days_that_have_happened_while_the_work_went_on(frozen):
    generate("--no-rollup")

    today = timezone.localdate()
    for engagement in Engagement.objects.all():
        days = Measurement.objects.filter(kpi__engagement=engagement).values_list(
            "measured_on", flat=True
        )
        if engagement.status == Engagement.Status.PLANNED:
            assert not days
            continue
        assert days
        assert min(days) >= engagement.start_date
        assert max(days) <= min(engagement.end_date or today, today)


def test_check_ins_follow_their_plans_cadence(frozen):
    generate("--no-rollup")

    now = timezone.now()
    for plan in CommunicationPlan.objects.select_related("engagement"):
        engagement = plan.engagement
        zone = zoneinfo.ZoneInfo(plan.time_zone)
        local = [
            moment.astimezone(zone)
            for moment in engagement.checkins.order_by("scheduled_for").values_list(
                "scheduled_for", flat=True
            )
        ]
        if engagement.status == Engagement.Status.PLANNED:
            assert not local
            continue
        assert local
        assert {moment.weekday() for moment in local} == {plan.weekday}
        assert {moment.time() for moment in local} == {plan.time}
        assert local[0].date() >= plan.starts_on
        steps = {(b.date() - a.date()).days for a, b in zip(local, local[1:], strict=False)}
        if plan.cadence == Cadence.WEEKLY:
            assert steps <= {7}
        elif plan.cadence == Cadence.FORTNIGHTLY:
            assert steps <= {14}
        else:
            assert {moment.day for moment in local} <= set(range(1, 8))
        if engagement.status not in Engagement.LIVE_STATUSES:
            assert local[-1] <= now
        # Recorded only once held, and then with a colour.
        for checkin in engagement.checkins.all():
            if checkin.held_on is not None:
                assert checkin.scheduled_for < now
                assert checkin.status
                assert checkin.held_on == checkin.scheduled_for.astimezone(zone).date()


def test_fields_save_would_fill_in_are_filled_in_and_rows_pass_their_validation(frozen):
    generate("--no-rollup")

    for contract in Contract.objects.all():
        assert contract.notice_deadline == contract.compute_notice_deadline()
    for risk in Risk.objects.exclude(status=Risk.Status.CLOSED):
        assert risk.last_reviewed_on is not None
        assert risk.next_review_on == risk.last_reviewed_on + risk.review_interval()
        assert risk.residual_score <= risk.inherent_score
    for model in WRITTEN:
        for obj in model._default_manager.all()[:25]:
            obj.full_clean()
    assert not Measurement.objects.filter(created_at__gt=timezone.now()).exists()


class Rollback(Exception):
    pass


def generated_rows() -> dict[str, list[tuple]]:
    """Generate into the empty database, read what came out, and roll it all back."""
    with pytest.raises(Rollback), transaction.atomic():
        generate("--no-rollup")
        rows = {
            model._meta.label: list(model._default_manager.order_by("pk").values_list())
            for model in WRITTEN
        }
        raise Rollback
    return rows


def test_two_runs_into_empty_databases_give_the_same_rows(frozen):
    first = generated_rows()
    assert not Engagement.objects.exists()

    second = generated_rows()

    assert first == second
    assert len(first["engagements.Measurement"]) > 100


def test_it_refuses_a_database_holding_other_data():
    VendorFactory(legal_name="Someone's own vendor")

    with pytest.raises(CommandError, match="did not make"):
        generate()

    assert not User.objects.filter(username__startswith=USERNAME_PREFIX).exists()
    assert Vendor.objects.count() == 1
    assert not Engagement.objects.exists()


def test_it_leaves_its_own_organisation_alone_and_refuses_another_on_top(frozen):
    generate("--no-rollup")

    again = generate("--no-rollup")
    assert "nothing to do" in again
    assert User.objects.count() == 30

    with pytest.raises(CommandError, match="already holds an organisation"):
        generate("--no-rollup", "--seed=16")


def test_it_refuses_a_shape_it_cannot_make():
    with pytest.raises(CommandError, match="At least 3 people"):
        call_command("generate_scale", "--people=2", stdout=StringIO())
    with pytest.raises(CommandError, match="At most 12 KPIs per engagement"):
        call_command("generate_scale", "--kpis-per-engagement=13", stdout=StringIO())

    assert not User.objects.exists()


def test_large_is_small_about_thirty_times_over_with_a_page_of_everything_at_both():
    small, large = SIZES["small"], SIZES["large"]
    assert 30 <= large.people / small.people == large.engagements / small.engagements <= 40
    assert small.engagements > 25 and small.vendors > 25  # a full page of each list
    assert large.kpis_per_engagement == small.kpis_per_engagement
    assert large.years == small.years


def test_the_small_sizes_vendors_with_live_work_fill_a_page_of_the_compliance_matrix(
    frozen, settings
):
    # The benchmark compares a page at both sizes: at the small size the matrix once
    # showed 15 vendors against the large size's 25.
    small = SIZES["small"]
    call_command(
        "generate_scale",
        f"--people={small.people}",
        f"--vendors={small.vendors}",
        f"--engagements={small.engagements}",
        "--kpis-per-engagement=1",
        "--years=1",
        "--no-rollup",
        stdout=StringIO(),
    )

    in_matrix = matrix_vendors(MatrixFilterForm({}), timezone.localdate())
    assert in_matrix.count() >= settings.PAGE_SIZE


def test_rows_that_name_other_fields_than_the_first_are_refused():
    rows = [{"user": 1, "group": 1}, {"user": 2, "groupe": 1}]

    with pytest.raises(ValueError, match=r"Row 2 .* missing \['group'\], extra \['groupe'\]"):
        with transaction.atomic():
            bulk.insert(User.groups.through, rows)

    assert not User.groups.through.objects.exists()
