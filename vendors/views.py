"""The vendor registry in the browser: list, vendor page, and the small forms around it.

Who may do what is asked of engagements.permissions, never decided here.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.views.decorators.http import require_http_methods, require_safe

from engagements.charts import svg
from engagements.models import (
    ComplianceItem,
    ComplianceStatus,
    Engagement,
    Evidence,
    Period,
    Proposal,
    Risk,
    Scorecard,
)
from engagements.permissions import can_change, can_create, can_read, is_admin, require
from engagements.views.dashboard import red_kpis, risks_above_appetite, with_residual_score
from engagements.views.history import vendor_history
from outsourcing.csvimport import csv_download
from outsourcing.uploads import private_file_response

from . import imports as vendor_imports
from .forms import (
    CertificationForm,
    ContactForm,
    StatusChangeForm,
    VendorFilterForm,
    VendorForm,
    delete_file_after_commit,
)
from .imports import VendorUploadForm, import_vendors
from .models import (
    Certification,
    Contact,
    ServiceCategory,
    Tag,
    Vendor,
    VendorStatusChange,
    VendorTierChange,
)

PAGE_SIZE = 25


def _choice_order(field: str, choices: Any) -> Case:
    """Sort by a choice field in the order its choices are declared (e.g. prospect → offboarded)."""
    return Case(
        *(When(**{field: value}, then=Value(index)) for index, value in enumerate(choices.values)),
        default=Value(len(choices.values)),
        output_field=IntegerField(),
    )


def _url_if_routed(name: str, *args: Any) -> str | None:
    """A link to a page another part of the app may not have yet."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _vendor_to_change(request: HttpRequest, pk: int) -> Vendor:
    vendor = get_object_or_404(Vendor, pk=pk)
    require(can_change(request.user, vendor))
    return vendor


def _vendor_url(vendor: Vendor) -> str:
    # The vendor page's top, where the message about the change shows.
    return reverse("vendors:vendor_detail", args=[vendor.pk])


# --- the vendor list and page --------------------------------------------------


@login_required
def vendor_list(request: HttpRequest) -> HttpResponse:
    require(can_read(request.user))
    countries = list(
        Vendor.objects.order_by("country").values_list("country", flat=True).distinct()
    )
    filters = VendorFilterForm(request.GET or None, countries=countries)
    vendors = Vendor.objects.prefetch_related("services", "tags").annotate(
        status_order=_choice_order("status", Vendor.Status),
        tier_order=_choice_order("tier", Vendor.Tier),
        standing_order=_choice_order("standing", Vendor.Standing),
    )
    if filters.is_valid():
        data = filters.cleaned_data
        if data["q"]:
            vendors = vendors.filter(legal_name__icontains=data["q"].strip())
        if data["status"]:
            vendors = vendors.filter(status=data["status"])
        if data["service"]:
            vendors = vendors.filter(services=data["service"])
        if data["country"]:
            vendors = vendors.filter(country=data["country"])
        if data["tag"]:
            vendors = vendors.filter(tags=data["tag"])
    vendors = vendors.order_by(*filters.ordering())
    page = Paginator(vendors, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "vendors/vendor_list.html",
        {"filters": filters, "page": page, "may_create": can_create(request.user)},
    )


@login_required
def vendor_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(can_read(request.user))
    vendor = get_object_or_404(
        Vendor.objects.select_related("owner").prefetch_related(
            "services",
            "tags",
            "contacts",
            "certifications",
            "references",
            "sub_processors",
            Prefetch(
                "engagements",
                queryset=Engagement.objects.select_related("owner").order_by("-start_date"),
            ),
            Prefetch(
                "proposals",
                queryset=Proposal.objects.select_related("selection").order_by(
                    "-selection__created_at"
                ),
            ),
            Prefetch(
                "status_changes",
                queryset=VendorStatusChange.objects.select_related("changed_by"),
            ),
            Prefetch(
                "tier_changes",
                queryset=VendorTierChange.objects.select_related("changed_by"),
            ),
        ),
        pk=pk,
    )
    engagements = [
        (engagement, _url_if_routed("engagements:engagement_detail", engagement.pk))
        for engagement in vendor.engagements.all()
    ]
    selections = [
        (proposal, _url_if_routed("engagements:selection_detail", proposal.selection_id))
        for proposal in vendor.proposals.all()
    ]
    return render(
        request,
        "vendors/vendor_detail.html",
        {
            "performance": vendor_performance(vendor, list(vendor.engagements.all())),
            "vendor": vendor,
            "history": vendor_history(vendor),
            "suggested_tier": Vendor.Tier(vendor.suggested_tier()),
            "may_change": can_change(request.user, vendor),
            "engagements": engagements,
            "selections": selections,
            "languages": [lang.strip() for lang in vendor.languages.split(",") if lang.strip()],
        },
    )


# --- vendor performance ------------------------------------------------------------

# Months of scorecards the performance section looks back over (sparkline), and shows as columns.
SPARKLINE_MONTHS = 12
TABLE_MONTHS = 6
SPARK_WIDTH, SPARK_HEIGHT = 120, 32


def _month_starts(today: datetime.date, count: int) -> list[datetime.date]:
    """First days of the last `count` months, oldest first, ending with this month."""
    months: list[datetime.date] = []
    year, month = today.year, today.month
    for _ in range(count):
        months.append(datetime.date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months[::-1]


def score_sparkline(
    *, chart_id: str, title: str, months: list[datetime.date], scores: list[Decimal | None]
) -> SafeString:
    """A small line of monthly scores on a 0–100 scale; months without a score leave a gap."""
    if all(score is None for score in scores):
        return svg.empty(
            chart_id=chart_id,
            width=SPARK_WIDTH,
            height=SPARK_HEIGHT,
            title=title,
            message="No scores",
        )
    step = (SPARK_WIDTH - 8) / max(len(months) - 1, 1)

    def point(i: int, score: Decimal) -> tuple[str, str]:
        y = SPARK_HEIGHT - 4 - float(score) / 100 * (SPARK_HEIGHT - 8)
        return svg.fmt(4 + i * step), svg.fmt(y)

    runs: list[list[tuple[str, str]]] = [[]]
    for i, score in enumerate(scores):
        if score is None:
            runs.append([])
        else:
            runs[-1].append(point(i, score))
    body = "".join(
        f'<polyline fill="none" stroke="#0d6efd" stroke-width="2" '
        f'points="{" ".join(f"{x},{y}" for x, y in run)}"/>'
        for run in runs
        if len(run) > 1
    )
    body += "".join(
        f'<circle cx="{x}" cy="{y}" r="2" fill="#0d6efd"/>' for run in runs for x, y in run
    )
    described = "; ".join(
        f"{month:%b %Y}: {score}"
        for month, score in zip(months, scores, strict=True)
        if score is not None
    )
    return svg.document(
        chart_id=chart_id,
        width=SPARK_WIDTH,
        height=SPARK_HEIGHT,
        title=title,
        description=f"Monthly scores out of 100. {described}.",
        body=body,
    )


@dataclass
class ScoreHistory:
    """One engagement's monthly scores, for a row of the performance table."""

    engagement: Engagement
    url: str | None
    scores: list[Decimal | None]
    sparkline: SafeString


def vendor_performance(vendor: Vendor, engagements: list[Engagement]) -> dict[str, Any]:
    """Scorecards by month, red KPIs, open risks and compliance of the vendor's work.

    A fixed number of queries whatever the number of engagements: one per kind of row.
    KPIs, risks and compliance count live engagements only; scorecards every engagement.
    """
    today = timezone.localdate()
    months = _month_starts(today, SPARKLINE_MONTHS)
    by_engagement: dict[int, dict[datetime.date, Decimal | None]] = {}
    for engagement_id, period_start, score in Scorecard.objects.filter(
        engagement__vendor=vendor, period=Period.MONTH, period_start__gte=months[0]
    ).values_list("engagement_id", "period_start", "score"):
        by_engagement.setdefault(engagement_id, {})[period_start] = score
    history = []
    for engagement in engagements:
        if engagement.pk not in by_engagement:
            continue
        scores = [by_engagement[engagement.pk].get(month) for month in months]
        history.append(
            ScoreHistory(
                engagement=engagement,
                url=_url_if_routed("engagements:engagement_detail", engagement.pk),
                scores=scores[-TABLE_MONTHS:],
                sparkline=score_sparkline(
                    chart_id=f"score-{engagement.pk}",
                    title=f"Monthly score of {engagement.title}, last {SPARKLINE_MONTHS} months",
                    months=months,
                    scores=scores,
                ),
            )
        )

    live: QuerySet[Any] = Engagement.objects.filter(
        vendor=vendor, status__in=Engagement.LIVE_STATUSES
    ).values("pk")
    open_risks = with_residual_score(
        Risk.objects.filter(engagement__in=live).exclude(status=Risk.Status.CLOSED)
    )
    items = ComplianceItem.objects.filter(engagement__in=live).prefetch_related(
        Prefetch("evidence", queryset=Evidence.objects.only("pk", "item_id"))
    )
    statuses = Counter(item.status_on(today) for item in items)
    return {
        "months": months[-TABLE_MONTHS:],
        "history": history,
        "red_kpis": list(red_kpis(live)),
        "open_risk_count": open_risks.count(),
        "risks_above_appetite": list(risks_above_appetite(live)),
        "compliance": [(status, statuses.get(status.value, 0)) for status in ComplianceStatus],
        "compliance_total": sum(statuses.values()),
    }


# --- create, edit, status ----------------------------------------------------------


def _vendor_form_page(
    request: HttpRequest, form: VendorForm, vendor: Vendor | None
) -> HttpResponse:
    # After a refused POST the form's instance holds the answers given, so the
    # suggestion shown matches what the person just entered.
    suggested = Vendor.Tier(form.instance.suggested_tier()).label
    return render(
        request,
        "vendors/vendor_form.html",
        {"form": form, "vendor": vendor, "suggested_tier": suggested},
    )


@login_required
@require_http_methods(["GET", "POST"])
def vendor_create(request: HttpRequest) -> HttpResponse:
    require(can_create(request.user))
    may_assign_owner = is_admin(request.user)
    form = VendorForm(
        request.POST or None,
        may_assign_owner=may_assign_owner,
        initial={"owner": request.user.pk} if may_assign_owner else None,
    )
    if request.method == "POST" and form.is_valid():
        vendor = form.save_by(request.user)
        messages.success(request, f"{vendor} is in the registry.")
        return redirect(_vendor_url(vendor))
    return _vendor_form_page(request, form, None)


@login_required
@require_http_methods(["GET", "POST"])
def vendor_import(request: HttpRequest) -> HttpResponse:
    """Vendors from a CSV file: all rows imported, or none and a report of every error."""
    require(can_create(request.user))
    form = VendorUploadForm(request.POST, request.FILES) if request.method == "POST" else None
    report = None
    if form is not None and form.is_valid():
        report = import_vendors(table=form.table, by=request.user)
        if report.ok:
            messages.success(
                request, f"Imported {report.created} vendor{'s' if report.created != 1 else ''}."
            )
            return redirect("vendors:vendor_list")
    return render(
        request,
        "vendors/vendor_import.html",
        {
            "form": form or VendorUploadForm(),
            "report": report,
            "required_columns": vendor_imports.REQUIRED_COLUMNS,
            "choices": {
                column: vendor_imports.allowed_values(column)
                for column in vendor_imports.CHOICE_COLUMNS
            },
            "services": ServiceCategory.objects.values_list("name", flat=True),
            "tags": Tag.objects.values_list("name", flat=True),
            "max_rows": vendor_imports.MAX_VENDOR_ROWS,
        },
    )


@login_required
@require_safe
def vendor_import_template(request: HttpRequest) -> HttpResponse:
    """The import's columns and one example row, to fill in a spreadsheet."""
    require(can_create(request.user))
    return csv_download(
        "vendors-import-template.csv", vendor_imports.COLUMNS, vendor_imports.template_rows()
    )


@login_required
@require_http_methods(["GET", "POST"])
def vendor_update(request: HttpRequest, pk: int) -> HttpResponse:
    vendor = _vendor_to_change(request, pk)
    form = VendorForm(
        request.POST or None, instance=vendor, may_assign_owner=is_admin(request.user)
    )
    if request.method == "POST" and form.is_valid():
        if form.has_changed():
            vendor = form.save_by(request.user)
            messages.success(request, f"Changes to {vendor} saved.")
        else:
            messages.info(request, "Nothing was changed.")
        return redirect(_vendor_url(vendor))
    return _vendor_form_page(request, form, vendor)


@login_required
@require_http_methods(["GET", "POST"])
def vendor_status(request: HttpRequest, pk: int) -> HttpResponse:
    vendor = _vendor_to_change(request, pk)
    form = StatusChangeForm(request.POST or None, vendor=vendor)
    if request.method == "POST" and form.is_valid():
        try:
            change = vendor.change_status(
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"{vendor} is now {change.get_new_status_display().lower()} "
                f"(was {change.get_old_status_display().lower()}).",
            )
            return redirect(_vendor_url(vendor))
    return render(request, "vendors/vendor_status_form.html", {"form": form, "vendor": vendor})


# --- contacts ---------------------------------------------------------------------


def _contact_form_page(
    request: HttpRequest, vendor: Vendor, contact: Contact | None
) -> HttpResponse:
    form = ContactForm(request.POST or None, instance=contact, vendor=vendor)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                saved = form.save()
        except IntegrityError:
            # Another person made someone else primary in the meantime.
            form.add_error("is_primary", "Another contact became primary meanwhile; reload.")
        else:
            verb = "added" if contact is None else "saved"
            messages.success(request, f"Contact {saved.name} {verb}.")
            return redirect(_vendor_url(vendor))
    return render(
        request,
        "vendors/item_form.html",
        {
            "form": form,
            "vendor": vendor,
            "title": "New contact" if contact is None else f"Edit contact {contact.name}",
            "anchor": "contacts",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_create(request: HttpRequest, vendor_pk: int) -> HttpResponse:
    vendor = _vendor_to_change(request, vendor_pk)
    return _contact_form_page(request, vendor, None)


@login_required
@require_http_methods(["GET", "POST"])
def contact_update(request: HttpRequest, vendor_pk: int, pk: int) -> HttpResponse:
    vendor = _vendor_to_change(request, vendor_pk)
    contact = get_object_or_404(Contact, pk=pk, vendor=vendor)
    return _contact_form_page(request, vendor, contact)


@login_required
@require_http_methods(["GET", "POST"])
def contact_delete(request: HttpRequest, vendor_pk: int, pk: int) -> HttpResponse:
    vendor = _vendor_to_change(request, vendor_pk)
    contact = get_object_or_404(Contact, pk=pk, vendor=vendor)
    if request.method == "POST":
        contact.delete()
        messages.success(request, f"Contact {contact.name} removed.")
        return redirect(_vendor_url(vendor))
    return render(
        request,
        "vendors/item_confirm_delete.html",
        {"vendor": vendor, "item": contact, "kind": "contact", "anchor": "contacts"},
    )


# --- certifications ---------------------------------------------------------------


def _certification_form_page(
    request: HttpRequest, vendor: Vendor, certification: Certification | None
) -> HttpResponse:
    form = CertificationForm(
        request.POST or None, request.FILES or None, instance=certification, vendor=vendor
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save()
        verb = "added" if certification is None else "saved"
        messages.success(request, f"Certification {saved.name} {verb}.")
        return redirect(_vendor_url(vendor))
    return render(
        request,
        "vendors/item_form.html",
        {
            "form": form,
            "vendor": vendor,
            "title": (
                "New certification"
                if certification is None
                else f"Edit certification {certification.name}"
            ),
            "anchor": "certifications",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def certification_create(request: HttpRequest, vendor_pk: int) -> HttpResponse:
    vendor = _vendor_to_change(request, vendor_pk)
    return _certification_form_page(request, vendor, None)


@login_required
@require_http_methods(["GET", "POST"])
def certification_update(request: HttpRequest, vendor_pk: int, pk: int) -> HttpResponse:
    vendor = _vendor_to_change(request, vendor_pk)
    certification = get_object_or_404(Certification, pk=pk, vendor=vendor)
    return _certification_form_page(request, vendor, certification)


@login_required
@require_http_methods(["GET", "POST"])
def certification_delete(request: HttpRequest, vendor_pk: int, pk: int) -> HttpResponse:
    vendor = _vendor_to_change(request, vendor_pk)
    certification = get_object_or_404(Certification, pk=pk, vendor=vendor)
    if request.method == "POST":
        with transaction.atomic():
            certification.delete()
            delete_file_after_commit(certification.document)
        messages.success(request, f"Certification {certification.name} removed.")
        return redirect(_vendor_url(vendor))
    return render(
        request,
        "vendors/item_confirm_delete.html",
        {
            "vendor": vendor,
            "item": certification,
            "kind": "certification",
            "anchor": "certifications",
        },
    )


@login_required
@require_http_methods(["GET"])
def certification_document(request: HttpRequest, vendor_pk: int, pk: int) -> FileResponse:
    """The certificate's document as a download, for anyone who may read the registry."""
    require(can_read(request.user))
    certification = get_object_or_404(Certification, pk=pk, vendor_id=vendor_pk)
    if not certification.document:
        raise Http404("This certification has no document.")
    suffix = PurePath(certification.document.name or "").suffix
    download_name = certification.document_name or f"{certification.name}{suffix}"
    try:
        return private_file_response(certification.document, download_name=download_name)
    except FileNotFoundError as missing:
        raise Http404("The document is missing from storage.") from missing
