"""Admin for the vendor registry: vendors with their contacts, certifications and history."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from outsourcing.admin import (
    BULK_REASON,
    PRIVATE_FILES,
    HistoryAdmin,
    HistoryInline,
    JoinedAdmin,
    UploadForm,
    VersionedAdmin,
    VersionedInline,
)
from outsourcing.forms import ModelForm

from .models import (
    Certification,
    Contact,
    Reference,
    ServiceCategory,
    SubProcessor,
    Tag,
    Vendor,
    VendorStatusChange,
    VendorTierChange,
)


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(VersionedAdmin):
    list_display = ["name", "business_function", "updated_at"]
    list_filter = ["business_function"]
    search_fields = ["name", "description"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]


class ContactFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        """One primary contact: the database says so too, but only after a 500 on save."""
        super().clean()
        primaries = [
            form
            for form in self.forms
            if getattr(form, "cleaned_data", None)
            and form.cleaned_data.get("is_primary")
            and not form.cleaned_data.get("DELETE")
        ]
        if len(primaries) > 1:
            raise forms.ValidationError("Only one contact can be the primary contact.")


class ContactInline(VersionedInline, admin.TabularInline):
    model = Contact
    formset = ContactFormSet
    extra = 0
    fields = ["name", "role", "email", "phone", "is_primary"]


class CertificationInline(VersionedInline, admin.TabularInline):
    model = Certification
    form = UploadForm
    extra = 0
    fields = [
        "name",
        "issuer",
        "reference_number",
        "issued_on",
        "expires_on",
        "document",
        "document_name",
    ]
    readonly_fields = ["document_name"]
    formfield_overrides = PRIVATE_FILES


class ReferenceInline(VersionedInline, admin.TabularInline):
    model = Reference
    extra = 0
    fields = ["client_name", "contact_name", "contact_email", "outcome", "checked_on"]


class SubProcessorInline(VersionedInline, admin.TabularInline):
    model = SubProcessor
    extra = 0
    fields = ["name", "country", "service", "handles_personal_data", "approved_on"]


class StatusChangeInline(HistoryInline):
    model = VendorStatusChange
    fields = ["changed_at", "old_status", "new_status", "reason", "changed_by"]
    verbose_name_plural = "status history"

    def get_queryset(self, request: HttpRequest) -> QuerySet[VendorStatusChange]:
        return super().get_queryset(request).select_related("changed_by")


class TierChangeInline(HistoryInline):
    model = VendorTierChange
    fields = ["changed_at", "old_tier", "new_tier", "suggested_tier", "reason", "changed_by"]
    verbose_name_plural = "tier history"

    def get_queryset(self, request: HttpRequest) -> QuerySet[VendorTierChange]:
        return super().get_queryset(request).select_related("changed_by")


class VendorAdminForm(ModelForm):
    change_reason = forms.CharField(
        label="Reason for this change",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept in the vendor's history. Required when the status changes.",
    )

    # No Meta: the admin builds the form for Vendor from the fieldsets below.

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        changing_status = self.instance.pk is not None and "status" in self.changed_data
        if changing_status and not cleaned.get("change_reason", "").strip():
            self.add_error("change_reason", "Say why the status changes.")
        return cleaned


@admin.register(Vendor)
class VendorAdmin(VersionedAdmin, SimpleHistoryAdmin):
    form = VendorAdminForm
    list_display = [
        "legal_name",
        "status",
        "owner",
        "tier",
        "suggested_tier_display",
        "tier_overridden",
        "standing",
        "standing_score",
        "country",
        "annual_spend",
        "annual_spend_currency",
        "updated_at",
    ]
    list_filter = [
        "status",
        "tier",
        "standing",
        "highest_data_classification",
        "handles_personal_data",
        "replaceability",
        "size",
        "services",
        "tags",
    ]
    list_select_related = ["owner"]
    search_fields = ["legal_name", "website", "notes", "country"]
    autocomplete_fields = ["owner"]
    filter_horizontal = ["services", "tags"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = [
        "suggested_tier_display",
        "standing",
        "standing_score",
        "standing_updated_at",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "legal_name",
                    "owner",
                    "website",
                    ("country", "time_zone"),
                    "languages",
                    ("size", "founded_year"),
                    "services",
                    "tags",
                    "notes",
                ]
            },
        ),
        ("Status", {"fields": ["status", "change_reason"]}),
        (
            "Criticality",
            {
                "fields": [
                    ("highest_data_classification", "handles_personal_data"),
                    "replaceability",
                    ("annual_spend", "annual_spend_currency"),
                    ("tier", "suggested_tier_display"),
                    "tier_override_reason",
                ]
            },
        ),
        (
            "Standing (from the scorecards)",
            {"fields": [("standing", "standing_score"), "standing_updated_at"]},
        ),
        ("Record", {"fields": [("created_at", "updated_at")], "classes": ["collapse"]}),
    ]
    inlines = [
        ContactInline,
        CertificationInline,
        ReferenceInline,
        SubProcessorInline,
        StatusChangeInline,
        TierChangeInline,
    ]
    actions = ["mark_on_watch"]

    @admin.display(description="suggested tier")
    def suggested_tier_display(self, obj: Vendor) -> str:
        if obj.pk is None:
            return "–"
        return Vendor.Tier(obj.suggested_tier()).label

    @admin.display(description="overridden", boolean=True)
    def tier_overridden(self, obj: Vendor) -> bool:
        return obj.tier_is_overridden

    def save_model(self, request: HttpRequest, obj: Vendor, form: Any, change: bool) -> None:
        """Status and tier change through the vendor's own methods, so each change is kept."""
        if not change:
            super().save_model(request, obj, form, change)
            return
        moved = {
            name: getattr(obj, name) for name in ("status", "tier") if name in form.changed_data
        }
        for name in moved:
            setattr(obj, name, form.initial[name])
        super().save_model(request, obj, form, change)
        reason = form.cleaned_data.get("change_reason", "").strip()
        if "tier" in moved:
            # An override keeps its written reason; a return to the suggested tier needs none.
            overridden = moved["tier"] != obj.suggested_tier()
            obj.change_tier(
                tier=moved["tier"],
                reason=obj.tier_override_reason if overridden else reason,
                by=request.user,
            )
        if "status" in moved:
            obj.change_status(status=moved["status"], reason=reason, by=request.user)

    @admin.action(description="Mark selected vendors as on watch")
    def mark_on_watch(self, request: HttpRequest, queryset: QuerySet[Vendor]) -> None:
        vendors = list(queryset.exclude(status=Vendor.Status.ON_WATCH))
        with transaction.atomic():
            for vendor in vendors:
                vendor.change_status(
                    status=Vendor.Status.ON_WATCH, reason=BULK_REASON, by=request.user
                )
        self.message_user(
            request, f"{len(vendors)} vendor(s) marked as on watch.", messages.SUCCESS
        )


@admin.register(VendorStatusChange)
class VendorStatusChangeAdmin(HistoryAdmin):
    list_display = ["vendor", "old_status", "new_status", "reason", "changed_by", "changed_at"]
    list_filter = ["new_status", "old_status"]
    list_select_related = ["vendor", "changed_by"]
    search_fields = ["vendor__legal_name", "reason"]
    date_hierarchy = "changed_at"


@admin.register(VendorTierChange)
class VendorTierChangeAdmin(HistoryAdmin):
    list_display = [
        "vendor",
        "old_tier",
        "new_tier",
        "suggested_tier",
        "reason",
        "changed_by",
        "changed_at",
    ]
    list_filter = ["new_tier", "suggested_tier"]
    list_select_related = ["vendor", "changed_by"]
    search_fields = ["vendor__legal_name", "reason"]
    date_hierarchy = "changed_at"


class VendorPartAdmin(JoinedAdmin):
    """Rows that belong to one vendor: named after it, so always fetched with it."""

    autocomplete_fields = ["vendor"]
    list_select_related = ["vendor"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(Contact)
class ContactAdmin(VendorPartAdmin):
    list_display = ["name", "vendor", "role", "email", "phone", "is_primary"]
    list_filter = ["is_primary"]
    search_fields = ["name", "email", "role", "vendor__legal_name"]


@admin.register(Certification)
class CertificationAdmin(VendorPartAdmin):
    list_display = ["name", "vendor", "issuer", "issued_on", "expires_on", "expired"]
    list_filter = ["expires_on", "issuer"]
    search_fields = ["name", "issuer", "reference_number", "vendor__legal_name"]
    date_hierarchy = "expires_on"
    form = UploadForm
    readonly_fields = ["document_name", "created_at", "updated_at"]
    formfield_overrides = PRIVATE_FILES

    @admin.display(description="expired", boolean=True, ordering="expires_on")
    def expired(self, obj: Certification) -> bool:
        return obj.is_expired(timezone.localdate())


@admin.register(Reference)
class ReferenceAdmin(VendorPartAdmin):
    list_display = ["client_name", "vendor", "contact_name", "outcome", "checked_on"]
    list_filter = ["outcome"]
    search_fields = ["client_name", "contact_name", "work_description", "vendor__legal_name"]
    date_hierarchy = "checked_on"


@admin.register(SubProcessor)
class SubProcessorAdmin(VendorPartAdmin, SimpleHistoryAdmin):
    list_display = [
        "name",
        "vendor",
        "country",
        "service",
        "handles_personal_data",
        "approved_on",
    ]
    list_filter = ["handles_personal_data", "country"]
    search_fields = ["name", "service", "data_touched", "vendor__legal_name"]
    date_hierarchy = "approved_on"
