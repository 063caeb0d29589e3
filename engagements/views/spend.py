"""An engagement's spend tab: invoices entered, burn against the budget and the contract's
value, and the forecast at the current run rate (engagements/selectors/spend.py)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.views.decorators.http import require_http_methods, require_safe

from engagements import imports as spend_imports
from engagements.exports import SPEND_COLUMNS
from engagements.forms.spend import SpendEntryForm, SpendUploadForm
from engagements.models import SpendEntry
from engagements.permissions import can_change
from engagements.selectors.spend import spend_entries, spend_summary
from engagements.views.common import (
    engagement_row_to_change,
    engagement_to_change,
    engagement_to_read,
    render_tab,
    to_tab,
)
from outsourcing.csvimport import csv_download
from outsourcing.exports import export_format, export_response, queryset_rows
from outsourcing.models import Currency
from outsourcing.versions import saves_atomically


@login_required
@require_safe
def engagement_spend(request: HttpRequest, pk: int) -> HttpResponseBase:
    engagement = engagement_to_read(request, pk)
    if file_format := export_format(request):
        rows = queryset_rows(spend_entries(engagement))
        return export_response(file_format, f"engagement-{pk}-spend", SPEND_COLUMNS, rows)
    return render_tab(
        request,
        "engagements/spend/spend_tab.html",
        engagement,
        "spend",
        summary=spend_summary(engagement),
        may_edit=can_change(request.user, engagement),
        base_currency=settings.DEFAULT_CURRENCY,
    )


@login_required
def spend_create(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = engagement_to_change(request, pk)
    form = SpendEntryForm(request.POST or None, engagement=engagement)
    if request.method == "POST" and form.is_valid():
        form.instance.entered_by = request.user
        entry = form.save()
        messages.success(request, f"Spend of {entry} entered.")
        return to_tab("engagement_spend", engagement)
    return render_tab(
        request,
        "engagements/spend/spend_form.html",
        engagement,
        "spend",
        form=form,
        entry=None,
        base_currency=settings.DEFAULT_CURRENCY,
    )


@login_required
@require_http_methods(["GET", "POST"])
def spend_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Invoices from a CSV file: all rows entered, or none and a report of every error."""
    engagement = engagement_to_change(request, pk)
    posted = request.method == "POST"
    form = SpendUploadForm(request.POST, request.FILES) if posted else SpendUploadForm()
    report = None
    if posted and form.is_valid():
        report = spend_imports.import_spend(
            engagement=engagement, table=form.table, by=request.user
        )
        if report.ok:
            messages.success(
                request,
                f"Imported {report.created} spend entr{'ies' if report.created != 1 else 'y'}.",
            )
            return to_tab("engagement_spend", engagement)
    return render_tab(
        request,
        "engagements/spend/spend_import.html",
        engagement,
        "spend",
        form=form,
        report=report,
        currencies=Currency.values,
        max_rows=SpendUploadForm.max_rows,
    )


@login_required
@require_safe
def spend_import_template(request: HttpRequest, pk: int) -> HttpResponse:
    """The import's columns and one example row, to fill in a spreadsheet."""
    engagement = engagement_to_change(request, pk)
    return csv_download(
        f"spend-{engagement.pk}.csv", spend_imports.COLUMNS, spend_imports.template_rows(engagement)
    )


@login_required
@saves_atomically
def spend_update(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    engagement, entry = engagement_row_to_change(request, pk, SpendEntry, entry_pk)
    form = SpendEntryForm(request.POST or None, instance=entry, engagement=engagement)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Spend of {entry} saved.")
        return to_tab("engagement_spend", engagement)
    return render_tab(
        request,
        "engagements/spend/spend_form.html",
        engagement,
        "spend",
        form=form,
        entry=entry,
        base_currency=settings.DEFAULT_CURRENCY,
    )


@login_required
@require_http_methods(["GET", "POST"])
def spend_delete(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    """GET: are you sure? POST: remove the entry (its history stays)."""
    engagement, entry = engagement_row_to_change(request, pk, SpendEntry, entry_pk)
    if request.method != "POST":
        return render_tab(
            request,
            "engagements/spend/spend_confirm_delete.html",
            engagement,
            "spend",
            entry=entry,
        )
    entry.delete()
    messages.success(request, f"Spend of {entry} removed; the history keeps it.")
    return to_tab("engagement_spend", engagement)
