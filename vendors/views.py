"""The vendor registry in the browser: list, vendor page, and the small forms around it.

Who may do what is asked of outsourcing.roles, never decided here; the sections about
work with the vendor come from engagements (templatetags/vendor_work.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from outsourcing.csvimport import csv_download
from outsourcing.exports import export_format, export_response, queryset_rows
from outsourcing.lists import choice_order, page_of
from outsourcing.roles import can_change, can_create, can_read, is_admin, require
from outsourcing.typeahead import Search, search_view
from outsourcing.uploads import private_download
from outsourcing.versions import saves_atomically
from vendors.selectors import vendor_history

from . import imports as vendor_imports
from .exports import VENDOR_COLUMNS
from .filters import VendorFilter
from .forms import (
    CertificationForm,
    ContactForm,
    StatusChangeForm,
    SubProcessorForm,
    VendorForm,
    delete_file_after_commit,
)
from .imports import VendorUploadForm, import_vendors
from .models import (
    Certification,
    Contact,
    ServiceCategory,
    SubProcessor,
    Tag,
    Vendor,
    VendorStatusChange,
    VendorTierChange,
)


def _vendor_to_change(request: HttpRequest, pk: int) -> Vendor:
    vendor = get_object_or_404(Vendor, pk=pk)
    require(can_change(request.user, vendor))
    return vendor


def _vendor_url(vendor: Vendor) -> str:
    # The vendor page's top, where the message about the change shows.
    return reverse("vendors:vendor_detail", args=[vendor.pk])


# --- the vendor list and page --------------------------------------------------


@login_required
def vendor_list(request: HttpRequest) -> HttpResponseBase:
    require(can_read(request.user))
    vendors = Vendor.objects.prefetch_related("services", "tags").annotate(
        status_order=choice_order("status", Vendor.Status),
        tier_order=choice_order("tier", Vendor.Tier),
        standing_order=choice_order("standing", Vendor.Standing),
    )
    filters = VendorFilter(request.GET, queryset=vendors, request=request)
    if file_format := export_format(request):
        rows = queryset_rows(filters.qs.select_related("owner"))
        return export_response(file_format, "vendors", VENDOR_COLUMNS, rows)
    # Counted apart: the page is then read in the order's index (by name, the default)
    # and stops after a page, where a window count read and counted every vendor.
    page = page_of(request, filters.qs, count=filters.qs.count())
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
    return render(
        request,
        "vendors/vendor_detail.html",
        {
            "vendor": vendor,
            "history": vendor_history(vendor),
            "suggested_tier": Vendor.Tier(vendor.suggested_tier()),
            "may_change": can_change(request.user, vendor),
            "languages": [lang.strip() for lang in vendor.languages.split(",") if lang.strip()],
        },
    )


# --- create, edit, status ----------------------------------------------------------


def _tier_url(vendor: Vendor | None) -> str:
    """Where the vendor form asks for its tier part again as the answers change."""
    if vendor is None:
        return reverse("vendors:vendor_create_tier")
    return reverse("vendors:vendor_update_tier", args=[vendor.pk])


def _vendor_form_page(
    request: HttpRequest, form: VendorForm, vendor: Vendor | None
) -> HttpResponse:
    return render(
        request,
        "vendors/vendor_form.html",
        {"form": form, "vendor": vendor, "tier_url": _tier_url(vendor)},
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
@saves_atomically
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
@require_POST
def vendor_tier(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """The vendor form's tier part for the answers as they stand (htmx): the suggestion, the
    tier following it unless chosen, the reason when needed. Saves nothing; open to whoever
    may use the form itself."""
    if pk is None:
        require(can_create(request.user))
        vendor = None
    else:
        vendor = _vendor_to_change(request, pk)
    form = VendorForm(request.POST, instance=vendor, may_assign_owner=is_admin(request.user))
    form.is_valid()  # cleans the answers and settles the tier
    form.errors.clear()  # not a save: nothing to complain about while answering
    return render(
        request, "vendors/_vendor_tier.html", {"form": form, "tier_url": _tier_url(vendor)}
    )


@login_required
@require_http_methods(["GET", "POST"])
@saves_atomically
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


# --- contacts, certifications and sub-processors -----------------------------------------


@dataclass(frozen=True)
class VendorPart:
    """A kind of row that belongs to a vendor and is edited on a page of its own."""

    model: type[Contact | Certification | SubProcessor]
    form: type[ContactForm | CertificationForm | SubProcessorForm]
    kind: str  # "contact": in titles and messages
    anchor: str  # the vendor page's section it returns to
    # What a clash with a database rule means for this kind (field, message), if it can clash.
    conflict: tuple[str, str] | None = None

    @property
    def route(self) -> str:
        """The start of its routes' names: "sub_processor" for a "sub-processor"."""
        return self.kind.replace("-", "_")


CONTACTS = VendorPart(
    Contact,
    ContactForm,
    "contact",
    "contacts",
    conflict=("is_primary", "Another contact became primary meanwhile; reload."),
)
CERTIFICATIONS = VendorPart(Certification, CertificationForm, "certification", "certifications")
SUB_PROCESSORS = VendorPart(
    SubProcessor,
    SubProcessorForm,
    "sub-processor",
    "sub-processors",
    conflict=("name", "Someone added a sub-processor of this name meanwhile; reload."),
)


@login_required
@require_http_methods(["GET", "POST"])
@saves_atomically
def part_form(
    request: HttpRequest, vendor_pk: int, part: VendorPart, pk: int | None = None
) -> HttpResponse:
    """Add (without pk) or edit one of a vendor's contacts, certifications or sub-processors."""
    vendor = _vendor_to_change(request, vendor_pk)
    item: Any = None if pk is None else get_object_or_404(part.model, pk=pk, vendor=vendor)
    form = part.form(request.POST or None, request.FILES or None, instance=item, vendor=vendor)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                saved = form.save()
        except IntegrityError:
            if part.conflict is None:
                raise
            form.add_error(*part.conflict)
        else:
            verb = "added" if item is None else "saved"
            messages.success(request, f"{part.kind.capitalize()} {saved.name} {verb}.")
            return redirect(_vendor_url(vendor))
    return render(
        request,
        "vendors/item_form.html",
        {
            "form": form,
            "vendor": vendor,
            "title": f"New {part.kind}" if item is None else f"Edit {part.kind} {item.name}",
            "anchor": part.anchor,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def part_delete(request: HttpRequest, vendor_pk: int, pk: int, part: VendorPart) -> HttpResponse:
    vendor = _vendor_to_change(request, vendor_pk)
    item: Any = get_object_or_404(part.model, pk=pk, vendor=vendor)
    if request.method == "POST":
        with transaction.atomic():
            item.delete()
            if isinstance(item, Certification):
                delete_file_after_commit(item.document)
        messages.success(request, f"{part.kind.capitalize()} {item.name} removed.")
        return redirect(_vendor_url(vendor))
    return render(
        request,
        "vendors/item_confirm_delete.html",
        {"vendor": vendor, "item": item, "kind": part.kind, "anchor": part.anchor},
    )


@login_required
@require_http_methods(["GET"])
def certification_document(request: HttpRequest, vendor_pk: int, pk: int) -> FileResponse:
    """The certificate's document as a download, for anyone who may read the registry."""
    certifications = Certification.objects.filter(vendor_id=vendor_pk)
    return private_download(request, certifications, fallback=lambda c: c.name, pk=pk)


def _vendors(among: str) -> Any:
    # "awardable": the vendors a selection may still shortlist and award.
    vendors = Vendor.objects.awardable() if among == "awardable" else Vendor.objects.all()
    return vendors.order_by("legal_name", "pk")


# The type-ahead behind every vendor choice (outsourcing/typeahead.py).
vendor_search = search_view(
    Search(rows=_vendors, fields=("legal_name",), label=str, none_found="No vendor matches “{q}”")
)
