"""Step 5 forms: the risk register, data access grants and the organisation-wide risk filters."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from engagements.forms.sourcing import DATE_INPUT, person_name
from engagements.models import DataAccessGrant, Engagement, Risk
from engagements.models.risk import ONE_TO_FIVE, risk_level
from engagements.permissions import ADMIN, MANAGER
from vendors.models import Vendor

LEVELS = [("critical", "Critical"), ("high", "High"), ("medium", "Medium"), ("low", "Low")]


def risk_owners() -> QuerySet[Any]:
    """People who may own a risk: managers and admins."""
    return (
        get_user_model()
        .objects.filter(Q(groups__name__in=[MANAGER, ADMIN]) | Q(is_superuser=True), is_active=True)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


class RiskForm(forms.ModelForm):
    """Residual likelihood and impact may not exceed the inherent ones: mitigation lowers the
    chance or the damage, it never raises either. A risk that grew is re-rated, not mitigated
    upwards."""

    class Meta:
        model = Risk
        fields = [
            "title",
            "category",
            "description",
            "likelihood",
            "impact",
            "mitigation",
            "residual_likelihood",
            "residual_impact",
            "owner",
            "status",
            "next_review_on",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "mitigation": forms.Textarea(attrs={"rows": 3}),
            "next_review_on": DATE_INPUT,
        }
        help_texts = {
            "likelihood": "1 rare – 5 almost certain, before mitigation.",
            "impact": "1 negligible – 5 severe, before mitigation.",
            "residual_likelihood": "After the mitigation; at most the likelihood.",
            "residual_impact": "After the mitigation; at most the impact.",
            "next_review_on": "Leave empty to follow the residual score "
            "(critical 30 days, high 60, medium 90, low 180).",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("likelihood", "impact", "residual_likelihood", "residual_impact"):
            # Checked on the field, so a 6 never reaches the residual ≤ inherent comparison.
            self.fields[name].validators.extend(ONE_TO_FIVE)
            self.fields[name].widget.attrs.update({"min": 1, "max": 5})
        owner = self.fields["owner"]
        owner.queryset = risk_owners()  # type: ignore[attr-defined]
        owner.label_from_instance = person_name  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for residual, inherent, word in (
            ("residual_likelihood", "likelihood", "likelihood"),
            ("residual_impact", "impact", "impact"),
        ):
            if (
                data.get(residual) is not None
                and data.get(inherent) is not None
                and data[residual] > data[inherent]
            ):
                self.add_error(
                    residual,
                    f"The residual {word} cannot be higher than the {word} before "
                    f"mitigation ({data[inherent]}).",
                )
        return data


class GrantForm(forms.ModelForm):
    class Meta:
        model = DataAccessGrant
        fields = ["system", "description", "classification", "personal_data", "access_level"]
        fields += ["granted_on", "revoked_on"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "granted_on": DATE_INPUT,
            "revoked_on": DATE_INPUT,
        }
        labels = {"personal_data": "Includes personal data"}
        help_texts = {"revoked_on": "Only when recording access that has already ended."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("granted_on", timezone.localdate())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        granted, revoked = data.get("granted_on"), data.get("revoked_on")
        if granted and revoked and revoked < granted:
            self.add_error("revoked_on", "Access cannot end before it was granted.")
        return data


class RevokeForm(forms.Form):
    revoked_on = forms.DateField(label="Revoked on", widget=DATE_INPUT)

    def __init__(self, *args: Any, grant: DataAccessGrant, **kwargs: Any) -> None:
        self.grant = grant
        kwargs.setdefault("prefix", f"revoke-{grant.pk}")
        super().__init__(*args, **kwargs)
        self.initial.setdefault("revoked_on", timezone.localdate())

    def clean_revoked_on(self) -> datetime.date:
        revoked: datetime.date = self.cleaned_data["revoked_on"]
        if revoked < self.grant.granted_on:
            raise forms.ValidationError(
                f"Access cannot end before it was granted ({self.grant.granted_on:%-d %b %Y})."
            )
        return revoked


def scores_of(level: str) -> list[int]:
    """Every likelihood × impact product in a band, so the database can filter by band."""
    products = {likelihood * impact for likelihood in range(1, 6) for impact in range(1, 6)}
    return sorted(score for score in products if risk_level(score) == level)


class RiskOverviewFilterForm(forms.Form):
    """Filters of the organisation-wide overview and its export. Without an engagement
    status it covers the live engagements (active and on hold)."""

    category = forms.ChoiceField(
        required=False, choices=[("", "Any category"), *Risk.Category.choices]
    )
    level = forms.ChoiceField(required=False, choices=[("", "Any level"), *LEVELS])
    owner = forms.ModelChoiceField(
        required=False, queryset=get_user_model().objects.none(), empty_label="Any owner"
    )
    vendor = forms.ModelChoiceField(
        required=False, queryset=Vendor.objects.none(), empty_label="Any vendor"
    )
    engagement_status = forms.ChoiceField(
        required=False,
        label="Engagement status",
        choices=[("", "Live (active or on hold)"), *Engagement.Status.choices],
    )
    above_appetite = forms.BooleanField(required=False, label="Above appetite only")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        owner.queryset = (  # type: ignore[attr-defined]
            get_user_model()
            .objects.filter(risks__isnull=False)
            .distinct()
            .order_by("first_name", "last_name", "username")
        )
        owner.label_from_instance = person_name  # type: ignore[attr-defined]
        self.fields["vendor"].queryset = Vendor.objects.filter(  # type: ignore[attr-defined]
            engagements__risks__isnull=False
        ).distinct()
        for name, field in self.fields.items():
            field.widget.attrs["class"] = (
                "form-check-input" if name == "above_appetite" else "form-select"
            )

    @property
    def appetite(self) -> int:
        return int(settings.RISK_APPETITE_SCORE)

    def filter(self, risks: QuerySet[Risk]) -> QuerySet[Risk]:
        """Open risks of the chosen engagements; invalid input falls back to no filters."""
        risks = risks.exclude(status=Risk.Status.CLOSED).annotate(
            residual=F("residual_likelihood") * F("residual_impact")
        )
        data = self.cleaned_data if self.is_valid() else {}
        status = data.get("engagement_status")
        if status:
            risks = risks.filter(engagement__status=status)
        else:
            risks = risks.filter(engagement__status__in=Engagement.LIVE_STATUSES)
        if data.get("category"):
            risks = risks.filter(category=data["category"])
        if data.get("level"):
            risks = risks.filter(residual__in=scores_of(data["level"]))
        if data.get("owner"):
            risks = risks.filter(owner=data["owner"])
        if data.get("vendor"):
            risks = risks.filter(engagement__vendor=data["vendor"])
        if data.get("above_appetite"):
            risks = risks.filter(residual__gte=self.appetite)
        return risks
