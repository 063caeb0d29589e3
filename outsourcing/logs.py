"""Logging filters named in `settings.LOGGING`."""

import logging


class ClientErrorsWithoutTraceback(logging.Filter):
    """A 4xx answer is expected (a 403 for someone without the right, a 400 for a bad
    request): its record keeps the one line ("Forbidden (Permission denied): /path") and
    drops the traceback of the exception that produced it. 5xx records keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status_code = getattr(record, "status_code", None)
        if isinstance(status_code, int) and status_code < 500:
            record.exc_info = None
            record.exc_text = None
        return True


class OncePerOutage(logging.Filter):
    """With Redis out of reach, django-redis logs every cache command it skips, several a
    request. This lets the first through as one warning line and drops the rest of the
    outage: an outage lasts until no failure has come for `gap` seconds. Its memory is
    the process's own, so each web worker says it once."""

    def __init__(self, gap: float = 60.0) -> None:
        super().__init__()
        self.gap = gap
        self.last_failure: float | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        new_outage = self.last_failure is None or record.created - self.last_failure > self.gap
        self.last_failure = record.created
        if not new_outage:
            return False
        error = record.exc_info[1] if record.exc_info else None
        record.msg = (
            "Redis is out of reach (%s): pages go on without the cache and sessions come "
            "from the database. Said once per outage."
        )
        record.args = (getattr(error, "__cause__", None) or error,)
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.exc_info = None
        record.exc_text = None
        return True
