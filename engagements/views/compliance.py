"""Step 5 pages: an engagement's compliance tab, the organisation-wide matrix and its export."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, QuerySet
from django.db.models.functions import Lower
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from engagements.exports import COMPLIANCE_COLUMNS
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
from outsourcing.exports import export_format, export_response, queryset_rows
from outsourcing.lists import page_of
from outsourcing.uploads import private_download
from outsourcing.versions import saves_atomically
from vendors.models import Vendor

# Worst first: a cell of the matrix shows the worst status among its items.
SEVERITY = {
    ComplianceStatus.EXPIRED: 0,
    ComplianceStatus.MISSING: 1,
    ComplianceStatus.PENDING: 2,
    ComplianceStatus.VALID: 3,
}
# Items the export reads from the database at a time.
EXPORT_CHUNK = 2000


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
    url: str = ""  # the engagement's compliance tab

    @property
    def label(self) -> str:
        return ComplianceStatus(self.status).label


@dataclass
class VendorRow:
    vendor: Vendor
    cells: dict[int, Cell] = field(default_factory=dict)

    def cells_for(self, requirements: list[ComplianceRequirement]) -> list[Cell | None]:
        return [self.cells.get(r.pk) for r in requirements]

    def add(self, status: str, requirement_pk: int, engagement_pk: int) -> None:
        """One more item in a cell: the cell keeps the worst status and its engagement."""
        cell = self.cells.get(requirement_pk)
        if cell is None:
            self.cells[requirement_pk] = Cell(status=status, engagement_pk=engagement_pk)
            return
        cell.count += 1
        if SEVERITY[ComplianceStatus(status)] < SEVERITY[ComplianceStatus(cell.status)]:
            cell.status, cell.engagement_pk = status, engagement_pk


def matrix_items(
    filters: MatrixFilterForm,
    today: datetime.date,
    *,
    evidence: QuerySet[Evidence] | None = None,
) -> QuerySet[ComplianceItem]:
    """The items the filters ask for, each with its `status` today (only the status asked
    for, if any), in the matrix's order; `evidence` as `with_status` takes it."""
    items = filters.items(ComplianceItem.objects.with_status(today, evidence=evidence))
    if filters.value("status"):
        items = items.filter(status=filters.value("status"))  # type: ignore[misc]
    return items.order_by(
        "engagement__vendor__legal_name", "engagement__title", "requirement__order", "pk"
    )


def matrix_vendor_ids(filters: MatrixFilterForm, today: datetime.date) -> QuerySet[Any]:
    """The ids of the matrix's vendors: those with an engagement in scope, or with an item
    in the status asked for (repeated, one per engagement or item)."""
    if filters.value("status"):
        return matrix_items(filters, today).order_by().values("engagement__vendor_id")
    return filters.engagements(Engagement.objects.all()).order_by().values("vendor_id")


def matrix_vendors(filters: MatrixFilterForm, today: datetime.date) -> QuerySet[Vendor]:
    """The matrix's rows. Vendors with nothing on file yet still get a row (all "—")."""
    in_matrix = matrix_vendor_ids(filters, today)
    return Vendor.objects.filter(pk__in=in_matrix).order_by(Lower("legal_name"), "pk")


def matrix_vendor_count(filters: MatrixFilterForm, today: datetime.date) -> int:
    """How many rows the matrix has, counted from the engagements (or items) alone:
    asking each vendor whether it has one read every vendor there is."""
    return matrix_vendor_ids(filters, today).distinct().count()


def matrix_counts(filters: MatrixFilterForm, today: datetime.date) -> dict[str, int]:
    """How many of the filtered items are in each status, across every page: one grouped query."""
    counts = dict.fromkeys(ComplianceStatus.values, 0)
    items = matrix_items(filters, today).order_by()
    grouped = items.values("status").annotate(n=Count("pk"))  # type: ignore[misc]
    counts.update({row["status"]: row["n"] for row in grouped})
    return counts


def matrix_rows(
    filters: MatrixFilterForm, today: datetime.date, vendors: list[Vendor]
) -> list[VendorRow]:
    """One row for each vendor on the page, its cells from the items of those vendors only."""
    rows = {vendor.pk: VendorRow(vendor=vendor) for vendor in vendors}
    on_page = Engagement.objects.filter(vendor__in=list(rows)).values("pk")
    # "Has evidence" from the page's engagements' evidence only, not all of it.
    evidence = Evidence.objects.filter(item__engagement_id__in=on_page)
    items = (
        matrix_items(filters, today, evidence=evidence)  # type: ignore[misc]
        # By the page's engagement ids: the items' engagement index finds their few
        # hundred items, where joining on the vendor read every item there is.
        .filter(engagement_id__in=on_page)
        # A cell's link goes to the first engagement (by title) in its worst status.
        .order_by("engagement__title", "engagement_id")
        .values_list("engagement__vendor_id", "requirement_id", "engagement_id", "status")
    )
    for vendor_pk, requirement_pk, engagement_pk, status in items:
        rows[vendor_pk].add(status, requirement_pk, engagement_pk)
    # One reverse() per engagement rather than one {% url %} per cell: a page holds a
    # few hundred cells and only a few dozen engagements.
    urls: dict[int, str] = {}
    for row in rows.values():
        for cell in row.cells.values():
            if cell.engagement_pk not in urls:
                urls[cell.engagement_pk] = reverse(
                    "engagements:engagement_compliance", args=[cell.engagement_pk]
                )
            cell.url = urls[cell.engagement_pk]
    return list(rows.values())


@login_required
@require_safe
def compliance_matrix(request: HttpRequest) -> HttpResponse:
    require(can_read(request.user))
    filters = MatrixFilterForm(request.GET or None)
    today = timezone.localdate()
    requirements = list(ComplianceRequirement.objects.all())
    if filters.value("requirement"):
        requirements = [r for r in requirements if r.pk == filters.value("requirement").pk]
    vendors = matrix_vendors(filters, today)
    # Counted apart: the page itself is then read in name order (vendor_name_order_idx),
    # a page's worth of vendors, instead of sorting every vendor in the matrix to count.
    page = page_of(request, vendors, count=matrix_vendor_count(filters, today))
    counts = matrix_counts(filters, today)
    rows = matrix_rows(filters, today, list(page))
    return render(
        request,
        "engagements/compliance/compliance_matrix.html",
        {
            "filters": filters,
            "requirements": requirements,
            "page": page,
            "rows": [(row, row.cells_for(requirements)) for row in rows],
            # Worst first, as the cells rank them.
            "counts": [
                (status, ComplianceStatus(status).label, counts[status])
                for status in sorted(counts, key=lambda s: SEVERITY[ComplianceStatus(s)])
            ],
            "item_count": sum(counts.values()),
        },
    )


@login_required
@require_safe
def compliance_export(request: HttpRequest) -> HttpResponseBase:
    """Every filtered item, not a page of them, as CSV (the default) or XLSX (?export=xlsx):
    streamed, so its size does not matter."""
    require(can_read(request.user))
    filters = MatrixFilterForm(request.GET or None)
    items = matrix_items(filters, timezone.localdate())
    rows = queryset_rows(items.select_related("engagement__vendor", "requirement"))
    return export_response(export_format(request) or "csv", "compliance", COMPLIANCE_COLUMNS, rows)
