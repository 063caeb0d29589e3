"""Step 5 pages: an engagement's compliance tab, the organisation-wide matrix and its export."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from engagements.forms.compliance import (
    AddRequirementsForm,
    EvidenceForm,
    ExpiryForm,
    MatrixFilterForm,
)
from engagements.models import (
    ComplianceItem,
    ComplianceRequirement,
    ComplianceStatus,
    Engagement,
    Evidence,
)
from engagements.permissions import can_change, can_read, require
from engagements.selectors.history import compliance_history
from engagements.views.common import (
    engagement_row_to_change,
    engagement_to_change,
    engagement_to_read,
    render_tab,
    to_tab,
)
from outsourcing.csvimport import csv_download
from outsourcing.uploads import private_download
from outsourcing.versions import saves_atomically

# Worst first: a cell of the matrix shows the worst status among its items.
SEVERITY = {
    ComplianceStatus.EXPIRED: 0,
    ComplianceStatus.MISSING: 1,
    ComplianceStatus.PENDING: 2,
    ComplianceStatus.VALID: 3,
}


@dataclass
class ItemRow:
    item: ComplianceItem
    status: str
    days_left: int | None
    evidence: list[Evidence]
    evidence_form: EvidenceForm | None = None
    expiry_form: ExpiryForm | None = None

    @property
    def status_label(self) -> str:
        return ComplianceStatus(self.status).label

    @property
    def expiry_class(self) -> str:
        if self.days_left is None:
            return ""
        if self.days_left < 0:
            return "danger"
        return "warning" if self.days_left <= settings.EVIDENCE_EXPIRY_WINDOW_DAYS else ""


def _item_to_change(
    request: HttpRequest, pk: int, item_pk: int
) -> tuple[Engagement, ComplianceItem]:
    """The engagement and one of its compliance items, for a page that changes the item."""
    return engagement_row_to_change(
        request, pk, ComplianceItem.objects.select_related("requirement"), item_pk
    )


def item_rows(engagement: Engagement, today: datetime.date) -> list[ItemRow]:
    items = (
        ComplianceItem.objects.filter(engagement=engagement)
        .select_related("requirement", "accepted_by")
        .prefetch_related(
            Prefetch("evidence", queryset=Evidence.objects.select_related("uploaded_by"))
        )
    )
    rows = []
    for item in items:
        evidence = list(item.evidence.all())
        rows.append(
            ItemRow(
                item=item,
                status=item.status_on(today, has_evidence=bool(evidence)),
                days_left=(item.expires_on - today).days if item.expires_on else None,
                evidence=evidence,
            )
        )
    return rows


def _render_tab(
    request: HttpRequest,
    engagement: Engagement,
    *,
    add_form: AddRequirementsForm | None = None,
    failed_item: int | None = None,
    evidence_form: EvidenceForm | None = None,
    expiry_form: ExpiryForm | None = None,
) -> HttpResponse:
    today = timezone.localdate()
    rows = item_rows(engagement, today)
    for row in rows:
        # Each item's form gets its own ids, so every label points at its own field.
        row.evidence_form = EvidenceForm(auto_id=f"id_item{row.item.pk}_%s")
        if row.item.pk == failed_item:
            row.evidence_form = evidence_form or row.evidence_form
            row.expiry_form = expiry_form
    add_form = add_form or AddRequirementsForm(engagement=engagement)
    available = list(add_form.fields["requirements"].queryset)  # type: ignore[attr-defined]
    counts = {value: 0 for value in ComplianceStatus.values}
    for row in rows:
        counts[row.status] += 1
    return render_tab(
        request,
        "engagements/compliance/engagement_compliance.html",
        engagement,
        "compliance",
        rows=rows,
        counts=counts,
        add_form=add_form,
        available=available,
        defaults=[r for r in available if r.required_by_default],
        may_change=can_change(request.user, engagement),
        expiring_days=settings.EVIDENCE_EXPIRY_WINDOW_DAYS,
        failed_item=failed_item,
        history=compliance_history(engagement),
    )


@login_required
@require_safe
def engagement_compliance(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_tab(request, engagement_to_read(request, pk))


@login_required
@require_POST
def compliance_add(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = engagement_to_change(request, pk)
    form = AddRequirementsForm(request.POST, engagement=engagement)
    if not form.is_valid():
        return _render_tab(request, engagement, add_form=form)
    added = form.save()
    names = ", ".join(item.requirement.name for item in added)
    messages.success(
        request, f"Added {len(added)} requirement{'s' if len(added) != 1 else ''}: {names}."
    )
    return to_tab("engagement_compliance", engagement)


@login_required
@require_POST
def compliance_evidence_upload(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    engagement, item = _item_to_change(request, pk, item_pk)
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_tab(request, engagement, failed_item=item.pk, evidence_form=form)
    evidence = form.save(item=item, by=request.user)
    messages.success(
        request,
        f"{evidence.original_name} uploaded for {item.requirement.name}; it now waits for review.",
    )
    return to_tab("engagement_compliance", engagement, f"item-{item.pk}")


@login_required
@require_safe
def compliance_evidence_download(request: HttpRequest, pk: int, evidence_pk: int) -> FileResponse:
    return private_download(
        request, Evidence.objects.filter(item__engagement_id=pk), pk=evidence_pk
    )


@login_required
@require_POST
def compliance_accept(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    engagement, item = _item_to_change(request, pk, item_pk)
    if not item.evidence.exists():
        messages.error(request, f"Upload evidence for {item.requirement.name} before accepting it.")
    else:
        item.accepted_at = timezone.now()
        item.accepted_by = request.user  # type: ignore[assignment]
        item.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
        messages.success(request, f"Evidence for {item.requirement.name} accepted.")
    return to_tab("engagement_compliance", engagement, f"item-{item.pk}")


@login_required
@require_POST
@saves_atomically
def compliance_expiry(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    engagement, item = _item_to_change(request, pk, item_pk)
    form = ExpiryForm(request.POST, instance=item)
    if not form.is_valid():
        return _render_tab(request, engagement, failed_item=item.pk, expiry_form=form)
    form.save()
    when = item.expires_on.strftime("%-d %b %Y") if item.expires_on else "never"
    messages.success(request, f"{item.requirement.name} now expires: {when}.")
    return to_tab("engagement_compliance", engagement, f"item-{item.pk}")


# --- organisation-wide matrix --------------------------------------------------


@dataclass
class Cell:
    status: str
    engagement_pk: int
    count: int = 1

    @property
    def label(self) -> str:
        return ComplianceStatus(self.status).label


@dataclass
class VendorRow:
    vendor: Any
    engagements: dict[int, str] = field(default_factory=dict)
    cells: dict[int, Cell] = field(default_factory=dict)

    def cells_for(self, requirements: list[ComplianceRequirement]) -> list[Cell | None]:
        return [self.cells.get(r.pk) for r in requirements]


def matrix_items(filters: MatrixFilterForm) -> QuerySet[ComplianceItem]:
    has_evidence = Evidence.objects.filter(item=OuterRef("pk"))
    return (
        filters.items(ComplianceItem.objects.all())
        .select_related("engagement__vendor", "requirement")
        .annotate(has_evidence=Exists(has_evidence))
        .order_by("engagement__vendor__legal_name", "engagement__title", "requirement__order")
    )


def matrix_statuses(
    filters: MatrixFilterForm, today: datetime.date
) -> Iterator[tuple[ComplianceItem, str]]:
    """The matrix's items with their status today; only those of the status asked for."""
    wanted_status = filters.value("status")
    for item in matrix_items(filters):
        status = item.status_on(today, has_evidence=item.has_evidence)  # type: ignore[attr-defined]
        if not wanted_status or status == wanted_status:
            yield item, status


@login_required
@require_safe
def compliance_matrix(request: HttpRequest) -> HttpResponse:
    require(can_read(request.user))
    filters = MatrixFilterForm(request.GET or None)
    today = timezone.localdate()
    wanted_status = filters.value("status")
    requirements = list(ComplianceRequirement.objects.all())
    if filters.value("requirement"):
        requirements = [r for r in requirements if r.pk == filters.value("requirement").pk]
    rows: dict[int, VendorRow] = {}
    # Vendors with engagements in scope but nothing on file yet still get a row.
    engagements = filters.engagements(Engagement.objects.select_related("vendor")).order_by(
        "vendor__legal_name", "title"
    )
    if not wanted_status:
        for engagement in engagements:
            row = rows.setdefault(engagement.vendor_id, VendorRow(vendor=engagement.vendor))
            row.engagements[engagement.pk] = engagement.title
    for item, status in matrix_statuses(filters, today):
        engagement = item.engagement
        row = rows.setdefault(engagement.vendor_id, VendorRow(vendor=engagement.vendor))
        row.engagements[engagement.pk] = engagement.title
        cell = row.cells.get(item.requirement_id)
        if cell is None:
            row.cells[item.requirement_id] = Cell(status=status, engagement_pk=engagement.pk)
        else:
            cell.count += 1
            if SEVERITY[ComplianceStatus(status)] < SEVERITY[ComplianceStatus(cell.status)]:
                cell.status, cell.engagement_pk = status, engagement.pk
    vendor_rows = sorted(rows.values(), key=lambda r: r.vendor.legal_name.lower())
    return render(
        request,
        "engagements/compliance/compliance_matrix.html",
        {
            "filters": filters,
            "requirements": requirements,
            "rows": [(row, row.cells_for(requirements)) for row in vendor_rows],
            "query": request.GET.urlencode(),
        },
    )


@login_required
@require_safe
def compliance_export(request: HttpRequest) -> HttpResponse:
    require(can_read(request.user))
    filters = MatrixFilterForm(request.GET or None)
    today = timezone.localdate()
    return csv_download(
        f"compliance-{today:%Y-%m-%d}.csv",
        ["Vendor", "Engagement", "Requirement", "Status", "Expires on", "Accepted on"],
        [_export_row(item, status) for item, status in matrix_statuses(filters, today)],
    )


def _export_row(item: ComplianceItem, status: str) -> list[str]:
    accepted = timezone.localtime(item.accepted_at).date() if item.accepted_at else None
    return [
        item.engagement.vendor.legal_name,
        item.engagement.title,
        item.requirement.name,
        str(ComplianceStatus(status).label),
        item.expires_on.isoformat() if item.expires_on else "",
        accepted.isoformat() if accepted else "",
    ]
