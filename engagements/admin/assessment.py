"""Step 1 admin: assessment factors, candidates and their assessments."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from outsourcing.admin import JoinedAdmin, VersionedAdmin

from ..models import Assessment, AssessmentAnswer, AssessmentFactor, Candidate, Recommendation


@admin.register(AssessmentFactor)
class AssessmentFactorAdmin(VersionedAdmin):
    list_display = ["name", "question", "weight", "high_favours_outsourcing", "order", "is_active"]
    list_editable = ["weight", "order", "is_active"]
    list_filter = ["is_active", "high_favours_outsourcing"]
    search_fields = ["name", "question"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(Candidate)
class CandidateAdmin(VersionedAdmin):
    list_display = [
        "name",
        "business_function",
        "owner",
        "status",
        "decision",
        "in_house_yearly_cost",
        "quoted_vendor_yearly_cost",
        "currency",
        "expected_saving",
        "updated_at",
    ]
    list_filter = ["status", "business_function", "decision", "data_classification"]
    list_select_related = ["owner"]
    search_fields = ["name", "description", "skills_needed"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["owner", "decided_by"]
    readonly_fields = ["expected_saving", "created_at", "updated_at"]

    @admin.display(description="expected yearly saving")
    def expected_saving(self, obj: Candidate) -> str:
        saving = obj.make_or_buy()
        if saving is None:
            return "–"
        amount, percent = saving
        return f"{amount:,} {obj.currency} ({percent}%)"


class AssessmentAnswerForm(forms.ModelForm):
    class Meta:
        model = AssessmentAnswer
        fields = ["factor", "score", "weight", "comment"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["weight"].required = False
        self.fields["weight"].help_text = "Left empty: the factor's current weight."

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        factor = cleaned.get("factor")
        # The weight is copied at assessment time so later factor edits leave it as assessed.
        if cleaned.get("weight") is None and factor is not None:
            cleaned["weight"] = factor.weight
        return cleaned


class AssessmentAnswerInline(admin.TabularInline):
    model = AssessmentAnswer
    form = AssessmentAnswerForm
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[AssessmentAnswer]:
        return super().get_queryset(request).select_related("factor")


@admin.register(Assessment)
class AssessmentAdmin(JoinedAdmin):
    list_display = ["candidate", "candidate_status", "assessed_by", "updated_at"]
    list_filter = ["candidate__status", "candidate__business_function"]
    list_select_related = ["candidate", "assessed_by"]
    ordering = ["candidate__name"]
    search_fields = ["candidate__name", "notes"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["candidate", "assessed_by"]
    readonly_fields = ["result_display", "created_at", "updated_at"]
    inlines = [AssessmentAnswerInline]

    @admin.display(description="candidate status", ordering="candidate__status")
    def candidate_status(self, obj: Assessment) -> str:
        return obj.candidate.get_status_display()

    @admin.display(description="result")
    def result_display(self, obj: Assessment) -> str:
        if obj.pk is None:
            return "–"
        result = obj.result()
        if result.score is None:
            return "No answers with weight yet."
        reasons = format_html_join("", "<li>{}</li>", ((reason,) for reason in result.reasons))
        return format_html(
            "{} / 100: {}<ul>{}</ul>",
            result.score,
            dict(Recommendation.choices).get(result.recommendation or "", ""),
            reasons,
        )


@admin.register(AssessmentAnswer)
class AssessmentAnswerAdmin(admin.ModelAdmin):
    form = AssessmentAnswerForm
    fields = ["assessment", "factor", "score", "weight", "comment"]
    list_display = ["assessment", "factor", "score", "weight", "weighted_points"]
    list_filter = ["factor", "score"]
    list_select_related = ["assessment__candidate", "factor"]
    search_fields = ["assessment__candidate__name", "factor__name", "comment"]
    autocomplete_fields = ["assessment"]

    @admin.display(description="score × weight")
    def weighted_points(self, obj: AssessmentAnswer) -> Decimal:
        return obj.score * obj.weight
