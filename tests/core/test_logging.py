"""Logs never carry an IIN: the project's events and Django's own request lines are masked."""

from __future__ import annotations

import json
import logging

from bekitu.core.logging import EventFormatter


def _format(logger: str, message: str, *args: object, **fields: object) -> dict[str, object]:
    record = logging.LogRecord(logger, logging.INFO, __file__, 1, message, args, None)
    record.fields = fields
    return json.loads(EventFormatter().format(record))


def test_an_iin_in_an_event_field_is_masked() -> None:
    line = _format("bekitu.registry", "person.read", iin="900517401231", count=3)
    assert line["iin"] == "************" and line["count"] == 3


def test_an_iin_in_a_django_request_line_is_masked() -> None:
    line = _format(
        "django.server",
        '"%s" %s %s',
        "GET /workstation/population/?q=900517401231 HTTP/1.1",
        200,
        5,
    )
    assert "900517401231" not in json.dumps(line)
    assert "q=***" in str(line["event"]) and "0102" not in str(line["event"])


def test_django_and_signxml_loggers_go_through_the_masking_formatter() -> None:
    for name in ("django", "django.server", "signxml"):
        handlers = logging.getLogger(name).handlers
        assert handlers and all(isinstance(h.formatter, EventFormatter) for h in handlers), name
    assert logging.getLogger("signxml").level == logging.WARNING
