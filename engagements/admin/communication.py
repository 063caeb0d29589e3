"""Step 3 admin: engagements, milestones, communication plans, check-ins and action items."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html_join
from simple_history.admin import SimpleHistoryAdmin

from outsourcing.admin import (
    JoinedAdmin,
    VersionedAdmin,
    VersionedInline,
    log_bulk_change,
    month_filter,
)

from ..models import (
    ActionItem,
    CheckIn,
    CommunicationPlan,
    Engagement,
    EscalationLevel,
    Kpi,
    Milestone,
)
from .sourcing import ContractInline, NoticeDeadlineFilter


class MilestoneInline(VersionedInline, admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ["title", "due_date", "completed_on", "description"]


class KpiInline(VersionedInline, admin.TabularInline):
    model = Kpi
    extra = 0
    fields = ["name", "template", *Kpi.RULE_FIELDS, "is_active"]
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Kpi]:
        return super().get_queryset(request).select_related("engagement")


@admin.register(Engagement)
class EngagementAdmin(VersionedAdmin, SimpleHistoryAdmin):
    list_display = [
        "title",
        "vendor",
        "owner",
        "status",
        "start_date",
        "end_date",
        "budget",
        "currency",
        "notice_deadline",
    ]
    list_filter = ["status", NoticeDeadlineFilter, "currency", "vendor__tier"]
    # Contract is the reverse one-to-one: joined here, so a missing one costs no query either.
    list_select_related = ["vendor", "owner", "contract"]
    search_fields = ["title", "scope", "vendor__legal_name"]
    date_hierarchy = "start_date"
    autocomplete_fields = [
        "vendor",
        "candidate",
        "selection",
        "owner",
        "co_owners",
        "vendor_contacts",
    ]
    readonly_fields = ["closed_at", "created_at", "updated_at"]
    inlines = [ContractInline, MilestoneInline, KpiInline]

    @admin.display(description="notice deadline", ordering="contract__notice_deadline")
    def notice_deadline(self, obj: Engagement) -> Any:
        contract = getattr(obj, "contract", None)
        return contract.notice_deadline if contract is not None else None


class EngagementPartAdmin(JoinedAdmin):
    """Rows that belong to one engagement and are named after it."""

    autocomplete_fields = ["engagement"]
    list_select_related = ["engagement"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(Milestone)
class MilestoneAdmin(EngagementPartAdmin):
    list_display = ["title", "engagement", "due_date", "completed_on", "overdue"]
    list_filter = [("completed_on", admin.EmptyFieldListFilter), "due_date"]
    search_fields = ["title", "description", "engagement__title"]
    date_hierarchy = "due_date"

    @admin.display(description="overdue", boolean=True)
    def overdue(self, obj: Milestone) -> bool:
        return obj.is_overdue()


class EscalationLevelInline(admin.TabularInline):
    model = EscalationLevel
    extra = 0


@admin.register(CommunicationPlan)
class CommunicationPlanAdmin(EngagementPartAdmin):
    list_display = [
        "engagement",
        "cadence",
        "weekday",
        "time",
        "time_zone",
        "starts_on",
        "channels",
    ]
    list_filter = ["cadence", "weekday", "time_zone"]
    ordering = ["engagement__title"]
    search_fields = ["engagement__title", "channels", "reporting_expectations"]
    readonly_fields = ["upcoming_checkins", "created_at", "updated_at"]
    inlines = [EscalationLevelInline]

    @admin.display(description="next check-ins")
    def upcoming_checkins(self, obj: CommunicationPlan) -> str:
        if obj.pk is None:
            return "–"
        moments = obj.next_checkins(timezone.now(), count=5)
        return format_html_join(
            ", ", "{}", ((f"{moment:%a %d %b %Y %H:%M %Z}",) for moment in moments)
        )


@admin.register(EscalationLevel)
class EscalationLevelAdmin(admin.ModelAdmin):
    list_display = ["plan", "level", "who", "contact", "response_time_hours"]
    list_filter = ["level"]
    list_select_related = ["plan__engagement"]
    search_fields = ["who", "contact", "plan__engagement__title"]
    autocomplete_fields = ["plan"]


class OverdueFilter(admin.SimpleListFilter):
    title = "overdue"
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Overdue"), ("no", "Not overdue")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        overdue = CheckIn.objects.overdue().values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=overdue)
        if self.value() == "no":
            return queryset.exclude(pk__in=overdue)
        return queryset


class ActionItemInline(VersionedInline, admin.TabularInline):
    model = ActionItem
    extra = 0
    fields = ["description", "owner", "owner_name", "due_date", "done_on", "resolution"]
    autocomplete_fields = ["owner"]


@admin.register(CheckIn)
class CheckInAdmin(EngagementPartAdmin):
    list_display = [
        "engagement",
        "scheduled_for",
        "held_on",
        "status",
        "cancelled",
        "overdue",
        "recorded_by",
    ]
    # As the measurements' list: dates by range and by month, not date_hierarchy; one
    # count a page.
    list_filter = [
        OverdueFilter,
        ("scheduled_for", admin.DateFieldListFilter),
        month_filter("scheduled_for", ahead=3),
        "status",
        "cancelled",
        ("held_on", admin.EmptyFieldListFilter),
    ]
    show_full_result_count = False
    list_select_related = ["engagement", "recorded_by"]
    search_fields = ["engagement__title", "progress_summary", "blockers", "decisions"]
    autocomplete_fields = ["engagement", "recorded_by"]
    inlines = [ActionItemInline]

    @admin.display(description="overdue", boolean=True)
    def overdue(self, obj: CheckIn) -> bool:
        return obj.is_overdue()


@admin.register(ActionItem)
class ActionItemAdmin(VersionedAdmin):
    list_display = [
        "description",
        "engagement",
        "owner",
        "owner_name",
        "due_date",
        "done_on",
        "overdue",
    ]
    # As the check-ins' list: dates by range and by month, one count a page, in
    # action_due_idx's order.
    list_filter = [
        ("done_on", admin.EmptyFieldListFilter),
        "due_date",
        month_filter("due_date", ahead=3),
    ]
    show_full_result_count = False
    ordering = ["due_date", "id"]
    list_select_related = ["checkin__engagement", "owner"]
    search_fields = ["description", "owner_name", "checkin__engagement__title"]
    autocomplete_fields = ["owner"]
    raw_id_fields = ["checkin"]
    readonly_fields = ["created_at", "updated_at"]
    actions = ["mark_done_today"]

    @admin.display(description="engagement", ordering="checkin__engagement__title")
    def engagement(self, obj: ActionItem) -> str:
        return str(obj.checkin.engagement)

    @admin.display(description="overdue", boolean=True)
    def overdue(self, obj: ActionItem) -> bool:
        return obj.done_on is None and obj.due_date < timezone.localdate()

    @admin.action(description="Mark selected action items done today")
    def mark_done_today(self, request: HttpRequest, queryset: QuerySet[ActionItem]) -> None:
        open_items = queryset.filter(done_on__isnull=True)
        pks = list(open_items.values_list("pk", flat=True))
        with transaction.atomic():
            # update() skips auto_now, so updated_at is set by hand.
            ActionItem.objects.filter(pk__in=pks).update(
                done_on=timezone.localdate(), updated_at=timezone.now()
            )
            log_bulk_change(request, ActionItem.objects.filter(pk__in=pks), "Marked done today.")
        self.message_user(request, f"{len(pks)} action item(s) marked done.", messages.SUCCESS)
