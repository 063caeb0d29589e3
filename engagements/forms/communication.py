"""Step 3 forms: the engagement list's filters, the plan, check-ins, milestones, reviews."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils import timezone

from engagements import permissions
from engagements.forms.sourcing import person_name
from engagements.models import (
    ActionItem,
    CheckIn,
    CommunicationPlan,
    Engagement,
    EscalationLevel,
    Milestone,
    PerformanceReview,
)
from outsourcing.forms import Form, ModelForm
from outsourcing.roles import managers, people_with_role
from outsourcing.typeahead import TypeAhead

# --- the communication tab: plan, check-ins, action items ----------------------

# How far ahead a plan may start or an extra check-in may be set. Beyond it a date is a
# typo, and near the year 9999 it cannot even be shown in a time zone east of UTC.
YEARS_AHEAD = 10


def latest_allowed_day() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=round(365.25 * YEARS_AHEAD))


def _people() -> QuerySet[Any]:
    """Colleagues who may own an action item: anyone active with a role."""
    return people_with_role(*permissions.ROLES)


class CommunicationPlanForm(ModelForm):
    class Meta(ModelForm.Meta):
        model = CommunicationPlan
        fields = [
            "channels",
            "cadence",
            "weekday",
            "time",
            "time_zone",
            "duration_minutes",
            "starts_on",
            "reporting_expectations",
        ]
        widgets = {
            "time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "reporting_expectations": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"time_zone": "The time zone the meeting time is in, e.g. Europe/Berlin."}

    def clean_starts_on(self) -> datetime.date:
        starts_on: datetime.date = self.cleaned_data["starts_on"]
        if starts_on > latest_allowed_day():
            raise forms.ValidationError(
                f"Start the plan within {YEARS_AHEAD} years from today.", code="too_far"
            )
        return starts_on


class EscalationLevelForm(ModelForm):
    class Meta(ModelForm.Meta):
        model = EscalationLevel
        fields = ["level", "who", "contact", "response_time_hours", "when_to_escalate"]
        labels = {"response_time_hours": "Responds within (hours)"}
        widgets = {
            "level": forms.NumberInput(attrs={"min": "1", "max": "9"}),
            "response_time_hours": forms.NumberInput(attrs={"min": "0"}),
        }


class BaseEscalationLevelFormSet(BaseInlineFormSet):
    default_error_messages = {
        **BaseInlineFormSet.default_error_messages,
        "too_many_forms": "An escalation path has at most 9 levels.",
    }

    def clean(self) -> None:
        """A level appears once; the message goes to the repeated level's field."""
        seen: set[int] = set()
        duplicated = False
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.cleaned_data:
                continue
            if self.can_delete and self._should_delete_form(form):  # type: ignore[attr-defined]
                continue
            level = form.cleaned_data.get("level")
            if level is None:
                continue
            if level in seen:
                form.add_error("level", f"Level {level} is listed twice; each level once.")
                duplicated = True
            seen.add(level)
        if duplicated:
            raise forms.ValidationError("Each escalation level may appear once.", code="duplicate")
        super().clean()


EscalationLevelFormSet = inlineformset_factory(
    CommunicationPlan,
    EscalationLevel,
    form=EscalationLevelForm,
    formset=BaseEscalationLevelFormSet,
    extra=1,
    can_delete=True,
    # Levels run from 1 to 9. The cap also bounds what a tampered TOTAL_FORMS can make
    # the server build and render (Django's own bound is 2,000 forms).
    max_num=9,
    validate_max=True,
    absolute_max=9,
)


class CheckInRecordForm(ModelForm):
    """What happened at a check-in: when, who, how it stands, what was decided."""

    class Meta(ModelForm.Meta):
        model = CheckIn
        fields = ["held_on", "status", "attendees", "progress_summary", "blockers", "decisions"]
        labels = {"held_on": "Held on", "status": "Overall status"}
        widgets = {
            "held_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "attendees": forms.Textarea(attrs={"rows": 2}),
            "progress_summary": forms.Textarea(attrs={"rows": 3}),
            "blockers": forms.Textarea(attrs={"rows": 2}),
            "decisions": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, today: datetime.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["held_on"].required = True
        self.fields["status"].required = True
        self.fields["status"].error_messages["required"] = (
            "Choose green, amber or red: how the work stands after this check-in."
        )
        if not self.instance.held_on and not self.is_bound:
            self.initial["held_on"] = min(self.instance.scheduled_for.date(), today)

    def clean_held_on(self) -> datetime.date:
        held_on: datetime.date = self.cleaned_data["held_on"]
        if held_on > self.today:
            raise forms.ValidationError(
                "A check-in cannot be recorded before it happens; pick today or an earlier day.",
                code="future",
            )
        return held_on


class ActionItemForm(ModelForm):
    class Meta(ModelForm.Meta):
        model = ActionItem
        fields = ["description", "owner", "owner_name", "due_date"]
        labels = {"owner": "Owner (colleague)", "owner_name": "Or at the vendor"}
        help_texts = {"owner_name": ""}
        widgets = {
            "due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "owner": TypeAhead("people_search", among="colleagues"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _people()  # type: ignore[attr-defined]
        self.fields["owner"].label_from_instance = person_name  # type: ignore[attr-defined]
        self.fields["due_date"].error_messages["required"] = "Give the action item a due date."

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("owner") and not data.get("owner_name"):
            self.add_error("owner_name", "Name who does it: a colleague or someone at the vendor.")
        return data


# Bounds what a tampered TOTAL_FORMS can make the server build and render.
MAX_ACTION_ITEMS = 50


class BaseActionItemFormSet(BaseInlineFormSet):
    default_error_messages = {
        **BaseInlineFormSet.default_error_messages,
        "too_many_forms": f"A check-in holds at most {MAX_ACTION_ITEMS} action items.",
    }


ActionItemFormSet = inlineformset_factory(
    CheckIn,
    ActionItem,
    form=ActionItemForm,
    formset=BaseActionItemFormSet,
    extra=3,
    can_delete=True,
    max_num=MAX_ACTION_ITEMS,
    validate_max=True,
    absolute_max=MAX_ACTION_ITEMS,
)


def check_within_reach(moment: datetime.datetime) -> None:
    """A check-in's time must lie within YEARS_AHEAD years of today, either way."""
    earliest = timezone.localdate() - datetime.timedelta(days=round(365.25 * YEARS_AHEAD))
    if not earliest <= moment.date() <= latest_allowed_day():
        raise forms.ValidationError(
            f"Pick a time within {YEARS_AHEAD} years of today.", code="too_far"
        )


class UnscheduledCheckInForm(Form):
    scheduled_for = forms.DateTimeField(
        label="When",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args: Any, engagement: Engagement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.engagement = engagement
        # Read in the zone the pages show times in: the viewer's (outsourcing/timezones.py).
        self.fields["scheduled_for"].help_text = (
            f"Date and time of the extra meeting, in your time zone "
            f"({timezone.get_current_timezone_name()})."
        )

    def clean_scheduled_for(self) -> datetime.datetime:
        moment: datetime.datetime = self.cleaned_data["scheduled_for"]
        check_within_reach(moment)
        if CheckIn.objects.filter(engagement=self.engagement, scheduled_for=moment).exists():
            raise forms.ValidationError("There is a check-in at that time already.")
        return moment


class CheckInChangeForm(Form):
    """Cancel a check-in that will not happen, or move it to another time, saying why."""

    what = forms.ChoiceField(
        choices=[("move", "Move it to another time"), ("cancel", "Cancel it")],
        widget=forms.RadioSelect,
        initial="move",
        label="What happens to it",
    )
    to = forms.DateTimeField(
        required=False,
        label="New time",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    reason = forms.CharField(
        max_length=500,
        label="Why",
        help_text="Kept with the check-in for everyone to read.",
        error_messages={"required": "Say why, so everyone knows."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to"].help_text = f"In your time zone ({timezone.get_current_timezone_name()})."

    def clean_to(self) -> datetime.datetime | None:
        moment: datetime.datetime | None = self.cleaned_data["to"]
        if moment is not None:
            check_within_reach(moment)
        return moment

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("what") == "move" and data.get("to") is None and "to" not in self.errors:
            self.add_error("to", "Pick the new time.")
        return data


# --- milestones (on the overview tab) ------------------------------------------


class MilestoneForm(ModelForm):
    class Meta(ModelForm.Meta):
        model = Milestone
        fields = ["title", "due_date", "description", "completed_on"]
        labels = {"completed_on": "Completed on"}
        help_texts = {"completed_on": "Leave empty while the milestone is open."}
        widgets = {
            "due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "completed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, today: datetime.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_completed_on(self) -> datetime.date | None:
        done: datetime.date | None = self.cleaned_data.get("completed_on")
        if done is not None and done > self.today:
            raise forms.ValidationError("A milestone cannot be completed in the future.")
        return done


# --- performance reviews ---------------------------------------------------------


class ReviewDecisionForm(Form):
    decision = forms.ChoiceField(
        choices=PerformanceReview.Decision.choices, widget=forms.RadioSelect
    )
    decision_notes = forms.CharField(
        label="Why",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What the decision rests on and what happens next.",
        error_messages={"required": "Write down why: a decision needs notes."},
    )
    plan_owner = forms.ModelChoiceField(
        queryset=_people(),
        widget=TypeAhead("people_search", among="colleagues"),
        required=False,
        label="Improvement plan owner",
        help_text="For an improvement plan: who follows it up with the vendor.",
    )
    follow_up_on = forms.DateField(
        required=False,
        label="Follow-up date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="For an improvement plan: when to check it worked.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan_owner"].label_from_instance = person_name  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == PerformanceReview.Decision.IMPROVEMENT_PLAN:
            if not data.get("plan_owner"):
                self.add_error("plan_owner", "Name who follows the improvement plan up.")
            follow_up = data.get("follow_up_on")
            if not follow_up and "follow_up_on" not in self.errors:
                self.add_error("follow_up_on", "Set when to check the plan worked.")
            elif follow_up and follow_up < timezone.localdate():
                self.add_error("follow_up_on", "The follow-up date cannot be in the past.")
        return data


class ManualReviewForm(Form):
    summary = forms.CharField(
        label="What prompted the review",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say what prompted the review."},
    )


# --- owner and co-owners ------------------------------------------------------------

NOT_A_POSSIBLE_OWNER = (
    "Pick an active manager or admin who does not own or co-own this engagement yet."
)


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return person_name(obj)


class CoOwnerAddForm(Form):
    """Add a co-owner: an active manager or admin, not the owner, not a co-owner already."""

    action = forms.CharField(widget=forms.HiddenInput, initial="add")
    user = PersonChoiceField(
        label="Colleague",
        queryset=get_user_model().objects.none(),
        widget=TypeAhead("people_search", among="managers"),
        error_messages={"invalid_choice": NOT_A_POSSIBLE_OWNER},
        help_text="Co-owners may change everything in this engagement, as the owner may.",
    )

    def __init__(self, *args: Any, engagement: Engagement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = managers().exclude(  # type: ignore[attr-defined]
            Q(pk=engagement.owner_id) | Q(co_owned_engagements=engagement)
        )

    @property
    def anyone_left(self) -> bool:
        """Whether anyone may still be added; the page says so when nobody is left."""
        return bool(self.fields["user"].queryset.exists())  # type: ignore[attr-defined]


class CoOwnerRemoveForm(Form):
    action = forms.CharField(widget=forms.HiddenInput, initial="remove")
    user = PersonChoiceField(
        queryset=get_user_model().objects.none(),
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "That person no longer co-owns this engagement."},
    )

    def __init__(self, *args: Any, engagement: Engagement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = engagement.co_owners.all()  # type: ignore[attr-defined]


class OwnerTransferForm(Form):
    """Hand the engagement to another manager or admin (admins only)."""

    action = forms.CharField(widget=forms.HiddenInput, initial="transfer")
    owner = PersonChoiceField(
        label="New owner",
        queryset=get_user_model().objects.none(),
        widget=TypeAhead("people_search", among="managers"),
        error_messages={
            "invalid_choice": "Pick an active manager or admin other than the current owner."
        },
    )
    keep_previous = forms.BooleanField(required=False, initial=True)

    def __init__(self, *args: Any, engagement: Engagement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = managers().exclude(  # type: ignore[attr-defined]
            pk=engagement.owner_id
        )
        self.fields[
            "keep_previous"
        ].label = f"Keep {person_name(engagement.owner)} on as a co-owner"
