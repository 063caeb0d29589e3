"""Step 4 forms: KPIs, KPIs from templates, one measurement and a whole period's values."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from engagements.models import Direction, Engagement, Kpi, KpiTemplate, Measurement
from outsourcing.csvimport import CsvUploadForm
from outsourcing.forms import FiniteDecimalField, Form, ModelForm, TickedRows

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ALREADY_THERE = "There is already a value for this date; edit it instead."


def threshold_errors(
    *, direction: str, target: Decimal, amber: Decimal, red: Decimal
) -> dict[str, str]:
    """Field messages for thresholds out of order for the direction (the DB rule, in words)."""
    errors: dict[str, str] = {}
    if direction == Direction.HIGHER:
        if amber > target:
            errors["amber_threshold"] = (
                "Higher is better: the amber threshold cannot be above the target."
            )
        if red > amber:
            errors["red_threshold"] = (
                "Higher is better: the red threshold cannot be above the amber threshold."
            )
    else:
        if amber < target:
            errors["amber_threshold"] = (
                "Lower is better: the amber threshold cannot be below the target."
            )
        if red < amber:
            errors["red_threshold"] = (
                "Lower is better: the red threshold cannot be below the amber threshold."
            )
    return errors


class KpiForm(ModelForm):
    class Meta(ModelForm.Meta):
        model = Kpi
        fields = [
            "name",
            "description",
            *Kpi.RULE_FIELDS,
            "allows_negative",
            *Kpi.CREDIT_FIELDS,
            "is_active",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
        labels = {"is_active": "Active (measured and counted in the scorecard)"}

    def __init__(self, *args: Any, engagement: Engagement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.engagement = engagement
        self.instance.engagement = engagement
        if self.instance.pk is None:
            del self.fields["is_active"]

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        taken = Kpi.objects.filter(engagement=self.engagement, name__iexact=name)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError("This engagement already has a KPI with this name.")
        return name

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        direction, target = data.get("direction"), data.get("target")
        amber, red = data.get("amber_threshold"), data.get("red_threshold")
        if direction and target is not None and amber is not None and red is not None:
            for field, message in threshold_errors(
                direction=direction, target=target, amber=amber, red=red
            ).items():
                self.add_error(field, message)
        for field, message in credit_rule_errors(data).items():
            self.add_error(field, message)
        return data

    @property
    def credit_rule_changed(self) -> bool:
        return bool(set(Kpi.CREDIT_JUDGED_BY) & set(self.changed_data))


def credit_rule_errors(data: dict[str, Any]) -> dict[str, str]:
    """Field messages for a credit rule missing a part (the DB rule, in words)."""
    threshold = data.get("credit_threshold")
    percent, fixed, cap = (
        data.get("credit_percent"),
        data.get("credit_fixed"),
        data.get("credit_cap"),
    )
    errors: dict[str, str] = {}
    if threshold is None:
        if any(part is not None for part in (percent, fixed, cap)):
            errors["credit_threshold"] = (
                "Say from which value a period earns a credit, or clear the credit fields."
            )
        return errors
    if percent is None and fixed is None:
        errors["credit_percent"] = "Give the credit as a share of the fee or as a fixed amount."
    elif percent is not None and fixed is not None:
        errors["credit_fixed"] = "Give either a share of the fee or a fixed amount, not both."
    return errors


class KpiFromTemplatesForm(Form):
    templates = TickedRows(label="KPIs to add", required_message="Tick at least one KPI to add.")

    def __init__(self, *args: Any, engagement: Engagement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.engagement = engagement
        taken = Kpi.objects.filter(engagement=engagement).values("name")
        field = self.fields["templates"]
        field.queryset = KpiTemplate.objects.exclude(name__in=taken)  # type: ignore[attr-defined]
        field.label_from_instance = self.describe  # type: ignore[attr-defined]

    @staticmethod
    def describe(template: KpiTemplate) -> str:
        better = "higher" if template.direction == Direction.HIGHER else "lower"
        return (
            f"{template.name} — target {template.target.normalize():f} {template.unit}, "
            f"{better} is better, per {template.period}"
        )

    @transaction.atomic
    def save(self) -> list[Kpi]:
        kpis = [
            Kpi.from_template(template, engagement=self.engagement)
            for template in self.cleaned_data["templates"]
        ]
        return bulk_create_with_history(kpis, Kpi)  # the history user comes from the request


class MeasuredOnForm(Form):
    """The date a value is for: checked the same way wherever values are entered."""

    def clean_measured_on(self) -> datetime.date:
        day: datetime.date = self.cleaned_data["measured_on"]
        if message := Measurement.day_problem(day):
            raise forms.ValidationError(message)
        return day


class MeasurementForm(MeasuredOnForm, ModelForm):
    class Meta(ModelForm.Meta):
        model = Measurement
        fields = ["kpi", "measured_on", "value", "note"]
        widgets = {"measured_on": DATE_INPUT}
        labels = {"kpi": "KPI", "measured_on": "Date"}

    def __init__(self, *args: Any, engagement: Engagement, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        kpis: QuerySet[Kpi] = engagement.kpis.filter(is_active=True)
        if self.instance.pk is not None:
            # A value stays with its KPI (another KPI counts in other units); a KPI that
            # has been deactivated since may still have its values corrected.
            kpis = engagement.kpis.filter(pk=self.instance.kpi_id)
            self.fields["kpi"].disabled = True
        self.fields["kpi"].queryset = kpis  # type: ignore[attr-defined]
        self.fields["kpi"].label_from_instance = lambda k: f"{k.name} ({k.unit})"  # type: ignore[attr-defined]
        self.fields["measured_on"].initial = timezone.localdate()

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        kpi, day, value = data.get("kpi"), data.get("measured_on"), data.get("value")
        if kpi is not None and value is not None and (message := kpi.value_problem(value)):
            self.add_error("value", message)
        if (
            kpi is not None
            and day is not None
            and Measurement.objects.filter(kpi=kpi, measured_on=day)
            .exclude(pk=self.instance.pk)
            .exists()
        ):
            self.add_error("measured_on", ALREADY_THERE)
        return data

    def save(self, commit: bool = True) -> Measurement:
        measurement: Measurement = super().save(commit=False)
        measurement.source = Measurement.Source.MANUAL
        measurement.entered_by = self.user  # type: ignore[assignment]
        if commit:
            try:
                with transaction.atomic():
                    measurement.save()
            except IntegrityError:
                # Someone saved the same KPI and day between our check and this write.
                self.add_error("measured_on", ALREADY_THERE)
                raise
        return measurement


class PeriodEntryForm(MeasuredOnForm):
    """One date, one row per active KPI: blank rows are skipped, the rest saved together."""

    measured_on = forms.DateField(label="Date", widget=DATE_INPUT)

    def __init__(self, *args: Any, kpis: list[Kpi], user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kpis = kpis
        self.user = user
        self.fields["measured_on"].initial = timezone.localdate()
        for kpi in kpis:
            self.fields[f"value_{kpi.pk}"] = FiniteDecimalField(
                required=False,
                max_digits=14,
                decimal_places=4,
                label=f"{kpi.name} ({kpi.unit})",
                widget=forms.NumberInput(attrs={"step": "any"}),
            )
            self.fields[f"note_{kpi.pk}"] = forms.CharField(
                required=False, max_length=300, label="Note"
            )

    def rows(self) -> list[tuple[Kpi, forms.BoundField, forms.BoundField]]:
        return [(k, self[f"value_{k.pk}"], self[f"note_{k.pk}"]) for k in self.kpis]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        filled = [k for k in self.kpis if data.get(f"value_{k.pk}") is not None]
        day = data.get("measured_on")
        taken: set[int] = set()
        if day is not None and filled:
            taken = set(
                Measurement.objects.filter(kpi__in=filled, measured_on=day).values_list(
                    "kpi_id", flat=True
                )
            )
        for kpi in filled:
            field = f"value_{kpi.pk}"
            if message := kpi.value_problem(data[field]):
                self.add_error(field, message)
            elif kpi.pk in taken:
                self.add_error(field, ALREADY_THERE)
        if not filled and not any(f"value_{k.pk}" in self.errors for k in self.kpis):
            raise forms.ValidationError("Enter at least one value; blank rows are skipped.")
        return data

    def save(self) -> list[Measurement]:
        day = self.cleaned_data["measured_on"]
        rows = [
            Measurement(
                kpi=kpi,
                measured_on=day,
                value=self.cleaned_data[f"value_{kpi.pk}"],
                note=self.cleaned_data[f"note_{kpi.pk}"],
                source=Measurement.Source.MANUAL,
                entered_by=self.user,
            )
            for kpi in self.kpis
            if self.cleaned_data.get(f"value_{kpi.pk}") is not None
        ]
        try:
            with transaction.atomic():
                for row in rows:
                    row.save()
        except IntegrityError:
            self.add_error(None, ALREADY_THERE)
            raise
        return rows


class MeasurementUploadForm(CsvUploadForm):
    """A file of KPI values for one engagement (engagements.services.monitoring.imports)."""

    required_columns = ("kpi", "date", "value")
    optional_columns = ("note",)

    replace = forms.BooleanField(
        required=False,
        label="Replace values already entered for the same day",
        help_text="Without this, a KPI and date that already has a value is reported as an "
        "error. The replaced value stays in the KPI's history.",
    )
