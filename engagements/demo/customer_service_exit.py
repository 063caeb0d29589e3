"""Customer service, part 3: the risks, compliance and access of the work, and its exit."""

from __future__ import annotations

import datetime

from engagements.models import (
    DataAccessGrant,
    Engagement,
    OffboardingItem,
    Risk,
)

from .helpers import (
    days,
    ensure,
    ensure_compliance,
    moment,
    month_start,
)
from .people import People


def wind_down(
    engagement: Engagement,
    people: People,
    today: datetime.date,
    *,
    start: datetime.date,
    end_day: datetime.date,
) -> None:
    """Its risks, compliance and access, and the offboarding checklist of the exit."""
    ensure(
        Risk,
        engagement=engagement,
        title="Negative reviews from badly handled complaints",
        defaults={
            "category": Risk.Category.REPUTATIONAL,
            "description": "Complaints wait for a supervisor; customers post one-star reviews.",
            "likelihood": 4,
            "impact": 4,
            "mitigation": "Improvement plan; later brought the work back in-house.",
            "residual_likelihood": 2,
            "residual_impact": 3,
            "owner": people.manager,
            "status": Risk.Status.CLOSED,
            "last_reviewed_on": end_day,
        },
    )
    ensure(
        Risk,
        engagement=engagement,
        title="Customer data kept by the vendor after the exit",
        defaults={
            "category": Risk.Category.DATA_BREACH,
            "description": "Ticket history and call recordings stay in BrightLine's systems.",
            "likelihood": 2,
            "impact": 4,
            "mitigation": "Written deletion certificate within 30 days of the end; DPA clause.",
            "residual_likelihood": 1,
            "residual_impact": 4,
            "owner": people.manager,
            "status": Risk.Status.MITIGATING,
            "last_reviewed_on": end_day,
        },
    )
    signed = moment(month_start(today, -11) + days(27))
    for requirement, file_name in (
        ("Non-disclosure agreement (NDA)", "nda-brightline.txt"),
        ("Data processing agreement (DPA)", "dpa-brightline.txt"),
    ):
        ensure_compliance(
            engagement,
            requirement,
            evidence=file_name,
            accepted=signed,
            accepted_by=people.manager,
            uploaded_by=people.manager,
        )

    grants = []
    for system, description, revoked in (
        ("Zendesk (tickets and customer emails)", "Agent seats for 12 BrightLine agents.", 0),
        ("Aircall phone system", "Agent seats and call recordings.", 0),
        ("Customer service shared inbox", "Google Workspace group mailbox.", 1),
        (
            "Shopify admin – orders and returns",
            "Staff accounts to look up orders and create return labels.",
            None,
        ),
    ):
        grants.append(
            ensure(
                DataAccessGrant,
                engagement=engagement,
                system=system,
                defaults={
                    "description": description,
                    "classification": "confidential",
                    "personal_data": True,
                    "access_level": DataAccessGrant.AccessLevel.WRITE,
                    "granted_on": start,
                    "granted_by": people.manager2,
                    "revoked_on": None if revoked is None else end_day + days(revoked),
                    "revoked_by": None if revoked is None else people.manager2,
                },
            )
        )
    for grant in grants:
        done = grant.revoked_on
        ensure(
            OffboardingItem,
            engagement=engagement,
            grant=grant,
            defaults={
                "kind": OffboardingItem.Kind.REVOKE_ACCESS,
                "title": f"Revoke access: {grant.system}",
                "owner": people.manager2,
                "due_date": end_day + days(2),
                "done_at": None if done is None else moment(done, hour=17),
                "done_by": None if done is None else people.manager2,
                "notes": ""
                if done
                else "Two BrightLine staff accounts are still listed in Shopify.",
            },
        )
    for kind, title, due, done, notes in (
        (
            OffboardingItem.Kind.RECOVER_DATA,
            "Recover the ticket history and call recordings",
            end_day + days(7),
            end_day + days(5),
            "Export received and checked; deletion certificate requested.",
        ),
        (
            OffboardingItem.Kind.KNOWLEDGE_HANDOVER,
            "Hand over macros, FAQ and open complaints",
            end_day,
            end_day - days(3),
            "Two handover workshops with the new in-house team.",
        ),
        (
            OffboardingItem.Kind.FINAL_SCORECARD,
            "Record the final scorecard",
            end_day + days(10),
            end_day + days(3),
            "",
        ),
        (
            OffboardingItem.Kind.FINAL_REVIEW,
            "Hold the final review with BrightLine",
            today + days(7),
            None,
            "Lessons learned for the next selection: weigh cultural fit.",
        ),
    ):
        ensure(
            OffboardingItem,
            engagement=engagement,
            kind=kind,
            grant=None,
            defaults={
                "title": title,
                "owner": people.manager,
                "due_date": due,
                "done_at": None if done is None else moment(done, hour=16),
                "done_by": None if done is None else people.manager,
                "notes": notes,
            },
        )
