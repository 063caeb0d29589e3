"""What a refused or failed request writes to the log: one line for a 403 or a 404, the
traceback for a 500, each printed once."""

import io
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.conf import LazySettings
from django.test import Client

from outsourcing.logs import OncePerOutage

pytestmark = pytest.mark.django_db


@contextmanager
def console_output(name: str = "django.request") -> Iterator[io.StringIO]:
    """What the console handlers a record of logger `name` reaches print, in one buffer.

    Only plain StreamHandlers: pytest's capturing handlers are subclasses of it.
    """
    printed = io.StringIO()
    swapped: list[tuple[logging.StreamHandler[Any], Any]] = []
    logger: logging.Logger | None = logging.getLogger(name)
    while logger is not None:
        for handler in logger.handlers:
            if type(handler) is logging.StreamHandler:
                swapped.append((handler, handler.setStream(printed)))
        logger = logger.parent if logger.propagate else None
    try:
        yield printed
    finally:
        for handler, stream in swapped:
            handler.setStream(stream)


@pytest.fixture
def debug_on(settings: LazySettings) -> None:
    """As under `make run`: Django's own console handler prints only with DEBUG on."""
    settings.DEBUG = True


def request_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "django.request"]


def test_a_403_logs_one_line_once_without_a_traceback(
    debug_on: None, client_for: Any, no_role_user: Any, caplog: pytest.LogCaptureFixture
) -> None:
    client = client_for(no_role_user)
    with console_output() as printed:
        response = client.get("/")

    assert response.status_code == 403
    assert printed.getvalue().splitlines() == ["Forbidden (Permission denied): /"]
    [record] = request_records(caplog)
    assert record.exc_info is None


def test_a_404_logs_one_line_once(
    debug_on: None, client_for: Any, manager: Any, caplog: pytest.LogCaptureFixture
) -> None:
    client = client_for(manager)
    with console_output() as printed:
        response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert printed.getvalue().splitlines() == ["Not Found: /no-such-page/"]
    [record] = request_records(caplog)
    assert record.exc_info is None


def test_a_500_logs_its_traceback_once(
    debug_on: None, settings: LazySettings, caplog: pytest.LogCaptureFixture
) -> None:
    settings.ROOT_URLCONF = "outsourcing.tests.harness_urls"

    with console_output() as printed:
        response = Client(raise_request_exception=False).get("/harness/fail/")

    assert response.status_code == 500
    output = printed.getvalue()
    assert output.startswith("Internal Server Error: /harness/fail/\nTraceback")
    assert output.count("Traceback") == 1
    assert "ValueError: a bug" in output
    [record] = request_records(caplog)
    assert record.exc_info is not None


def test_the_web_servers_access_log_keeps_its_time_and_is_printed_once() -> None:
    with console_output("django.server") as printed:
        logging.getLogger("django.server").info(
            '"%s" %s %s',
            "GET /dashboard/ HTTP/1.1",
            200,
            512,
            extra={"status_code": 200, "server_time": "02/Mar/2027 10:00:00"},
        )

    assert printed.getvalue().splitlines() == [
        '[02/Mar/2027 10:00:00] "GET /dashboard/ HTTP/1.1" 200 512'
    ]


def _skipped_command(at: float) -> logging.LogRecord:
    """What django-redis logs for each cache command it skips with Redis away."""
    try:
        try:
            raise ConnectionRefusedError(111, "Connection refused")
        except ConnectionRefusedError as refused:
            raise RuntimeError("Exception ignored") from refused
    except RuntimeError:
        record = logging.getLogger("outsourcing.cache").makeRecord(
            "outsourcing.cache", logging.ERROR, __file__, 1, "Exception ignored", (), sys.exc_info()
        )
    record.created = at
    return record


def test_redis_out_of_reach_is_one_warning_per_outage() -> None:
    once = OncePerOutage(gap=60)
    outage = [_skipped_command(at) for at in (1000, 1000.2, 1030, 1089)]
    after_a_quiet_hour = _skipped_command(5000)

    passed = [record for record in [*outage, after_a_quiet_hour] if once.filter(record)]

    assert passed == [outage[0], after_a_quiet_hour]
    assert passed[0].levelname == "WARNING"
    assert passed[0].exc_info is None
    assert "Redis is out of reach ([Errno 111] Connection refused)" in passed[0].getMessage()
