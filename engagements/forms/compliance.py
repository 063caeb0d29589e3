"""Step 5 forms: compliance requirements, evidence, expiry dates and the matrix filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import transaction
from django.db.models import QuerySet
from simple_history.utils import bulk_create_with_history

from engagements.models import (
    ComplianceItem,
    ComplianceRequirement,
    ComplianceStatus,
    Engagement,
    Evidence,
)
from outsourcing.forms import Form, ModelForm, TickedRows
from outsourcing.uploads import content_type_for, validate_document
from vendors.models import Vendor

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AddRequirementsForm(Form):
    # Not required: "add those required by default" needs no ticks (see clean()).
    requirements = TickedRows(
        label="Requirements from the catalog",
        required_message="Tick at least one requirement to add.",
        required=False,
    )

    def __init__(self, *args: Any, engagement: Engagement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.engagement = engagement
        self.fields["requirements"].queryset = ComplianceRequirement.objects.exclude(  # type: ignore[attr-defined]
            items__engagement=engagement
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.data.get("add_defaults"):
            data["requirements"] = list(
                self.fields["requirements"].queryset.filter(required_by_default=True)  # type: ignore[attr-defined]
            )
            if not data["requirements"]:
                raise forms.ValidationError(
                    "Every requirement needed by default is already on this engagement."
                )
        elif not data.get("requirements"):
            self.add_error("requirements", self.fields["requirements"].error_messages["required"])
        return data

    @transaction.atomic
    def save(self) -> list[ComplianceItem]:
        return bulk_create_with_history(
            [
                ComplianceItem(engagement=self.engagement, requirement=requirement)
                for requirement in self.cleaned_data["requirements"]
            ],
            ComplianceItem,
        )


class EvidenceForm(Form):
    file = forms.FileField(validators=[validate_document], label="Evidence document")
    note = forms.CharField(max_length=300, required=False)
    expires_on = forms.DateField(
        required=False, widget=DATE_INPUT, label="New expiry date", help_text="Leave empty to keep."
    )

    @transaction.atomic
    def save(self, *, item: ComplianceItem, by: Any) -> Evidence:
        upload = self.cleaned_data["file"]
        name = upload.name or "document"
        evidence = Evidence.objects.create(
            item=item,
            file=upload,
            original_name=name,
            size=upload.size or 0,
            # The type follows the checked extension, not what the browser claimed.
            content_type=content_type_for(name),
            note=self.cleaned_data["note"],
            uploaded_by=by,
        )
        # New evidence is reviewed again: the item goes back to pending.
        item.accepted_at = None
        item.accepted_by = None
        fields = ["accepted_at", "accepted_by", "updated_at"]
        if self.cleaned_data["expires_on"]:
            item.expires_on = self.cleaned_data["expires_on"]
            fields.append("expires_on")
        item.save(update_fields=fields)
        return evidence


class ExpiryForm(ModelForm):
    class Meta(ModelForm.Meta):
        model = ComplianceItem
        fields = ["expires_on"]
        widgets = {"expires_on": DATE_INPUT}
        labels = {"expires_on": "Expires on"}
        help_texts = {
            "expires_on": "Evidence is valid through this day; empty if it never expires."
        }


SCOPE_LIVE, SCOPE_ALL = "live", "all"


class MatrixFilterForm(Form):
    scope = forms.ChoiceField(
        required=False,
        choices=[(SCOPE_LIVE, "Planned and live engagements"), (SCOPE_ALL, "All engagements")],
        label="Engagements",
    )
    vendor_status = forms.ChoiceField(
        required=False, choices=[("", "Any vendor status"), *Vendor.Status.choices]
    )
    tier = forms.ChoiceField(required=False, choices=[("", "Any tier"), *Vendor.Tier.choices])
    requirement = forms.ModelChoiceField(
        required=False,
        queryset=ComplianceRequirement.objects.all(),
        empty_label="Every requirement",
    )
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *ComplianceStatus.choices]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select"

    def value(self, name: str) -> Any:
        return self.cleaned_data.get(name) if self.is_valid() else None

    def engagements(self, engagements: QuerySet[Engagement]) -> QuerySet[Engagement]:
        if self.value("scope") != SCOPE_ALL:
            engagements = engagements.filter(status__in=Engagement.WATCHED_STATUSES)
        if self.value("vendor_status"):
            engagements = engagements.filter(vendor__status=self.value("vendor_status"))
        if self.value("tier"):
            engagements = engagements.filter(vendor__tier=self.value("tier"))
        return engagements

    def items(self, items: QuerySet[ComplianceItem]) -> QuerySet[ComplianceItem]:
        if self.value("scope") != SCOPE_ALL:
            items = items.filter(engagement__status__in=Engagement.WATCHED_STATUSES)
        if self.value("vendor_status"):
            items = items.filter(engagement__vendor__status=self.value("vendor_status"))
        if self.value("tier"):
            items = items.filter(engagement__vendor__tier=self.value("tier"))
        if self.value("requirement"):
            items = items.filter(requirement=self.value("requirement"))
        return items
