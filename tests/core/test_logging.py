"""Logs never carry an IIN: the project's events and Django's own request lines are masked."""

from __future__ import annotations

import json
import logging
import logging.config

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


def _events(text: str, event: str) -> list[dict[str, object]]:
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("event") == event]


def test_an_event_is_written_once_where_gunicorn_configured_the_root_first(capfd) -> None:
    """gunicorn configures the root's handler before Django's LOGGING is applied: an event of
    the project's (and a line of the worker's, `celery`) is still one line, in JSON."""
    from django.conf import settings

    from bekitu.core import gunicorn

    try:
        logging.config.dictConfig(gunicorn.logconfig_dict)
        logging.config.dictConfig(settings.LOGGING)
        logging.getLogger("bekitu.core").info("sms.sent", extra={"fields": {"id": "1"}})
        logging.getLogger("celery.worker.strategy").info("task.received")
        err = capfd.readouterr().err
    finally:
        logging.config.dictConfig(settings.LOGGING)
    assert len(_events(err, "sms.sent")) == 1, err
    assert len(_events(err, "task.received")) == 1, err


def test_the_worker_keeps_the_projects_logging() -> None:
    from bekitu import celery_app

    assert celery_app.conf.worker_hijack_root_logger is False
