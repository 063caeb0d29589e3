import datetime
import logging
from collections.abc import Iterable, Mapping
from functools import partial

from celery import shared_task
from django.conf import settings
from django.db import OperationalError, transaction

from .services import communication, monitoring
from .services import reminders as reminder_service
from .services.engagement import activate_planned_engagements, renew_contracts

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def schedule_checkins() -> int:
    return communication.schedule_checkins()


# A database that is briefly away (failover, restart) is worth a retry; both jobs
# are safe to run again, so a retry never queues or sends twice.
@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_kwargs={"max_retries": 5},
)
def queue_reminders() -> dict[str, int]:
    return reminder_service.queue_reminders().as_dict()


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_kwargs={"max_retries": 5},
)
def send_outbox() -> dict[str, int | bool]:
    return reminder_service.send_outbox().as_dict()


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_kwargs={"max_retries": 5},
)
def rollup_kpis() -> dict[str, int]:
    """Roll up KPIs, then scorecards, standings and review flags. Safe to run twice,
    late or after a crash: the rollup upserts, and a failed run leaves the watermark."""
    return monitoring.rollup_kpis().as_dict()


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_kwargs={"max_retries": 5},
)
def recompute_kpi(kpi_id: int, days: list[str]) -> dict[str, int]:
    """Recompute one KPI's periods holding these days (ISO dates) and its engagement's
    scorecards for them. Safe to run twice and beside the hourly rollup: both upsert."""
    return monitoring.recompute_kpi(
        kpi_id=kpi_id, days=[datetime.date.fromisoformat(day) for day in days]
    ).as_dict()


def recompute_kpis_on_commit(days_by_kpi: Mapping[int, Iterable[datetime.date]]) -> None:
    """Once the values saved now have committed, recompute each KPI's periods holding
    these days (saved on, moved from, deleted from): inline with ROLLUP_INLINE, else on
    a worker. Neither may fail the save: it has committed, and the hourly rollup
    catches up on what this misses."""
    for kpi_id, days in sorted(days_by_kpi.items()):
        isodays = sorted({day.isoformat() for day in days})
        if isodays:
            transaction.on_commit(partial(_recompute_or_queue, kpi_id, isodays))


def _recompute_or_queue(kpi_id: int, days: list[str]) -> None:
    if settings.ROLLUP_INLINE:
        try:
            recompute_kpi(kpi_id, days)
        except Exception:
            logger.exception("Recomputing KPI %s failed; the hourly rollup catches up.", kpi_id)
        return
    try:
        # A person is waiting for the page: one try to reach the broker, no retries.
        with recompute_kpi.app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=0)
            recompute_kpi.apply_async((kpi_id, days), producer=connection.Producer(), retry=False)
    except Exception as error:
        logger.warning(
            "Could not queue the recompute of KPI %s (%s); the hourly rollup catches up.",
            kpi_id,
            error,
        )


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_kwargs={"max_retries": 5},
)
def activate_planned() -> int:
    """Planned engagements whose start date has come become active. Safe to run twice or
    late: only engagements still planned change."""
    return activate_planned_engagements()


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_kwargs={"max_retries": 5},
)
def renew_contracts_due() -> int:
    """Automatically renewing contracts past their renewal date, with no notice given,
    roll on by their renewal term. Safe to run twice, late or after a crash: each roll
    asks again, on the locked row, whether the contract is still due."""
    return renew_contracts()
