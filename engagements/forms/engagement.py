"""The engagement's own terms and its contract, changed by the owners after the award:
the terms themselves, amendments, notice given and the renewal decision."""

from __future__ import annotations

import datetime
from pathlib import PurePath
from typing import Any

from django import forms
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.utils import timezone

from engagements.models import Amendment, Contract, Engagement, RenewalAction, RenewalDecision
from engagements.models.engagement import MAX_RENEWAL_TERM_MONTHS
from engagements.services.sourcing import DATE_RANGE_MESSAGE, plausible_date
from outsourcing.forms import Form, ModelForm
from outsourcing.text import multi_line_text
from outsourcing.uploads import document_help_text, validate_document

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# Longer than any notice period agreed in practice; it also keeps the notice deadline
# (the renewal or end date minus the period) inside the calendar.
MAX_NOTICE_DAYS = 1826
# A few paragraphs: why, and what was agreed.
MAX_DECISION_NOTE = 2000


class EngagementTermsForm(ModelForm):
    class Meta(ModelForm.Meta):
        model = Engagement
        fields = ["scope", "deliverables", "budget", "currency", "status"]
        labels = {"currency": "Budget currency"}
        widgets = {
            "scope": forms.Textarea(attrs={"rows": 4}),
            "deliverables": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "status": "Draft becomes active; active work can go on hold and back. "
            "Work ends through the Offboarding tab.",
        }

    def clean_status(self) -> str:
        # The instance still holds the status as loaded: fields are copied onto it later.
        status: str = self.cleaned_data["status"]
        problem = self.instance.status_change_problem(status)
        if problem:
            raise forms.ValidationError(problem, code="status_flow")
        return status


class ContractForm(ModelForm):
    # A plain file input: the clearable one would link to the file, and private files have
    # no URL. No "remove": a replaced document stays in storage for the history.
    document = forms.FileField(
        required=False,
        widget=forms.FileInput,
        validators=[validate_document],
        label="Signed document",
    )

    class Meta(ModelForm.Meta):
        model = Contract
        fields = [
            "reference",
            "value",
            "currency",
            "monthly_fee",
            "start_date",
            "end_date",
            "renewal_date",
            "auto_renews",
            "renewal_term_months",
            "notice_period_days",
            "service_levels",
            "termination_terms",
            "signed_on",
            "document",
        ]
        labels = {
            "value": "Contract value",
            "start_date": "Starts on",
            "end_date": "Ends on",
            "renewal_date": "Renews on",
            "auto_renews": "Renews automatically unless notice is given",
            "renewal_term_months": "Renewal term (months)",
            "notice_period_days": "Notice period (days)",
            "signed_on": "Signed on",
        }
        help_texts = {
            "renewal_date": "Only if it renews on another day than the one after it ends.",
            "renewal_term_months": "How long each automatic renewal runs.",
            "notice_period_days": "The notice deadline is the renewal (or end) date minus "
            "this many days; reminders go out before it.",
        }
        widgets = {
            "start_date": DATE_INPUT,
            "end_date": DATE_INPUT,
            "renewal_date": DATE_INPUT,
            "signed_on": DATE_INPUT,
            "service_levels": forms.Textarea(attrs={"rows": 4}),
            "termination_terms": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, today: datetime.date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        notice = self.fields["notice_period_days"]
        notice.validators.append(MaxValueValidator(MAX_NOTICE_DAYS))
        notice.widget.attrs["max"] = MAX_NOTICE_DAYS
        term = self.fields["renewal_term_months"]
        term.validators += [
            MinValueValidator(1, "A renewal term is at least one month."),
            MaxValueValidator(
                MAX_RENEWAL_TERM_MONTHS,
                f"A renewal term is at most {MAX_RENEWAL_TERM_MONTHS} months (ten years).",
            ),
        ]
        term.widget.attrs.update(min=1, max=MAX_RENEWAL_TERM_MONTHS)
        self.fields["document"].help_text = document_help_text(
            on_file=self.instance.document_name if self.instance.document else None,
            first="The contract as signed",
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        for name in ("start_date", "end_date", "renewal_date", "signed_on"):
            if name in data and not plausible_date(data[name]):
                self.add_error(name, DATE_RANGE_MESSAGE)
        start, end = data.get("start_date"), data.get("end_date")
        renewal, signed = data.get("renewal_date"), data.get("signed_on")
        if start and end and end < start:
            self.add_error("end_date", "The contract ends before it starts.")
        if start and renewal and renewal < start:
            self.add_error("renewal_date", "The renewal date is before the start.")
        if signed and signed > self.today:
            self.add_error("signed_on", "A contract cannot be signed in the future.")
        if data.get("auto_renews") and "renewal_term_months" not in self.errors:
            if data.get("renewal_term_months") is None:
                self.add_error(
                    "renewal_term_months",
                    "Say how many months each automatic renewal runs.",
                )
        return data

    def save(self, commit: bool = True) -> Contract:
        contract: Contract = super().save(commit=False)
        upload = self.cleaned_data.get("document")
        if upload and "document" in self.changed_data:
            # Stored under a random name (RandomName); keep the name people know it by.
            contract.document_name = PurePath(upload.name or "document").name[:255]
        if commit:
            contract.save()
        return contract


def _document_field(label: str) -> forms.FileField:
    # A plain file input, as the contract's: private files have no URL to link to.
    return forms.FileField(
        required=False, widget=forms.FileInput, validators=[validate_document], label=label
    )


class AmendmentForm(ModelForm):
    document = _document_field("Signed amendment")

    class Meta(ModelForm.Meta):
        model = Amendment
        fields = ["effective_on", "summary", "note", "document"]
        labels = {"effective_on": "Effective from", "summary": "What changed"}
        help_texts = {
            "summary": "In a line, e.g. “Notice period cut to 60 days”.",
            "note": "Why it changed, who agreed it, anything worth knowing later.",
        }
        widgets = {
            "effective_on": DATE_INPUT,
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["document"].help_text = document_help_text(
            on_file=self.instance.document_name if self.instance.document else None,
            first="The amendment as signed",
        )

    def clean_effective_on(self) -> datetime.date:
        effective: datetime.date = self.cleaned_data["effective_on"]
        if not plausible_date(effective):
            raise forms.ValidationError(DATE_RANGE_MESSAGE, code="date_range")
        contract = self.instance.contract
        if effective < contract.start_date:
            raise forms.ValidationError(
                "An amendment cannot take effect before the contract starts (%(start)s).",
                code="before_start",
                params={"start": f"{contract.start_date:%-d %b %Y}"},
            )
        return effective

    def save(self, commit: bool = True) -> Amendment:
        amendment: Amendment = super().save(commit=False)
        upload = self.cleaned_data.get("document")
        if upload and "document" in self.changed_data:
            amendment.document_name = PurePath(upload.name or "document").name[:255]
        if commit:
            amendment.save()
        return amendment


class NoticeForm(Form):
    """Notice given on a contract: the day it went out and why."""

    given_on = forms.DateField(label="Notice given on", widget=DATE_INPUT)
    reason = forms.CharField(
        label="Why",
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[multi_line_text],
        help_text="E.g. “Bringing support in-house” or “Renegotiating on new terms”.",
    )

    def __init__(self, *args: Any, contract: Contract, today: datetime.date, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"given_on": today})
        super().__init__(*args, **kwargs)
        self.contract = contract
        self.today = today

    def clean_given_on(self) -> datetime.date:
        given: datetime.date = self.cleaned_data["given_on"]
        if not plausible_date(given):
            raise forms.ValidationError(DATE_RANGE_MESSAGE, code="date_range")
        if given > self.today:
            raise forms.ValidationError(
                "Record notice once it has gone out: the date cannot be in the future.",
                code="future",
            )
        if given < self.contract.start_date:
            raise forms.ValidationError(
                "Notice cannot be given before the contract starts (%(start)s).",
                code="before_start",
                params={"start": f"{self.contract.start_date:%-d %b %Y}"},
            )
        return given


class RenewalDecisionForm(ModelForm):
    """The owner's renewal decision, the suggestion chosen to begin with. It carries the
    contract's version: a decision recorded, or the contract changed, after the page was
    read refuses the save (every decision moves the contract's version on)."""

    offboard = forms.BooleanField(
        required=False,
        label="Start offboarding now",
        help_text="When replacing the vendor or bringing the work in-house: opens the "
        "checklist on the Offboarding tab.",
    )

    class Meta(ModelForm.Meta):
        model = RenewalDecision
        fields = ["decision", "new_end_date", "note"]
        labels = {"decision": "Decision", "new_end_date": "New end date", "note": "Why"}
        help_texts = {
            "new_end_date": "When renewing on new dates agreed by hand: the end of the new "
            "term. A contract that renews by itself needs none; it rolls on.",
            "note": "Kept with the decision; when it ends the contract, it is also the "
            "reason for the notice.",
        }
        widgets = {
            "decision": forms.RadioSelect,
            "new_end_date": DATE_INPUT,
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, contract: Contract, suggestion: str, **kwargs: Any) -> None:
        self.versioned = contract
        kwargs.setdefault("initial", {"decision": suggestion})
        super().__init__(*args, **kwargs)
        self.contract = contract
        decision = self.fields["decision"]
        decision.choices = RenewalAction.choices  # type: ignore[attr-defined]  # no blank
        note = self.fields["note"]
        note.required = True
        note.max_length = MAX_DECISION_NOTE  # type: ignore[attr-defined]
        note.validators.append(MaxLengthValidator(MAX_DECISION_NOTE))
        note.error_messages["required"] = "Say why, so the record explains it."

    def clean_new_end_date(self) -> datetime.date | None:
        end: datetime.date | None = self.cleaned_data.get("new_end_date")
        if end is not None and not plausible_date(end):
            raise forms.ValidationError(DATE_RANGE_MESSAGE, code="date_range")
        return end
