"""Step 4 admin: KPI templates and KPIs, measurements, rollups, scorecards and reviews."""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from outsourcing.admin import JoinedAdmin, VersionedAdmin, month_filter

from ..models import (
    JobRun,
    Kpi,
    KpiRollup,
    KpiTemplate,
    Measurement,
    PerformanceReview,
    Scorecard,
    ServiceCredit,
    StandingBand,
)
from ..services.monitoring.credits import refresh_kpi_credits
from ..tasks import recompute_kpis_on_commit

KPI_COLUMNS = list(Kpi.RULE_FIELDS)


class ComputedAdmin(admin.ModelAdmin):
    """Rows the rollup job writes: read here, never typed in or edited.

    Deleting stays possible, so removing an engagement or a KPI can take its
    rollups along; the next run writes a deleted open period again.
    """

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(KpiTemplate)
class KpiTemplateAdmin(VersionedAdmin):
    list_display = ["name", *KPI_COLUMNS]
    list_filter = ["direction", "aggregation", "period"]
    search_fields = ["name", "description"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(Kpi)
class KpiAdmin(SimpleHistoryAdmin, JoinedAdmin):
    list_display = ["name", "engagement", *KPI_COLUMNS, "is_active"]
    list_filter = ["is_active", "direction", "aggregation", "period", "template"]
    list_select_related = ["engagement"]
    search_fields = ["name", "engagement__title", "engagement__vendor__legal_name"]
    autocomplete_fields = ["engagement"]
    readonly_fields = ["created_at", "updated_at"]

    def save_model(self, request: HttpRequest, obj: Kpi, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and set(Kpi.CREDIT_JUDGED_BY) & set(form.changed_data):
            refresh_kpi_credits(obj)


class KpiColumns:
    """The KPI and engagement columns of a list of rows that belong to a KPI."""

    @admin.display(description="KPI", ordering="kpi__name")
    def kpi_name(self, obj: Measurement | KpiRollup) -> str:
        return obj.kpi.name

    @admin.display(description="engagement", ordering="kpi__engagement__title")
    def engagement(self, obj: Measurement | KpiRollup) -> str:
        return str(obj.kpi.engagement)


@admin.register(Measurement)
class MeasurementAdmin(KpiColumns, VersionedAdmin, SimpleHistoryAdmin):
    list_display = ["kpi_name", "engagement", "measured_on", "value", "source", "entered_by"]
    # A million rows at a large organisation: dates by range and by month
    # (outsourcing.admin.month_filter, not date_hierarchy), and a page counts once.
    list_filter = [
        ("measured_on", admin.DateFieldListFilter),
        month_filter("measured_on"),
        "source",
        "kpi__period",
    ]
    show_full_result_count = False
    list_select_related = ["kpi__engagement", "entered_by"]
    search_fields = ["kpi__name", "kpi__engagement__title", "note"]
    autocomplete_fields = ["kpi", "entered_by"]
    readonly_fields = ["created_at", "updated_at"]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("entered_by", str(request.user.pk))
        initial.setdefault("source", Measurement.Source.MANUAL)
        return initial

    # A fix made here recomputes the KPI's periods right after, as one made on the pages.

    def save_model(
        self,
        request: HttpRequest,
        obj: Measurement,
        form: forms.ModelForm[Measurement],
        change: bool,
    ) -> None:
        super().save_model(request, obj, form, change)
        days: dict[int, list[datetime.date]] = defaultdict(list)
        days[obj.kpi_id].append(obj.measured_on)
        left_kpi, left_day = form.initial.get("kpi"), form.initial.get("measured_on")
        if change and left_kpi and left_day:  # the period it left, maybe of another KPI
            days[int(left_kpi)].append(left_day)
        recompute_kpis_on_commit(days)

    def delete_model(self, request: HttpRequest, obj: Measurement) -> None:
        super().delete_model(request, obj)
        recompute_kpis_on_commit({obj.kpi_id: [obj.measured_on]})

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Measurement]) -> None:
        days: dict[int, list[datetime.date]] = defaultdict(list)
        for kpi_id, day in queryset.values_list("kpi_id", "measured_on"):
            days[kpi_id].append(day)
        super().delete_queryset(request, queryset)
        recompute_kpis_on_commit(days)


@admin.register(KpiRollup)
class KpiRollupAdmin(KpiColumns, ComputedAdmin):
    list_display = [
        "kpi_name",
        "engagement",
        "period_start",
        "period_end",
        "value",
        "status",
        "trend",
        "measurement_count",
        "computed_at",
    ]
    # Hundreds of thousands of rows: as the measurements' list (periods by month, one
    # count), in the order of the (kpi, period_start) unique index, read backwards.
    list_filter = [month_filter("period_start"), "status", "trend", "kpi__period"]
    show_full_result_count = False
    ordering = ["-kpi_id", "-period_start"]
    list_select_related = ["kpi__engagement"]
    search_fields = ["kpi__name", "kpi__engagement__title"]


@admin.register(ServiceCredit)
class ServiceCreditAdmin(KpiColumns, VersionedAdmin, SimpleHistoryAdmin):
    """Credits the rollup computes; the admin, like the owner, tracks claims and receipts."""

    list_display = [
        "kpi_name",
        "engagement",
        "period_start",
        "period_end",
        "kpi_value",
        "amount",
        "currency",
        "problem",
        "state",
        "claimed_on",
        "received_on",
    ]
    list_filter = ["state", "problem", "currency"]
    list_select_related = ["kpi__engagement"]
    search_fields = ["kpi__name", "kpi__engagement__title", "note"]
    date_hierarchy = "period_start"
    readonly_fields = [
        "kpi",
        "period_start",
        "period_end",
        "kpi_value",
        "amount",
        "currency",
        "problem",
        "computed_at",
        "created_at",
        "updated_at",
    ]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # computed by the rollup from the KPIs' credit rules


@admin.register(Scorecard)
class ScorecardAdmin(SimpleHistoryAdmin, ComputedAdmin):
    fields = [
        "engagement",
        ("period", "period_start", "period_end"),
        "score",
        ("kpis_counted", "kpis_without_data"),
        "breakdown_table",
        "computed_at",
    ]
    readonly_fields = ["breakdown_table"]
    list_display = [
        "engagement",
        "vendor",
        "period",
        "period_start",
        "period_end",
        "score",
        "kpis_counted",
        "kpis_without_data",
        "computed_at",
    ]
    # One a month an engagement: as the rollups' list (periods by month, one count), in
    # the one-per-period unique index's order, read backwards, so that a page is not
    # found by sorting every scorecard, breakdowns and all.
    list_filter = [month_filter("period_start"), "period", "engagement__status"]
    show_full_result_count = False
    ordering = ["-engagement_id", "-period", "-period_start"]
    list_select_related = ["engagement__vendor"]
    search_fields = ["engagement__title", "engagement__vendor__legal_name"]

    @admin.display(description="vendor", ordering="engagement__vendor__legal_name")
    def vendor(self, obj: Scorecard) -> str:
        return str(obj.engagement.vendor)

    @admin.display(description="breakdown (as computed)")
    def breakdown_table(self, obj: Scorecard) -> str:
        rows = [row for row in obj.breakdown or [] if isinstance(row, dict)]
        if not rows:
            return "–"
        columns = list(dict.fromkeys(key for row in rows for key in row))
        head = format_html_join("", "<th>{}</th>", ((column,) for column in columns))
        body = format_html_join(
            "",
            "<tr>{}</tr>",
            (
                (format_html_join("", "<td>{}</td>", ((row.get(c, ""),) for c in columns)),)
                for row in rows
            ),
        )
        return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, body)


@admin.register(StandingBand)
class StandingBandAdmin(admin.ModelAdmin):
    list_display = ["standing", "min_score"]
    list_editable = ["min_score"]


@admin.register(PerformanceReview)
class PerformanceReviewAdmin(VersionedAdmin):
    list_display = [
        "engagement",
        "trigger",
        "kpi_name",
        "open",
        "decision",
        "decided_by",
        "decided_at",
        "created_at",
    ]
    list_filter = [("decided_at", admin.EmptyFieldListFilter), "trigger", "decision"]
    list_select_related = ["engagement", "kpi", "decided_by"]
    search_fields = ["engagement__title", "summary", "decision_notes"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["engagement", "decided_by", "plan_owner"]
    raw_id_fields = ["kpi", "scorecard"]
    readonly_fields = ["created_at", "updated_at"]

    @admin.display(description="KPI", ordering="kpi__name")
    def kpi_name(self, obj: PerformanceReview) -> str:
        return obj.kpi.name if obj.kpi else "–"

    @admin.display(description="open", boolean=True, ordering="decided_at")
    def open(self, obj: PerformanceReview) -> bool:
        return obj.is_open

    def save_model(
        self, request: HttpRequest, obj: PerformanceReview, form: Any, change: bool
    ) -> None:
        # A decision typed in without its date closes the review now, by whoever saved it.
        if obj.decision and obj.decided_at is None:
            obj.decided_at = timezone.now()
            obj.decided_by = obj.decided_by or request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    """The jobs write these rows; moving the watermark back makes the next run redo that span."""

    list_display = ["name", "last_started_at", "last_succeeded_at", "watermark", "last_result"]
    search_fields = ["name", "last_result"]
    fields = ["name", "last_started_at", "last_succeeded_at", "watermark", "last_result"]
    readonly_fields = ["name", "last_started_at", "last_succeeded_at", "last_result"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
