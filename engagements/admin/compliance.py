"""Step 5 admin, compliance: the requirements catalog, items and their evidence."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from outsourcing.admin import JoinedAdmin, UploadForm, VersionedAdmin, log_bulk_change

from ..models import (
    ComplianceItem,
    ComplianceRequirement,
    ComplianceStatus,
    Evidence,
)
from .sourcing import UploadInline, save_uploads


@admin.register(ComplianceRequirement)
class ComplianceRequirementAdmin(VersionedAdmin):
    list_display = ["name", "expires", "validity_months", "required_by_default", "order"]
    list_editable = ["order"]
    list_filter = ["expires", "required_by_default"]
    search_fields = ["name", "description"]
    readonly_fields = ["created_at", "updated_at"]


def with_evidence_flag(queryset: QuerySet[ComplianceItem]) -> QuerySet[ComplianceItem]:
    return queryset.annotate(has_evidence=Exists(Evidence.objects.filter(item=OuterRef("pk"))))


class ComplianceStatusFilter(admin.SimpleListFilter):
    """The same rules as `compliance_status`, written as a query."""

    title = "status"
    parameter_name = "compliance_status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return list(ComplianceStatus.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        today = timezone.localdate()
        current = Q(expires_on__isnull=True) | Q(expires_on__gte=today)
        if self.value() == ComplianceStatus.MISSING:
            return queryset.filter(has_evidence=False)
        if self.value() == ComplianceStatus.EXPIRED:
            return queryset.filter(has_evidence=True, expires_on__lt=today)
        if self.value() == ComplianceStatus.PENDING:
            return queryset.filter(current, has_evidence=True, accepted_at__isnull=True)
        if self.value() == ComplianceStatus.VALID:
            return queryset.filter(current, has_evidence=True, accepted_at__isnull=False)
        return queryset


class EvidenceInline(UploadInline):
    model = Evidence
    fields = ["file", "note", *UploadInline.readonly_fields]


@admin.register(ComplianceItem)
class ComplianceItemAdmin(SimpleHistoryAdmin, JoinedAdmin):
    list_display = [
        "requirement",
        "engagement",
        "vendor",
        "status",
        "expires_on",
        "accepted_at",
        "accepted_by",
    ]
    list_filter = [ComplianceStatusFilter, "requirement", "expires_on"]
    # Each engagement's items together, in the one-item-per-requirement unique index's
    # order: a page without sorting every item by its requirement's order (a join).
    ordering = ["engagement_id", "requirement_id"]
    list_select_related = ["requirement", "engagement__vendor", "accepted_by"]
    search_fields = [
        "requirement__name",
        "engagement__title",
        "engagement__vendor__legal_name",
        "notes",
    ]
    date_hierarchy = "expires_on"
    autocomplete_fields = ["engagement"]
    readonly_fields = ["status", "accepted_at", "accepted_by", "created_at", "updated_at"]
    inlines = [EvidenceInline]
    actions = ["accept_evidence"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ComplianceItem]:
        return with_evidence_flag(super().get_queryset(request))

    @admin.display(description="status")
    def status(self, obj: ComplianceItem) -> str:
        if obj.pk is None:
            return "–"
        has_evidence = getattr(obj, "has_evidence", None)
        return ComplianceStatus(obj.status_on(has_evidence=has_evidence)).label

    @admin.display(description="vendor", ordering="engagement__vendor__legal_name")
    def vendor(self, obj: ComplianceItem) -> str:
        return str(obj.engagement.vendor)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is Evidence:
            save_uploads(request, formset)
            return
        super().save_formset(request, form, formset, change)

    @admin.action(description="Accept the evidence of selected items")
    def accept_evidence(self, request: HttpRequest, queryset: QuerySet[ComplianceItem]) -> None:
        acceptable = queryset.filter(Q(has_evidence=True), accepted_at__isnull=True)
        pks = list(acceptable.values_list("pk", flat=True))
        now = timezone.now()
        with transaction.atomic():
            ComplianceItem.objects.filter(pk__in=pks).update(
                accepted_at=now, accepted_by=request.user, updated_at=now
            )
            # update() skips save(), so the change history is written here.
            ComplianceItem.history.bulk_history_create(
                ComplianceItem.objects.filter(pk__in=pks), update=True, default_user=request.user
            )
            log_bulk_change(
                request,
                ComplianceItem.objects.filter(pk__in=pks).select_related(
                    "requirement", "engagement"
                ),
                "Evidence accepted.",
            )
        self.message_user(request, f"{len(pks)} item(s) accepted.", messages.SUCCESS)
        skipped = queryset.filter(Q(has_evidence=False)).count()
        if skipped:
            self.message_user(
                request, f"{skipped} item(s) have no evidence to accept yet.", messages.WARNING
            )


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    form = UploadForm
    fields = ["item", "file", "note", *UploadInline.readonly_fields]
    list_display = ["original_name", "item", "size", "note", "uploaded_by", "uploaded_at"]
    ordering = ["-id"]  # newest first, by the primary key instead of sorting every upload
    list_select_related = ["item__requirement", "item__engagement", "uploaded_by"]
    search_fields = [
        "original_name",
        "note",
        "item__requirement__name",
        "item__engagement__title",
    ]
    date_hierarchy = "uploaded_at"
    raw_id_fields = ["item"]
    readonly_fields = UploadInline.readonly_fields
    formfield_overrides = UploadInline.formfield_overrides

    def save_model(self, request: HttpRequest, obj: Evidence, form: Any, change: bool) -> None:
        if not change:
            obj.uploaded_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
