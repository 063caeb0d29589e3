from celery import shared_task
from django.db import OperationalError

from .services import communication, monitoring
from .services import reminders as reminder_service
from .services.engagement import activate_planned_engagements


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
def activate_planned() -> int:
    """Planned engagements whose start date has come become active. Safe to run twice or
    late: only engagements still planned change."""
    return activate_planned_engagements()
