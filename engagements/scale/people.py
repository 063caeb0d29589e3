"""People: accounts in the three role groups (outsourcing.roles), with reminder preferences."""

from __future__ import annotations

import datetime

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User

from engagements.models import ReminderPreference
from outsourcing.roles import ADMIN, MANAGER, ROLES, VIEWER

from .bulk import insert
from .world import Person, World

# Every generated login; the benchmark and load test sign in with it.
SCALE_PASSWORD = "scale-outsourcing-2026"
USERNAME_PREFIX = "scale-"

FIRST_NAMES = (
    "Ada Ahmed Aiko Alba Amara Ana Arjun Ben Carla Chen David Elif Emma Farah Felix Grace "
    "Hana Ivan Jonas Kofi Lena Luca Maya Mei Nadia Noah Omar Priya Rosa Sam Sofia Tariq "
    "Tom Yara Zoe"
).split()
LAST_NAMES = (
    "Abara Becker Costa Dubois Eriksen Fischer Garcia Haddad Ito Jansen Kowalski Lindqvist "
    "Martin Nakamura Novak Okafor Petrov Quinn Raman Santos Schmidt Silva Tanaka Ueda Varga "
    "Walsh Xu Yilmaz Zhang"
).split()
TIME_ZONES = (
    "Europe/Amsterdam",
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Chicago",
    "Asia/Manila",
    "Asia/Kolkata",
    "Australia/Sydney",
    "UTC",
)


def role_counts(people: int) -> dict[str, int]:
    """A few admins, one in six a manager who owns work, everyone else a viewer."""
    admins = max(1, people // 500)
    managers = max(1, people // 6)
    return {ADMIN: admins, MANAGER: managers, VIEWER: max(0, people - admins - managers)}


def make_people(world: World) -> None:
    rng = world.random("people")
    # The role groups come with the migrations; made here only if someone removed one.
    groups = {name: Group.objects.get_or_create(name=name)[0].pk for name in ROLES}
    roles = [role for role, count in role_counts(world.shape.people).items() for _ in range(count)]
    # One hash for every account (hashing is slow on purpose), salted from the seed so
    # that runs repeat: the password is printed for all to see anyway.
    password = make_password(SCALE_PASSWORD, salt=f"scale{world.seed:08d}")
    joined = world.now - datetime.timedelta(days=365 * world.shape.years + 30)
    users = []
    for number, role in enumerate(roles, start=1):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        username = f"{USERNAME_PREFIX}{number:05d}"
        superuser = role == ADMIN and number == 1
        users.append(
            {
                "id": number,
                "password": password,
                "last_login": None,
                "is_superuser": superuser,
                "username": username,
                "first_name": first,
                "last_name": last,
                "email": f"{username}@example.com",
                "is_staff": role == ADMIN,
                "is_active": True,
                "date_joined": joined,
            }
        )
        world.people.append(Person(id=number, role=role, time_zone=rng.choice(TIME_ZONES)))
    world.written["users"] = insert(User, users)
    insert(
        User.groups.through,
        ({"user": person.id, "group": groups[person.role]} for person in world.people),
    )
    world.written["reminder preferences"] = insert(
        ReminderPreference,
        (
            {
                "id": person.id,
                "user": person.id,
                "time_zone": person.time_zone,
                "digest_enabled": rng.random() < 0.9,
                "digest_weekday": 0 if rng.random() < 0.8 else rng.randrange(7),
                "digest_hour": rng.choice((7, 8, 8, 8, 9)),
                "checkin_reminders": person.role != VIEWER or rng.random() < 0.2,
                "deadline_reminders": rng.random() < 0.95,
                "created_at": joined,
                "updated_at": joined,
            }
            for person in world.people
        ),
    )
