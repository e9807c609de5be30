"""Deeply nested JSON is a 400, not a 500; error reports never show a URL's password."""

from __future__ import annotations

import logging
import sys

import pytest
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.views.debug import ExceptionReporter

from bekitu.core.logging import EventFormatter, mask_url_credentials
from tests.workstation.conftest import Desk

pytestmark = pytest.mark.django_db

BROKER = "amqp://bekitu:broker-s3cret@mq.internal:5672//"
DATABASE = "postgres://bekitu:db-s3cret@db.internal:5432/bekitu"
CACHE = "redis://:cache-s3cret@cache.internal:6379/0"


@pytest.mark.parametrize("depth", [33, 1000, 100_000])
def test_deeply_nested_json_is_refused_with_400(desk: Desk, depth: int) -> None:
    api = desk.api("specialist")
    body = "[" * depth + "]" * depth
    for name in ("register-lookup", "person-lookup", "applications"):
        response = api.post(
            reverse(f"workstation-api:{name}"), body, content_type="application/json"
        )
        assert response.status_code == 400, (name, response.status_code)
        assert response["Content-Type"].startswith("application/json")


def test_json_nested_within_the_limit_is_parsed_as_before(desk: Desk) -> None:
    api = desk.api("specialist")
    body = {"iin": [[["x"]]]}
    response = api.post(reverse("workstation-api:person-lookup"), body, format="json")
    assert response.status_code == 400 and "iin" in response.json()["fields"]


def _report(debug: bool) -> str:
    request = RequestFactory().get(
        "/boom", BEKITU_BROKER_URL=BROKER, DATABASE_URL=DATABASE, BEKITU_CACHE_URL=CACHE
    )
    with override_settings(
        DEBUG=debug, CELERY_BROKER_URL=BROKER, DATABASE_URL=DATABASE, CACHE_URL=CACHE
    ):
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            reporter = ExceptionReporter(request, *sys.exc_info())
            return reporter.get_traceback_html() + reporter.get_traceback_text()


@pytest.mark.parametrize("debug", [True, False])
def test_error_reports_mask_the_password_of_every_url_setting(debug: bool) -> None:
    report = _report(debug)
    for secret in ("broker-s3cret", "db-s3cret", "cache-s3cret"):
        assert secret not in report
    assert "mq.internal" in report  # the rest of the URL still helps whoever debugs


def test_log_lines_mask_url_passwords_too() -> None:
    record = logging.LogRecord(
        "bekitu", logging.ERROR, __file__, 1, f"no broker at {BROKER}", None, None
    )
    line = EventFormatter().format(record)
    assert "broker-s3cret" not in line and "amqp://bekitu:********@mq.internal" in line
    assert mask_url_credentials("postgres://u@h/db") == "postgres://u@h/db"
