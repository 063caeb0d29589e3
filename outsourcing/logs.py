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
