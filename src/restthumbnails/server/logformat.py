"""Log formats for `serve`: plain lines for people, JSON lines for log pipelines.

Both escape every non-printable character of a message, whoever logged it
(Django's own loggers included), so one record is always one line.
"""

import json
import logging
from typing import Any

from ..core.logsafe import escape

# The fields the view attaches to its one line per request (logging's `extra`).
REQUEST_FIELDS = ("status", "thumbnail", "outcome", "duration_ms")
PLAIN_FORMAT = "%(asctime)s %(levelname)s [%(process)d] %(message)s"


class PlainFormatter(logging.Formatter):
    def formatMessage(self, record: logging.LogRecord) -> str:
        # Only the line itself: a traceback appended after it keeps its newlines.
        return escape(super().formatMessage(record))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "pid": record.process,
            "message": escape(record.getMessage()),
        }
        for field in REQUEST_FIELDS:
            if hasattr(record, field):
                value = getattr(record, field)
                entry[field] = escape(value) if isinstance(value, str) else value
        return json.dumps(entry, ensure_ascii=False)


def logging_config(*, level: str, fmt: str) -> dict[str, Any]:
    formatter = (
        {"()": "restthumbnails.server.logformat.JsonFormatter"}
        if fmt == "json"
        else {"()": "restthumbnails.server.logformat.PlainFormatter", "fmt": PLAIN_FORMAT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"main": formatter},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "main"}},
        "loggers": {
            "restthumbnails": {"handlers": ["stderr"], "level": level, "propagate": False},
            # Our own line per request already covers every answer.
            "django.request": {"handlers": ["stderr"], "level": "ERROR", "propagate": False},
            # Django's other warnings (django.security...), in the same format: with
            # LOGGING_CONFIG = None, Django's default handlers are not installed.
            "django": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
        },
    }
