"""The vendor list's filters, search and sort."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet

from outsourcing.lists import ListFilter

from .models import ServiceCategory, Tag, Vendor


def _countries() -> list[tuple[str, str]]:
    countries = Vendor.objects.order_by("country").values_list("country", flat=True).distinct()
    return [(country, country) for country in countries]


class VendorFilter(ListFilter):
    sorts = {
        "name": ("Name A–Z", ["legal_name"]),
        "-name": ("Name Z–A", ["-legal_name"]),
        "country": ("Country", ["country", "legal_name"]),
        "status": ("Status", ["status_order", "legal_name"]),
        "tier": ("Tier", ["tier_order", "legal_name"]),
        "standing": ("Standing", ["standing_order", "legal_name"]),
        "-updated": ("Recently changed", ["-updated_at", "legal_name"]),
    }
    default_sort = "name"

    q = django_filters.CharFilter(
        label="Search by name",
        method="search",
        # Longer is a paste gone wrong: left out, as any bad value (PostgreSQL searches
        # any length, but SQLite refuses a LIKE pattern past 50,000 characters).
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "Name", "type": "search"}),
    )
    status = django_filters.ChoiceFilter(
        label="Status", choices=Vendor.Status.choices, empty_label="Any"
    )
    service = django_filters.ModelChoiceFilter(
        label="Service",
        field_name="services",
        queryset=ServiceCategory.objects.all(),
        empty_label="Any",
    )
    country = django_filters.ChoiceFilter(label="Country", choices=_countries, empty_label="Any")
    tag = django_filters.ModelChoiceFilter(
        label="Tag", field_name="tags", queryset=Tag.objects.all(), empty_label="Any"
    )

    def search(self, vendors: QuerySet[Vendor], name: str, value: Any) -> QuerySet[Vendor]:
        return vendors.named(value)  # type: ignore[attr-defined,no-any-return]
