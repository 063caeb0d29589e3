"""Forms of the vendor registry pages."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.db import transaction

from outsourcing.forms import Form, ModelForm
from outsourcing.roles import managers
from outsourcing.typeahead import TypeAhead
from outsourcing.uploads import document_help_text, validate_document
from outsourcing.versions import VersionedForm

from .models import (
    Certification,
    Contact,
    DataClassification,
    SubProcessor,
    Vendor,
    suggest_tier,
)

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# The ids a database integer key can hold; a larger one would crash the lookup (OverflowError).
MAX_ROW_ID = 2**63 - 1


class RowsChoiceField(forms.ModelMultipleChoiceField):
    """Checkboxes of rows that refuse an id no row can have, however large, with the usual
    message, instead of handing it to the database."""

    def clean(self, value: Any) -> Any:
        for pk in value if isinstance(value, list | tuple) else []:
            try:
                in_range = 0 < int(str(pk)) <= MAX_ROW_ID
            except ValueError:
                continue  # not a number: the field's own check says so
            if not in_range:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": str(pk)[:20]},
                )
        return super().clean(value)


# The questions the suggested tier is drawn from (the currency is asked beside the spend).
TIER_QUESTIONS = (
    "highest_data_classification",
    "handles_personal_data",
    "replaceability",
    "annual_spend",
)


def suggestion_for(answers: Mapping[str, Any]) -> Vendor.Tier | None:
    """The suggested tier for the tier questions as answered, None while one is unanswered
    or invalid."""
    classification = answers.get("highest_data_classification")
    replaceability = answers.get("replaceability")
    spend = answers.get("annual_spend")
    if (
        classification not in DataClassification.values
        or replaceability not in Vendor.Replaceability.values
        or not isinstance(spend, Decimal | int)
        or spend < 0  # refused by the model's validator, after the form's clean()
    ):
        return None
    return Vendor.Tier(
        suggest_tier(
            classification=classification,
            personal_data=bool(answers.get("handles_personal_data")),
            replaceability=replaceability,
            annual_spend=Decimal(spend),
        )
    )


class VendorForm(ModelForm):
    """Create or edit a vendor. The tier is saved through `Vendor.change_tier`, kept in history.

    The tier follows the suggestion for the answers until the person chooses another one.
    The form sends back the suggestion it showed (`shown_suggestion`, kept up to date by
    htmx as the answers change): a tier still equal to it was pre-filled, not chosen, and
    becomes the suggestion for the answers as submitted — so a page without JavaScript, or
    answers changed after the last update, never asks to justify a tier nobody picked. A
    tier other than both is a choice: `Vendor.clean()` then asks for a reason, on the reason
    field. A tier equal to the suggestion needs no reason, and a reason left over is dropped.
    """

    website = forms.URLField(required=False, max_length=200, assume_scheme="https")
    # Checked by clean_shown_suggestion, which never refuses: a hidden field's error has no
    # place on the page.
    shown_suggestion = forms.Field(required=False, widget=forms.HiddenInput)

    # The suggestion for the answers as they stand (None while one is missing or invalid)
    # and whether the tier differs from it: from the initial values for a form to fill in,
    # by clean() for one filled in.
    suggested_tier: Vendor.Tier | None
    reason_needed: bool

    class Meta(ModelForm.Meta):
        model = Vendor
        fields = [
            "legal_name",
            "website",
            "country",
            "time_zone",
            "languages",
            "size",
            "founded_year",
            "status",
            "owner",
            "services",
            "tags",
            "notes",
            "highest_data_classification",
            "handles_personal_data",
            "replaceability",
            "annual_spend",
            "annual_spend_currency",
            "tier",
            "tier_override_reason",
        ]
        labels = {
            "legal_name": "Legal name",
            "founded_year": "Founded (year)",
            "status": "Starting status",
            "highest_data_classification": "Most sensitive data it touches",
            "handles_personal_data": "Handles personal data",
            "annual_spend": "Yearly spend",
            "annual_spend_currency": "Currency",
            "tier_override_reason": "Why this tier (when not the suggested one)",
        }
        help_texts = {
            "time_zone": "A name like Europe/Berlin or Asia/Manila.",
            "languages": "Comma-separated, e.g. English, German.",
        }
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 3}),
            "tier_override_reason": forms.Textarea(attrs={"rows": 2}),
            "services": forms.CheckboxSelectMultiple,
            "tags": forms.CheckboxSelectMultiple,
            "owner": TypeAhead("people_search", among="managers"),
        }
        field_classes = {"services": RowsChoiceField, "tags": RowsChoiceField}

    def __init__(self, *args: Any, may_assign_owner: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].widget.attrs.update(
            {"maxlength": 2, "class": "text-uppercase", "autocomplete": "off"}
        )
        if self.instance.pk:
            # Later status changes need a reason and go through the status page.
            del self.fields["status"]
        if may_assign_owner:
            owner = self.fields["owner"]
            assert isinstance(owner, forms.ModelChoiceField)
            owner.queryset = managers()
            self.fields["owner"].help_text = "The manager who looks after this vendor."
        else:
            del self.fields["owner"]
        self.fields["tier"].help_text = "Follows the suggested tier until you choose another one."
        if self.is_bound:
            self._settle_tier(None, None)  # until clean() has read the answers
            return
        suggestion = suggestion_for(
            {name: self.get_initial_for_field(self.fields[name], name) for name in TIER_QUESTIONS}
        )
        if self.instance.pk is None and suggestion is not None:
            self.initial["tier"] = suggestion
        self.initial["shown_suggestion"] = suggestion or ""
        self._settle_tier(suggestion, self.get_initial_for_field(self.fields["tier"], "tier"))

    def clean_country(self) -> str:
        country = self.cleaned_data["country"].strip().upper()
        if len(country) != 2 or not country.isalpha():
            raise forms.ValidationError("Use the two-letter country code, e.g. PH or DE.")
        return country

    def clean_time_zone(self) -> str:
        return self.cleaned_data["time_zone"].strip()

    def clean_shown_suggestion(self) -> str:
        shown = self.cleaned_data["shown_suggestion"]
        return shown if shown in Vendor.Tier.values else ""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        suggestion = suggestion_for(cleaned)
        tier = cleaned.get("tier")
        if suggestion is not None:
            if tier and tier != suggestion and tier == cleaned.get("shown_suggestion"):
                # Pre-filled from the suggestion for earlier answers, never chosen: it follows.
                tier = cleaned["tier"] = suggestion
                self._show("tier", tier)
            self._show("shown_suggestion", suggestion)
            if tier == suggestion:
                # Nothing to explain; a reason kept from an earlier choice would mislead.
                cleaned["tier_override_reason"] = ""
        self._settle_tier(suggestion, tier)
        return cleaned

    def _settle_tier(self, suggestion: Vendor.Tier | None, tier: Any) -> None:
        self.suggested_tier = suggestion
        self.reason_needed = bool(suggestion and tier and tier != suggestion)
        # Marks the reason as required on the page; Vendor.clean() is what enforces it.
        self.fields["tier_override_reason"].required = self.reason_needed

    def _show(self, name: str, value: str) -> None:
        """Show `value` in the field `name` when the form is rendered again: what the form
        decided rather than what was posted."""
        data = cast(Any, self.data).copy()  # a QueryDict is immutable; its copy is not
        data[self.add_prefix(name)] = value
        self.data = data

    @transaction.atomic
    def save_by(self, user: Any) -> Vendor:
        """Save the vendor; a new vendor is owned by its creator, a new tier is kept in history."""
        vendor: Vendor = self.save(commit=False)
        tier, reason = vendor.tier, vendor.tier_override_reason
        creating = vendor.pk is None
        if creating and "owner" not in self.fields:
            vendor.owner = user
        # Compared with the tier loaded, not the one posted: a tier that followed the
        # suggestion changes the vendor's tier as much as one chosen by hand.
        tier_changed = not creating and tier != self.initial["tier"]
        if tier_changed:
            # Saved first with the old tier so that change_tier records old → new.
            vendor.tier = self.initial["tier"]
            vendor.tier_override_reason = self.initial["tier_override_reason"]
        vendor.save()
        self.save_m2m()
        if tier_changed:
            vendor.change_tier(tier=tier, reason=reason, by=user)
        return vendor


class StatusChangeForm(VersionedForm, Form):
    """A step in the vendor's status, from the status the person saw (its version)."""

    status = forms.ChoiceField(
        label="New status", choices=[("", "Choose the new status"), *Vendor.Status.choices]
    )
    reason = forms.CharField(
        label="Why",
        error_messages={"required": "Say why the status changes."},
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept in the vendor's status history.",
    )

    def __init__(self, *args: Any, vendor: Vendor, **kwargs: Any) -> None:
        self.versioned = self.vendor = vendor
        super().__init__(*args, **kwargs)

    def clean_status(self) -> str:
        status = self.cleaned_data["status"]
        if status == self.vendor.status:
            raise forms.ValidationError(
                "The vendor is already %(status)s; choose another status.",
                params={"status": self.vendor.get_status_display().lower()},
            )
        return status


class ContactForm(ModelForm):
    class Meta(ModelForm.Meta):
        model = Contact
        fields = ["name", "role", "email", "phone", "is_primary", "notes"]
        labels = {"is_primary": "Primary contact"}
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, vendor: Vendor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.vendor = vendor

    def clean_is_primary(self) -> bool:
        # The database allows one primary contact per vendor; say so before it refuses.
        is_primary = self.cleaned_data["is_primary"]
        if is_primary:
            current = (
                Contact.objects.filter(vendor=self.instance.vendor, is_primary=True)
                .exclude(pk=self.instance.pk)
                .first()
            )
            if current is not None:
                raise forms.ValidationError(
                    "%(name)s is already the primary contact. Untick “Primary” there first.",
                    params={"name": current.name},
                )
        return is_primary


class CertificationForm(ModelForm):
    # A plain file input: the clearable one would link to the file, and private files have no URL.
    document = forms.FileField(
        required=False, widget=forms.FileInput, validators=[validate_document]
    )
    remove_document = forms.BooleanField(required=False, label="Remove the current document")

    class Meta(ModelForm.Meta):
        model = Certification
        fields = ["name", "issuer", "reference_number", "issued_on", "expires_on", "document"]
        labels = {"issued_on": "Issued on", "expires_on": "Expires on"}
        widgets = {"issued_on": DATE_INPUT, "expires_on": DATE_INPUT}

    def __init__(self, *args: Any, vendor: Vendor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.vendor = vendor
        self.fields["document"].help_text = document_help_text(
            on_file=self.instance.document_name if self.instance.document else None,
            first="A scan or PDF of the certificate",
        )
        if not self.instance.document:
            del self.fields["remove_document"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        issued, expires = cleaned.get("issued_on"), cleaned.get("expires_on")
        if issued and expires and expires < issued:
            self.add_error("expires_on", "The expiry date is before the issue date.")
        return cleaned

    def save(self, commit: bool = True) -> Certification:
        certification: Certification = super().save(commit=False)
        upload = self.cleaned_data.get("document")
        old_name = self.initial.get("document")
        replaced = None
        if upload and "document" in self.changed_data:
            certification.document_name = upload.name[:255]
            replaced = old_name
        elif self.cleaned_data.get("remove_document"):
            replaced = old_name
            certification.document = None  # type: ignore[assignment]
            certification.document_name = ""
        if commit:
            certification.save()
            if replaced:
                delete_file_after_commit(replaced)
        return certification


class SubProcessorForm(ModelForm):
    """One of the vendor's own subcontractors that touch our data. Which of our data-access
    grants it reaches is ticked on the grant, in the engagement's data access tab."""

    class Meta(ModelForm.Meta):
        model = SubProcessor
        fields = [
            "name",
            "country",
            "service",
            "data_touched",
            "handles_personal_data",
            "approved_on",
        ]
        labels = {
            "data_touched": "Data it touches",
            "handles_personal_data": "Handles personal data",
            "approved_on": "Approved on",
        }
        help_texts = {
            "country": "Where it processes the data: the two-letter code, e.g. IE.",
            "approved_on": "When we agreed to the vendor using it; empty while not approved.",
        }
        widgets = {"data_touched": forms.Textarea(attrs={"rows": 2}), "approved_on": DATE_INPUT}

    def __init__(self, *args: Any, vendor: Vendor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.vendor = vendor
        self.fields["country"].widget.attrs.update(
            {"maxlength": 2, "class": "text-uppercase", "autocomplete": "off"}
        )

    def clean_name(self) -> str:
        # The database allows one sub-processor of a name per vendor; say so before it refuses.
        name: str = self.cleaned_data["name"]
        taken = (
            SubProcessor.objects.filter(vendor=self.instance.vendor, name__iexact=name)
            .exclude(pk=self.instance.pk)
            .exists()
        )
        if taken:
            raise forms.ValidationError(
                "%(vendor)s already has a sub-processor called %(name)s.",
                params={"vendor": self.instance.vendor, "name": name},
            )
        return name

    def clean_country(self) -> str:
        country = self.cleaned_data["country"].strip().upper()
        if country and (len(country) != 2 or not country.isalpha()):
            raise forms.ValidationError("Use the two-letter country code, e.g. IE or US.")
        return country


def delete_file_after_commit(file: Any) -> None:
    """Remove a replaced or orphaned private file once the database change is kept."""
    if not file:
        return
    storage, name = file.storage, file.name
    transaction.on_commit(lambda: storage.delete(name))
