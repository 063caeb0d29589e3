"""Step 5 forms: the risk register, data access grants and the organisation-wide risk filters."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone

from engagements.forms.sourcing import DATE_INPUT, person_name
from engagements.models import DataAccessGrant, Engagement, Risk
from engagements.models.risk import ONE_TO_FIVE
from outsourcing.forms import Form, ModelForm, TickedRows
from outsourcing.roles import managers
from outsourcing.typeahead import TypeAhead


class RiskForm(ModelForm):
    """Residual likelihood and impact may not exceed the inherent ones: mitigation lowers the
    chance or the damage, it never raises either. A risk that grew is re-rated, not mitigated
    upwards."""

    class Meta(ModelForm.Meta):
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
            "owner": TypeAhead("people_search", among="managers"),
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
        owner.queryset = managers()  # type: ignore[attr-defined]
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


class GrantForm(ModelForm):
    """A data set or system the vendor can reach, and which of the vendor's own
    sub-processors reach it too: only the engagement vendor's are offered, and only
    theirs are taken."""

    sub_processors = TickedRows(
        label="Sub-processors that touch it",
        required_message="",
        required=False,
        help_text="The vendor's subcontractors that also reach this data or system "
        "(kept on the vendor page).",
    )

    class Meta(ModelForm.Meta):
        model = DataAccessGrant
        fields = ["system", "description", "classification", "personal_data", "access_level"]
        fields += ["granted_on", "revoked_on", "sub_processors"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "granted_on": DATE_INPUT,
            "revoked_on": DATE_INPUT,
        }
        labels = {"personal_data": "Includes personal data"}
        help_texts = {"revoked_on": "Only when recording access that has already ended."}

    def __init__(self, *args: Any, engagement: Engagement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("granted_on", timezone.localdate())
        vendor = engagement.vendor
        subs = self.fields["sub_processors"]
        assert isinstance(subs, TickedRows)
        subs.queryset = vendor.sub_processors.all()
        # Django fills the message in with %: a % in the vendor's name must stay a %.
        subs.error_messages["invalid_choice"] = (
            f"Tick only {vendor}'s own sub-processors, as listed here.".replace("%", "%%")
        )
        if not subs.queryset.exists():
            subs.help_text = (
                f"{vendor} has no sub-processors recorded; add them on the vendor page."
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        granted, revoked = data.get("granted_on"), data.get("revoked_on")
        if granted and revoked and revoked < granted:
            self.add_error("revoked_on", "Access cannot end before it was granted.")
        return data


class RevokeForm(Form):
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
