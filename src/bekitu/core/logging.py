"""Structured logs: an event name and fields, one line of JSON. Never an IIN or a name."""

from __future__ import annotations

import json
import logging
import re

_IIN = re.compile(r"(?<!\d)\d{12}(?!\d)")


def scrub(value: object) -> object:
    """Mask anything that looks like an IIN or BIN, as a last line of defence."""
    if isinstance(value, str):
        return _IIN.sub("************", value)
    return value


class EventFormatter(logging.Formatter):
    """Format `log.info("event.name", extra={"fields": {...}})` as one JSON line."""

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", {}) or {}
        line = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": scrub(record.getMessage()),
            **{k: scrub(v) for k, v in fields.items()},
        }
        if record.exc_info:
            line["exc"] = scrub(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)
