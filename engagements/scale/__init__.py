"""A large organisation's data for benchmarks: `manage.py generate_scale` (issue 15).

Deterministic: the same shape, seed and day give the same rows, ids included. Every
row keeps the models' rules (constraints, statuses, dates in order, what `save()`
would fill in); history tables are left empty. Rows go in by COPY on PostgreSQL and
by batched INSERTs elsewhere (`bulk`), in one transaction.

It fills only a database that holds nothing of anyone else: every table it writes
(and the other main tables) must be empty, or hold exactly what an earlier run with
the same shape and seed left there, recorded in a `JobRun` row named `MARKER`.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import models, transaction
from django.utils import timezone

from engagements.models import (
    ActionItem,
    Candidate,
    CheckIn,
    CommunicationPlan,
    ComplianceItem,
    Contract,
    DataAccessGrant,
    Engagement,
    EscalationLevel,
    Evidence,
    JobRun,
    Kpi,
    KpiRollup,
    Measurement,
    PerformanceReview,
    ReminderPreference,
    Risk,
    Scorecard,
    Selection,
)
from engagements.services.monitoring import rollup_kpis
from vendors.models import Contact, Vendor

from . import bulk
from .communication import make_plans_and_checkins
from .engagement import make_engagements
from .monitoring import OWN_KPIS, definitions, make_kpis_and_measurements
from .people import SCALE_PASSWORD, USERNAME_PREFIX, make_people
from .registry import make_vendors
from .risk import make_compliance, make_grants, make_risks
from .world import SIZES, Shape, World

__all__ = [
    "SCALE_PASSWORD",
    "SIZES",
    "USERNAME_PREFIX",
    "GenerationRefused",
    "Generated",
    "Shape",
    "generate_scale",
]

MARKER = "generate_scale"
DEFAULT_SEED = 15
# Up to this many measurements the generator runs the rollup itself (a few seconds);
# beyond, the benchmark times it.
ROLLUP_LIMIT = 50_000

# The tables the generator writes, in order; each must be empty before it starts.
WRITTEN: tuple[type[models.Model], ...] = (
    User,
    ReminderPreference,
    Vendor,
    Contact,
    Engagement,
    Contract,
    CommunicationPlan,
    EscalationLevel,
    CheckIn,
    ActionItem,
    Kpi,
    Measurement,
    Risk,
    DataAccessGrant,
    ComplianceItem,
    Evidence,
)
# What its KPI rollup writes, vacuumed and analysed after it as the tables above are.
ROLLUP_WRITES: tuple[type[models.Model], ...] = (
    KpiRollup,
    Scorecard,
    Scorecard.history.model,
    Vendor,
    PerformanceReview,
)
# Tables it leaves alone but that only hold someone's data, never a catalog's.
ALSO_EMPTY: tuple[type[models.Model], ...] = (
    Candidate,
    Selection,
    KpiRollup,
    Scorecard,
    PerformanceReview,
)


class GenerationRefused(Exception):
    """The database holds data the generator did not make."""


@dataclass
class Generated:
    shape: Shape
    seed: int
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    already_there: bool = False
    rolled_up: bool = False


# Raised when the same shape and seed come to make other data, so that a database
# filled by an earlier generator counts as another organisation (make bench remakes it).
# 2: every vendor doing work takes an engagement before any takes a second.
GENERATOR = 2


def describe(shape: Shape, seed: int) -> str:
    return f"generator={GENERATOR} seed={seed} {shape.describe()}"


def generate_scale(
    shape: Shape,
    *,
    seed: int = DEFAULT_SEED,
    now: datetime.datetime | None = None,
    rollup: bool | None = None,
) -> Generated:
    """Fill an empty database with an organisation of this shape.

    `rollup` None: run the KPI rollup when there are at most ROLLUP_LIMIT measurements.
    Raises GenerationRefused when the database holds anything else.
    """
    check_shape(shape)
    result = Generated(shape=shape, seed=seed)
    marker = JobRun.objects.filter(name=MARKER).first()
    if marker is not None:
        if marker.last_result == describe(shape, seed):
            result.already_there = True
            return result
        raise GenerationRefused(
            f"This database already holds an organisation generated with {marker.last_result}; "
            f"not adding {describe(shape, seed)} to it. Generate into a new database."
        )
    if held := foreign_rows():
        raise GenerationRefused(
            "This database holds data generate_scale did not make ("
            + ", ".join(f"{count} {name}" for name, count in held.items())
            + "). It only fills an empty, migrated database: create one "
            "(createdb …; manage.py migrate) and point DATABASE_URL at it."
        )
    world = World(shape=shape, seed=seed, now=now or timezone.now())
    steps: tuple[tuple[str, Callable[[World], None]], ...] = (
        ("people", make_people),
        ("vendors", make_vendors),
        ("engagements and contracts", make_engagements),
        ("plans and check-ins", make_plans_and_checkins),
        ("KPIs and measurements", make_kpis_and_measurements),
        ("risks", make_risks),
        ("data-access grants", make_grants),
        ("compliance", make_compliance),
    )
    with transaction.atomic():
        for name, step in steps:
            started = time.perf_counter()
            step(world)
            result.seconds[name] = time.perf_counter() - started
        started = time.perf_counter()
        bulk.reset_sequences(WRITTEN)
        JobRun.objects.create(
            name=MARKER,
            last_started_at=world.now,
            last_succeeded_at=world.now,
            last_result=describe(shape, seed),
        )
    # PostgreSQL checks the (deferred) foreign keys of every row here.
    result.seconds["commit"] = time.perf_counter() - started
    started = time.perf_counter()
    bulk.vacuum_analyze(WRITTEN)
    result.seconds["VACUUM (ANALYZE)"] = time.perf_counter() - started
    result.rows = dict(world.written)
    if rollup is None:
        rollup = world.written["measurements"] <= ROLLUP_LIMIT
    if rollup:
        started = time.perf_counter()
        rollup_kpis(now=world.now)
        bulk.vacuum_analyze(ROLLUP_WRITES)
        result.seconds["KPI rollup"] = time.perf_counter() - started
        result.rolled_up = True
    return result


def check_shape(shape: Shape) -> None:
    if min(shape.people, shape.vendors, shape.engagements, shape.years) < 1:
        raise ValueError("People, vendors, engagements and years must be at least 1.")
    if shape.kpis_per_engagement < 0:
        raise ValueError("KPIs per engagement cannot be negative.")
    if shape.people < 3:
        raise ValueError("At least 3 people: an admin, a manager to own the work, a viewer.")
    if shape.kpis_per_engagement > (available := len(definitions())):
        raise ValueError(
            f"At most {available} KPIs per engagement: the KPI templates and "
            f"{len(OWN_KPIS)} of the engagements' own, each once."
        )


def foreign_rows() -> dict[str, int]:
    """Rows in the tables the generator writes or must find empty, by table."""
    held = {}
    for model in (*WRITTEN, *ALSO_EMPTY):
        count = model._default_manager.count()
        if count:
            held[str(model._meta.verbose_name_plural)] = count
    return held
