"""The audit trail: who changed what, when – recorded on save, shown on each page."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from engagements.models import (
    ComplianceItem,
    Contract,
    DataAccessGrant,
    Engagement,
    Kpi,
    KpiStatus,
    Measurement,
    Risk,
    Scorecard,
)
from engagements.selectors.history import risk_history
from engagements.services.monitoring import write_scorecards
from engagements.tests.factories import (
    ComplianceItemFactory,
    ComplianceRequirementFactory,
    ContractFactory,
    DataAccessGrantFactory,
    EngagementFactory,
    KpiFactory,
    KpiRollupFactory,
    KpiTemplateFactory,
    MeasurementFactory,
    RiskFactory,
)
from outsourcing.history import HISTORY_LIMIT
from vendors.models import Vendor
from vendors.tests.factories import VendorFactory

pytestmark = pytest.mark.django_db

ARROW = "→"


@pytest.fixture
def engagement(manager: Any) -> Engagement:
    return EngagementFactory(owner=manager, vendor=VendorFactory(owner=manager))


def form_data(response: Any, **changes: Any) -> dict[str, Any]:
    """The page's form as the browser would send it back, with `changes`."""
    form = response.context["form"]
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[form.add_prefix(name)] = "on" if value is True else value
    data.update(changes)
    return data


def latest(history: Any) -> Any:
    return history.order_by("-history_id").first()


def page(client: Any, name: str, *args: Any) -> str:
    """The page's history section as text, tags removed."""
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    section = response.content.decode().split('id="change-history"')[1].split("</section>")[0]
    return " ".join(re.sub(r"<[^>]+>", " ", section).split())


# --- changes through the pages record the user ----------------------------------------


def test_changing_a_vendors_status_records_who_and_shows_it_on_the_vendor_page(
    engagement: Engagement, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    vendor = engagement.vendor
    client = client_for(manager)

    response = client.post(
        reverse("vendors:vendor_status", args=[vendor.pk]),
        {"status": Vendor.Status.ON_WATCH, "reason": "Two missed service levels."},
    )

    assert response.status_code == 302
    row = latest(Vendor.history.filter(id=vendor.pk))
    assert (row.history_type, row.history_user, row.status) == ("~", manager, "on_watch")
    html = page(client, "vendors:vendor_detail", vendor.pk)
    assert f"Status: Approved {ARROW} On watch" in html
    assert manager.get_full_name() in html


def test_starting_offboarding_records_the_engagement_change_with_its_user(
    engagement: Engagement, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    client = client_for(manager)

    response = client.post(
        reverse("engagements:offboarding_start", args=[engagement.pk]),
        {"outcome": Engagement.Status.COMPLETED, "reason": "The work is done."},
    )

    assert response.status_code == 302
    row = latest(Engagement.history.filter(id=engagement.pk))
    assert (row.history_user, row.status) == (manager, Engagement.Status.OFFBOARDING)
    html = page(client, "engagements:engagement_detail", engagement.pk)
    assert f"Status: Active {ARROW} Offboarding" in html


def test_a_contract_saved_by_a_user_is_in_the_engagement_overview_history(
    engagement: Engagement, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    contract = ContractFactory(engagement=engagement, notice_period_days=90)
    contract.notice_period_days = 60
    contract._history_user = manager  # type: ignore[attr-defined]  # as the admin does
    contract.save()

    row = latest(Contract.history.filter(id=contract.pk))
    assert (row.history_type, row.history_user) == ("~", manager)
    html = page(client_for(manager), "engagements:engagement_detail", engagement.pk)
    assert f"Notice period days: 90 {ARROW} 60" in html
    assert "Contract changed" in html


def test_editing_a_kpi_and_adding_a_value_show_on_the_kpi_page(
    engagement: Engagement, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    kpi = KpiFactory(engagement=engagement, name="First-contact resolution")
    client = client_for(manager)
    edit_url = reverse("engagements:kpi_update", args=[engagement.pk, kpi.pk])

    edited = client.post(edit_url, form_data(client.get(edit_url), target="97"))
    added = client.post(
        reverse("engagements:measurement_create", args=[engagement.pk]),
        {"kpi": kpi.pk, "measured_on": "2025-03-03", "value": "93.5", "note": ""},
    )

    assert (edited.status_code, added.status_code) == (302, 302)
    assert latest(Kpi.history.filter(id=kpi.pk)).history_user == manager
    value = latest(Measurement.history.filter(kpi_id=kpi.pk))
    assert (value.history_type, value.history_user) == ("+", manager)
    html = page(client, "engagements:kpi_detail", engagement.pk, kpi.pk)
    assert f"Target: 98 {ARROW} 97" in html
    # A new value is listed under "Values entered", with who entered it, not in the history.
    assert "Value of 3 Mar 2025" not in html


def test_a_month_of_daily_values_leaves_the_kpi_history_to_the_kpi_and_value_edits(
    engagement: Engagement, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    kpi = KpiFactory(engagement=engagement, name="First-contact resolution")
    for day in range(1, 31):
        MeasurementFactory(kpi=kpi, measured_on=datetime.date(2026, 6, day))
    edited = Measurement.objects.get(kpi=kpi, measured_on=datetime.date(2026, 6, 3))
    edited.value = Decimal("91")
    edited.save()
    kpi.target = Decimal("97")
    kpi.save()

    html = page(client_for(manager), "engagements:kpi_detail", engagement.pk, kpi.pk)

    assert "Value of 3 Jun 2026 changed" in html
    assert "KPI changed" in html and "KPI created" in html
    assert "created" not in html.replace("KPI created", "")
    assert "Show all" not in html  # three entries: nothing to fold


def test_editing_a_risk_shows_old_and_new_on_the_risks_tab(
    engagement: Engagement, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    risk = RiskFactory(engagement=engagement, title="Agents copy customer data")
    client = client_for(manager)
    url = reverse("engagements:risk_update", args=[engagement.pk, risk.pk])

    response = client.post(url, form_data(client.get(url), residual_likelihood="1"))

    assert response.status_code == 302
    row = latest(Risk.history.filter(id=risk.pk))
    assert (row.history_user, row.residual_likelihood) == (manager, 1)
    html = page(client, "engagements:engagement_risks", engagement.pk)
    assert "Risk “Agents copy customer data” changed" in html
    assert f"Residual likelihood: 2 {ARROW} 1" in html
    assert manager.get_full_name() in html


def test_changing_an_evidence_expiry_shows_on_the_compliance_tab(
    engagement: Engagement, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    item = ComplianceItemFactory(engagement=engagement, requirement__name="Penetration test report")
    client = client_for(manager)

    response = client.post(
        reverse("engagements:compliance_expiry", args=[engagement.pk, item.pk]),
        {"expires_on": "2026-06-30"},
    )

    assert response.status_code == 302
    row = latest(ComplianceItem.history.filter(id=item.pk))
    assert (row.history_user, row.expires_on) == (manager, datetime.date(2026, 6, 30))
    html = page(client, "engagements:engagement_compliance", engagement.pk)
    assert "Penetration test report changed" in html
    assert f"Expires on: — {ARROW} 30 Jun 2026" in html


def test_revoking_access_shows_who_revoked_it_on_the_data_access_tab(
    engagement: Engagement, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    grant = DataAccessGrantFactory(engagement=engagement, system="Zendesk")
    client = client_for(manager)

    response = client.post(
        reverse("engagements:grant_revoke", args=[engagement.pk, grant.pk]),
        {f"revoke-{grant.pk}-revoked_on": engagement.start_date.isoformat()},
    )

    assert response.status_code == 302
    row = latest(DataAccessGrant.history.filter(id=grant.pk))
    assert (row.history_user, row.revoked_on) == (manager, engagement.start_date)
    html = page(client, "engagements:engagement_access", engagement.pk)
    assert "Access to Zendesk changed" in html
    assert f"Revoked by: — {ARROW} {manager.get_full_name()}" in html


# --- scorecards: written by the rollup's upsert -----------------------------------------


def test_the_rollup_records_a_scorecard_once_and_again_only_when_its_score_changes(
    engagement: Engagement, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    month = datetime.date(2025, 3, 1)
    rollup = KpiRollupFactory(kpi=KpiFactory(engagement=engagement), period_start=month)
    first, second, third = (
        timezone.make_aware(datetime.datetime(2025, 3, day, 6)) for day in (2, 3, 4)
    )

    write_scorecards({engagement.pk: {month}}, computed_at=first)
    write_scorecards({engagement.pk: {month}}, computed_at=second)  # nothing changed
    rollup.value, rollup.status = Decimal("80"), KpiStatus.RED
    rollup.save()
    write_scorecards({engagement.pk: {month}}, computed_at=third)

    card = Scorecard.objects.get(engagement=engagement)
    rows = list(card.history.order_by("history_id"))  # type: ignore[attr-defined]
    assert [(row.history_type, row.history_date) for row in rows] == [("+", first), ("~", third)]
    assert rows[-1].history_user is None  # the job, not a person
    html = page(client_for(manager), "engagements:engagement_kpis", engagement.pk)
    assert "Scorecard Mar 2025 changed" in html
    assert card.score is not None and rows[0].score != card.score
    assert f"Score: {rows[0].score.normalize():f} {ARROW} {card.score.normalize():f}" in html


# --- the section stays bounded --------------------------------------------------------


def test_the_history_section_shows_the_latest_entries_in_a_fixed_number_of_queries(
    engagement: Engagement, manager: Any
) -> None:
    def changed_risks(count: int) -> int:
        for risk in RiskFactory.create_batch(count, engagement=engagement):
            risk.title += " (edited)"
            risk._history_user = manager  # type: ignore[attr-defined]
            risk.save()
        with CaptureQueriesContext(connection) as queries:
            entries = risk_history(engagement)
        assert len(entries) == min(2 * Risk.objects.filter(engagement=engagement).count(), 20)
        return len(queries)

    few = changed_risks(2)
    many = changed_risks(30)

    assert few == many
    assert len(risk_history(engagement)) == HISTORY_LIMIT


def test_the_admin_history_page_of_each_tracked_model_opens_for_a_superuser(
    engagement: Engagement, admin_user: Any, client_for: Callable[[Any], Any]
) -> None:
    kpi = KpiFactory(engagement=engagement)
    rows = [
        engagement.vendor,
        engagement,
        ContractFactory(engagement=engagement),
        kpi,
        Measurement.objects.create(kpi=kpi, measured_on=engagement.start_date, value=1),
        Scorecard.objects.create(
            engagement=engagement,
            period_start=datetime.date(2025, 3, 1),
            period_end=datetime.date(2025, 3, 31),
            computed_at=timezone.now(),
        ),
        RiskFactory(engagement=engagement),
        ComplianceItemFactory(engagement=engagement),
        DataAccessGrantFactory(engagement=engagement),
    ]
    client = client_for(admin_user)

    for row in rows:
        opts = row._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[row.pk])
        response = client.get(url)
        assert response.status_code == 200, url


# --- bulk writes record history too ---------------------------------------------------


def test_items_and_kpis_added_in_bulk_through_the_pages_have_history_with_the_user(
    engagement: Engagement, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    requirement = ComplianceRequirementFactory(name="Cyber insurance certificate")
    template = KpiTemplateFactory(name="Invoices paid on time")
    client = client_for(manager)

    added_items = client.post(
        reverse("engagements:compliance_add", args=[engagement.pk]),
        {"requirements": [requirement.pk]},
    )
    added_kpis = client.post(
        reverse("engagements:kpi_from_templates", args=[engagement.pk]),
        {"templates": [template.pk]},
    )

    assert (added_items.status_code, added_kpis.status_code) == (302, 302)
    item = ComplianceItem.history.get(engagement_id=engagement.pk)
    kpi = Kpi.history.get(engagement_id=engagement.pk)
    assert (item.history_type, item.history_user) == ("+", manager)
    assert (kpi.history_type, kpi.history_user) == ("+", manager)


def test_the_admin_revoke_action_records_history_for_each_grant(
    engagement: Engagement, admin_user: Any, client_for: Callable[[Any], Any]
) -> None:
    grants = DataAccessGrantFactory.create_batch(2, engagement=engagement)

    response = client_for(admin_user).post(
        reverse("admin:engagements_dataaccessgrant_changelist"),
        {"action": "revoke_today", "_selected_action": [g.pk for g in grants]},
    )

    assert response.status_code == 302
    for grant in grants:
        row = latest(DataAccessGrant.history.filter(id=grant.pk))
        assert (row.history_type, row.history_user) == ("~", admin_user)
        assert row.revoked_on == timezone.localdate()


def test_the_risks_tab_shows_five_changes_and_folds_the_others_behind_show_all(
    engagement: Engagement, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    RiskFactory.create_batch(8, engagement=engagement)

    response = client_for(manager).get(
        reverse("engagements:engagement_risks", args=[engagement.pk])
    )
    section = response.content.decode().split('id="change-history"')[1].split("</section>")[0]
    shown, folded = section.split("<details", 1)

    assert shown.count('class="list-group-item history-entry"') == 5
    assert "Show all 8 changes</summary>" in folded
    assert folded.count('class="list-group-item history-entry"') == 3


# --- scores ---------------------------------------------------------------------------


def _score_rows(evaluator: Any) -> list[tuple[str, int, int, str, Any]]:
    from engagements.models import Score

    return [
        (row.history_type, row.proposal_id, row.criterion_id, row.value, row.history_user)
        for row in Score.history.filter(evaluator_id=evaluator.pk).order_by("history_id")
    ]


def test_each_score_saved_on_the_scoring_page_is_kept_with_the_evaluator_who_saved_it(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    from engagements.tests.factories import EvaluatorFactory
    from engagements.tests.worlds import SelectionWorld

    world = SelectionWorld(manager)
    evaluator = EvaluatorFactory(selection=world.selection, user=manager)
    (first, second), (experience, price) = world.proposals, world.criteria
    url = reverse("engagements:scoring", args=[world.selection.pk])
    client = client_for(manager)

    # A draft of three scores; then one changed, one cleared, one saved as it was.
    client.post(
        url,
        {
            f"score-{first.pk}-{experience.pk}": "4",
            f"score-{first.pk}-{price.pk}": "2",
            f"score-{second.pk}-{experience.pk}": "3",
            "save": "1",
        },
    )
    client.post(
        url,
        {
            f"score-{first.pk}-{experience.pk}": "5",
            f"score-{second.pk}-{experience.pk}": "3",
            "save": "1",
        },
    )

    rows = _score_rows(evaluator)
    assert sorted(rows[:3]) == sorted(
        [
            ("+", first.pk, experience.pk, 4, manager),
            ("+", first.pk, price.pk, 2, manager),
            ("+", second.pk, experience.pk, 3, manager),
        ]
    )
    assert sorted(rows[3:]) == [
        ("-", first.pk, price.pk, 2, manager),
        ("~", first.pk, experience.pk, 5, manager),
    ]


def test_scores_saved_outside_a_request_name_the_evaluator_too(manager: Any) -> None:
    from engagements.services.sourcing import ScoreCell, save_scores
    from engagements.tests.factories import EvaluatorFactory
    from engagements.tests.worlds import SelectionWorld

    world = SelectionWorld(manager)
    evaluator = EvaluatorFactory(selection=world.selection)
    cells = [ScoreCell(p, c, 3, "Fine.") for p in world.proposals for c in world.criteria]

    assert save_scores(evaluator=evaluator, cells=cells, submit=True)
    assert not save_scores(evaluator=evaluator, cells=cells, submit=False)  # locked now

    rows = _score_rows(evaluator)
    assert len(rows) == 4
    assert {(kind, user) for kind, *_, user in rows} == {("+", evaluator.user)}
