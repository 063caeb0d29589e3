"""Demo users and the three role groups."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User

from engagements.models import ReminderPreference

# Long and uncommon enough for Django's password validators; printed by seed_demo.
DEMO_PASSWORD = "demo-outsourcing-2026"

ROLE_GROUPS = ("Admin", "Manager", "Viewer")


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str  # shown next to the login when the command finishes
    group: str
    time_zone: str
    superuser: bool = False
    wants_digest: bool = True
    wants_checkin_reminders: bool = True


DEMO_USERS = (
    DemoUser(
        "admin",
        "Priya",
        "Raman",
        "Admin: procurement and operations, Django admin",
        "Admin",
        time_zone="Europe/Amsterdam",
        superuser=True,
    ),
    DemoUser(
        "manager",
        "Maria",
        "Lindqvist",
        "Manager: head of customer operations",
        "Manager",
        time_zone="Europe/Amsterdam",
    ),
    DemoUser(
        "manager2",
        "Tom",
        "Becker",
        "Manager: IT operations lead, co-owner, evaluator",
        "Manager",
        time_zone="Europe/Berlin",
    ),
    DemoUser(
        "viewer",
        "Ingrid",
        "Mensah",
        "Viewer: compliance officer, read-only",
        "Viewer",
        time_zone="Europe/London",
        wants_checkin_reminders=False,
    ),
    DemoUser(
        "evaluator",
        "Sam",
        "Okafor",
        "Evaluator: finance colleague scoring a selection",
        "Viewer",
        time_zone="Europe/Amsterdam",
        wants_digest=False,
        wants_checkin_reminders=False,
    ),
)


@dataclass(frozen=True)
class People:
    admin: User
    manager: User
    manager2: User
    viewer: User
    evaluator: User


def ensure_people() -> People:
    """The demo users, each in their role group; an existing user keeps its password."""
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in ROLE_GROUPS}
    users: dict[str, User] = {}
    hashed: str | None = None  # hashing is slow on purpose; one hash serves every new user
    for spec in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=spec.username,
            defaults={
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "email": f"{spec.first_name.lower()}.{spec.last_name.lower()}@example.com",
                "is_staff": spec.superuser,
                "is_superuser": spec.superuser,
            },
        )
        if created:
            hashed = hashed or make_password(DEMO_PASSWORD)
            user.password = hashed
            user.save(update_fields=["password"])
        user.groups.add(groups[spec.group])
        ReminderPreference.objects.get_or_create(
            user=user,
            defaults={
                "time_zone": spec.time_zone,
                "digest_enabled": spec.wants_digest,
                "checkin_reminders": spec.wants_checkin_reminders,
            },
        )
        users[spec.username] = user
    return People(
        admin=users["admin"],
        manager=users["manager"],
        manager2=users["manager2"],
        viewer=users["viewer"],
        evaluator=users["evaluator"],
    )
