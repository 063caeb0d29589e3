"""Step 5 and leaving, in a story file: risks, data access, compliance evidence, and the
offboarding checklist of an engagement that ends."""

from __future__ import annotations

from typing import Any

from engagements.forms.compliance import EvidenceForm
from engagements.models import (
    ComplianceItem,
    ComplianceRequirement,
    DataAccessGrant,
    Engagement,
    OffboardingItem,
    Risk,
)
from engagements.services.offboarding import complete_item, start_offboarding

from .dates import Story
from .helpers import as_told, ensure, submitted, upload


def ensure_risks_and_access(engagement: Engagement, spec: dict[str, Any], story: Story) -> None:
    """The risk register (the next review follows from the last one, as Risk.save has it)
    and the register of what the vendor can reach, with the vendor's sub-processors (by
    name, from registry.toml) that reach it too: linked when the grant is created, so
    seeding again keeps what someone ticked since."""
    for risk in spec.get("risk", []):
        ensure(Risk, engagement=engagement, title=risk["title"], defaults=story.fields(Risk, risk))
    for grant in spec.get("grant", []):
        row, created = DataAccessGrant.objects.get_or_create(
            engagement=engagement,
            system=grant["system"],
            defaults=story.fields(DataAccessGrant, grant),
        )
        if created and grant.get("sub_processors"):
            row.sub_processors.set(
                engagement.vendor.sub_processors.filter(name__in=grant["sub_processors"])
            )


def ensure_compliance(engagement: Engagement, spec: dict[str, Any], story: Story) -> ComplianceItem:
    """A compliance item; with `evidence` (a file name) a small demo document is uploaded
    once through the compliance tab's form, then accepted if the story says so."""
    requirement = ComplianceRequirement.objects.get(name=spec["requirement"])
    fields = story.fields(ComplianceItem, spec)
    item, _ = ComplianceItem.objects.get_or_create(
        engagement=engagement,
        requirement=requirement,
        defaults={"expires_on": fields.get("expires_on"), "notes": fields.get("notes", "")},
    )
    name = spec.get("evidence")
    if name is None or item.evidence.filter(original_name=name).exists():
        return item
    expires = fields.get("expires_on")
    body = f"Evidence for the engagement “{engagement}”." + (
        f"\nValid until {expires:%d %B %Y}." if expires else ""
    )
    file = upload(name, f"{requirement.name} – {engagement.vendor}", body)
    form = submitted(EvidenceForm({"note": "", "expires_on": expires}, file))
    form.save(item=item, by=story.person(spec["uploaded_by"]))
    if "accepted_at" in fields:
        # New evidence waits for review; the story says who accepted it, and when.
        item.accepted_at, item.accepted_by = fields["accepted_at"], fields["accepted_by"]
        item.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    return item


def offboard(engagement: Engagement, spec: dict[str, Any], story: Story) -> None:
    """The checklist start_offboarding opens, its items as the admin page edits them
    (owner, due date, the story's own titles and notes), those done ticked by complete_item
    (access revoked on the story's day first, as on the access tab) and dated as told."""
    items = start_offboarding(
        engagement=engagement,
        outcome=spec["outcome"],
        by=story.person(spec["by"]),
        reason=spec["reason"],
    )
    for item_spec in spec["item"]:
        item = next(
            i for i in items if checklist_key(i) == (item_spec.get("kind"), item_spec.get("system"))
        )
        fields = story.fields(OffboardingItem, item_spec)
        done_at = fields.pop("done_at", None)
        for name, value in fields.items():
            setattr(item, name, value)
        item.save(update_fields=[*fields, "updated_at"])
        if done_at is None:
            continue
        if item.grant is not None:
            item.grant.revoke(on=done_at.date(), by=item.owner)
        complete_item(item=item, by=item.owner)
        as_told(item, done_at=done_at)
    # Closed on the story's day with its final review still to hold and one account still
    # to remove: close_engagement refuses that (every item done first), the story needs it.
    Engagement.objects.filter(pk=engagement.pk).update(
        status=spec["outcome"], closed_at=story.moment(spec["closed_at"])
    )
    engagement.refresh_from_db()


def checklist_key(item: OffboardingItem) -> tuple[str | None, str | None]:
    """How a story names a checklist item: a revoke-access item by its grant's system,
    any other by its kind."""
    if item.grant is not None:
        return None, item.grant.system
    return item.kind, None
