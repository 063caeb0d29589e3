"""Step 5 rules: risk levels, the heat map, review intervals, appetite and compliance status."""

import datetime

import pytest
import time_machine

from engagements.models import ComplianceStatus, Risk
from engagements.models.compliance import compliance_status
from engagements.models.risk import heat_map_cell, risk_level
from engagements.tests.factories import ComplianceItemFactory, EvidenceFactory, RiskFactory

TODAY = datetime.date(2025, 5, 14)


# --- risk_level() and the heat map --------------------------------------------


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (1, "low"),
        (4, "low"),
        (5, "medium"),
        (9, "medium"),
        (10, "high"),
        (12, "high"),
        (14, "high"),
        (15, "critical"),
        (25, "critical"),
    ],
)
def test_risk_level_bands(score, expected):
    assert risk_level(score) == expected


@pytest.mark.parametrize(
    ("likelihood", "impact", "cell"),
    [
        (5, 1, (0, 0)),  # top left: almost certain, negligible
        (5, 5, (0, 4)),  # top right: almost certain, severe
        (1, 1, (4, 0)),  # bottom left: rare, negligible
        (1, 5, (4, 4)),  # bottom right: rare, severe
        (3, 2, (2, 1)),
    ],
)
def test_heat_map_cell_puts_likely_risks_on_top_and_severe_ones_on_the_right(
    likelihood, impact, cell
):
    assert heat_map_cell(likelihood, impact) == cell


@pytest.mark.parametrize(("likelihood", "impact"), [(0, 3), (6, 3), (3, 0), (3, 6), (-1, -1)])
def test_heat_map_cell_refuses_values_outside_1_to_5(likelihood, impact):
    with pytest.raises(ValueError, match="1 to 5"):
        heat_map_cell(likelihood, impact)


def test_a_risk_sits_on_the_heat_map_by_residual_or_inherent_scores():
    risk = RiskFactory.build(likelihood=4, impact=5, residual_likelihood=2, residual_impact=3)

    assert risk.heat_map_cell() == (3, 2)
    assert risk.heat_map_cell(residual=False) == (1, 4)


def test_a_risk_level_follows_its_residual_score():
    risk = RiskFactory.build(likelihood=5, impact=5, residual_likelihood=2, residual_impact=2)

    assert (risk.inherent_score, risk.residual_score, risk.level) == (25, 4, "low")


# --- review intervals ---------------------------------------------------------


@pytest.mark.parametrize(
    ("residual_likelihood", "residual_impact", "days"),
    [
        (5, 3, 30),
        (5, 5, 30),
        (2, 5, 60),
        (3, 4, 60),
        (1, 5, 90),
        (3, 3, 90),
        (2, 2, 180),
        (1, 1, 180),
    ],
)
def test_higher_residual_risks_are_reviewed_more_often(residual_likelihood, residual_impact, days):
    risk = RiskFactory.build(
        residual_likelihood=residual_likelihood, residual_impact=residual_impact
    )

    assert risk.review_interval() == datetime.timedelta(days=days)


@pytest.mark.django_db
@time_machine.travel(datetime.datetime(2025, 5, 14, 9, tzinfo=datetime.UTC), tick=False)
def test_a_new_risk_gets_its_next_review_date_from_today():
    risk = RiskFactory(residual_likelihood=4, residual_impact=4)  # 16: critical, 30 days

    risk.refresh_from_db()
    assert risk.next_review_on == datetime.date(2025, 6, 13)


@pytest.mark.django_db
def test_a_new_risk_reviewed_before_counts_from_its_last_review():
    risk = RiskFactory(
        residual_likelihood=2, residual_impact=5, last_reviewed_on=datetime.date(2025, 1, 1)
    )

    risk.refresh_from_db()
    assert risk.next_review_on == datetime.date(2025, 3, 2)  # high: 60 days


@pytest.mark.django_db
def test_a_next_review_date_given_on_create_is_kept():
    risk = RiskFactory(next_review_on=datetime.date(2025, 7, 1))

    risk.refresh_from_db()
    assert risk.next_review_on == datetime.date(2025, 7, 1)


@pytest.mark.django_db
def test_a_closed_risk_gets_no_review_date():
    risk = RiskFactory(status=Risk.Status.CLOSED)

    risk.refresh_from_db()
    assert risk.next_review_on is None


@pytest.mark.django_db
def test_marking_a_risk_reviewed_sets_the_next_review_from_its_current_score():
    risk = RiskFactory(residual_likelihood=1, residual_impact=2)  # low: 180 days
    risk.residual_likelihood, risk.residual_impact = 3, 5  # worse now: critical
    risk.save()

    risk.mark_reviewed(TODAY)

    risk.refresh_from_db()
    assert risk.last_reviewed_on == TODAY
    assert risk.next_review_on == TODAY + datetime.timedelta(days=30)


@pytest.mark.django_db
@time_machine.travel(datetime.datetime(2025, 5, 14, 9, tzinfo=datetime.UTC), tick=False)
def test_marking_a_risk_reviewed_defaults_to_today():
    risk = RiskFactory(residual_likelihood=2, residual_impact=3)  # medium: 90 days

    risk.mark_reviewed()

    risk.refresh_from_db()
    assert risk.last_reviewed_on == TODAY
    assert risk.next_review_on == datetime.date(2025, 8, 12)


# --- risk appetite ------------------------------------------------------------


@pytest.mark.parametrize(
    ("residual_likelihood", "residual_impact", "above"),
    [(3, 4, True), (4, 4, True), (2, 5, False), (1, 1, False)],
    ids=["exactly-at-appetite", "above", "just-below", "far-below"],
)
def test_a_risk_at_or_above_the_appetite_score_is_above_appetite(
    settings, residual_likelihood, residual_impact, above
):
    settings.RISK_APPETITE_SCORE = 12
    risk = RiskFactory.build(
        residual_likelihood=residual_likelihood, residual_impact=residual_impact
    )

    assert risk.is_above_appetite() is above


def test_the_appetite_follows_the_setting(settings):
    risk = RiskFactory.build(residual_likelihood=2, residual_impact=3)  # 6

    settings.RISK_APPETITE_SCORE = 6
    assert risk.is_above_appetite()
    settings.RISK_APPETITE_SCORE = 7
    assert not risk.is_above_appetite()


# --- compliance_status() ------------------------------------------------------


@pytest.mark.parametrize(
    ("has_evidence", "accepted", "expires_on", "expected"),
    [
        (False, False, None, ComplianceStatus.MISSING),
        (False, False, TODAY + datetime.timedelta(days=30), ComplianceStatus.MISSING),
        (False, False, TODAY - datetime.timedelta(days=1), ComplianceStatus.MISSING),
        (True, False, None, ComplianceStatus.PENDING),
        (True, False, TODAY + datetime.timedelta(days=30), ComplianceStatus.PENDING),
        (True, True, None, ComplianceStatus.VALID),
        (True, True, TODAY + datetime.timedelta(days=30), ComplianceStatus.VALID),
        (True, True, TODAY, ComplianceStatus.VALID),
        (True, True, TODAY - datetime.timedelta(days=1), ComplianceStatus.EXPIRED),
        (True, False, TODAY - datetime.timedelta(days=1), ComplianceStatus.EXPIRED),
    ],
    ids=[
        "no-evidence",
        "no-evidence-with-expiry",
        "no-evidence-past-expiry",
        "evidence-not-accepted",
        "evidence-not-accepted-with-expiry",
        "accepted-no-expiry",
        "accepted-expires-later",
        "expires-today-still-valid",
        "expired-yesterday",
        "unaccepted-expired-yesterday",
    ],
)
def test_compliance_status(has_evidence, accepted, expires_on, expected):
    status = compliance_status(
        has_evidence=has_evidence, accepted=accepted, expires_on=expires_on, today=TODAY
    )

    assert status == expected


@pytest.mark.django_db
def test_a_compliance_item_without_uploaded_evidence_is_missing():
    item = ComplianceItemFactory()

    assert item.status_on(TODAY) == ComplianceStatus.MISSING


@pytest.mark.django_db
def test_a_compliance_item_with_evidence_waits_for_acceptance():
    item = EvidenceFactory().item

    assert item.status_on(TODAY) == ComplianceStatus.PENDING


@pytest.mark.django_db
def test_accepted_evidence_is_valid_through_its_expiry_day_and_expired_the_day_after():
    item = EvidenceFactory(
        item__expires_on=TODAY,
        item__accepted_at=datetime.datetime(2025, 1, 2, tzinfo=datetime.UTC),
    ).item

    assert item.status_on(TODAY) == ComplianceStatus.VALID
    assert item.status_on(TODAY + datetime.timedelta(days=1)) == ComplianceStatus.EXPIRED


@pytest.mark.django_db
@time_machine.travel(datetime.datetime(2025, 5, 14, 23, 30, tzinfo=datetime.UTC), tick=False)
def test_compliance_status_defaults_to_today():
    accepted = datetime.datetime(2025, 1, 2, tzinfo=datetime.UTC)
    expires_today = ComplianceItemFactory(expires_on=TODAY, accepted_at=accepted)
    expired_yesterday = ComplianceItemFactory(
        expires_on=TODAY - datetime.timedelta(days=1), accepted_at=accepted
    )

    assert expires_today.status_on(has_evidence=True) == ComplianceStatus.VALID
    assert expired_yesterday.status_on(has_evidence=True) == ComplianceStatus.EXPIRED
