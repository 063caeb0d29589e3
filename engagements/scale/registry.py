"""Vendors: the registry, the services each offers and a primary contact."""

from __future__ import annotations

import datetime
import itertools
import random
from decimal import Decimal

from vendors.models import Contact, DataClassification, ServiceCategory, Vendor, suggest_tier

from .bulk import insert
from .world import World

# A page of rows (settings.PAGE_SIZE, 25) and a few more: some engagements are over
# (completed) and drop out of the lists of live work.
WORKING_VENDORS_AT_LEAST = 30

NAME_FIRST = (
    "Blue Bright Clear Coral Delta Eagle Ember Granite Harbor Iris Juniper Kestrel Lumen "
    "Maple Nimbus Orchid Pioneer Quartz Summit Willow"
).split()
NAME_SECOND = (
    "Bridge Desk Field Flow Forge Gate Grid Hub Line Link Loop Mark Path Point Ridge Scale "
    "Shore Signal Stone Works"
).split()
NAME_FORMS = ("Ltd", "GmbH", "B.V.", "Inc.", "S.A.", "Pty Ltd")
COUNTRIES = (
    ("PH", "Asia/Manila", "English, Filipino"),
    ("IN", "Asia/Kolkata", "English, Hindi"),
    ("PL", "Europe/Warsaw", "Polish, English"),
    ("PT", "Europe/Lisbon", "Portuguese, English"),
    ("NL", "Europe/Amsterdam", "Dutch, English"),
    ("DE", "Europe/Berlin", "German, English"),
    ("GB", "Europe/London", "English"),
    ("US", "America/New_York", "English, Spanish"),
    ("ZA", "Africa/Johannesburg", "English, Afrikaans"),
)
# Vendors without current work, by how far they got.
IDLE_STATUSES: dict[str, float] = {
    Vendor.Status.PROSPECT: 0.35,
    Vendor.Status.QUALIFIED: 0.25,
    Vendor.Status.APPROVED: 0.25,
    Vendor.Status.SUSPENDED: 0.05,
    Vendor.Status.OFFBOARDED: 0.10,
}


def vendor_names(count: int, rng: random.Random) -> list[str]:
    """Unique legal names: the word combinations in a shuffled order, numbered past them."""
    combos = [
        f"{first} {second} {form}"
        for first, second, form in itertools.product(NAME_FIRST, NAME_SECOND, NAME_FORMS)
    ]
    rng.shuffle(combos)
    return [
        combos[index] if index < len(combos) else f"{combos[index % len(combos)]} {index}"
        for index in range(count)
    ]


def make_vendors(world: World) -> None:
    rng = world.random("vendors")
    count = world.shape.vendors
    # Vendors doing work: 70% of the engagements' number, and at least enough for every
    # engagement to have its own up to a page and a bit (the vendor list and the
    # compliance matrix show a full page at the small size too).
    least = min(world.shape.engagements, WORKING_VENDORS_AT_LEAST)
    working = min(count, max(1, least, round(world.shape.engagements * 0.7)))
    services = list(ServiceCategory.objects.order_by("pk").values_list("pk", flat=True))
    managers = world.managers
    created = world.now - datetime.timedelta(days=365 * world.shape.years + 20)
    rows = []
    for number, name in enumerate(vendor_names(count, rng), start=1):
        status: str
        if number <= working:
            status = Vendor.Status.ON_WATCH if rng.random() < 0.08 else Vendor.Status.ACTIVE
            world.working_vendor_ids.append(number)
        else:
            status = rng.choices(list(IDLE_STATUSES), list(IDLE_STATUSES.values()))[0]
        country, time_zone, languages = rng.choice(COUNTRIES)
        classification = rng.choice(list(DataClassification))
        personal = rng.random() < 0.4
        replaceability = rng.choice(list(Vendor.Replaceability))
        spend = Decimal(rng.randrange(0, 600_000, 500)) if number <= working else Decimal("0")
        slug = name.lower().split()[0] + name.lower().split()[1]
        rows.append(
            {
                "id": number,
                "legal_name": name,
                "website": f"https://{slug}{number}.example.com",
                "country": country,
                "time_zone": time_zone,
                "languages": languages,
                "size": rng.choice(list(Vendor.Size)),
                "founded_year": rng.randrange(1960, 2022),
                "status": status,
                "owner": rng.choice(managers),
                "notes": "",
                "highest_data_classification": classification,
                "handles_personal_data": personal,
                "replaceability": replaceability,
                "annual_spend": spend,
                "annual_spend_currency": "EUR",
                # The suggested tier: an override would need a reason.
                "tier": suggest_tier(
                    classification=classification,
                    personal_data=personal,
                    replaceability=replaceability,
                    annual_spend=spend,
                ),
                "tier_override_reason": "",
                "standing": Vendor.Standing.NO_DATA,
                "standing_score": None,
                "standing_updated_at": None,
                "created_at": created,
                "updated_at": created,
            }
        )
        world.vendor_ids.append(number)
    world.written["vendors"] = insert(Vendor, rows)
    if services:
        insert(
            Vendor.services.through,
            (
                {"vendor": vendor, "servicecategory": service}
                for vendor in world.vendor_ids
                for service in rng.sample(services, k=min(len(services), rng.randint(1, 3)))
            ),
        )
    world.written["contacts"] = insert(
        Contact,
        (
            {
                "id": vendor,
                "vendor": vendor,
                "name": f"Account manager {vendor}",
                "role": "Account manager",
                "email": f"account-manager@vendor{vendor}.example.com",
                "phone": "",
                "is_primary": True,
                "notes": "",
                "created_at": created,
                "updated_at": created,
            }
            for vendor in world.vendor_ids
        ),
    )
