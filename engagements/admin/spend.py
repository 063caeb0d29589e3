"""Spend entered against engagements (their invoices and payments)."""

from __future__ import annotations

from django.contrib import admin

from outsourcing.admin import VersionedAdmin

from ..models import SpendEntry


@admin.register(SpendEntry)
class SpendEntryAdmin(VersionedAdmin):
    """Amounts convert to the base currency with the exchange rates kept beside them."""

    list_display = [
        "spent_on",
        "engagement",
        "amount",
        "currency",
        "invoice_number",
        "period_start",
        "period_end",
        "entered_by",
    ]
    list_filter = ["currency", "spent_on"]
    list_select_related = ["engagement", "entered_by"]
    search_fields = ["invoice_number", "note", "engagement__title"]
    date_hierarchy = "spent_on"
    autocomplete_fields = ["engagement", "entered_by"]
    readonly_fields = ["created_at", "updated_at"]
