"""Step 2 forms: selections, shortlists, proposals, criteria and the award (evaluators and
their scores: forms/evaluation.py)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.db import IntegrityError, transaction
from django.forms import BaseInlineFormSet, inlineformset_factory

from engagements import permissions
from engagements.models import (
    Criterion,
    Proposal,
    ProposalAttachment,
    Selection,
)
from engagements.selectors.sourcing import shortlistable_vendors
from engagements.services.sourcing import DATE_RANGE_MESSAGE, plausible_date
from outsourcing.forms import FiniteDecimalField, Form, ModelForm, TickedRows
from outsourcing.text import is_whole_number
from outsourcing.typeahead import person_name as person_name  # named here by many modules
from outsourcing.uploads import content_type_for, validate_document
from vendors.models import Vendor

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
WEIGHT_TOTAL = Decimal("100")
# Criterion.weight holds 5 digits, 2 after the point.
MAX_WEIGHT = Decimal("1000")


def plain_number(value: Decimal) -> str:
    """95.00 -> "95", 92.50 -> "92.5": how people write a weight."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class SelectionForm(ModelForm):
    # A selection is awarded only through the award page.
    STATUSES = [
        (value, label)
        for value, label in Selection.Status.choices
        if value != Selection.Status.AWARDED
    ]

    status = forms.ChoiceField(choices=STATUSES)

    class Meta(ModelForm.Meta):
        model = Selection
        fields = [
            "title",
            "requirements",
            "budget",
            "currency",
            "deadline",
            "status",
            "negotiation_notes",
        ]
        widgets = {
            "deadline": DATE_INPUT,
            "requirements": forms.Textarea(attrs={"rows": 5}),
            "negotiation_notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "requirements": "What the vendor must deliver; it becomes the engagement's scope.",
            "status": "Evaluators can score while the selection collects proposals or is "
            "being evaluated.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            del self.fields["negotiation_notes"]
        elif self.instance.status == Selection.Status.AWARDED:
            self.fields["status"].choices = Selection.Status.choices  # type: ignore[attr-defined]
            self.fields["status"].disabled = True


class ShortlistForm(Form):
    """Vendors ticked to add to the shortlist. A posted vendor from any page of the list is
    accepted when the selection may still shortlist it; boxes are drawn only for the page
    shown (`offer`), so the page never reads every vendor."""

    vendors = TickedRows(
        label="Vendors to add", required_message="Choose at least one vendor to shortlist."
    )

    def __init__(self, *args: Any, selection: Selection, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.selection = selection
        self.fields["vendors"].queryset = shortlistable_vendors(selection)  # type: ignore[attr-defined]
        self.offer([])

    def offer(self, vendors: Iterable[Vendor]) -> None:
        """Draw a box for each of `vendors` (one page of the list), ticked as posted."""
        self.shown = list(vendors)
        # The field's own choices would iterate its whole queryset.
        self.fields["vendors"].widget.choices = [(v.pk, v.legal_name) for v in self.shown]  # type: ignore[attr-defined]

    def vendor_choices(self) -> list[tuple[Vendor, Any]]:
        """Each shown vendor beside its checkbox, so the template can show standing and
        warnings."""
        return list(zip(self.shown, self["vendors"], strict=True))  # type: ignore[call-overload]

    def save(self) -> list[Proposal]:
        return Proposal.objects.bulk_create(
            Proposal(selection=self.selection, vendor=vendor, currency=self.selection.currency)
            for vendor in self.cleaned_data["vendors"]
        )


class ProposalForm(ModelForm):
    class Meta(ModelForm.Meta):
        model = Proposal
        fields = [
            "price",
            "pricing_model",
            "currency",
            "proposed_start",
            "proposed_end",
            "timeline_notes",
            "received_on",
            "assumed_volume",
            "notes",
        ]
        widgets = {
            "proposed_start": DATE_INPUT,
            "proposed_end": DATE_INPUT,
            "received_on": DATE_INPUT,
            "timeline_notes": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"received_on": "Received on"}
        help_texts = {
            "price": "Per the pricing model: the total, the hourly rate, the unit price or "
            "the monthly fee.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assumed_volume"]
        field.widget.attrs.update(min="0", step="1")
        candidate = self.instance.selection.candidate
        if candidate.yearly_volume is not None:
            field.help_text = (
                f"Units a year for a per-unit price; blank takes the work's "
                f"{candidate.yearly_volume_text}. Hours a year for an hourly rate."
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("proposed_start", "proposed_end", "received_on"):
            if not plausible_date(data.get(name)):
                self.add_error(name, DATE_RANGE_MESSAGE)
        start, end = data.get("proposed_start"), data.get("proposed_end")
        if start and end and end < start:
            self.add_error("proposed_end", "The proposed end is before the proposed start.")
        return data


class AttachmentForm(Form):
    file = forms.FileField(validators=[validate_document], label="Attach a document")

    def save(self, *, proposal: Proposal, by: Any) -> ProposalAttachment:
        upload = self.cleaned_data["file"]
        name = upload.name or "document"
        return ProposalAttachment.objects.create(
            proposal=proposal,
            file=upload,
            original_name=name,
            size=upload.size or 0,
            # The type follows the checked extension, not what the browser claimed.
            content_type=content_type_for(name),
            uploaded_by=by,
        )


class CriterionForm(ModelForm):
    class Meta(ModelForm.Meta):
        model = Criterion
        fields = ["name", "category", "guidance", "weight", "order"]
        widgets = {
            "guidance": forms.Textarea(attrs={"rows": 2}),
            "weight": forms.NumberInput(attrs={"step": "0.5", "min": "0", "max": "100"}),
            "order": forms.NumberInput(attrs={"min": "0"}),
        }


class _StaleCriteria(Exception):
    """Rolls back a criteria save whose result no longer adds up."""


# A selection rarely scores on more than a dozen criteria. The cap bounds what a tampered
# TOTAL_FORMS can make the server build and render (Django's own bound is 2,000 forms).
MAX_CRITERIA = 40


class BaseCriterionFormSet(BaseInlineFormSet):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A selection that already holds more (copied from many templates, or older than
        # the cap) stays editable: its rows and one more.
        cap = max(MAX_CRITERIA, len(self.get_queryset()) + 1)
        self.max_num = self.absolute_max = cap
        message = f"A selection has at most {cap} criteria."
        self.error_messages["too_many_forms"] = message  # type: ignore[attr-defined]

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        total = Decimal("0")
        for form in self.forms:
            if not form.has_changed() and form.instance.pk is None:
                continue
            if self.can_delete and self._should_delete_form(form):  # type: ignore[attr-defined]
                continue
            total += form.cleaned_data.get("weight") or Decimal("0")
        if total != WEIGHT_TOTAL:
            raise forms.ValidationError(
                f"Weights add up to {plain_number(total)}; they must add up to 100.",
                code="weights_not_100",
            )

    def save_checked(self) -> bool:
        """Save, then check the criteria as they now stand in the database; on a clash keep
        nothing and say why. The forms only see the rows the page was built with: a tampered
        form count, or a criterion another tab added meanwhile, shows up only here."""
        try:
            with transaction.atomic():
                self.save()
                total = self.instance.criteria_weight_total()
                if total != WEIGHT_TOTAL:
                    raise _StaleCriteria(
                        f"Saved, the criteria would weigh {plain_number(total)} in total, not "
                        "100: this page is out of date. Reload it and make your changes again."
                    )
        except IntegrityError:
            self._non_form_errors.append(  # type: ignore[attr-defined]
                "Another criterion of this selection already has one of these names. "
                "Reload the page and make your changes again."
            )
            return False
        except _StaleCriteria as stale:
            self._non_form_errors.append(str(stale))  # type: ignore[attr-defined]
            return False
        return True

    @property
    def weight_total(self) -> Decimal:
        """The total as the page stands, for showing beside the weights."""
        if self.is_bound:
            total = Decimal("0")
            for form in self.forms:
                if self.can_delete and form.data.get(form.add_prefix("DELETE")):
                    continue
                try:
                    weight = Decimal(form.data.get(form.add_prefix("weight")) or "0")
                except ArithmeticError:
                    continue
                # NaN, infinity and 1E+999990 are refused beside the field; left out here,
                # so the total stays a number a person can read. copy_abs, unlike abs(), does
                # not round in the context, which overflows past its largest exponent.
                if weight.is_finite() and weight.copy_abs() < MAX_WEIGHT:
                    total += weight
            return total
        return sum((c.weight for c in self.get_queryset()), Decimal("0"))


CriterionFormSet = inlineformset_factory(
    Selection,
    Criterion,
    form=CriterionForm,
    formset=BaseCriterionFormSet,
    extra=1,
    can_delete=True,
    max_num=MAX_CRITERIA,
    validate_max=True,
    absolute_max=MAX_CRITERIA,
)


def money_input(label: str, help_text: str) -> FiniteDecimalField:
    return FiniteDecimalField(
        label=label,
        help_text=help_text,
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0"),
        widget=forms.NumberInput(attrs={"min": "0", "step": "0.01", "inputmode": "decimal"}),
    )


class AwardForm(Form):
    """Choose the proposal, then confirm or correct the contract value and budget.

    Both start as the chosen proposal's yearly equivalent in its own currency (the
    currency the contract is signed in). Figures posted for another proposal than
    the one chosen are replaced by the chosen one's and shown again to confirm.
    """

    proposal = forms.ModelChoiceField(
        queryset=Proposal.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        label="Award to",
        error_messages={"required": "Choose the vendor to award."},
    )
    override_reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Reason for overriding a poor standing",
        help_text="Admins only; needed when the chosen vendor's standing is poor. It is kept "
        "in the selection's negotiation notes.",
    )
    contract_value = money_input(
        "Contract value",
        "Filled in with the proposal's yearly equivalent, in its currency: confirm or correct.",
    )
    budget = money_input("Budget", "What you plan to spend a year; starts as the contract value.")
    # Which proposal the figures above were filled in for.
    prefilled_for = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, selection: Selection, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["proposal"].queryset = selection.proposals.select_related(  # type: ignore[attr-defined]
            "vendor", "selection__candidate"
        )
        self.fields["proposal"].label_from_instance = lambda p: str(p.vendor)  # type: ignore[attr-defined]
        if not permissions.is_admin(user):
            del self.fields["override_reason"]
        if not self.is_bound:
            self.prefill(self.initial.get("proposal"))

    def prefill(self, proposal_pk: Any) -> None:
        """Start the figures from the proposal's yearly equivalent (unbound form)."""
        proposal = self._proposal(proposal_pk)
        if proposal is None:
            return
        amount = proposal.yearly_equivalent().amount
        self.initial.update(
            contract_value=amount, budget=amount, prefilled_for=proposal.pk, proposal=proposal.pk
        )

    def _proposal(self, pk: Any) -> Proposal | None:
        if pk is None or not is_whole_number(pk):  # ?proposal= is typed into an address
            return None
        queryset = self.fields["proposal"].queryset  # type: ignore[attr-defined]
        return queryset.filter(pk=int(pk)).first()  # type: ignore[no-any-return]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        proposal = data.get("proposal")
        if proposal is None or data.get("prefilled_for") == proposal.pk:
            return data
        # The figures on the page belong to another proposal (or none): show the chosen
        # one's instead, to be confirmed. Nothing per unit or per hour becomes a value.
        yearly = proposal.yearly_equivalent()
        posted: Any = self.data
        self.data = posted = posted.copy()
        for name, value in (
            ("contract_value", yearly.amount),
            ("budget", yearly.amount),
            ("prefilled_for", proposal.pk),
        ):
            posted[self.add_prefix(name)] = "" if value is None else str(value)
            self.errors.pop(name, None)
        raise forms.ValidationError(
            f"The contract value and budget are now filled in from {proposal.vendor}'s "
            "proposal: check them, then award.",
            code="prefilled",
        )
