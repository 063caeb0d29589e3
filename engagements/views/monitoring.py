"""Step 4 pages: the KPIs tab, KPI forms, measurements and a KPI's own page with its trend."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_http_methods, require_safe

from engagements.charts.trend import kpi_trend, scorecard_trend
from engagements.exports import KPI_COLUMNS, SCORECARD_COLUMNS, VALUE_COLUMNS
from engagements.forms.communication import (
    ManualReviewForm,
    ReviewDecisionForm,
)
from engagements.forms.monitoring import (
    KpiForm,
    KpiFromTemplatesForm,
    MeasurementForm,
    MeasurementUploadForm,
    PeriodEntryForm,
)
from engagements.models import (
    Direction,
    Engagement,
    Kpi,
    KpiRollup,
    KpiStatus,
    Measurement,
    PerformanceReview,
    Period,
)
from engagements.permissions import can_change, require
from engagements.selectors.credits import credit_totals, credits_of
from engagements.selectors.history import kpi_history, scorecard_history
from engagements.services.communication import (
    decide_review,
)
from engagements.services.monitoring import imports as monitoring_import
from engagements.services.monitoring.credits import refresh_kpi_credits
from engagements.services.monitoring.scorecards import unscored_values
from engagements.tasks import recompute_kpis_on_commit
from engagements.views.common import (
    engagement_or_404,
    engagement_row_to_change,
    engagement_to_change,
    engagement_to_read,
    render_tab,
    signed_in,
    to_tab,
)
from outsourcing.csvimport import csv_download
from outsourcing.exports import export_format, export_response, queryset_rows
from outsourcing.lists import page_of
from outsourcing.status import BAD, GOOD, NONE, Tone
from outsourcing.versions import saves_atomically

CHART_PERIODS = 12
SCORECARD_MONTHS = 12


@dataclass(frozen=True)
class TrendArrow:
    """Which way the value moved (▲ ▼ ▶), coloured by whether that is better or worse."""

    symbol: str
    tone: Tone
    words: str  # for screen readers and the tooltip: the arrow alone says only "up"


def trend_arrow(trend: str, direction: str) -> TrendArrow | None:
    """▼ on a lower-is-better KPI is good news: the arrow follows the value, the colour
    and the words follow the KPI's direction."""
    rising = direction == Direction.HIGHER
    if trend == KpiRollup.Trend.BETTER:
        return TrendArrow("▲" if rising else "▼", GOOD, "better than the period before")
    if trend == KpiRollup.Trend.WORSE:
        return TrendArrow("▼" if rising else "▲", BAD, "worse than the period before")
    if trend == KpiRollup.Trend.SAME:
        return TrendArrow("▶", NONE, "unchanged from the period before")
    return None


def _kpi(engagement: Engagement, kpi_pk: int) -> Kpi:
    kpi = get_object_or_404(Kpi, pk=kpi_pk, engagement=engagement)
    kpi.engagement = engagement
    return kpi


@dataclass(frozen=True)
class KpiRow:
    kpi: Kpi
    value: Decimal | None
    status: str
    period_start: Any
    trend: str
    last_measured_on: Any
    last_measured_value: Decimal | None

    @property
    def status_label(self) -> str:
        return str(KpiStatus(self.status).label)

    @property
    def trend_arrow(self) -> TrendArrow | None:
        return trend_arrow(self.trend, self.kpi.direction)


def kpis_with_latest(engagement: Engagement) -> QuerySet[Kpi]:
    """The engagement's KPIs, each with its latest rolled-up value and last entry: one query."""
    rollups = KpiRollup.objects.filter(kpi=OuterRef("pk"), value__isnull=False).order_by(
        "-period_start"
    )
    entries = Measurement.objects.filter(kpi=OuterRef("pk")).order_by("-measured_on")
    return engagement.kpis.annotate(
        latest_value=Subquery(rollups.values("value")[:1]),
        latest_status=Subquery(rollups.values("status")[:1]),
        latest_period=Subquery(rollups.values("period_start")[:1]),
        latest_trend=Subquery(rollups.values("trend")[:1]),
        last_measured_on=Subquery(entries.values("measured_on")[:1]),
        last_measured_value=Subquery(entries.values("value")[:1]),
    ).order_by("-is_active", "name")


def _row(kpi: Any) -> KpiRow:
    return KpiRow(
        kpi=kpi,
        value=kpi.latest_value,
        status=kpi.latest_status or KpiStatus.NO_DATA,
        period_start=kpi.latest_period,
        trend=kpi.latest_trend or KpiRollup.Trend.UNKNOWN,
        last_measured_on=kpi.last_measured_on,
        last_measured_value=kpi.last_measured_value,
    )


@login_required
@require_safe
def engagement_kpis(request: HttpRequest, pk: int) -> HttpResponseBase:
    engagement = engagement_to_read(request, pk)
    if file_format := export_format(request):
        return _kpi_export(file_format, engagement, request.GET.get("rows", ""))
    rows = [_row(kpi) for kpi in kpis_with_latest(engagement)]
    scorecards = list(
        engagement.scorecards.filter(period=Period.MONTH).order_by("-period_start")[
            :SCORECARD_MONTHS
        ]
    )
    return render_tab(
        request,
        "engagements/monitoring/kpi_tab.html",
        engagement,
        "kpis",
        rows=rows,
        has_active=any(r.kpi.is_active for r in rows),
        may_edit=can_change(request.user, engagement),
        scorecard_chart=scorecard_trend(
            reversed(scorecards),
            chart_id=f"scorecards-{engagement.pk}",
            review_below=settings.REVIEW_BELOW_SCORECARD,
        ),
        history=scorecard_history(engagement),
        unscored=unscored_values(engagement),
        credits=credit_totals(credits_of([engagement.pk])),
        downloads=[("kpis", "KPIs"), ("values", "every value"), ("scorecards", "scorecards")],
    )


def _kpi_export(file_format: str, engagement: Engagement, asked: str) -> HttpResponseBase:
    """The KPIs tab as a download: its KPIs (the default), every value, or every scorecard."""
    name = f"engagement-{engagement.pk}"
    if asked == "values":
        values = Measurement.objects.filter(kpi__engagement=engagement).select_related(
            "kpi", "entered_by"
        )
        rows = queryset_rows(values.order_by("kpi__name", "kpi_id", "measured_on"))
        return export_response(file_format, f"{name}-kpi-values", VALUE_COLUMNS, rows)
    if asked == "scorecards":
        scorecards = engagement.scorecards.filter(period=Period.MONTH).order_by("period_start")
        return export_response(
            file_format, f"{name}-scorecards", SCORECARD_COLUMNS, queryset_rows(scorecards)
        )
    kpis = queryset_rows(kpis_with_latest(engagement))
    return export_response(file_format, f"{name}-kpis", KPI_COLUMNS, kpis)


@login_required
def kpi_from_templates(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = engagement_to_change(request, pk)
    form = KpiFromTemplatesForm(request.POST or None, engagement=engagement)
    if request.method == "POST" and form.is_valid():
        added = form.save()
        names = ", ".join(k.name for k in added)
        messages.success(
            request, f"Added {len(added)} KPI{'s' if len(added) != 1 else ''}: {names}."
        )
        return to_tab("engagement_kpis", engagement)
    return render_tab(
        request, "engagements/monitoring/kpi_templates.html", engagement, "kpis", form=form
    )


@login_required
def kpi_create(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = engagement_to_change(request, pk)
    form = KpiForm(request.POST or None, engagement=engagement)
    if request.method == "POST" and form.is_valid():
        kpi = form.save()
        messages.success(request, f"KPI “{kpi.name}” added.")
        return to_tab("engagement_kpis", engagement)
    return render_tab(
        request, "engagements/monitoring/kpi_form.html", engagement, "kpis", form=form, kpi=None
    )


@login_required
@saves_atomically
def kpi_update(request: HttpRequest, pk: int, kpi_pk: int) -> HttpResponse:
    engagement = engagement_or_404(pk)
    kpi = _kpi(engagement, kpi_pk)
    require(can_change(request.user, kpi))
    was_active = kpi.is_active
    form = KpiForm(request.POST or None, instance=kpi, engagement=engagement)
    if request.method == "POST" and form.is_valid():
        kpi = form.save()
        if form.credit_rule_changed:
            refresh_kpi_credits(kpi)
        if was_active and not kpi.is_active:
            messages.success(
                request,
                f"KPI “{kpi.name}” deactivated: it keeps its history but is no longer "
                "measured or scored.",
            )
        else:
            messages.success(request, f"KPI “{kpi.name}” saved.")
        return redirect("engagements:kpi_detail", pk=engagement.pk, kpi_pk=kpi.pk)
    return render_tab(
        request, "engagements/monitoring/kpi_form.html", engagement, "kpis", form=form, kpi=kpi
    )


@login_required
@require_safe
def kpi_detail(request: HttpRequest, pk: int, kpi_pk: int) -> HttpResponse:
    engagement = engagement_to_read(request, pk)
    kpi = _kpi(engagement, kpi_pk)
    rollups = list(kpi.rollups.order_by("-period_start")[:CHART_PERIODS])
    rollups.reverse()
    page = page_of(request, kpi.measurements.select_related("entered_by").order_by("-measured_on"))
    return render_tab(
        request,
        "engagements/monitoring/kpi_detail.html",
        engagement,
        "kpis",
        kpi=kpi,
        rollups=list(reversed(rollups)),
        chart=kpi_trend(kpi, rollups, chart_id=f"kpi-{kpi.pk}"),
        page=page,
        may_edit=can_change(request.user, kpi),
        history=kpi_history(kpi),
        credits=list(kpi.credits.order_by("-period_start")[:CHART_PERIODS]),
    )


def _measurement_page(
    request: HttpRequest,
    engagement: Engagement,
    form: MeasurementForm,
    template: str,
    *,
    done: str,
    days_before: tuple[date, ...] = (),
    **context: Any,
) -> HttpResponse:
    """One value, new or corrected: saved, its KPI recomputed for its day (and the day it
    moved from) and the KPI's page shown; or the form again, with what was wrong."""
    if request.method == "POST" and form.is_valid():
        try:
            measurement = form.save()
        except IntegrityError:
            pass  # the form carries the message
        else:
            kpi = measurement.kpi
            recompute_kpis_on_commit({kpi.pk: [*days_before, measurement.measured_on]})
            messages.success(
                request,
                f"{done} {kpi.name}: {measurement.value.normalize():f} {kpi.unit} "
                f"on {measurement.measured_on:%-d %b %Y}.",
            )
            return redirect("engagements:kpi_detail", pk=engagement.pk, kpi_pk=kpi.pk)
    return render_tab(request, template, engagement, "kpis", form=form, **context)


@login_required
def measurement_create(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = engagement_to_change(request, pk)
    initial = {"kpi": request.GET.get("kpi")} if request.GET.get("kpi") else None
    form = MeasurementForm(
        request.POST or None, initial=initial, engagement=engagement, user=request.user
    )
    return _measurement_page(
        request, engagement, form, "engagements/monitoring/measurement_form.html", done="Recorded"
    )


@login_required
def measurement_period(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = engagement_to_change(request, pk)
    kpis = list(engagement.kpis.filter(is_active=True).order_by("name"))
    form = PeriodEntryForm(request.POST or None, kpis=kpis, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            saved = form.save()
        except IntegrityError:
            pass  # the form carries the message; nothing was written
        else:
            day = form.cleaned_data["measured_on"]
            recompute_kpis_on_commit({measurement.kpi_id: [day] for measurement in saved})
            messages.success(
                request,
                f"Recorded {len(saved)} value{'s' if len(saved) != 1 else ''} for {day:%-d %b %Y}.",
            )
            return to_tab("engagement_kpis", engagement)
    elif request.method == "POST":
        messages.error(request, "Nothing was saved: fix the rows marked below and send again.")
    return render_tab(
        request,
        "engagements/monitoring/measurement_period.html",
        engagement,
        "kpis",
        form=form,
        kpis=kpis,
    )


@login_required
@require_http_methods(["GET", "POST"])
def measurement_import(request: HttpRequest, pk: int) -> HttpResponse:
    """KPI values from a CSV file: all rows saved, or none and a report of every error."""
    engagement = engagement_to_change(request, pk)
    posted = request.method == "POST"
    form = MeasurementUploadForm(request.POST, request.FILES) if posted else MeasurementUploadForm()
    report = None
    if posted and form.is_valid():
        report = monitoring_import.import_measurements(
            engagement=engagement,
            table=form.table,
            by=request.user,
            replace=form.cleaned_data["replace"],
        )
        if report.ok:
            recompute_kpis_on_commit(report.days_by_kpi)
            done = f"Imported {report.created} value{'s' if report.created != 1 else ''}"
            if report.updated:
                done += f" and replaced {report.updated}"
            messages.success(request, f"{done}.")
            return to_tab("engagement_kpis", engagement)
    return render_tab(
        request,
        "engagements/monitoring/measurement_import.html",
        engagement,
        "kpis",
        form=form,
        report=report,
        kpis=engagement.kpis.filter(is_active=True).order_by("name"),
    )


@login_required
@require_safe
def measurement_import_template(request: HttpRequest, pk: int) -> HttpResponse:
    """The import's columns with a row per active KPI, to fill in a spreadsheet."""
    engagement = engagement_to_change(request, pk)
    return csv_download(
        f"kpi-values-{engagement.pk}.csv",
        ["kpi", "date", "value", "note"],
        monitoring_import.template_rows(engagement),
    )


def _measurement_to_change(request: HttpRequest, pk: int, measurement_pk: int) -> Measurement:
    """A value of one of this engagement's KPIs, for a page that changes it; any other is
    not found here."""
    engagement, measurement = engagement_row_to_change(
        request,
        pk,
        Measurement.objects.select_related("kpi"),
        measurement_pk,
        via="kpi__engagement",
    )
    measurement.kpi.engagement = engagement
    return measurement


@login_required
@saves_atomically
def measurement_update(request: HttpRequest, pk: int, measurement_pk: int) -> HttpResponse:
    measurement = _measurement_to_change(request, pk, measurement_pk)
    kpi = measurement.kpi
    engagement = kpi.engagement
    day_before = measurement.measured_on  # the form moves it when the date changes
    form = MeasurementForm(
        request.POST or None, instance=measurement, engagement=engagement, user=request.user
    )
    return _measurement_page(
        request,
        engagement,
        form,
        "engagements/monitoring/measurement_edit.html",
        done="Saved",
        days_before=(day_before,),
        kpi=kpi,
    )


@login_required
def measurement_delete(request: HttpRequest, pk: int, measurement_pk: int) -> HttpResponse:
    measurement = _measurement_to_change(request, pk, measurement_pk)
    kpi = measurement.kpi
    engagement = kpi.engagement
    if request.method == "POST":
        measurement.delete()
        recompute_kpis_on_commit({kpi.pk: [measurement.measured_on]})
        messages.success(
            request, f"Deleted the {kpi.name} value of {measurement.measured_on:%-d %b %Y}."
        )
        return redirect("engagements:kpi_detail", pk=engagement.pk, kpi_pk=kpi.pk)
    return render_tab(
        request,
        "engagements/monitoring/measurement_confirm_delete.html",
        engagement,
        "kpis",
        kpi=kpi,
        measurement=measurement,
    )


# --- the reviews tab ------------------------------------------------------------------


@login_required
@require_safe
def engagement_reviews(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = engagement_to_read(request, pk)
    reviews = list(
        PerformanceReview.objects.filter(engagement=engagement)
        .select_related("kpi", "scorecard", "decided_by", "plan_owner")
        .order_by("-created_at", "-pk")
    )
    decided = sorted(
        (r for r in reviews if not r.is_open),
        key=lambda r: r.decided_at or r.created_at,
        reverse=True,
    )
    return render_tab(
        request,
        "engagements/communication/engagement_reviews.html",
        engagement,
        "reviews",
        open_reviews=[r for r in reviews if r.is_open],
        decided_reviews=decided,
        can_edit=can_change(request.user, engagement),
    )


@login_required
def review_create(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = engagement_to_change(request, pk)
    form = ManualReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        PerformanceReview.objects.create(
            engagement=engagement,
            trigger=PerformanceReview.Trigger.MANUAL,
            summary=form.cleaned_data["summary"],
        )
        messages.success(request, "Review opened. Decide it once you have talked it through.")
        return to_tab("engagement_reviews", engagement, "open")
    return render_tab(
        request, "engagements/communication/review_form.html", engagement, "reviews", form=form
    )


@login_required
def review_decide(request: HttpRequest, pk: int, review_pk: int) -> HttpResponse:
    engagement, review = engagement_row_to_change(
        request, pk, PerformanceReview.objects.select_related("kpi", "scorecard"), review_pk
    )
    if not review.is_open:
        messages.info(request, "This review is decided already.")
        return to_tab("engagement_reviews", engagement, f"review-{review.pk}")
    form = ReviewDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if decide_review(
            review=review,
            decision=form.cleaned_data["decision"],
            notes=form.cleaned_data["decision_notes"],
            by=signed_in(request),
            plan_owner=form.cleaned_data["plan_owner"],
            follow_up_on=form.cleaned_data["follow_up_on"],
        ):
            messages.success(request, f"Decision recorded: {review.get_decision_display()}.")
        else:
            messages.info(request, "Someone decided this review a moment ago.")
        return to_tab("engagement_reviews", engagement, f"review-{review.pk}")
    return render_tab(
        request,
        "engagements/communication/review_decide.html",
        engagement,
        "reviews",
        review=review,
        form=form,
    )
