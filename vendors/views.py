"""The vendor registry in the browser: list, vendor page, and the small forms around it.

Who may do what is asked of engagements.permissions, never decided here.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Case, IntegerField, Prefetch, Value, When
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_http_methods

from engagements.models import Engagement, Proposal
from engagements.permissions import can_change, can_create, can_read, is_admin, require
from outsourcing.uploads import private_file_response

from .forms import (
    CertificationForm,
    ContactForm,
    StatusChangeForm,
    VendorFilterForm,
    VendorForm,
    delete_file_after_commit,
)
from .models import Certification, Contact, Vendor, VendorStatusChange, VendorTierChange

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
            "vendor": vendor,
            "suggested_tier": Vendor.Tier(vendor.suggested_tier()),
            "may_change": can_change(request.user, vendor),
            "engagements": engagements,
            "selections": selections,
            "languages": [lang.strip() for lang in vendor.languages.split(",") if lang.strip()],
        },
    )


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
