"""The vendor registry of the demo (registry.toml): the vendors of the stories and a few
more in other states, with their parts; and the status and tier changes the stories make."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.text import slugify

from vendors.models import ServiceCategory, Tag, Vendor

from .dates import Story
from .helpers import as_told, document, ensure, story_file

# The one vendor the demo itself needs by name: its first row dates the stories.
BRIGHTLINE = "BrightLine Contact Solutions Inc."

# Each part of a vendor in registry.toml: its table, the vendor's related rows it
# becomes, and the field that names it.
PARTS = (
    ("contact", "contacts", "name"),
    ("certification", "certifications", "name"),
    ("reference", "references", "client_name"),
    ("sub_processor", "sub_processors", "name"),
)


def ensure_vendors(story: Story) -> dict[str, Vendor]:
    """Every demo vendor with its parts, by legal name; a vendor's own status changes too."""
    categories = {c.name: c for c in ServiceCategory.objects.all()}
    vendors = {}
    for spec in story_file("registry.toml")["vendor"]:
        vendor = ensure_vendor(spec, story, categories)
        for table, related, key in PARTS:
            rows = getattr(vendor, related)
            for row in spec.get(table, []):
                fields = part_fields(vendor, table, rows.model, row, story)
                rows.get_or_create(**{key: row[key]}, defaults=fields)
        walk_status(vendor, spec.get("status_change", []), story)
        vendors[spec["legal_name"]] = vendor
    return vendors


def ensure_vendor(
    spec: dict[str, Any], story: Story, categories: dict[str, ServiceCategory]
) -> Vendor:
    fields = story.fields(Vendor, spec)
    # The tier the registry would suggest from the data it touches, its spend and how
    # replaceable it is; a story may change it later, with a reason.
    fields["tier"] = Vendor(**fields).suggested_tier()
    vendor = ensure(Vendor, legal_name=spec["legal_name"], defaults=fields)
    vendor.services.add(*(categories[name] for name in spec["services"] if name in categories))
    vendor.tags.add(*(ensure(Tag, name=name) for name in spec["tags"]))
    return vendor


def part_fields(
    vendor: Vendor, table: str, model: type[models.Model], row: dict[str, Any], story: Story
) -> dict[str, Any]:
    fields = story.fields(model, row)
    if table == "certification":  # with the certificate itself, as uploaded
        fields.update(
            document(
                f"{slugify(row['name'])}-{slugify(vendor.legal_name)}.txt",
                f"{row['name']} certificate of {vendor}",
                f"Issued by {row['issuer']}.",
            )
        )
    return fields


def walk_status(vendor: Vendor, steps: list[dict[str, Any]], story: Story) -> None:
    """Move the vendor through its status story once, each change dated and explained."""
    for step in steps:
        if vendor.status_changes.filter(new_status=step["status"]).exists():
            continue
        change = vendor.change_status(
            status=step["status"], reason=step["reason"], by=story.person(step["by"])
        )
        as_told(change, changed_at=story.moment(step["at"]))


def change_tier(vendor: Vendor, spec: dict[str, Any], story: Story) -> None:
    if vendor.tier_changes.filter(new_tier=spec["tier"]).exists():
        return
    change = vendor.change_tier(
        tier=spec["tier"], reason=spec["reason"], by=story.person(spec["by"])
    )
    as_told(change, changed_at=story.moment(spec["at"]))
