"""The Django admin of both apps: every page opens, lists stay cheap, actions do their job."""

from __future__ import annotations

import datetime
import warnings
import zoneinfo
from collections.abc import Callable
from decimal import Decimal
from typing import Any, cast
from urllib.parse import urlencode

import pytest
import time_machine
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.admin.widgets import (
    AutocompleteSelect,
    AutocompleteSelectMultiple,
    ForeignKeyRawIdWidget,
)
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, models
from django.db.models import Model
from django.forms import BooleanField, FileField, MultiWidget
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from simple_history.models import HistoricalChanges

from engagements.models import (
    ActionItem,
    CheckIn,
    ComplianceItem,
    ComplianceStatus,
    Contract,
    DataAccessGrant,
    Engagement,
    Evaluator,
    Evidence,
    JobRun,
    Kpi,
    KpiRollup,
    Measurement,
    Milestone,
    OffboardingItem,
    OutboundEmail,
    PerformanceReview,
    Proposal,
    Risk,
    Score,
    Scorecard,
    Selection,
    ServiceCredit,
)
from engagements.tests import factories as ef
from engagements.tests.admin_helpers import admin_url, post_action
from outsourcing.admin import BULK_REASON
from outsourcing.tests.factories import UserFactory
from outsourcing.timezones import SESSION_KEY as TIME_ZONE_KEY
from vendors.models import Contact, Vendor, VendorStatusChange, VendorTierChange
from vendors.tests import factories as vf

pytestmark = pytest.mark.django_db

APPS = ("vendors", "engagements")

# One way per model to make a row, for a model the demo data leaves empty.
ROW_MAKERS: dict[str, Callable[[], Any]] = {
    "vendors.servicecategory": vf.ServiceCategoryFactory.create,
    "vendors.tag": vf.TagFactory.create,
    "vendors.vendor": vf.VendorFactory.create,
    "vendors.vendortierchange": vf.VendorTierChangeFactory.create,
    "vendors.vendorstatuschange": vf.VendorStatusChangeFactory.create,
    "vendors.contact": vf.ContactFactory.create,
    "vendors.certification": vf.CertificationFactory.create,
    "vendors.reference": vf.ReferenceFactory.create,
    "vendors.subprocessor": vf.SubProcessorFactory.create,
    "engagements.assessmentfactor": ef.AssessmentFactorFactory.create,
    "engagements.candidate": ef.CandidateFactory.create,
    "engagements.assessment": ef.AssessmentFactory.create,
    "engagements.assessmentanswer": ef.AssessmentAnswerFactory.create,
    "engagements.criteriontemplate": ef.CriterionTemplateFactory.create,
    "engagements.selection": ef.SelectionFactory.create,
    "engagements.proposal": ef.ProposalFactory.create,
    "engagements.proposalattachment": ef.ProposalAttachmentFactory.create,
    "engagements.exchangerate": ef.ExchangeRateFactory.create,
    "engagements.criterion": ef.CriterionFactory.create,
    "engagements.evaluator": ef.EvaluatorFactory.create,
    "engagements.score": ef.ScoreFactory.create,
    "engagements.engagement": ef.EngagementFactory.create,
    "engagements.contract": ef.ContractFactory.create,
    "engagements.amendment": ef.AmendmentFactory.create,
    "engagements.renewaldecision": ef.RenewalDecisionFactory.create,
    "engagements.milestone": ef.MilestoneFactory.create,
    "engagements.communicationplan": ef.CommunicationPlanFactory.create,
    "engagements.escalationlevel": ef.EscalationLevelFactory.create,
    "engagements.checkin": ef.CheckInFactory.create,
    "engagements.actionitem": ef.ActionItemFactory.create,
    "engagements.kpitemplate": ef.KpiTemplateFactory.create,
    "engagements.kpi": ef.KpiFactory.create,
    "engagements.measurement": ef.MeasurementFactory.create,
    "engagements.kpirollup": ef.KpiRollupFactory.create,
    "engagements.scorecard": ef.ScorecardFactory.create,
    "engagements.servicecredit": ef.ServiceCreditFactory.create,
    "engagements.standingband": ef.StandingBandFactory.create,
    "engagements.spendentry": ef.SpendEntryFactory.create,
    "engagements.performancereview": ef.PerformanceReviewFactory.create,
    "engagements.risk": ef.RiskFactory.create,
    "engagements.dataaccessgrant": ef.DataAccessGrantFactory.create,
    "engagements.compliancerequirement": ef.ComplianceRequirementFactory.create,
    "engagements.complianceitem": ef.ComplianceItemFactory.create,
    "engagements.evidence": ef.EvidenceFactory.create,
    "engagements.offboardingitem": ef.OffboardingItemFactory.create,
    "engagements.jobrun": lambda: JobRun.objects.create(name="rollups", last_result="3 rollups"),
    "engagements.reminderpreference": ef.ReminderPreferenceFactory.create,
    "engagements.outboundemail": ef.OutboundEmailFactory.create,
}


def registered_models() -> list[type[Model]]:
    models = [model for model in admin.site._registry if model._meta.app_label in APPS]
    return sorted(models, key=lambda model: model._meta.label)


def example_row(model: type[Model]) -> Model | None:
    """A row to open, one with a stored file where the model has files (private, no URL)."""
    rows = model._default_manager.order_by("pk")
    for field in model._meta.get_fields():
        if isinstance(field, models.FileField):
            rows = rows.exclude(**{field.name: ""})
    return rows.first() or model._default_manager.order_by("pk").first()


def autocomplete_urls(model_admin: Any) -> list[str]:
    """The lookups behind every autocomplete box of an admin and of its inlines."""
    inlines = [inline(model_admin.model, admin.site) for inline in model_admin.inlines]
    urls = []
    for owner in [model_admin, *inlines]:
        opts = owner.model._meta
        for field_name in owner.autocomplete_fields:
            query = urlencode(
                {
                    "app_label": opts.app_label,
                    "model_name": opts.model_name,
                    "field_name": field_name,
                    "term": "a",
                }
            )
            urls.append(f"{reverse('admin:autocomplete')}?{query}")
    return urls


def superuser_request(user: Any) -> Any:
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def form_data(response: Any) -> dict[str, Any]:
    """The values an add or change page shows, as the browser would post them back."""
    data: dict[str, Any] = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = value
        forms.extend(formset.initial_forms)
    for form in forms:
        for name, field in form.fields.items():
            key = form.add_prefix(name)
            value = form[name].value()
            if isinstance(field, FileField):
                continue
            if isinstance(field, BooleanField):
                if value:
                    data[key] = "on"
            elif isinstance(field.widget, MultiWidget):
                parts = field.widget.decompress(value) or []
                for index, part in enumerate(parts):
                    data[f"{key}_{index}"] = "" if part is None else part
            elif isinstance(value, list | tuple):
                data[key] = [str(item) for item in value]
            else:
                data[key] = "" if value is None else value
    return data


# --- Every page opens ---------------------------------------------------------


def test_every_model_of_both_apps_has_an_admin() -> None:
    unregistered = [
        model._meta.label
        for label in APPS
        for model in apps.get_app_config(label).get_models()
        if model not in admin.site._registry
        # Change history is shown by the tracked model's admin ("History" button).
        and not issubclass(model, HistoricalChanges)
    ]

    assert unregistered == []


def test_every_model_has_a_row_maker_for_when_the_demo_data_lacks_rows() -> None:
    assert sorted(ROW_MAKERS) == sorted(model._meta.label_lower for model in registered_models())


def demo_rows() -> dict[type[Model], Model]:
    """Demo data, and one row of each model: a demo row, or a factory's where the demo has none."""
    call_command("seed_demo", verbosity=0)
    rows: dict[type[Model], Model] = {}
    not_seeded = []
    for model in registered_models():
        row = example_row(model)
        if row is None:
            not_seeded.append(model._meta.label)
            row = ROW_MAKERS[model._meta.label_lower]()
        rows[model] = row
    if not_seeded:
        warnings.warn(f"seed_demo made no rows for: {', '.join(not_seeded)}", stacklevel=2)
    return rows


def test_every_admin_page_opens_for_a_superuser_on_the_demo_data(
    admin_client: Client, admin_user: Any
) -> None:
    request = superuser_request(admin_user)
    failures = []
    for model, row in demo_rows().items():
        model_admin = admin.site._registry[model]
        sortable = ".".join(str(i) for i in range(1, len(model_admin.list_display) + 1))
        pages = {
            admin_url(model, "changelist"): 200,
            admin_url(model, "changelist") + f"?o={sortable}": 200,
            admin_url(model, "change", row.pk): 200,
            admin_url(model, "add"): 200 if model_admin.has_add_permission(request) else 403,
        }
        if model_admin.search_fields:
            pages[admin_url(model, "changelist") + "?q=a"] = 200
        for url in autocomplete_urls(model_admin):
            pages[url] = 200
        for url, expected in pages.items():
            status = admin_client.get(url).status_code
            if status != expected:
                failures.append(f"{model._meta.label} {url}: {status}, expected {expected}")

    assert failures == []


def test_every_editable_demo_row_saves_back_unchanged(
    admin_client: Client, admin_user: Any
) -> None:
    request = superuser_request(admin_user)
    failures = []
    for model, row in demo_rows().items():
        if not admin.site._registry[model].has_change_permission(request, row):
            continue
        url = admin_url(model, "change", row.pk)
        response = admin_client.post(url, form_data(admin_client.get(url)))
        if response.status_code != 302:
            failures.append(f"{model._meta.label} {url}: {response.status_code}")

    assert failures == []


def test_history_and_computed_rows_cannot_be_added_or_edited(
    admin_client: Client, admin_user: Any
) -> None:
    request = superuser_request(admin_user)
    read_only = [VendorStatusChange, VendorTierChange, KpiRollup, Scorecard, OutboundEmail]

    for model in read_only:
        model_admin = admin.site._registry[model]
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
    change = vf.VendorStatusChangeFactory.create()
    response = admin_client.post(admin_url(VendorStatusChange, "change", change.pk), {})
    assert response.status_code == 403
    assert admin_client.get(admin_url(VendorStatusChange, "add")).status_code == 403


# --- Lists cost a fixed number of queries -------------------------------------


def add_vendors(count: int) -> None:
    vendors = vf.VendorFactory.build_batch(count, owner=UserFactory.create())
    Vendor.objects.bulk_create(vendors)
    tag = vf.TagFactory.create()
    for vendor in Vendor.objects.filter(tags__isnull=True)[:2]:
        vendor.tags.add(tag)


def add_engagements(count: int) -> None:
    vendor, owner = vf.VendorFactory.create(), UserFactory.create()
    engagements = Engagement.objects.bulk_create(
        ef.EngagementFactory.build_batch(count, vendor=vendor, owner=owner)
    )
    # Every other engagement has a contract: the column must cost nothing either way.
    contracts = [ef.ContractFactory.build(engagement=e) for e in engagements[::2]]
    for contract in contracts:
        contract.notice_deadline = contract.compute_notice_deadline()
    Contract.objects.bulk_create(contracts)


def add_contracts(count: int) -> None:
    add_engagements(count * 2)


def add_risks(count: int) -> None:
    engagement = ef.EngagementFactory.create()
    Risk.objects.bulk_create(
        ef.RiskFactory.build_batch(count, engagement=engagement, owner=engagement.owner)
    )


def add_measurements(count: int) -> None:
    kpi = ef.KpiFactory.create()
    Measurement.objects.bulk_create(
        ef.MeasurementFactory.build_batch(count, kpi=kpi, entered_by=kpi.engagement.owner)
    )


def add_checkins(count: int) -> None:
    engagement = ef.EngagementFactory.create()
    CheckIn.objects.bulk_create(
        ef.CheckInFactory.build_batch(count, engagement=engagement, recorded_by=engagement.owner)
    )


def add_action_items(count: int) -> None:
    checkin = ef.CheckInFactory.create()
    ActionItem.objects.bulk_create(
        ef.ActionItemFactory.build_batch(count, checkin=checkin, owner=checkin.engagement.owner)
    )


def add_compliance_items(count: int) -> None:
    engagement = ef.EngagementFactory.create()
    requirements = [ef.ComplianceRequirementFactory.create() for _ in range(count)]
    items = ComplianceItem.objects.bulk_create(
        ComplianceItem(engagement=engagement, requirement=r, accepted_by=engagement.owner)
        for r in requirements
    )
    ef.EvidenceFactory.create(item=items[0])


def add_kpi_rollups(count: int) -> None:
    kpi = ef.KpiFactory.create()
    KpiRollup.objects.bulk_create(ef.KpiRollupFactory.build_batch(count, kpi=kpi))


def add_scorecards(count: int) -> None:
    engagement = ef.EngagementFactory.create()
    Scorecard.objects.bulk_create(ef.ScorecardFactory.build_batch(count, engagement=engagement))


def add_credits(count: int) -> None:
    kpi = ef.KpiFactory.create(credit_threshold=Decimal("99"), credit_fixed=Decimal("100"))
    ServiceCredit.objects.bulk_create(ef.ServiceCreditFactory.build_batch(count, kpi=kpi))


def add_grants(count: int) -> None:
    engagement = ef.EngagementFactory.create()
    DataAccessGrant.objects.bulk_create(
        ef.DataAccessGrantFactory.build_batch(
            count, engagement=engagement, granted_by=engagement.owner
        )
    )


def add_scores(count: int) -> None:
    selection = ef.SelectionFactory.create()
    evaluator = ef.EvaluatorFactory.create(selection=selection)
    proposal = ef.ProposalFactory.create(selection=selection)
    criteria = [ef.CriterionFactory.create(selection=selection) for _ in range(count)]
    Score.objects.bulk_create(
        Score(evaluator=evaluator, proposal=proposal, criterion=criterion, value=3)
        for criterion in criteria
    )


def add_proposals(count: int) -> None:
    selection = ef.SelectionFactory.create()
    vendors = Vendor.objects.bulk_create(vf.VendorFactory.build_batch(count, owner=None))
    Proposal.objects.bulk_create(
        ef.ProposalFactory.build(selection=selection, vendor=vendor) for vendor in vendors
    )


def add_selections(count: int) -> None:
    candidate = ef.CandidateFactory.create(approved=True)
    Selection.objects.bulk_create(
        ef.SelectionFactory.build_batch(count, candidate=candidate, owner=candidate.owner)
    )


def add_evaluators(count: int) -> None:
    selection = ef.SelectionFactory.create()
    users = [UserFactory.create() for _ in range(count)]
    Evaluator.objects.bulk_create(
        Evaluator(selection=selection, user=user, invited_by=selection.owner) for user in users
    )


def add_reviews(count: int) -> None:
    engagement = ef.EngagementFactory.create()
    kpi = ef.KpiFactory.create(engagement=engagement)
    PerformanceReview.objects.bulk_create(
        ef.PerformanceReviewFactory.build_batch(count, engagement=engagement, kpi=kpi, decided=True)
    )


def add_offboarding_items(count: int) -> None:
    engagement = ef.EngagementFactory.create()
    grants = DataAccessGrant.objects.bulk_create(
        ef.DataAccessGrantFactory.build_batch(count, engagement=engagement, granted_by=None)
    )
    OffboardingItem.objects.bulk_create(
        OffboardingItem(
            engagement=engagement,
            kind=OffboardingItem.Kind.REVOKE_ACCESS,
            title=f"Revoke {grant.system}",
            grant=grant,
            owner=engagement.owner,
        )
        for grant in grants
    )


def add_milestones(count: int) -> None:
    engagement = ef.EngagementFactory.create()
    Milestone.objects.bulk_create(ef.MilestoneFactory.build_batch(count, engagement=engagement))


def add_status_changes(count: int) -> None:
    vendor, user = vf.VendorFactory.create(), UserFactory.create()
    VendorStatusChange.objects.bulk_create(
        vf.VendorStatusChangeFactory.build_batch(count, vendor=vendor, changed_by=user)
    )


def add_contacts(count: int) -> None:
    vendor = vf.VendorFactory.create()
    Contact.objects.bulk_create(vf.ContactFactory.build_batch(count, vendor=vendor))


def add_evidence(count: int) -> None:
    item = ef.ComplianceItemFactory.create()
    for _ in range(count):
        ef.EvidenceFactory.create(item=item, uploaded_by=None)


@pytest.mark.parametrize(
    ("model", "add_rows"),
    [
        (Vendor, add_vendors),
        (Engagement, add_engagements),
        (Contract, add_contracts),
        (Risk, add_risks),
        (Measurement, add_measurements),
        (CheckIn, add_checkins),
        (ActionItem, add_action_items),
        (ComplianceItem, add_compliance_items),
        (KpiRollup, add_kpi_rollups),
        (Scorecard, add_scorecards),
        (ServiceCredit, add_credits),
        (DataAccessGrant, add_grants),
        (Score, add_scores),
        (Proposal, add_proposals),
        (Selection, add_selections),
        (Evaluator, add_evaluators),
        (PerformanceReview, add_reviews),
        (OffboardingItem, add_offboarding_items),
        (Milestone, add_milestones),
        (VendorStatusChange, add_status_changes),
        (Contact, add_contacts),
        (Evidence, add_evidence),
    ],
    ids=lambda value: value.__name__ if isinstance(value, type) else None,
)
def test_a_changelist_costs_the_same_queries_for_5_rows_as_for_60(
    admin_client: Client, model: type[Model], add_rows: Callable[[int], None]
) -> None:
    url = admin_url(model, "changelist")

    def queries_to_list() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            response = admin_client.get(url)
        assert response.status_code == 200
        return len(captured), response.context["cl"].result_count

    add_rows(5)
    admin_client.get(url)  # warm caches (content types, session) before counting
    few, shown_few = queries_to_list()
    add_rows(55)
    many, shown_many = queries_to_list()

    assert shown_many > shown_few >= 5
    assert many == few


def concrete_field(model: type[Model], name: str) -> models.Field[Any, Any]:
    """The model's field of that name ("pk" included), a column of its table."""
    field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    assert isinstance(field, models.Field), name
    return field


def index_orders(model: type[Model]) -> list[list[str]]:
    """The column lists of the model's btree indexes that can serve an unfiltered list:
    its primary key, its indexes and unique constraints without a condition."""
    opts = model._meta
    names: list[list[str]] = [["pk"]]
    for index in opts.indexes:
        if type(index) is models.Index and index.condition is None and index.fields:
            names.append([name.lstrip("-") for name in index.fields])
    names += [list(constraint.fields) for constraint in opts.total_unique_constraints]
    return [[str(concrete_field(model, name).column) for name in order] for order in names]


# Kept by the admin or fixed by the code: a few dozen rows at any organisation, so a
# plain select of them all is the quickest choice.
CATALOGS = {
    "auth.group",
    "auth.permission",
    "engagements.assessmentfactor",
    "engagements.compliancerequirement",
    "engagements.criteriontemplate",
    "engagements.kpitemplate",
    "vendors.servicecategory",
    "vendors.tag",
}


# Choices a form narrows itself to a handful: the proposal's own selection's evaluators
# and criteria (ScoreInline.get_formset).
NARROWED = {"engagements.Score.evaluator", "engagements.Score.criterion"}


def test_no_admin_form_lists_every_person_vendor_or_engagement_in_a_select(
    admin_user: Any,
) -> None:
    """People, vendors, engagements, KPIs… are picked by type-ahead or by id: a large
    organisation's 10,000 people as options made one review's page 0.5 MB and 0.75 s.
    Read-only admins show no form; an inline's link to its parent is not a choice."""
    request = superuser_request(admin_user)
    forms_: list[tuple[type[Model], Any, str]] = []
    for model in registered_models():
        model_admin = admin.site._registry[model]
        if model_admin.has_add_permission(request) or model_admin.has_change_permission(request):
            forms_.append((model, model_admin.get_form(request), ""))
        for inline in model_admin.get_inline_instances(request):
            if inline.has_add_permission(request, None) or inline.has_change_permission(request):
                formset = inline.get_formset(request)
                parent = cast(Any, formset).fk.name  # set by inlineformset_factory
                forms_.append((inline.model, formset.form, parent))
    plain_selects = []
    for form_model, form, parent in forms_:
        for name, form_field in form.base_fields.items():
            label = f"{form_model._meta.label}.{name}"
            choices_of = getattr(form_field, "queryset", None)
            if (
                choices_of is None
                or name == parent
                or label in NARROWED
                or choices_of.model._meta.label_lower in CATALOGS
            ):
                continue
            widget = getattr(form_field.widget, "widget", form_field.widget)  # unwrap
            if not isinstance(
                widget, AutocompleteSelect | AutocompleteSelectMultiple | ForeignKeyRawIdWidget
            ):
                plain_selects.append(label)

    assert plain_selects == [], "\n".join(plain_selects)


# The tables that grow with the data: a large organisation has a million measurements,
# 130,000 check-ins, 30,000 scorecards; and thousands of compliance items and evidence.
GROWING = [Measurement, KpiRollup, Scorecard, CheckIn, ActionItem]
SORTED_BY_INDEX = [*GROWING, ComplianceItem, Evidence]


@pytest.mark.parametrize("model", SORTED_BY_INDEX, ids=lambda model: model.__name__)
def test_a_big_tables_admin_list_pages_in_an_index_order(
    admin_client: Client, model: type[Model]
) -> None:
    """A page found by reading an index in its order (either way), not by sorting every
    row (0.5 s of the measurements' 0.8 s page at a million rows)."""
    response = admin_client.get(admin_url(model, "changelist"))
    assert response.status_code == 200

    # The admin repeats its own ordering after the model's; the database reads it once.
    ordering = list(dict.fromkeys(response.context["cl"].queryset.query.order_by))
    assert all(isinstance(term, str) for term in ordering), ordering
    fields = [concrete_field(model, term.lstrip("-")) for term in ordering]
    # "engagement" sorts by the engagement's own ordering, through a join; "engagement_id"
    # by the column.
    joined = [
        term
        for term, field in zip(ordering, fields, strict=True)
        if field.remote_field and term.lstrip("-") == field.name
    ]
    assert joined == [], f"{model.__name__}'s admin orders through a join: {joined}"
    columns = [str(field.column) for field in fields]
    # Read forwards or backwards, an index gives its order, or its leading columns'
    # order with ties (a few rows at most) sorted as they come.
    one_way = len({term.startswith("-") for term in ordering}) == 1
    assert one_way and any(order[0] == columns[0] for order in index_orders(model)), (
        f"{model.__name__}'s admin lists by {ordering}: no index reads in that order"
    )


@pytest.mark.parametrize("model", GROWING, ids=lambda model: model.__name__)
def test_a_growing_tables_admin_list_counts_once_and_filters_dates_by_month(
    admin_client: Client, model: type[Model]
) -> None:
    """One count a page, and no date_hierarchy, whose year links are read from every
    row (0.15 s a page at a million measurements)."""
    url = admin_url(model, "changelist")
    admin_client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = admin_client.get(url)

    assert response.status_code == 200
    counts = [query["sql"] for query in captured if "COUNT(" in query["sql"]]
    assert len(counts) == 1, counts
    assert not admin.site._registry[model].date_hierarchy


def month_filter_url(model: type[Model], field: str, month: str) -> str:
    return admin_url(model, "changelist") + f"?{field}__month_of={month}"


@time_machine.travel(datetime.datetime(2026, 3, 15, 12, tzinfo=datetime.UTC), tick=False)
def test_the_month_filter_lists_that_months_rows_from_its_first_to_its_last_day(
    admin_client: Client,
) -> None:
    kpi = ef.KpiFactory()
    days = [datetime.date(2026, 2, 28), datetime.date(2026, 3, 1), datetime.date(2026, 3, 31)]
    for day in [*days, datetime.date(2026, 4, 1)]:
        ef.MeasurementFactory(kpi=kpi, measured_on=day)

    response = admin_client.get(month_filter_url(Measurement, "measured_on", "2026-03"))

    assert sorted(m.measured_on for m in response.context["cl"].result_list) == days[1:]
    choices = [
        choice["display"]
        for choice in response.context["cl"].filter_specs[1].choices(response.context["cl"])
    ]
    assert choices[1:3] == ["March 2026", "February 2026"]  # after "All", newest first
    assert choices[-1] == "March 2024"  # two years back


@time_machine.travel(datetime.datetime(2026, 3, 15, 12, tzinfo=datetime.UTC), tick=False)
@pytest.mark.parametrize("zone", ["UTC", "Australia/Sydney"])
def test_the_month_filter_takes_a_moments_month_in_the_viewers_zone(
    admin_client: Client, zone: str
) -> None:
    session = admin_client.session
    session[TIME_ZONE_KEY] = zone  # as signing in with that zone in one's settings does
    session.save()
    local = zoneinfo.ZoneInfo(zone)
    engagement = ef.EngagementFactory()
    first = datetime.datetime(2026, 3, 1, 0, 0, tzinfo=local)
    last = datetime.datetime(2026, 3, 31, 23, 59, tzinfo=local)
    for moment in (
        first - datetime.timedelta(minutes=1),
        first,
        last,
        last + datetime.timedelta(minutes=1),
    ):
        ef.CheckInFactory(engagement=engagement, scheduled_for=moment)

    response = admin_client.get(month_filter_url(CheckIn, "scheduled_for", "2026-03"))

    assert sorted(c.scheduled_for for c in response.context["cl"].result_list) == [first, last]


@pytest.mark.parametrize("value", ["2026-13", "2026-3", "0000-01", "9999-12x", "March"])
def test_the_month_filter_refuses_what_is_not_a_month_as_any_bad_filter(
    admin_client: Client, value: str
) -> None:
    response = admin_client.get(month_filter_url(Scorecard, "period_start", value))

    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


def test_the_month_filter_takes_the_last_month_there_is(admin_client: Client) -> None:
    response = admin_client.get(month_filter_url(KpiRollup, "period_start", "9999-12"))

    assert response.status_code == 200


# --- Actions ------------------------------------------------------------------


def test_mark_on_watch_changes_status_through_the_vendor_history(
    admin_client: Client, admin_user: Any
) -> None:
    approved = vf.VendorFactory.create(status=Vendor.Status.APPROVED)
    watched = vf.VendorFactory.create(status=Vendor.Status.ON_WATCH)

    response = post_action(admin_client, Vendor, "mark_on_watch", [approved, watched])

    assert response.status_code == 302
    approved.refresh_from_db()
    assert approved.status == Vendor.Status.ON_WATCH
    change = approved.status_changes.get()
    assert (change.old_status, change.new_status) == ("approved", "on_watch")
    assert change.reason == BULK_REASON
    assert change.changed_by == admin_user
    assert not watched.status_changes.exists()


@time_machine.travel(datetime.datetime(2025, 3, 10, 12, tzinfo=datetime.UTC), tick=False)
def test_mark_reviewed_today_sets_the_next_review_from_the_residual_score(
    admin_client: Client,
) -> None:
    medium = ef.RiskFactory.create(residual_likelihood=2, residual_impact=3)  # 6: every 90 days
    critical = ef.RiskFactory.create(residual_likelihood=5, residual_impact=4)  # 20: every 30

    post_action(admin_client, Risk, "mark_reviewed_today", [medium, critical])

    medium.refresh_from_db()
    critical.refresh_from_db()
    assert medium.last_reviewed_on == critical.last_reviewed_on == datetime.date(2025, 3, 10)
    assert medium.next_review_on == datetime.date(2025, 6, 8)
    assert critical.next_review_on == datetime.date(2025, 4, 9)
    assert LogEntry.objects.filter(object_id=str(medium.pk), change_message="Reviewed.").exists()


@time_machine.travel(datetime.datetime(2025, 3, 10, 12, tzinfo=datetime.UTC), tick=False)
def test_accept_evidence_accepts_only_items_that_have_evidence(
    admin_client: Client, admin_user: Any
) -> None:
    with_evidence = ef.EvidenceFactory.create().item
    without_evidence = ef.ComplianceItemFactory.create()

    response = post_action(
        admin_client, ComplianceItem, "accept_evidence", [with_evidence, without_evidence]
    )

    assert response.status_code == 302
    with_evidence.refresh_from_db()
    without_evidence.refresh_from_db()
    assert with_evidence.accepted_at == datetime.datetime(2025, 3, 10, 12, tzinfo=datetime.UTC)
    assert with_evidence.accepted_by == admin_user
    assert with_evidence.status_on() == ComplianceStatus.VALID
    assert without_evidence.accepted_at is None
    page = admin_client.get(admin_url(ComplianceItem, "changelist"))
    assert "1 item(s) have no evidence to accept yet." in page.content.decode()


@time_machine.travel(datetime.datetime(2025, 3, 10, 12, tzinfo=datetime.UTC), tick=False)
def test_mark_done_today_closes_open_action_items_only(admin_client: Client) -> None:
    open_item = ef.ActionItemFactory.create()
    done_item = ef.ActionItemFactory.create(done_on=datetime.date(2025, 2, 1))

    post_action(admin_client, ActionItem, "mark_done_today", [open_item, done_item])

    open_item.refresh_from_db()
    done_item.refresh_from_db()
    assert open_item.done_on == datetime.date(2025, 3, 10)
    assert done_item.done_on == datetime.date(2025, 2, 1)


@time_machine.travel(datetime.datetime(2025, 3, 10, 12, tzinfo=datetime.UTC), tick=False)
def test_revoke_today_revokes_active_access_and_records_who(
    admin_client: Client, admin_user: Any
) -> None:
    active = ef.DataAccessGrantFactory.create(granted_on=datetime.date(2025, 1, 6))
    revoked = ef.DataAccessGrantFactory.create(
        granted_on=datetime.date(2025, 1, 6), revoked_on=datetime.date(2025, 2, 1)
    )
    not_started = ef.DataAccessGrantFactory.create(granted_on=datetime.date(2025, 4, 1))

    post_action(admin_client, DataAccessGrant, "revoke_today", [active, revoked, not_started])

    for grant in (active, revoked, not_started):
        grant.refresh_from_db()
    assert active.revoked_on == datetime.date(2025, 3, 10)
    assert active.revoked_by == admin_user
    assert revoked.revoked_on == datetime.date(2025, 2, 1)
    assert not_started.revoked_on is None


# --- Forms --------------------------------------------------------------------


def vendor_post(admin_client: Client, url: str, **changes: Any) -> Any:
    data = form_data(admin_client.get(url))
    data.update(changes)
    return admin_client.post(url, data)


def test_vendor_form_refuses_a_tier_other_than_the_suggested_one_without_a_reason(
    admin_client: Client,
) -> None:
    response = vendor_post(
        admin_client,
        admin_url(Vendor, "add"),
        legal_name="Overridden Ltd",
        country="PH",
        tier=Vendor.Tier.CRITICAL,
        tier_override_reason="",
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "The suggested tier is Medium" in errors["tier_override_reason"][0]
    assert not Vendor.objects.filter(legal_name="Overridden Ltd").exists()


def test_vendor_form_keeps_a_tier_change_with_its_reason(
    admin_client: Client, admin_user: Any
) -> None:
    vendor = vf.VendorFactory.create()  # suggested tier: medium

    response = vendor_post(
        admin_client,
        admin_url(Vendor, "change", vendor.pk),
        tier=Vendor.Tier.CRITICAL,
        tier_override_reason="Runs our only phone line.",
    )

    assert response.status_code == 302
    vendor.refresh_from_db()
    assert vendor.tier == Vendor.Tier.CRITICAL
    change = vendor.tier_changes.get()
    assert (change.old_tier, change.new_tier, change.suggested_tier) == (
        "medium",
        "critical",
        "medium",
    )
    assert change.reason == "Runs our only phone line."
    assert change.changed_by == admin_user


def test_vendor_form_asks_why_the_status_changes_and_keeps_the_answer(
    admin_client: Client, admin_user: Any
) -> None:
    vendor = vf.VendorFactory.create(status=Vendor.Status.ACTIVE)
    url = admin_url(Vendor, "change", vendor.pk)

    refused = vendor_post(admin_client, url, status=Vendor.Status.SUSPENDED)
    saved = vendor_post(
        admin_client, url, status=Vendor.Status.SUSPENDED, change_reason="Missed three SLAs."
    )

    assert refused.status_code == 200
    assert "change_reason" in refused.context["adminform"].form.errors
    assert saved.status_code == 302
    change = vendor.status_changes.get()
    assert (change.old_status, change.new_status) == ("active", "suspended")
    assert change.reason == "Missed three SLAs."
    assert change.changed_by == admin_user


def test_vendor_form_refuses_two_primary_contacts(admin_client: Client) -> None:
    vendor = vf.VendorFactory.create()
    url = admin_url(Vendor, "change", vendor.pk)
    data = form_data(admin_client.get(url))
    data["contacts-TOTAL_FORMS"] = "2"
    for index, name in enumerate(["Ana Cruz", "Ben Reyes"]):
        data[f"contacts-{index}-name"] = name
        data[f"contacts-{index}-is_primary"] = "on"

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "Only one contact can be the primary contact." in response.content.decode()
    assert not vendor.contacts.exists()


def test_evidence_uploaded_in_the_item_keeps_its_name_size_and_uploader(
    admin_client: Client, admin_user: Any
) -> None:
    item = ef.ComplianceItemFactory.create()
    url = admin_url(ComplianceItem, "change", item.pk)
    data = form_data(admin_client.get(url))
    data.update(
        {
            "evidence-TOTAL_FORMS": "1",
            "evidence-0-file": SimpleUploadedFile(
                "SOC 2 report.pdf", b"%PDF-1.4 soc2", content_type="application/pdf"
            ),
            "evidence-0-note": "Type II, 2024",
        }
    )

    response = admin_client.post(url, data)

    assert response.status_code == 302
    evidence = item.evidence.get()
    assert (evidence.original_name, evidence.size) == ("SOC 2 report.pdf", 13)
    assert evidence.content_type == "application/pdf"
    assert evidence.uploaded_by == admin_user
    page = admin_client.get(url).content.decode()
    assert "Currently: " in page
    assert str(evidence.file.name).rsplit("/", 1)[-1] in page


def test_an_upload_that_is_not_what_its_name_says_is_refused(admin_client: Client) -> None:
    contract = ef.ContractFactory.create()
    url = admin_url(Contract, "change", contract.pk)
    data = form_data(admin_client.get(url))
    data["document"] = SimpleUploadedFile("Signed MSA.pdf", b"MZ\x90\x00 not a pdf")

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "does not match its PDF name" in response.content.decode()
    contract.refresh_from_db()
    assert not contract.document


def test_a_contract_document_keeps_its_name_as_uploaded(admin_client: Client) -> None:
    contract = ef.ContractFactory.create()
    url = admin_url(Contract, "change", contract.pk)
    data = form_data(admin_client.get(url))
    data["document"] = SimpleUploadedFile("Signed MSA.pdf", b"%PDF-1.4 msa")

    response = admin_client.post(url, data)

    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.document_name == "Signed MSA.pdf"
    assert not str(contract.document.name).endswith("Signed MSA.pdf")  # stored under a random name


def test_an_engagement_shows_its_contracts_notice_deadline(admin_client: Client) -> None:
    contract = ef.ContractFactory.create(
        end_date=datetime.date(2025, 12, 31), notice_period_days=90
    )

    changelist = admin_client.get(admin_url(Engagement, "changelist"))
    change_page = admin_client.get(admin_url(Engagement, "change", contract.engagement.pk))

    assert contract.notice_deadline == datetime.date(2025, 10, 2)
    assert "2 Oct 2025" in changelist.content.decode()
    assert change_page.status_code == 200


# --- Filters ------------------------------------------------------------------


@time_machine.travel(datetime.datetime(2025, 3, 10, 12, tzinfo=datetime.UTC), tick=False)
def test_compliance_status_filter_agrees_with_the_status_rule(admin_client: Client) -> None:
    today = datetime.date(2025, 3, 10)
    missing = ef.ComplianceItemFactory.create()
    pending = ef.EvidenceFactory.create().item
    valid = ef.EvidenceFactory.create(
        item__accepted_at=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    ).item
    expired = ef.EvidenceFactory.create(item__expires_on=today - datetime.timedelta(days=1)).item
    items = [missing, pending, valid, expired]

    for status in ComplianceStatus:
        response = admin_client.get(
            admin_url(ComplianceItem, "changelist") + f"?compliance_status={status}"
        )
        shown = {item.pk for item in response.context["cl"].result_list}
        expected = {item.pk for item in items if item.status_on(today) == status}
        assert shown == expected, status


def test_risk_level_filter_uses_the_residual_score(admin_client: Client) -> None:
    low = ef.RiskFactory.create(residual_likelihood=1, residual_impact=2)
    critical = ef.RiskFactory.create(residual_likelihood=5, residual_impact=3)

    def shown(level: str) -> set[int]:
        response = admin_client.get(admin_url(Risk, "changelist") + f"?level={level}")
        return {risk.pk for risk in response.context["cl"].result_list}

    assert shown("low") == {low.pk}
    assert shown("critical") == {critical.pk}
    assert shown("above_appetite") == {critical.pk}


@time_machine.travel(datetime.datetime(2025, 3, 10, 12, tzinfo=datetime.UTC), tick=False)
def test_notice_deadline_filter_sorts_contracts_by_when_the_choice_goes(
    admin_client: Client,
) -> None:
    passed = ef.ContractFactory.create(end_date=datetime.date(2025, 5, 1))  # deadline 31 Jan
    soon = ef.ContractFactory.create(end_date=datetime.date(2025, 9, 1))  # deadline 3 Jun
    later = ef.ContractFactory.create(end_date=datetime.date(2026, 9, 1))

    def shown(model: type[Model], value: str) -> set[int]:
        response = admin_client.get(admin_url(model, "changelist") + f"?notice={value}")
        return {obj.pk for obj in response.context["cl"].result_list}

    assert shown(Contract, "passed") == {passed.pk}
    assert shown(Contract, "soon") == {soon.pk}
    assert shown(Contract, "later") == {later.pk}
    assert shown(Engagement, "soon") == {soon.engagement_id}


@time_machine.travel(datetime.datetime(2025, 3, 10, 12, tzinfo=datetime.UTC), tick=False)
def test_overdue_filter_shows_unrecorded_past_check_ins(admin_client: Client) -> None:
    past = datetime.datetime(2025, 3, 4, 10, tzinfo=datetime.UTC)
    overdue = ef.CheckInFactory.create(scheduled_for=past)
    recorded = ef.CheckInFactory.create(scheduled_for=past, recorded=True)
    upcoming = ef.CheckInFactory.create(scheduled_for=past + datetime.timedelta(weeks=2))

    def shown(value: str) -> set[int]:
        response = admin_client.get(admin_url(CheckIn, "changelist") + f"?overdue={value}")
        return {obj.pk for obj in response.context["cl"].result_list}

    assert shown("yes") == {overdue.pk}
    assert shown("no") == {recorded.pk, upcoming.pk}


def test_an_assessment_answer_without_a_weight_takes_the_factors(admin_client: Client) -> None:
    assessment = ef.AssessmentFactory.create()
    factor = ef.AssessmentFactorFactory.create(weight=Decimal("2.5"))
    url = admin_url(type(assessment), "change", assessment.pk)
    data = form_data(admin_client.get(url))
    data.update(
        {
            "answers-TOTAL_FORMS": "1",
            "answers-0-factor": str(factor.pk),
            "answers-0-score": "4",
            "answers-0-weight": "",
        }
    )

    response = admin_client.post(url, data)

    assert response.status_code == 302
    assert assessment.answers.get().weight == Decimal("2.5")


# --- A grant's sub-processors ----------------------------------------------------


def test_the_grant_admin_takes_only_the_engagement_vendors_sub_processors(
    admin_client: Client,
) -> None:
    grant = ef.DataAccessGrantFactory.create()
    own = vf.SubProcessorFactory.create(vendor=grant.engagement.vendor)
    foreign = vf.SubProcessorFactory.create(name="Elsewhere Ltd")
    url = admin_url(DataAccessGrant, "change", grant.pk)

    data = form_data(admin_client.get(url))
    refused = admin_client.post(url, {**data, "sub_processors": [str(own.pk), str(foreign.pk)]})

    assert refused.status_code == 200
    assert "Elsewhere Ltd is not a sub-processor of" in refused.content.decode()
    assert not grant.sub_processors.exists()

    data = form_data(admin_client.get(url))
    saved = admin_client.post(url, {**data, "sub_processors": [str(own.pk)]})

    assert saved.status_code == 302
    assert list(grant.sub_processors.all()) == [own]


def test_score_and_sub_processor_admins_show_their_history(admin_client: Client) -> None:
    for row in (ef.ScoreFactory.create(), vf.SubProcessorFactory.create()):
        page = admin_client.get(admin_url(type(row), "history", row.pk))
        assert page.status_code == 200
        record = row.history.get()  # type: ignore[attr-defined]
        assert f"/history/{record.history_id}/" in page.content.decode()


# --- Edits in the admin judge service credits again ----------------------------------


def test_a_fee_or_rule_changed_in_the_admin_judges_the_credits_again(
    admin_client: Client,
) -> None:
    from engagements.services.monitoring import rollup_kpis

    contract = ef.ContractFactory.create(monthly_fee=Decimal("3000.00"), currency="EUR")
    kpi = ef.KpiFactory.create(
        engagement=contract.engagement,
        credit_threshold=Decimal("99.5"),
        credit_percent=Decimal("10"),
    )
    ef.MeasurementFactory.create(kpi=kpi, measured_on=datetime.date(2025, 1, 20), value=98)
    with time_machine.travel(datetime.datetime(2025, 2, 3, 3, tzinfo=datetime.UTC), tick=False):
        rollup_kpis()
    assert ServiceCredit.objects.get(period_start=datetime.date(2025, 1, 1)).amount == Decimal(
        "300.00"
    )

    url = admin_url(Contract, "change", contract.pk)
    data = form_data(admin_client.get(url))
    assert admin_client.post(url, {**data, "monthly_fee": "2000.00"}).status_code == 302
    assert ServiceCredit.objects.get(period_start=datetime.date(2025, 1, 1)).amount == Decimal(
        "200.00"
    )

    url = admin_url(Kpi, "change", kpi.pk)
    data = form_data(admin_client.get(url))
    assert admin_client.post(url, {**data, "credit_percent": "25"}).status_code == 302
    assert ServiceCredit.objects.get(period_start=datetime.date(2025, 1, 1)).amount == Decimal(
        "500.00"
    )
