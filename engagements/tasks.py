from celery import shared_task

from .services import communication


@shared_task(acks_late=True)
def schedule_checkins() -> int:
    return communication.schedule_checkins()
