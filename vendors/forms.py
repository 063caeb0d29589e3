"""Forms of the vendor registry pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db import transaction
from django.template.defaultfilters import filesizeformat

from outsourcing.forms import ModelForm
from outsourcing.roles import managers
from outsourcing.uploads import ALLOWED_LIST, validate_document

from .models import Certification, Contact, Vendor

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


class VendorForm(ModelForm):
    """Create or edit a vendor. The tier is saved through `Vendor.change_tier`, kept in history.

    `Vendor.clean()` asks for a reason when the tier differs from the suggested one;
    the error lands on the reason field.
    """

    website = forms.URLField(required=False, max_length=200, assume_scheme="https")

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
        self.fields[
            "tier"
        ].help_text = "Suggested from the data it touches, how replaceable it is and what we spend."

    def clean_country(self) -> str:
        country = self.cleaned_data["country"].strip().upper()
        if len(country) != 2 or not country.isalpha():
            raise forms.ValidationError("Use the two-letter country code, e.g. PH or DE.")
        return country

    def clean_time_zone(self) -> str:
        return self.cleaned_data["time_zone"].strip()

    @transaction.atomic
    def save_by(self, user: Any) -> Vendor:
        """Save the vendor; a new vendor is owned by its creator, a new tier is kept in history."""
        vendor: Vendor = self.save(commit=False)
        tier, reason = vendor.tier, vendor.tier_override_reason
        creating = vendor.pk is None
        if creating and "owner" not in self.fields:
            vendor.owner = user
        tier_changed = not creating and "tier" in self.changed_data
        if tier_changed:
            # Saved first with the old tier so that change_tier records old → new.
            vendor.tier = self.initial["tier"]
            vendor.tier_override_reason = self.initial["tier_override_reason"]
        vendor.save()
        self.save_m2m()
        if tier_changed:
            vendor.change_tier(tier=tier, reason=reason, by=user)
        return vendor


class StatusChangeForm(forms.Form):
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
        super().__init__(*args, **kwargs)
        self.vendor = vendor

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
        accepted = f"{ALLOWED_LIST}, up to {filesizeformat(settings.MAX_UPLOAD_SIZE)}"
        if self.instance.document:
            self.fields["document"].help_text = (
                f"Now: {self.instance.document_name or 'a document'}. "
                f"Upload another to replace it ({accepted})."
            )
        else:
            self.fields["document"].help_text = f"A scan or PDF of the certificate ({accepted})."
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


def delete_file_after_commit(file: Any) -> None:
    """Remove a replaced or orphaned private file once the database change is kept."""
    if not file:
        return
    storage, name = file.storage, file.name
    transaction.on_commit(lambda: storage.delete(name))
