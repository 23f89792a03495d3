"""Log lines: JSON objects in prod (one per line, for a log pipeline), readable text in dev.

A record's structured fields travel in `extra={"fields": {...}}`; both formats print them.
What goes into a field is the caller's responsibility: the access log (api/observe.py)
puts in only what it was built to, never a header, a query string, a body or a variable.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from api.settings import LogFormat, Settings

FIELDS = "fields"


def fields_of(record: logging.LogRecord) -> dict[str, Any]:
    found = getattr(record, FIELDS, None)
    return found if isinstance(found, dict) else {}


class JsonFormatter(logging.Formatter):
    """`{"time", "level", "logger", "message", ...fields}` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **fields_of(record),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """`time level logger: message key=value ...`, for a person at a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        pairs = " ".join(f"{k}={v}" for k, v in fields_of(record).items() if v is not None)
        return f"{text} {pairs}" if pairs else text


def logging_config(settings: Settings) -> dict[str, Any]:
    """The configuration `tablero serve` gives uvicorn: Tablero's and uvicorn's loggers in
    the chosen format; uvicorn's own access log off, as Tablero writes a richer one."""
    formatter = "json" if settings.log_format is LogFormat.JSON else "text"
    level = settings.log_level.value.upper()
    handler = {
        "class": "logging.StreamHandler",
        "formatter": formatter,
        "stream": "ext://sys.stderr",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}, "text": {"()": TextFormatter}},
        "handlers": {"default": handler},
        "loggers": {
            "tablero": {"handlers": ["default"], "level": level, "propagate": False},
            "uvicorn": {"handlers": ["default"], "level": level, "propagate": False},
            "uvicorn.error": {"level": level},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }
