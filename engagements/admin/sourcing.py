"""Step 2 admin: criteria templates, selections, proposals, evaluation, contracts and
their renewal decisions."""

from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from outsourcing.admin import (
    PRIVATE_FILES,
    JoinedAdmin,
    UploadForm,
    VersionedAdmin,
    VersionedInline,
)

from ..models import (
    Amendment,
    Contract,
    Criterion,
    CriterionTemplate,
    Evaluator,
    ExchangeRate,
    Proposal,
    ProposalAttachment,
    RenewalDecision,
    Score,
    Selection,
)
from ..services.monitoring.credits import refresh_engagement_credits

# PRODUCT.md's renewal view looks 120 days ahead; the notice-deadline filter does the same.
RENEWAL_HORIZON_DAYS = 120


class UploadInline(admin.TabularInline):
    form = UploadForm
    extra = 0
    fields = ["file", "original_name", "content_type", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = ["original_name", "content_type", "size", "uploaded_by", "uploaded_at"]
    formfield_overrides = PRIVATE_FILES

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("uploaded_by")


def save_uploads(request: HttpRequest, formset: Any) -> None:
    """Save an inline formset of uploads, recording who uploaded each new file."""
    for obj in formset.save(commit=False):
        if obj._state.adding:
            obj.uploaded_by = request.user
        obj.save()
    for obj in formset.deleted_objects:
        obj.delete()


@admin.register(ExchangeRate)
class ExchangeRateAdmin(VersionedAdmin):
    """Rates to the base currency by date: proposals convert at the latest rate on or before
    the day they arrived, and the pages say which rate that was."""

    list_display = ["currency", "rate", "valid_from", "updated_at"]
    list_filter = ["currency"]
    search_fields = ["currency"]
    date_hierarchy = "valid_from"
    ordering = ["currency", "-valid_from"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(CriterionTemplate)
class CriterionTemplateAdmin(VersionedAdmin):
    list_display = ["name", "category", "default_weight", "order", "is_active"]
    list_editable = ["default_weight", "order", "is_active"]
    list_filter = ["category", "is_active"]
    search_fields = ["name", "guidance"]
    readonly_fields = ["created_at", "updated_at"]


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0
    fields = ["name", "category", "weight", "order", "guidance"]


class ProposalInline(VersionedInline, admin.TabularInline):
    model = Proposal
    extra = 0
    fields = ["vendor", "price", "pricing_model", "currency", "received_on"]
    autocomplete_fields = ["vendor"]
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Proposal]:
        return super().get_queryset(request).select_related("vendor", "selection")


class EvaluatorInline(admin.TabularInline):
    model = Evaluator
    extra = 0
    fields = ["user", "invited_by", "invited_at", "submitted_at"]
    readonly_fields = ["invited_at"]
    autocomplete_fields = ["user", "invited_by"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Evaluator]:
        return super().get_queryset(request).select_related("user", "selection")


@admin.register(Selection)
class SelectionAdmin(VersionedAdmin):
    list_display = [
        "title",
        "candidate",
        "owner",
        "status",
        "deadline",
        "budget",
        "currency",
        "awarded_vendor",
        "awarded_at",
    ]
    list_filter = ["status", "currency", "deadline"]
    list_select_related = ["candidate", "owner", "awarded_proposal__vendor"]
    search_fields = ["title", "requirements", "candidate__name"]
    date_hierarchy = "deadline"
    autocomplete_fields = ["candidate", "owner"]
    raw_id_fields = ["awarded_proposal"]
    readonly_fields = ["criteria_weight_total_display", "created_at", "updated_at"]
    inlines = [CriterionInline, ProposalInline, EvaluatorInline]

    @admin.display(description="awarded vendor", ordering="awarded_proposal__vendor__legal_name")
    def awarded_vendor(self, obj: Selection) -> str:
        return str(obj.awarded_proposal.vendor) if obj.awarded_proposal else "–"

    @admin.display(description="criteria weights total")
    def criteria_weight_total_display(self, obj: Selection) -> str:
        if obj.pk is None:
            return "–"
        total = obj.criteria_weight_total()
        return f"{total}" if total == 100 else f"{total} (should be 100)"

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is Evaluator:
            for evaluator in formset.save(commit=False):
                if evaluator.invited_by_id is None:
                    evaluator.invited_by = request.user
                evaluator.save()
            for evaluator in formset.deleted_objects:
                evaluator.delete()
            return
        super().save_formset(request, form, formset, change)


class ScoreInline(VersionedInline, admin.TabularInline):
    model = Score
    extra = 0
    fields = ["evaluator", "criterion", "value", "comment"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Score]:
        return super().get_queryset(request).select_related("criterion")

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        """Offer only the evaluators and criteria of the proposal's own selection.

        The choices are read once here rather than once per score row.
        """
        formset = super().get_formset(request, obj, **kwargs)
        evaluators = Evaluator.objects.select_related("user", "selection")
        criteria = Criterion.objects.all()
        if obj is None:
            evaluators, criteria = evaluators.none(), criteria.none()
        else:
            evaluators = evaluators.filter(selection_id=obj.selection_id)
            criteria = criteria.filter(selection_id=obj.selection_id)
        for name, queryset in (("evaluator", evaluators), ("criterion", criteria)):
            field = cast(forms.ModelChoiceField, formset.form.base_fields[name])
            field.queryset = queryset
            field.choices = list(field.iterator(field))
        return formset


class ProposalAttachmentInline(UploadInline):
    model = ProposalAttachment


@admin.register(Proposal)
class ProposalAdmin(JoinedAdmin):
    list_display = [
        "vendor",
        "selection",
        "price",
        "pricing_model",
        "currency",
        "proposed_start",
        "proposed_end",
        "received_on",
        "assumed_volume",
    ]
    list_filter = ["pricing_model", "currency", "selection__status"]
    list_select_related = ["vendor", "selection"]
    search_fields = ["vendor__legal_name", "selection__title", "notes"]
    date_hierarchy = "received_on"
    autocomplete_fields = ["selection", "vendor"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [ScoreInline, ProposalAttachmentInline]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is ProposalAttachment:
            save_uploads(request, formset)
            return
        super().save_formset(request, form, formset, change)


@admin.register(ProposalAttachment)
class ProposalAttachmentAdmin(admin.ModelAdmin):
    form = UploadForm
    fields = [
        "proposal",
        "file",
        "original_name",
        "content_type",
        "size",
        "uploaded_by",
        "uploaded_at",
    ]
    list_display = ["original_name", "proposal", "size", "uploaded_by", "uploaded_at"]
    list_select_related = ["proposal__vendor", "proposal__selection", "uploaded_by"]
    ordering = ["-uploaded_at"]
    search_fields = ["original_name", "proposal__vendor__legal_name", "proposal__selection__title"]
    date_hierarchy = "uploaded_at"
    autocomplete_fields = ["proposal"]
    readonly_fields = ["original_name", "content_type", "size", "uploaded_by", "uploaded_at"]
    formfield_overrides = PRIVATE_FILES

    def save_model(
        self, request: HttpRequest, obj: ProposalAttachment, form: Any, change: bool
    ) -> None:
        if not change:
            obj.uploaded_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    list_display = ["name", "selection", "category", "weight", "order"]
    list_filter = ["category"]
    list_select_related = ["selection"]
    search_fields = ["name", "selection__title"]
    autocomplete_fields = ["selection"]


@admin.register(Evaluator)
class EvaluatorAdmin(admin.ModelAdmin):
    list_display = ["user", "selection", "invited_by", "invited_at", "submitted_at"]
    list_filter = [("submitted_at", admin.EmptyFieldListFilter), "selection__status"]
    list_select_related = ["user", "selection", "invited_by"]
    search_fields = ["user__username", "user__email", "user__last_name", "selection__title"]
    date_hierarchy = "invited_at"
    autocomplete_fields = ["selection", "user", "invited_by"]
    readonly_fields = ["invited_at"]


@admin.register(Score)
class ScoreAdmin(VersionedAdmin, SimpleHistoryAdmin):
    list_display = ["proposal", "criterion", "evaluator", "value", "updated_at"]
    list_filter = ["value", "criterion__category"]
    list_select_related = [
        "proposal__vendor",
        "proposal__selection",
        "criterion",
        "evaluator__user",
        "evaluator__selection",
    ]
    search_fields = [
        "proposal__vendor__legal_name",
        "proposal__selection__title",
        "criterion__name",
        "evaluator__user__username",
        "comment",
    ]
    raw_id_fields = ["evaluator", "proposal", "criterion"]
    readonly_fields = ["created_at", "updated_at"]


class NoticeDeadlineFilter(admin.SimpleListFilter):
    title = "notice deadline"
    parameter_name = "notice"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("passed", "Passed"),
            ("soon", f"In the next {RENEWAL_HORIZON_DAYS} days"),
            ("later", "Later"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        today = timezone.localdate()
        horizon = today + datetime.timedelta(days=RENEWAL_HORIZON_DAYS)
        prefix = "" if queryset.model is Contract else "contract__"
        if self.value() == "passed":
            return queryset.filter(**{f"{prefix}notice_deadline__lt": today})
        if self.value() == "soon":
            return queryset.filter(**{f"{prefix}notice_deadline__range": (today, horizon)})
        if self.value() == "later":
            return queryset.filter(**{f"{prefix}notice_deadline__gt": horizon})
        return queryset


CONTRACT_FIELDS: tuple[str | tuple[str, ...], ...] = (
    "reference",
    ("value", "currency", "monthly_fee"),
    ("start_date", "end_date"),
    ("renewal_date", "notice_period_days", "notice_deadline"),
    ("auto_renews", "renewal_term_months"),
    "signed_on",
    ("document", "document_name"),
    "service_levels",
    "termination_terms",
    ("notice_given_on", "notice_given_by"),
    "notice_reason",
)


class ContractInline(VersionedInline, admin.StackedInline):
    model = Contract
    form = UploadForm
    max_num = 1
    extra = 0
    fields = CONTRACT_FIELDS
    readonly_fields = ["notice_deadline", "document_name"]
    autocomplete_fields = ["notice_given_by"]
    formfield_overrides = PRIVATE_FILES


class AmendmentInline(VersionedInline, admin.TabularInline):
    model = Amendment
    form = UploadForm
    extra = 0
    fields = ["effective_on", "summary", "note", "document", "document_name", "recorded_by"]
    readonly_fields = ["document_name"]
    autocomplete_fields = ["recorded_by"]
    formfield_overrides = PRIVATE_FILES


@admin.register(Contract)
class ContractAdmin(VersionedAdmin, SimpleHistoryAdmin):
    fields = ("engagement", *CONTRACT_FIELDS, ("created_at", "updated_at"))
    list_display = [
        "__str__",
        "engagement",
        "vendor",
        "value",
        "currency",
        "start_date",
        "end_date",
        "renewal_date",
        "notice_deadline",
        "auto_renews",
        "notice_given_on",
        "signed_on",
    ]
    list_filter = [NoticeDeadlineFilter, "auto_renews", "currency", "end_date"]
    list_select_related = ["engagement__vendor"]
    ordering = ["notice_deadline"]
    search_fields = ["reference", "engagement__title", "engagement__vendor__legal_name"]
    date_hierarchy = "notice_deadline"
    autocomplete_fields = ["engagement", "notice_given_by"]
    form = UploadForm
    readonly_fields = ["notice_deadline", "document_name", "created_at", "updated_at"]
    formfield_overrides = PRIVATE_FILES
    inlines = [AmendmentInline]

    @admin.display(description="vendor", ordering="engagement__vendor__legal_name")
    def vendor(self, obj: Contract) -> str:
        return str(obj.engagement.vendor)

    def save_model(self, request: HttpRequest, obj: Contract, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change or {"monthly_fee", "currency"} & set(form.changed_data):
            refresh_engagement_credits(obj.engagement)  # shares of the fee follow it


@admin.register(Amendment)
class AmendmentAdmin(VersionedAdmin, SimpleHistoryAdmin):
    fields = (
        "contract",
        "effective_on",
        "summary",
        "note",
        ("document", "document_name"),
        "recorded_by",
        ("created_at", "updated_at"),
    )
    list_display = ["summary", "contract", "engagement", "effective_on", "recorded_by"]
    list_filter = ["effective_on"]
    list_select_related = ["contract__engagement", "recorded_by"]
    ordering = ["-effective_on", "-pk"]
    search_fields = ["summary", "note", "contract__reference", "contract__engagement__title"]
    date_hierarchy = "effective_on"
    autocomplete_fields = ["contract", "recorded_by"]
    form = UploadForm
    readonly_fields = ["document_name", "created_at", "updated_at"]
    formfield_overrides = PRIVATE_FILES

    @admin.display(description="engagement", ordering="contract__engagement__title")
    def engagement(self, obj: Amendment) -> str:
        return str(obj.contract.engagement)


@admin.register(RenewalDecision)
class RenewalDecisionAdmin(VersionedAdmin, SimpleHistoryAdmin):
    fields = (
        "contract",
        ("decision", "suggestion"),
        "suggestion_reasons",
        "note",
        ("new_end_date", "offboarding_started"),
        ("decided_by", "decided_at"),
        ("created_at", "updated_at"),
    )
    list_display = [
        "contract",
        "engagement",
        "decision",
        "suggestion",
        "new_end_date",
        "offboarding_started",
        "decided_by",
        "decided_at",
    ]
    list_filter = ["decision", "suggestion", "offboarding_started", "decided_at"]
    list_select_related = ["contract__engagement", "decided_by"]
    ordering = ["-decided_at", "-pk"]
    search_fields = [
        "note",
        "contract__reference",
        "contract__engagement__title",
        "contract__engagement__vendor__legal_name",
    ]
    date_hierarchy = "decided_at"
    autocomplete_fields = ["contract", "decided_by"]
    readonly_fields = ["created_at", "updated_at"]

    @admin.display(description="engagement", ordering="contract__engagement__title")
    def engagement(self, obj: RenewalDecision) -> str:
        return str(obj.contract.engagement)
