"""Log formats for `serve`: plain lines for people, JSON lines for log pipelines."""

import json
import logging

# The fields the view attaches to its one line per request (logging's `extra`).
REQUEST_FIELDS = ("status", "thumbnail", "outcome", "duration_ms")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "pid": record.process,
            "message": record.getMessage(),
        }
        for field in REQUEST_FIELDS:
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        return json.dumps(entry, ensure_ascii=False)


def logging_config(*, level: str, fmt: str) -> dict:  # type: ignore[type-arg]
    formatter = (
        {"()": "restthumbnails.logformat.JsonFormatter"}
        if fmt == "json"
        else {"format": "%(asctime)s %(levelname)s [%(process)d] %(message)s"}
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
        },
    }
