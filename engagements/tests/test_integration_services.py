"""Reminders through real services: an SMTP server, a Celery worker process, Redis, PostgreSQL.

The SMTP server is started by each test (aiosmtpd on 127.0.0.1), so those tests run
anywhere. The worker tests need PostgreSQL (the worker process shares the test
database) and Redis (the broker): they skip on a laptop without them and fail in
CI (REQUIRE_SERVICES=1).
"""

from __future__ import annotations

import asyncio
import datetime
import email
import email.policy
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from django.conf import LazySettings, settings
from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone
from kombu import Exchange, Queue

from conftest import require_service
from engagements import tasks
from engagements.models import Engagement, KpiRollup, OutboundEmail, ReminderPreference
from engagements.models.monitoring import period_bounds
from engagements.services.reminders import queue_reminders, send_outbox
from engagements.tests import factories as ef
from outsourcing.celery import app
from outsourcing.tests import clock
from outsourcing.tests.factories import UserFactory
from outsourcing.tests.ports import free_port

# Dated: CI runs these at awkward moments too (outsourcing/tests/clock.py).
pytestmark = pytest.mark.dates

SITE = "https://outsourcing.example.com"
DEADLINE = 60.0  # seconds to wait for anything a real process does
KEY_HEADER = "X-Outsourcing-Key"


# --- A real SMTP server ------------------------------------------------------------


class Inbox:
    """aiosmtpd handler that keeps every message the server accepted.

    With a delay, each message waits before the server's "250" reply. A message
    counts as delivered only once that reply is due: if the sender vanishes during
    the wait, aiosmtpd cancels this coroutine and the message is never recorded,
    as a real mail server would not deliver it.
    """

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.started = 0  # messages whose data arrived, accepted or not
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.lock:
            self.started += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def keys(self) -> Counter[str]:
        with self.lock:
            return Counter(str(m[KEY_HEADER]) for m in self.messages)

    def count(self) -> int:
        with self.lock:
            return len(self.messages)


class SmtpServer:
    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox
        self.port = free_port()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(Inbox())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp_backend(settings: LazySettings, smtp: SmtpServer) -> SmtpServer:
    """This process sends through Django's SMTP backend to the test's server."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    settings.SITE_URL = SITE
    return smtp


# --- Data: one digest, one check-in reminder, one deadline reminder, due now ----------


def reminders_due_now() -> dict[str, Any]:
    """Whatever the real clock says, a digest, a check-in and an expiry are due."""
    now = timezone.now()
    owner = UserFactory(username="owner")
    owner.groups.add(Group.objects.get_or_create(name="Manager")[0])
    ReminderPreference.objects.create(
        user=owner, time_zone="UTC", digest_weekday=now.weekday(), digest_hour=0
    )
    engagement = ef.EngagementFactory(owner=owner, title="Helpdesk")
    ef.CommunicationPlanFactory(engagement=engagement, time_zone="UTC")
    overdue = ef.CheckInFactory(
        engagement=engagement, scheduled_for=now - datetime.timedelta(days=2)
    )
    # Later today, or early tomorrow: its reminder is due either way.
    upcoming = ef.CheckInFactory(
        engagement=engagement, scheduled_for=now + datetime.timedelta(hours=2)
    )
    item = ef.ComplianceItemFactory(
        engagement=engagement, expires_on=now.date() + datetime.timedelta(days=5)
    )
    return {
        "owner": owner,
        "engagement": engagement,
        "overdue": overdue,
        "upcoming": upcoming,
        "item": item,
    }


def parts(message: EmailMessage) -> dict[str, str]:
    return {
        part.get_content_type(): str(part.get_content())
        for part in message.walk()
        if not part.is_multipart()
    }


# --- SMTP: what arrives ---------------------------------------------------------------


@pytest.mark.django_db
def test_reminders_arrive_over_smtp_with_text_and_html_and_absolute_links(
    smtp_backend: SmtpServer,
) -> None:
    data = reminders_due_now()
    queue_reminders()

    report = send_outbox()

    inbox = smtp_backend.inbox
    assert report.sent == 3
    assert sorted(inbox.keys()) == sorted(
        [
            f"digest:{timezone.now().date().isocalendar()[0]}-W"
            f"{timezone.now().date().isocalendar()[1]:02d}",
            f"checkin:{data['upcoming'].pk}",
            f"compliance:{data['item'].pk}:{data['item'].expires_on}:7",
        ]
    )
    checkin_link = f"{SITE}/engagements/{data['upcoming'].engagement_id}/communication/#scheduled"
    for message in inbox.messages:
        assert message.get_content_type() == "multipart/alternative"
        body = parts(message)
        assert set(body) == {"text/plain", "text/html"}
        assert f"{SITE}/account/reminders/" in body["text/plain"]
        assert f'href="{SITE}/account/reminders/"' in body["text/html"]
        assert message["To"] == "owner@example.com"
        assert message["Message-ID"].startswith("<outbox-")
    digest = next(m for m in inbox.messages if m[KEY_HEADER].startswith("digest:"))
    assert digest["Subject"] == "3 things to act on this week"
    assert checkin_link in parts(digest)["text/plain"]
    assert f'href="{checkin_link}"' in parts(digest)["text/html"]
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {"sent"}


@pytest.mark.django_db
def test_with_the_mail_server_down_emails_wait_and_arrive_once_when_it_is_back(
    smtp_backend: SmtpServer,
) -> None:
    reminders_due_now()
    queue_reminders()
    smtp_backend.stop()  # nothing listens on the port now

    down = send_outbox()

    assert (down.sent, down.retrying, down.stopped_early) == (0, 1, True)
    rows = list(OutboundEmail.objects.order_by("next_attempt_at", "pk"))
    assert {r.status for r in rows} == {OutboundEmail.Status.PENDING}
    assert sorted(r.attempts for r in rows) == [0, 0, 1]
    tried = next(r for r in rows if r.attempts == 1)
    assert "Connection refused" in tried.last_error or "Errno" in tried.last_error
    assert tried.next_attempt_at > timezone.now()

    smtp_backend.start()
    first = send_outbox(now=timezone.now() + datetime.timedelta(minutes=5))
    again = send_outbox(now=timezone.now() + datetime.timedelta(minutes=10))

    assert (first.sent, again.sent) == (3, 0)
    assert list(smtp_backend.inbox.keys().values()) == [1, 1, 1]
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {"sent"}


# --- A Celery worker process against Redis and PostgreSQL ---------------------------


class Worker:
    """`celery worker` as a separate process, on its own queue, logging to a file."""

    def __init__(self, env: dict[str, str], queue: str, log_dir: Path) -> None:
        self.env = env
        self.queue = queue
        self.log_dir = log_dir
        self.runs = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.logs: list[Path] = []

    def start(self) -> None:
        self.runs += 1
        log = self.log_dir / f"worker-{self.runs}.log"
        self.logs.append(log)
        command = [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "outsourcing",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "-Q",
            self.queue,
            "-n",
            f"{self.queue}-{self.runs}@%h",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            "--loglevel=INFO",
        ]
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                clock.command_at_now(command),
                cwd=settings.BASE_DIR,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.wait_for(lambda: " ready." in log.read_text(errors="replace"), "the worker to start")

    def kill(self) -> None:
        """SIGKILL: no cleanup, no acknowledgement, exactly like a crashed machine."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=DEADLINE)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=DEADLINE)

    def output(self) -> str:
        return "\n".join(
            f"--- {log.name} ---\n{log.read_text(errors='replace')}" for log in self.logs
        )

    def wait_for(self, condition: Callable[[], bool], what: str) -> None:
        """Poll with a deadline: a real process is doing the work."""
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            if condition():
                return
            if self.process is not None and self.process.poll() is not None:
                pytest.fail(f"The worker exited while waiting for {what}.\n{self.output()}")
            time.sleep(0.05)
        pytest.fail(f"Gave up after {DEADLINE:.0f}s waiting for {what}.\n{self.output()}")

    def run(self, task: Any, **kwargs: Any) -> None:
        task.apply_async(queue=self.queue, kwargs=kwargs)


def database_url() -> str:
    """The test database this process uses, for the worker to use too."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or "5432"
    return f"postgres://{credentials}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def worker(
    transactional_db: None,
    postgres: None,
    redis_url: str,
    smtp: SmtpServer,
    tmp_path: Path,
) -> Iterator[Worker]:
    """A worker on a queue of its own, the same database and the test's SMTP server.

    `transactional_db`: rows the test writes are committed, so the worker sees them.
    """
    require_service(
        "Redis as the Celery broker (CELERY_BROKER_URL)",
        settings.CELERY_BROKER_URL.startswith("redis://"),
    )
    queue = f"test-reminders-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "outsourcing.settings",
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
        "SITE_URL": SITE,
        # A crashed worker's claim is taken over after 3 s instead of 10 minutes.
        "OUTBOX_CLAIM_TIMEOUT": "3",
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }
    process = Worker(env, queue, tmp_path)
    try:
        yield process
    finally:
        process.stop()
        print(process.output())  # shown by pytest when the test failed
        forget_queue(queue)


def forget_queue(queue: str) -> None:
    """Leave nothing of the test's queue on the shared broker.

    A killed worker's unacknowledged message would otherwise be restored to the
    (deleted) queue an hour later by Redis transport's visibility timeout.
    """
    with app.connection_for_write() as conn:
        channel: Any = conn.default_channel
        bound = Queue(queue, Exchange(queue), routing_key=queue)(channel)
        bound.declare()
        bound.delete()
        client = channel.client
        for tag, payload in client.hgetall(channel.unacked_key).items():
            if json.loads(payload)[2] == queue:
                client.zrem(channel.unacked_index_key, tag)
                client.hdel(channel.unacked_key, tag)


def test_a_worker_runs_the_rollup_and_reminder_jobs_through_redis_postgres_and_smtp(
    worker: Worker, smtp: SmtpServer
) -> None:
    data = reminders_due_now()
    kpi = ef.KpiFactory(engagement=data["engagement"], name="Customer satisfaction")
    today = timezone.localdate()
    last_month_start, last_month_end = period_bounds(
        "month", period_bounds("month", today)[0] - datetime.timedelta(days=1)
    )
    for day, value in ((last_month_start, "80"), (last_month_end, "84")):
        ef.MeasurementFactory(kpi=kpi, measured_on=day, value=Decimal(value))
    worker.start()

    worker.run(tasks.rollup_kpis)
    worker.wait_for(
        lambda: KpiRollup.objects.filter(kpi=kpi, period_start=last_month_start).exists(),
        "the KPI rollup",
    )
    worker.run(tasks.queue_reminders)
    worker.wait_for(lambda: OutboundEmail.objects.count() == 3, "three emails queued")
    worker.run(tasks.send_outbox)
    worker.wait_for(
        lambda: OutboundEmail.objects.filter(status="sent").count() == 3, "three emails sent"
    )

    rollup = KpiRollup.objects.get(kpi=kpi, period_start=last_month_start)
    assert (rollup.value, rollup.status, rollup.measurement_count) == (Decimal("82"), "red", 2)
    assert smtp.inbox.count() == 3
    assert set(smtp.inbox.keys().values()) == {1}
    digest = next(m for m in smtp.inbox.messages if m[KEY_HEADER].startswith("digest:"))
    # The rollup made the KPI red before the digest was put together.
    assert "Customer satisfaction (Helpdesk)" in parts(digest)["text/plain"]
    assert f"{SITE}/engagements/{kpi.engagement_id}/kpis/" in parts(digest)["text/html"]
    assert Engagement.objects.count() == 1


def test_a_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(
    worker: Worker, smtp: SmtpServer
) -> None:
    smtp.inbox.delay = 0.4  # a slow mail server: the kill lands while a message is in flight
    emails = ef.OutboundEmailFactory.create_batch(20)
    expected = {f"{e.kind}:{e.key}" for e in emails}
    assert len(expected) == 20
    worker.start()

    worker.run(tasks.send_outbox)
    # Four accepted, the fifth waiting for the server's reply: kill the worker now.
    worker.wait_for(lambda: smtp.inbox.started >= 5, "the fifth email to reach the server")
    worker.kill()
    time.sleep(0.5)  # let the server notice the dropped connection

    accepted_before = smtp.inbox.count()
    statuses = Counter(OutboundEmail.objects.values_list("status", flat=True))
    assert accepted_before == 4
    # Only the email in flight is left claimed; every other one can be sent by anyone.
    assert statuses == {"sent": 4, "sending": 1, "pending": 15}

    worker.start()
    # What beat does every two minutes, every few seconds here: send whatever is due.
    deadline = time.monotonic() + DEADLINE
    while OutboundEmail.objects.exclude(status="sent").exists():
        if time.monotonic() > deadline:
            pytest.fail(f"Not everything was sent.\n{worker.output()}")
        if worker.process is not None and worker.process.poll() is not None:
            pytest.fail(f"The restarted worker exited.\n{worker.output()}")
        worker.run(tasks.send_outbox)
        time.sleep(1)
    time.sleep(1)  # anything sent twice would have arrived by now

    assert smtp.inbox.keys() == Counter({key: 1 for key in expected})
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {"sent"}
    # The one in flight at the kill was claimed again after the claim timeout.
    assert sorted(OutboundEmail.objects.values_list("attempts", flat=True)) == [1] * 19 + [2]
