"""Step 3 forms: the engagement list's filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from engagements.forms.sourcing import person_name
from engagements.models import Engagement
from vendors.models import Vendor


class EngagementFilterForm(forms.Form):
    SORTS = {
        "title": ("title", "Title"),
        "-start": ("-start_date", "Newest start"),
        "end": ("end_date", "Ending soonest"),
        "vendor": ("vendor__legal_name", "Vendor"),
    }

    q = forms.CharField(required=False, label="Search", max_length=100)
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *Engagement.Status.choices]
    )
    owner = forms.ModelChoiceField(
        required=False,
        queryset=get_user_model().objects.none(),
        empty_label="Any owner",
        help_text="Owner or co-owner.",
    )
    vendor = forms.ModelChoiceField(
        required=False, queryset=Vendor.objects.none(), empty_label="Any vendor"
    )
    sort = forms.ChoiceField(
        required=False, choices=[(key, label) for key, (_, label) in SORTS.items()]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = (  # type: ignore[attr-defined]
            get_user_model()
            .objects.filter(Q(engagements__isnull=False) | Q(co_owned_engagements__isnull=False))
            .distinct()
            .order_by("first_name", "last_name", "username")
        )
        self.fields["owner"].label_from_instance = person_name  # type: ignore[attr-defined]
        for name, field in self.fields.items():
            field.widget.attrs["class"] = "form-select" if name != "q" else "form-control"
        self.fields["vendor"].queryset = Vendor.objects.filter(  # type: ignore[attr-defined]
            engagements__isnull=False
        ).distinct()

    def filter(self, engagements: QuerySet[Engagement]) -> QuerySet[Engagement]:
        if not self.is_valid():
            return engagements.order_by(self.SORTS["title"][0], "pk")
        data = self.cleaned_data
        if data["q"]:
            engagements = engagements.filter(
                Q(title__icontains=data["q"]) | Q(vendor__legal_name__icontains=data["q"])
            )
        if data["status"]:
            engagements = engagements.filter(status=data["status"])
        if data["owner"]:
            engagements = engagements.filter(
                pk__in=Engagement.objects.owned_by(data["owner"]).values("pk")
            )
        if data["vendor"]:
            engagements = engagements.filter(vendor=data["vendor"])
        order = self.SORTS.get(data["sort"] or "title", self.SORTS["title"])[0]
        return engagements.order_by(order, "pk")
