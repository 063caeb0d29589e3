"""Leaving: the offboarding checklist of an ending engagement."""

from __future__ import annotations

from django.contrib import admin

from outsourcing.admin import PRIVATE_FILES, UploadForm, VersionedAdmin

from ..models import OffboardingItem


@admin.register(OffboardingItem)
class OffboardingItemAdmin(VersionedAdmin):
    list_display = [
        "title",
        "engagement",
        "kind",
        "access",
        "owner",
        "due_date",
        "done",
        "done_at",
        "done_by",
    ]
    list_filter = [("done_at", admin.EmptyFieldListFilter), "kind", "due_date"]
    list_select_related = ["engagement", "grant", "owner", "done_by"]
    search_fields = ["title", "notes", "engagement__title", "grant__system"]
    date_hierarchy = "due_date"
    autocomplete_fields = ["engagement", "owner", "done_by"]
    raw_id_fields = ["grant"]
    readonly_fields = ["evidence_name", "created_at", "updated_at"]
    # The evidence file: checked like every upload, never linked by its stored name.
    form = UploadForm
    formfield_overrides = PRIVATE_FILES

    @admin.display(description="access", ordering="grant__system")
    def access(self, obj: OffboardingItem) -> str:
        return obj.grant.system if obj.grant else "–"

    @admin.display(description="done", boolean=True, ordering="done_at")
    def done(self, obj: OffboardingItem) -> bool:
        return obj.is_done
