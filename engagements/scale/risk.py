"""Step 5: risks, the vendor's data access, and compliance items from the catalog with
their evidence."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.files.base import ContentFile

from engagements.demo.dates import add_months
from engagements.models import ComplianceItem, ComplianceRequirement, Engagement, Evidence, Risk
from engagements.models.risk import DataAccessGrant
from outsourcing.storage import private_storage
from vendors.models import DataClassification

from .bulk import insert
from .world import World, moment

RISK_TITLES = {
    Risk.Category.DATA_BREACH: "Customer data exposed through the vendor's tools",
    Risk.Category.IP_THEFT: "Our scripts and templates reused for other clients",
    Risk.Category.COMPLIANCE: "Sub-processor outside the agreed countries",
    Risk.Category.DISRUPTION: "Service stops during the vendor's peak season",
    Risk.Category.LOCK_IN: "Knowledge held only by the vendor's team",
    Risk.Category.FINANCIAL: "Volumes above the contract's tiers",
    Risk.Category.REPUTATIONAL: "Poor service seen by our customers",
}
SYSTEMS = ("Zendesk", "Salesforce", "Jira", "Google Drive", "NetSuite", "Confluence", "Slack")
# One file serves every generated evidence row: the pages list and stream it like any other.
EVIDENCE_FILE = "scale/generated-evidence.txt"


def make_risks(world: World) -> None:
    rng = world.random("risks")
    rows: list[dict[str, Any]] = []
    categories = list(RISK_TITLES)
    for engagement in world.engagements:
        closed = engagement.status == Engagement.Status.COMPLETED
        for _ in range(rng.randint(2, 4) if closed else rng.randint(3, 7)):
            category = rng.choice(categories)
            likelihood = min(5, max(1, round(rng.gauss(2 + 2 * engagement.quality, 1))))
            impact = rng.randint(1, 5)
            # Mitigation lowers likelihood or impact, never raises them.
            residual_likelihood = rng.randint(1, likelihood)
            residual_impact = rng.randint(max(1, impact - 1), impact)
            status = (
                Risk.Status.CLOSED
                if closed
                else rng.choices(list(Risk.Status), (0.35, 0.35, 0.15, 0.15))[0]
            )
            risk = Risk(
                residual_likelihood=residual_likelihood,
                residual_impact=residual_impact,
                status=status,
            )
            reviewed = world.today - datetime.timedelta(days=rng.randrange(200))
            reviewed = min(world.today, max(engagement.start, reviewed))
            if closed and engagement.end:
                reviewed = engagement.end
            # What Risk.save() fills in: the next review from the last, by level.
            next_review = None if closed else reviewed + risk.review_interval()
            created = engagement.created_at
            rows.append(
                {
                    "id": len(rows) + 1,
                    "engagement": engagement.id,
                    "title": RISK_TITLES[category],
                    "category": category,
                    "description": "",
                    "likelihood": likelihood,
                    "impact": impact,
                    "mitigation": (
                        "Agreed controls in the contract; reviewed at the monthly check-in."
                    ),
                    "residual_likelihood": residual_likelihood,
                    "residual_impact": residual_impact,
                    "owner": rng.choice(engagement.owners),
                    "status": status,
                    "resolution": (
                        "Closed when the engagement ended." if status == Risk.Status.CLOSED else ""
                    ),
                    "last_reviewed_on": reviewed,
                    "next_review_on": next_review,
                    "created_at": created,
                    "updated_at": max(created, min(moment(reviewed, 11), world.now)),
                }
            )
    world.written["risks"] = insert(Risk, rows)


def make_grants(world: World) -> None:
    rng = world.random("grants")
    rows: list[dict[str, Any]] = []
    for engagement in world.engagements:
        ended = engagement.status == Engagement.Status.COMPLETED
        for system in rng.sample(SYSTEMS, k=rng.randint(1, 3)):
            granted = engagement.start
            revoked = engagement.end if ended else None
            rows.append(
                {
                    "id": len(rows) + 1,
                    "engagement": engagement.id,
                    "system": system,
                    "description": "",
                    "classification": rng.choice(list(DataClassification)),
                    "personal_data": rng.random() < 0.5,
                    "access_level": rng.choice(list(DataAccessGrant.AccessLevel)),
                    "granted_on": granted,
                    "granted_by": engagement.owner_id,
                    "revoked_on": revoked,
                    "revoked_by": engagement.owner_id if revoked else None,
                    "created_at": engagement.created_at,
                    "updated_at": moment(revoked, 16) if revoked else engagement.created_at,
                }
            )
    world.written["data-access grants"] = insert(DataAccessGrant, rows)


def make_compliance(world: World) -> None:
    """Every default requirement of the catalog, some of the others; most with evidence,
    some accepted, some expired or about to expire."""
    rng = world.random("compliance")
    requirements = list(ComplianceRequirement.objects.order_by("pk"))
    if not private_storage.exists(EVIDENCE_FILE):
        private_storage.save(
            EVIDENCE_FILE, ContentFile(b"Generated by manage.py generate_scale; not a document.\n")
        )
    items: list[dict[str, Any]] = []
    evidence: list[dict[str, Any]] = []
    for engagement in world.engagements:
        for requirement in requirements:
            if not requirement.required_by_default and rng.random() > 0.3:
                continue
            number = len(items) + 1
            has_evidence = rng.random() < 0.85
            accepted = has_evidence and rng.random() < 0.85
            issued = min(
                world.today,
                engagement.start + datetime.timedelta(days=rng.randrange(0, 60)),
            )
            expires_on = None
            if requirement.expires and requirement.validity_months:
                # Renewed as it ran out; a few lapsed last time round.
                expires_on = add_months(issued, requirement.validity_months)
                while expires_on < world.today and rng.random() < 0.9:
                    expires_on = add_months(expires_on, requirement.validity_months)
            uploaded = min(moment(issued, 14), world.now)
            items.append(
                {
                    "id": number,
                    "engagement": engagement.id,
                    "requirement": requirement.pk,
                    "expires_on": expires_on,
                    "accepted_at": uploaded if accepted else None,
                    "accepted_by": engagement.owner_id if accepted else None,
                    "notes": "",
                    "created_at": engagement.created_at,
                    "updated_at": uploaded if has_evidence else engagement.created_at,
                }
            )
            if has_evidence:
                evidence.append(
                    {
                        "id": len(evidence) + 1,
                        "item": number,
                        "file": EVIDENCE_FILE,
                        "original_name": f"{requirement.name}.pdf",
                        "content_type": "application/pdf",
                        "size": 54_321,
                        "note": "",
                        "uploaded_by": engagement.owner_id,
                        "uploaded_at": uploaded,
                    }
                )
    world.written["compliance items"] = insert(ComplianceItem, items)
    world.written["evidence"] = insert(Evidence, evidence)
