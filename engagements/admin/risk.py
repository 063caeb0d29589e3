"""Step 5 admin: the risk register, data access grants and compliance evidence."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from vendors.admin import JoinedAdmin, UploadForm, log_bulk_change

from ..models import (
    ComplianceItem,
    ComplianceRequirement,
    ComplianceStatus,
    DataAccessGrant,
    Evidence,
    Risk,
)
from ..models.risk import REVIEW_INTERVAL_DAYS, risk_level
from .sourcing import UploadInline, save_uploads

RESIDUAL_SCORE = F("residual_likelihood") * F("residual_impact")
LEVELS = list(REVIEW_INTERVAL_DAYS)  # critical, high, medium, low


class RiskLevelFilter(admin.SimpleListFilter):
    """Level of the residual score, and whether it is above the appetite setting."""

    title = "residual level"
    parameter_name = "level"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(level, level.capitalize()) for level in LEVELS] + [
            ("above_appetite", f"Above appetite ({settings.RISK_APPETITE_SCORE}+)")
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value == "above_appetite":
            return queryset.alias(residual=RESIDUAL_SCORE).filter(
                residual__gte=settings.RISK_APPETITE_SCORE
            )
        if value in LEVELS:
            scores = [score for score in range(1, 26) if risk_level(score) == value]
            return queryset.alias(residual=RESIDUAL_SCORE).filter(residual__in=scores)
        return queryset


@admin.register(Risk)
class RiskAdmin(SimpleHistoryAdmin):
    list_display = [
        "title",
        "engagement",
        "category",
        "status",
        "owner",
        "inherent_score",
        "residual_score",
        "level",
        "last_reviewed_on",
        "next_review_on",
        "review_overdue",
    ]
    list_filter = ["status", RiskLevelFilter, "category"]
    list_select_related = ["engagement", "owner"]
    search_fields = ["title", "description", "mitigation", "engagement__title"]
    date_hierarchy = "next_review_on"
    autocomplete_fields = ["engagement", "owner"]
    readonly_fields = ["inherent_score", "residual_score", "level", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["engagement", "title", "category", "description", "owner", "status"]}),
        ("Before mitigation", {"fields": [("likelihood", "impact", "inherent_score")]}),
        (
            "After mitigation",
            {
                "fields": [
                    "mitigation",
                    ("residual_likelihood", "residual_impact", "residual_score", "level"),
                ]
            },
        ),
        ("Review", {"fields": [("last_reviewed_on", "next_review_on")]}),
        ("Record", {"fields": [("created_at", "updated_at")], "classes": ["collapse"]}),
    ]
    actions = ["mark_reviewed_today"]

    @admin.display(description="inherent", ordering=F("likelihood") * F("impact"))
    def inherent_score(self, obj: Risk) -> int | str:
        return obj.inherent_score if obj.pk else "–"

    @admin.display(description="residual", ordering=RESIDUAL_SCORE)
    def residual_score(self, obj: Risk) -> int | str:
        return obj.residual_score if obj.pk else "–"

    @admin.display(description="level", ordering=RESIDUAL_SCORE)
    def level(self, obj: Risk) -> str:
        return obj.level if obj.pk else "–"

    @admin.display(description="review overdue", boolean=True)
    def review_overdue(self, obj: Risk) -> bool:
        return (
            obj.status != Risk.Status.CLOSED
            and obj.next_review_on is not None
            and obj.next_review_on < timezone.localdate()
        )

    @admin.action(description="Mark selected risks reviewed today")
    def mark_reviewed_today(self, request: HttpRequest, queryset: QuerySet[Risk]) -> None:
        today = timezone.localdate()
        risks = list(queryset)
        with transaction.atomic():
            for risk in risks:
                risk.mark_reviewed(today)
            log_bulk_change(request, Risk.objects.filter(pk__in=[r.pk for r in risks]), "Reviewed.")
        self.message_user(request, f"{len(risks)} risk(s) marked reviewed.", messages.SUCCESS)


@admin.register(DataAccessGrant)
class DataAccessGrantAdmin(SimpleHistoryAdmin):
    list_display = [
        "system",
        "engagement",
        "vendor",
        "classification",
        "personal_data",
        "access_level",
        "granted_on",
        "revoked_on",
        "active",
    ]
    list_filter = [
        ("revoked_on", admin.EmptyFieldListFilter),
        "classification",
        "personal_data",
        "access_level",
    ]
    list_select_related = ["engagement__vendor"]
    search_fields = ["system", "description", "engagement__title", "engagement__vendor__legal_name"]
    date_hierarchy = "granted_on"
    autocomplete_fields = ["engagement", "granted_by", "revoked_by"]
    readonly_fields = ["created_at", "updated_at"]
    actions = ["revoke_today"]

    @admin.display(description="vendor", ordering="engagement__vendor__legal_name")
    def vendor(self, obj: DataAccessGrant) -> str:
        return str(obj.engagement.vendor)

    @admin.display(description="active", boolean=True, ordering="revoked_on")
    def active(self, obj: DataAccessGrant) -> bool:
        return obj.is_active

    @admin.action(description="Revoke selected access today")
    def revoke_today(self, request: HttpRequest, queryset: QuerySet[DataAccessGrant]) -> None:
        today = timezone.localdate()
        # A grant that starts in the future cannot be revoked before it starts.
        revocable = queryset.filter(revoked_on__isnull=True, granted_on__lte=today)
        pks = list(revocable.values_list("pk", flat=True))
        with transaction.atomic():
            DataAccessGrant.objects.filter(pk__in=pks).update(
                revoked_on=today, revoked_by=request.user, updated_at=timezone.now()
            )
            # update() skips save(), so the change history is written here.
            DataAccessGrant.history.bulk_history_create(
                DataAccessGrant.objects.filter(pk__in=pks), update=True, default_user=request.user
            )
            log_bulk_change(
                request,
                DataAccessGrant.objects.filter(pk__in=pks).select_related("engagement"),
                "Revoked today.",
            )
        self.message_user(request, f"{len(pks)} access grant(s) revoked.", messages.SUCCESS)
        skipped = queryset.count() - len(pks)
        if skipped:
            self.message_user(
                request,
                f"{skipped} grant(s) left alone: already revoked or not started yet.",
                messages.WARNING,
            )


@admin.register(ComplianceRequirement)
class ComplianceRequirementAdmin(admin.ModelAdmin):
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
