"""The filters of the engagement lists (django-filter), one FilterSet per list page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import django_filters
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import F, Q, QuerySet

from engagements.forms.sourcing import person_name
from engagements.models import (
    Candidate,
    Engagement,
    Kpi,
    Recommendation,
    Risk,
    Selection,
    ServiceCredit,
)
from engagements.models.monitoring import HAS_CREDIT_RULE
from engagements.models.risk import LEVELS, scores_of
from engagements.selectors.sourcing import shortlistable_vendors
from outsourcing.lists import LAST_PLAUSIBLE_PAGE, ListFilter
from outsourcing.text import is_whole_number
from outsourcing.typeahead import TypeAhead
from vendors.models import BusinessFunction, Vendor


def _search(
    placeholder: str, label: str = "Search", max_length: int = 100
) -> django_filters.CharFilter:
    return django_filters.CharFilter(
        label=label,
        method="search",
        max_length=max_length,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": placeholder}),
    )


class PersonChoiceFilter(django_filters.ModelChoiceFilter):
    """A person, picked by type-ahead (the list may be of thousands); any person is
    accepted, as before someone who owns nothing simply finds no rows."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", get_user_model().objects.all())
        kwargs.setdefault("widget", TypeAhead("people_search"))
        super().__init__(**kwargs)

    @property
    def field(self) -> Any:
        field = super().field
        field.label_from_instance = person_name
        return field


def _vendor_filter(**kwargs: Any) -> django_filters.ModelChoiceFilter:
    """A vendor, picked by type-ahead; any vendor is accepted."""
    return django_filters.ModelChoiceFilter(
        queryset=Vendor.objects.all(),
        widget=TypeAhead("vendors:vendor_search", placeholder="Type a vendor's name"),
        **kwargs,
    )


# --- step 1: candidates ------------------------------------------------------------------


def _candidate_sorts() -> dict[str, tuple[str, list[Any]]]:
    fields = {
        "name": "name",
        "function": "business_function",
        "status": "status",
        "score": "assessment__score",
        "updated": "updated_at",
    }
    labels = [
        ("-updated", "Recently updated"),
        ("name", "Name A–Z"),
        ("-name", "Name Z–A"),
        ("function", "Function A–Z"),
        ("-function", "Function Z–A"),
        ("status", "Status A–Z"),
        ("-status", "Status Z–A"),
        ("-score", "Highest score"),
        ("score", "Lowest score"),
        ("updated", "Least recently updated"),
    ]
    sorts = {}
    for key, label in labels:
        field = F(fields[key.lstrip("-")])
        order = field.desc(nulls_last=True) if key.startswith("-") else field.asc(nulls_last=True)
        # Name, then pk, break ties so paging never shows a row twice or skips one.
        sorts[key] = (label, [order, "name", "pk"])
    return sorts


class CandidateFilter(ListFilter):
    NOT_ASSESSED = "none"
    sorts = _candidate_sorts()
    default_sort = "-updated"

    q = _search("e.g. invoices", label="Search name or description", max_length=200)
    business_function = django_filters.ChoiceFilter(
        label="Business function", choices=BusinessFunction.choices, empty_label="All functions"
    )
    status = django_filters.ChoiceFilter(
        label="Status", choices=Candidate.Status.choices, empty_label="All statuses"
    )
    recommendation = django_filters.ChoiceFilter(
        label="Recommendation",
        choices=[*Recommendation.choices, (NOT_ASSESSED, "Not assessed yet")],
        empty_label="Any",
        method="recommended",
    )
    mine = django_filters.BooleanFilter(
        label="Mine only", method="owned_by_me", widget=forms.CheckboxInput
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.form.fields["sort"].label = "Sort by"

    def search(self, candidates: QuerySet[Candidate], name: str, value: str) -> QuerySet[Candidate]:
        return candidates.filter(Q(name__icontains=value) | Q(description__icontains=value))

    def recommended(
        self, candidates: QuerySet[Candidate], name: str, value: str
    ) -> QuerySet[Candidate]:
        if value == self.NOT_ASSESSED:
            return candidates.filter(Q(assessment__isnull=True) | Q(assessment__recommendation=""))
        return candidates.filter(assessment__recommendation=value)

    def owned_by_me(
        self, candidates: QuerySet[Candidate], name: str, value: bool
    ) -> QuerySet[Candidate]:
        return candidates.filter(owner_id=self.request.user.pk) if value else candidates


# --- step 2: selections ------------------------------------------------------------------


class SelectionFilter(ListFilter):
    sorts = {
        "-created": ("Newest first", ["-created_at", "-pk"]),
        "deadline": ("Deadline", ["deadline", "-pk"]),
        "title": ("Title", ["title", "-pk"]),
        "status": ("Status", ["status", "-pk"]),
    }
    default_sort = "-created"
    sort_in_headings = True

    q = _search("Title, candidate or requirement")
    status = django_filters.ChoiceFilter(
        label="Status", choices=Selection.Status.choices, empty_label="Any status"
    )
    owner = PersonChoiceFilter(label="Owner")

    def search(self, selections: QuerySet[Selection], name: str, value: str) -> QuerySet[Selection]:
        return selections.filter(
            Q(title__icontains=value)
            | Q(candidate__name__icontains=value)
            | Q(requirements__icontains=value)
        )


class ShortlistFilter(ListFilter):
    """The vendors a selection may still shortlist, by name (as the vendor list searches):
    those offering the work's business function unless `vendors=all` asks for every one."""

    ALL = "all"

    q = _search("Vendor name", label="Search by name")
    vendors = django_filters.ChoiceFilter(
        label="Show",
        choices=[(ALL, "All vendors that may be awarded work")],
        empty_label=None,  # the work's business function, named per selection
        method="keep_rows",  # the function's vendors are the default: see filter_queryset
    )

    def __init__(self, data: Any = None, *args: Any, selection: Selection, **kwargs: Any) -> None:
        kwargs["queryset"] = shortlistable_vendors(selection).order_by("legal_name", "pk")
        super().__init__(data, *args, **kwargs)
        self.selection = selection
        self.function = selection.candidate.get_business_function_display().lower()
        shown = self.form.fields["vendors"]
        shown.empty_label = f"Only vendors offering {self.function}"  # type: ignore[attr-defined]
        # Set again, so the select's options (drawn from the field) show the label above.
        shown.choices = [(self.ALL, "All vendors that may be awarded work")]  # type: ignore[attr-defined]

    def search(self, vendors: QuerySet[Vendor], name: str, value: str) -> QuerySet[Vendor]:
        return vendors.named(value)  # type: ignore[attr-defined,no-any-return]

    @property
    def shows_all(self) -> bool:
        return self._cleaned().get("vendors") == self.ALL

    @property
    def searched(self) -> str:
        """The search as applied ("" when none, or when it was refused)."""
        return str(self._cleaned().get("q") or "")

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        queryset = super().filter_queryset(queryset)
        if self.shows_all:
            return queryset
        return queryset.offering(self.selection.candidate.business_function)  # type: ignore[attr-defined,no-any-return]

    def kept_query(self) -> str:
        """The search, choice and page for the address after a change ("?q=…&page=2"):
        their valid values only, so the address stays short (Django refuses to redirect
        to one longer than 2,048 characters)."""
        page = str(self.data.get("page", "")) if self.data is not None else ""
        if not (is_whole_number(page) and int(page) <= LAST_PLAUSIBLE_PAGE):
            page = ""
        kept = {"q": self.searched, "vendors": self.ALL if self.shows_all else "", "page": page}
        query = urlencode({name: value for name, value in kept.items() if value})
        return f"?{query}" if query else ""

    def other_count(self) -> int:
        """How many more vendors "all vendors" would show for the same search: one count."""
        if self.shows_all:
            return 0
        rows: Any = self.queryset
        if self.searched:
            rows = rows.named(self.searched)
        offering = Vendor.objects.offering(self.selection.candidate.business_function)
        return int(rows.exclude(pk__in=offering.values("pk")).count())


# --- the engagements -----------------------------------------------------------------------


class EngagementFilter(ListFilter):
    sorts = {
        "title": ("Title", ["title", "pk"]),
        "-start": ("Newest start", ["-start_date", "pk"]),
        "end": ("Ending soonest", ["end_date", "pk"]),
        "vendor": ("Vendor", ["vendor__legal_name", "pk"]),
    }
    default_sort = "title"
    sort_in_headings = True

    q = _search("Title or vendor")
    status = django_filters.ChoiceFilter(
        label="Status", choices=Engagement.Status.choices, empty_label="Any status"
    )
    owner = PersonChoiceFilter(label="Owner or co-owner", method="owned_by")
    vendor = _vendor_filter(label="Vendor")

    def search(
        self, engagements: QuerySet[Engagement], name: str, value: str
    ) -> QuerySet[Engagement]:
        return engagements.filter(
            Q(title__icontains=value) | Q(vendor__legal_name__icontains=value)
        )

    def owned_by(
        self, engagements: QuerySet[Engagement], name: str, value: Any
    ) -> QuerySet[Engagement]:
        return engagements.filter(pk__in=Engagement.objects.owned_by(value).values("pk"))


# --- step 5: the risk overview ---------------------------------------------------------------


class RiskFilter(ListFilter):
    """Open risks of the chosen engagements; without an engagement status, the live ones
    (active and on hold). Filters the overview and its export alike."""

    category = django_filters.ChoiceFilter(
        label="Category", choices=Risk.Category.choices, empty_label="Any category"
    )
    level = django_filters.ChoiceFilter(
        label="Level", choices=LEVELS, empty_label="Any level", method="at_level"
    )
    owner = PersonChoiceFilter(label="Owner")
    vendor = _vendor_filter(label="Vendor", field_name="engagement__vendor")
    engagement_status = django_filters.ChoiceFilter(
        label="Engagement status",
        field_name="engagement__status",
        choices=Engagement.Status.choices,
        empty_label="Planned, active or on hold",
    )
    above_appetite = django_filters.BooleanFilter(
        label="Above appetite only", method="beyond_appetite", widget=forms.CheckboxInput
    )

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        risks = queryset.still_open().with_residual()  # type: ignore[attr-defined]
        if not self._cleaned().get("engagement_status"):
            risks = risks.filter(engagement__status__in=Engagement.WATCHED_STATUSES)
        return super().filter_queryset(risks)

    def at_level(self, risks: QuerySet[Risk], name: str, value: str) -> QuerySet[Risk]:
        return risks.filter(residual__in=scores_of(value))  # type: ignore[misc]

    def beyond_appetite(self, risks: QuerySet[Risk], name: str, value: bool) -> QuerySet[Risk]:
        if not value:
            return risks
        return risks.filter(residual__gte=settings.RISK_APPETITE_SCORE)  # type: ignore[misc]


class CreditFilter(ListFilter):
    """An engagement's service credits (the credits page and its export), by where they
    stand and by KPI."""

    FLAGGED = "flagged"

    state = django_filters.ChoiceFilter(
        label="Where it stands",
        choices=[*ServiceCredit.State.choices, (FLAGGED, "Not computed (flagged)")],
        empty_label="Any",
        method="standing",
    )
    kpi = django_filters.ModelChoiceFilter(
        label="KPI", queryset=Kpi.objects.none(), empty_label="Any KPI"
    )

    def __init__(self, *args: Any, engagement: Engagement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        with_credits = ServiceCredit.objects.filter(kpi__engagement=engagement).values("kpi")
        self.form.fields["kpi"].queryset = engagement.kpis.filter(  # type: ignore[attr-defined]
            HAS_CREDIT_RULE | Q(pk__in=with_credits)
        )

    def standing(self, credits: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        if value == self.FLAGGED:
            return credits.flagged().filter(state=ServiceCredit.State.DUE)  # type: ignore[attr-defined,no-any-return]
        return credits.computed().filter(state=value)  # type: ignore[attr-defined,no-any-return]
