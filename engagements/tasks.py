from celery import shared_task

from . import services


@shared_task(acks_late=True)
def schedule_checkins() -> int:
    return services.schedule_checkins()
