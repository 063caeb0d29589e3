"""Story 3 – 24/7 IT support: a critical vendor that delivers, with its risks under watch."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from engagements.models import (
    Contract,
    DataAccessGrant,
    Engagement,
    Measurement,
    Risk,
)
from vendors.models import Vendor

from .helpers import (
    add_years,
    candidate_spec,
    days,
    document,
    ensure,
    ensure_action,
    ensure_candidate,
    ensure_co_owner,
    ensure_compliance,
    ensure_milestones,
    ensure_plan,
    kpi_from_template,
    measure,
    moment,
    month_end,
    month_start,
    months_between,
    record_history,
    walk_status,
)
from .people import People
from .registry import NORTHSTAR

TITLE = "24/7 IT support for servers, desktops and mobile devices"

UPTIME = ("99.95", "99.97", "99.85", "99.99", "99.96", "99.94", "99.98", "99.97")
RESPONSE_MINUTES = ("11", "9", "12", "10", "13", "9", "8", "10")
# Days before the notice deadline: close enough to show on the renewal view and in reminders.
NOTICE_DEADLINE_IN = 45
NOTICE_DAYS = 90


def seed(
    people: People, vendors: dict[str, Vendor], today: datetime.date, *, now: datetime.datetime
) -> Engagement:
    northstar = vendors[NORTHSTAR]
    renewal = today + days(NOTICE_DEADLINE_IN + NOTICE_DAYS)
    start = add_years(renewal, -2)
    end = renewal - days(1)

    candidate = ensure_candidate(
        **candidate_spec("24/7 IT support"),
        owner=people.manager2,
        decided=(people.manager2, moment(start - days(75))),
    )
    engagement = ensure(
        Engagement,
        title=TITLE,
        defaults={
            "vendor": northstar,
            "candidate": candidate,
            "owner": people.manager2,
            "scope": "24/7/365 support for servers, desktops and mobile devices: service desk, "
            "monitoring, network maintenance and security updates.",
            "deliverables": "Monthly service report; incident reports within 2 working days of "
            "a P1; quarterly export of runbooks and monitoring rules.",
            "budget": Decimal("836000"),
            "currency": "EUR",
            "start_date": start,
            "end_date": end,
            "status": Engagement.Status.ACTIVE,
        },
    )
    ensure_co_owner(engagement, people.manager)
    engagement.vendor_contacts.add(*northstar.contacts.all())
    ensure(
        Contract,
        engagement=engagement,
        defaults={
            "reference": f"IT-{start:%Y}-004",
            "value": Decimal("836000"),
            "currency": "EUR",
            "start_date": start,
            "end_date": end,
            "renewal_date": renewal,
            "notice_period_days": NOTICE_DAYS,
            "termination_terms": "Renews for 12 months unless notice is given 90 days before "
            "renewal. Up to 3 months of exit assistance at contract rates; runbooks, "
            "configuration and monitoring rules handed over in open formats.",
            "service_levels": "24/7/365 service desk. P1: response within 15 minutes, resolved "
            "within 4 hours. P2: response within 1 hour. Server uptime at least 99.9 % a month. "
            "Security patches within 14 days, critical ones within 72 hours.",
            "signed_on": start - days(20),
            **document(
                "managed-it-services-agreement-northstar.txt",
                f"Managed IT services agreement with {northstar}",
            ),
        },
    )
    walk_status(
        northstar,
        ((Vendor.Status.ACTIVE, "Managed IT services contract signed.", moment(start)),),
        by=people.manager2,
    )
    ensure_milestones(
        engagement,
        (
            (
                "Runbooks and monitoring rules exported to our wiki (quarterly)",
                "Lock-in mitigation: a copy we can hand to another provider.",
                month_start(today, -2) + days(14),
                None,
            ),
            ("Data-centre move, wave 1", "File and print servers.", today + days(21), None),
            (
                "Annual disaster-recovery test",
                "Restore of the ERP database from the backup vault.",
                today + days(30),
                None,
            ),
        ),
    )
    plan = ensure_plan(
        engagement,
        channels="Monthly service review (video call); 24/7 hotline for P1 incidents; shared "
        "ticket dashboard",
        cadence="monthly",
        weekday=2,
        time=datetime.time(14, 0),
        time_zone="Europe/Berlin",
        starts_on=start,
        reporting_expectations="Monthly service report by the 5th: uptime, response times, "
        "incidents and patch status. P1 incidents reported by phone within 30 minutes.",
        escalation=(
            ("NorthStar duty manager", "+49 30 5557 1111", 1, "Any P1 incident"),
            (
                "Jana Hoffmann, service delivery manager (NorthStar)",
                "jana.hoffmann@northstar-it.example.com",
                4,
                "A P1 is not resolved within 4 hours, or service levels missed in a month",
            ),
            (
                "Tom Becker, IT operations lead",
                "tom.becker@example.com",
                24,
                "Repeated misses or anything touching security",
            ),
        ),
    )

    def story(index: int, slot: datetime.datetime) -> dict[str, Any] | None:
        base = {
            "attendees": "Tom Becker, Maria Lindqvist; Jana Hoffmann (NorthStar)",
            "recorded_by": people.manager2,
        }
        if index == 3:
            return base | {
                "status": "amber",
                "progress_summary": "Service levels met; patch backlog on 14 desktops after the "
                "Windows feature update.",
                "blockers": "Desktops of field staff rarely online.",
            }
        return base | {
            "status": "green",
            "progress_summary": "All service levels met; no P1 incidents; patching current.",
        }

    checkins = record_history(plan, since=moment(month_start(today, -8)), until=now, story=story)
    if len(checkins) > 3:
        ensure_action(
            checkins[3],
            "Clear the patch backlog on field staff desktops",
            due=checkins[3].scheduled_for.date() + days(14),
            done=checkins[3].scheduled_for.date() + days(9),
            owner_name="Jana Hoffmann (NorthStar)",
        )
    if checkins:
        ensure_action(
            checkins[-1],
            "Send the data-centre move plan with rollback steps",
            due=today + days(10),
            owner_name="Jana Hoffmann (NorthStar)",
        )
        ensure_action(
            checkins[-1],
            "Decide renew, renegotiate or replace before the notice deadline",
            due=today + days(NOTICE_DEADLINE_IN - 14),
            owner=people.manager2,
        )

    uptime = kpi_from_template(engagement, "Uptime")
    response = kpi_from_template(engagement, "Response time")
    # Monthly figures from the start of the contract; the current month is not in yet.
    for offset, month in enumerate(months_between(start, month_start(today, -1))):
        day = month_end(month)
        up = UPTIME[offset % len(UPTIME)]
        minutes = RESPONSE_MINUTES[offset % len(RESPONSE_MINUTES)]
        measure(
            uptime,
            day,
            up,
            by=None,
            source=Measurement.Source.API,
            note="From the monitoring system",
        )
        measure(response, day, minutes, by=people.manager2, source=Measurement.Source.VENDOR)

    for title, category, inherent, mitigation, residual, owner, status, reviewed in (
        (
            "Data breach through vendor administrator accounts",
            Risk.Category.DATA_BREACH,
            (3, 5),
            "Named admin accounts with MFA; privileged sessions recorded; quarterly access "
            "review; SOC 2 Type II report reviewed every year.",
            (2, 5),
            people.manager2,
            Risk.Status.MITIGATING,
            today - days(20),
        ),
        (
            "Service disruption during NorthStar's data-centre move",
            Risk.Category.DISRUPTION,
            (3, 5),
            "Move in two waves outside business hours; failover tested beforehand; rollback "
            "plan agreed.",
            (3, 4),
            people.manager2,
            Risk.Status.OPEN,
            today - days(10),
        ),
        (
            "Vendor lock-in: runbooks and monitoring rules only in NorthStar's tools",
            Risk.Category.LOCK_IN,
            (4, 3),
            "Quarterly export of runbooks to our wiki; exit assistance clause in the contract.",
            (2, 3),
            people.manager,
            Risk.Status.MITIGATING,
            today - days(120),
        ),
    ):
        if engagement.risks.filter(title=title).exists():
            continue
        risk = Risk.objects.create(
            engagement=engagement,
            title=title,
            category=category,
            likelihood=inherent[0],
            impact=inherent[1],
            mitigation=mitigation,
            residual_likelihood=residual[0],
            residual_impact=residual[1],
            owner=owner,
            status=status,
        )
        # The review interval follows from the residual score; the last one dates the next.
        risk.mark_reviewed(on=reviewed)

    for system, description, classification, level in (
        (
            "Active Directory (domain administrator)",
            "Named admin accounts for 6 engineers.",
            "restricted",
            DataAccessGrant.AccessLevel.ADMIN,
        ),
        (
            "Production servers via bastion host (SSH)",
            "Sessions recorded.",
            "restricted",
            DataAccessGrant.AccessLevel.ADMIN,
        ),
        (
            "Microsoft Intune (mobile device management)",
            "Enrol, wipe and update devices.",
            "confidential",
            DataAccessGrant.AccessLevel.ADMIN,
        ),
        ("Backup vault", "Restore tests only.", "restricted", DataAccessGrant.AccessLevel.READ),
    ):
        ensure(
            DataAccessGrant,
            engagement=engagement,
            system=system,
            defaults={
                "description": description,
                "classification": classification,
                "personal_data": True,
                "access_level": level,
                "granted_on": start,
                "granted_by": people.manager2,
            },
        )
    accepted = moment(start - days(14))
    recently = moment(today - days(30))
    for requirement, file_name, accepted_at, expires in (
        ("Non-disclosure agreement (NDA)", "nda-northstar.txt", accepted, None),
        ("Data processing agreement (DPA)", "dpa-northstar.txt", accepted, None),
        ("SOC 2 report", "soc2-type2-report-northstar.txt", recently, today + days(245)),
        (
            "ISO 27001 certificate",
            "iso27001-certificate-northstar.txt",
            accepted,
            today + days(765),
        ),
        ("Background checks", "background-checks-northstar.txt", recently, today + days(300)),
        (
            "Security questionnaire",
            "security-questionnaire-northstar.txt",
            recently,
            today + days(150),
        ),
        (
            "Confidential-data policy acknowledged",
            "policy-acknowledgement-northstar.txt",
            recently,
            today + days(200),
        ),
        ("Insurance certificate", "insurance-northstar.txt", None, today + days(330)),
    ):
        ensure_compliance(
            engagement,
            requirement,
            evidence=file_name,
            accepted=accepted_at,
            accepted_by=people.manager2,
            expires_on=expires,
            uploaded_by=people.manager2,
            notes="" if accepted_at else "New certificate uploaded; waiting for review.",
        )
    return engagement
