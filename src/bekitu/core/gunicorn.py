"""gunicorn's settings for `make run` and `make run-scale` (scripts/serve passes this module
with `-c python:bekitu.core.gunicorn`): its error and access logs go through the project's
JSON formatter (bekitu.core.logging), one event per line, IINs masked."""

from __future__ import annotations

import logging
import os
from typing import Any

from bekitu.core.logging import EventFormatter

workers = int(os.environ.get("BEKITU_WEB_WORKERS", "3"))
timeout = 60
graceful_timeout = 20
accesslog = "-"
errorlog = "-"


class AccessFormatter(EventFormatter):
    """One `http.request` event per request: method, path, status, bytes, milliseconds."""

    def format(self, record: logging.LogRecord) -> str:
        atoms: Any = record.args if isinstance(record.args, dict) else {}
        record.msg, record.args = "http.request", ()
        record.fields = {
            "method": atoms.get("m"),
            "path": atoms.get("U"),
            "query": atoms.get("q") or None,
            "status": atoms.get("s"),
            "bytes": atoms.get("B"),
            "ms": round(int(atoms.get("D") or 0) / 1000, 1),
            "pid": str(atoms.get("p") or "").strip("<>"),
        }
        return super().format(record)


logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "event": {"()": "bekitu.core.logging.EventFormatter"},
        "access": {"()": "bekitu.core.gunicorn.AccessFormatter"},
    },
    "handlers": {
        "error": {
            "class": "logging.StreamHandler",
            "formatter": "event",
            "stream": "ext://sys.stderr",
        },
        "access": {
            "class": "logging.StreamHandler",
            "formatter": "access",
            "stream": "ext://sys.stdout",
        },
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["error"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["error"], "level": "WARNING"},
}
