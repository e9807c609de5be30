"""Structured logs: an event name and fields, one line of JSON. Never an IIN or a name."""

from __future__ import annotations

import json
import logging
import re

_IIN = re.compile(r"(?<!\d)\d{12}(?!\d)")
# user:password@ in any URL (amqp://, postgres://, redis://, https://, ...).
_URL_CREDENTIALS = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s/]*@", re.I)
MASK = "********"


def mask_url_credentials(text: str) -> str:
    """The text with the password of every `scheme://user:password@host` in it masked."""
    return _URL_CREDENTIALS.sub(lambda m: f"{m['head']}{MASK}@", text)


# The value of every query-string parameter in a URL or request line: a person search puts a
# name or the start of an IIN there (`?q=...`), and 11 digits give the whole IIN away.
_QUERY_VALUE = re.compile(r"(?P<name>[?&;][^=&;\s\"'#?]+=)[^&;\s\"'#]*")


def mask_query_strings(text: str) -> str:
    """The text with every query parameter's value masked (`?q=***&page=***`)."""
    return _QUERY_VALUE.sub(lambda m: f"{m['name']}***", text)


def scrub(value: object) -> object:
    """Mask anything that looks like an IIN or BIN, query-string values and passwords in
    URLs, as a last line of defence."""
    if isinstance(value, str):
        return mask_url_credentials(mask_query_strings(_IIN.sub("************", value)))
    return value


class MaskFilter(logging.Filter):
    """For handlers that do not use EventFormatter (a WSGI server's access log, e.g.
    gunicorn's `gunicorn.access` through its logconfig_dict): the record's message is
    formatted and scrubbed once, so no handler writes a query string or an IIN."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Always keep the record, scrubbed."""
        record.msg = str(scrub(record.getMessage()))
        record.args = None
        return True


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
