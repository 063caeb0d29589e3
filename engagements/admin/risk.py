"""Step 5 admin: the risk register and data access grants."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from outsourcing.admin import VersionedAdmin, log_bulk_change
from outsourcing.forms import ModelForm

from ..models import (
    DataAccessGrant,
    Risk,
)
from ..models.risk import LEVELS, RESIDUAL_SCORE, scores_of


class RiskLevelFilter(admin.SimpleListFilter):
    """Level of the residual score, and whether it is above the appetite setting."""

    title = "residual level"
    parameter_name = "level"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            *LEVELS,
            ("above_appetite", f"Above appetite ({settings.RISK_APPETITE_SCORE}+)"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value == "above_appetite":
            return queryset.alias(residual=RESIDUAL_SCORE).filter(
                residual__gte=settings.RISK_APPETITE_SCORE
            )
        if value in dict(LEVELS):
            return queryset.alias(residual=RESIDUAL_SCORE).filter(residual__in=scores_of(value))
        return queryset


@admin.register(Risk)
class RiskAdmin(VersionedAdmin, SimpleHistoryAdmin):
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
        ("Closed or handed over", {"fields": ["resolution"]}),
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
        return obj.review_overdue_on(timezone.localdate())

    @admin.action(description="Mark selected risks reviewed today")
    def mark_reviewed_today(self, request: HttpRequest, queryset: QuerySet[Risk]) -> None:
        today = timezone.localdate()
        risks = list(queryset)
        with transaction.atomic():
            for risk in risks:
                risk.mark_reviewed(today)
            log_bulk_change(request, Risk.objects.filter(pk__in=[r.pk for r in risks]), "Reviewed.")
        self.message_user(request, f"{len(risks)} risk(s) marked reviewed.", messages.SUCCESS)


class GrantAdminForm(ModelForm):
    # No Meta: the admin builds the form for DataAccessGrant.

    def clean(self) -> dict[str, Any]:
        """Sub-processors of another vendor than the engagement's would mislead the vendor
        page, which lists each sub-processor's grants."""
        cleaned = super().clean() or {}
        engagement, subs = cleaned.get("engagement"), cleaned.get("sub_processors")
        if engagement is not None and subs:
            foreign = [sub.name for sub in subs if sub.vendor_id != engagement.vendor_id]
            if foreign:
                self.add_error(
                    "sub_processors",
                    forms.ValidationError(
                        "%(names)s is not a sub-processor of %(vendor)s.",
                        params={"names": ", ".join(foreign), "vendor": engagement.vendor},
                    ),
                )
        return cleaned


@admin.register(DataAccessGrant)
class DataAccessGrantAdmin(VersionedAdmin, SimpleHistoryAdmin):
    form = GrantAdminForm
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
    autocomplete_fields = ["engagement", "granted_by", "revoked_by", "sub_processors"]
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
        grants = list(revocable)
        pks = [grant.pk for grant in grants]
        with transaction.atomic():
            for grant in grants:
                grant.revoke(on=today, by=request.user)
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
