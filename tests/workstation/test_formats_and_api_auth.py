"""Dates read 27.11.2026 18:04 in Kazakh and Russian on every page, the admin included
(settings.FORMAT_MODULE_PATH); the API never asks a browser for a password (Swagger UI works
with the workstation's session), while programs still get a Basic challenge."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import formats, translation
from rest_framework.test import APIClient

from bekitu.core.audit import audit_record
from bekitu.core.models import AuditEntry, User
from tests.workstation.conftest import Desk

pytestmark = pytest.mark.django_db

MOMENT = dt.datetime(2026, 11, 27, 18, 4, tzinfo=ZoneInfo("Asia/Almaty"))


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_a_moment_and_a_day_are_written_as_numbers(lang: str) -> None:
    with translation.override(lang):
        assert formats.date_format(MOMENT, "DATETIME_FORMAT") == "27.11.2026 18:04"
        assert formats.date_format(MOMENT.date()) == "27.11.2026"
        assert formats.localize(MOMENT) == "27.11.2026 18:04"
        rendered = Template("{{ at }}|{{ at|date }}").render(Context({"at": MOMENT}))
        assert rendered == "27.11.2026 18:04|27.11.2026"


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_admin_writes_the_audit_log_s_moments_as_numbers(client: Client, lang: str) -> None:
    client.force_login(User.objects.create_superuser("chief", password="x-Strong-Password-1"))
    audit_record(action="core.test", object_type="core.test", object_id="1")
    entry = AuditEntry.objects.get(action="core.test")
    page = client.get("/admin/core/auditentry/", HTTP_ACCEPT_LANGUAGE=lang).content.decode()
    local = entry.at.astimezone(ZoneInfo("Asia/Almaty"))
    assert local.strftime("%d.%m.%Y %H:%M") in page
    assert not re.search(r"\b(a|p)\.m\.", page)


def test_a_browser_is_never_challenged_with_basic(desk: Desk) -> None:
    url = reverse("workstation-api:applications")
    browser = APIClient(HTTP_SEC_FETCH_MODE="cors", HTTP_SEC_FETCH_SITE="same-origin")
    response = browser.get(url)
    assert response.status_code == 401
    assert "Basic" not in response["WWW-Authenticate"]
    assert response["WWW-Authenticate"].startswith("Session")
    # A program gets the Basic challenge it answers with its credentials.
    program = APIClient().get(url)
    assert program.status_code == 401 and program["WWW-Authenticate"].startswith("Basic")


def test_swagger_ui_calls_the_api_with_the_session_and_its_csrf_token(desk: Desk) -> None:
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(desk.users["specialist"])
    script = client.get(reverse("api-docs"), {"script": ""}).content.decode()
    token = re.search(r'request\.headers\["X-CSRFTOKEN"\] = "([^"]+)"', script)
    assert token, "Swagger UI's script sends the CSRF token with each unsafe call"
    listed = client.get(reverse("workstation-api:applications"), HTTP_SEC_FETCH_MODE="cors")
    assert listed.status_code == 200
    body = {"recipient_iin": desk.person.iin, "channel": "desk", "reason": "choice"}
    created = client.post(
        reverse("workstation-api:applications"),
        body,
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token.group(1),
        HTTP_SEC_FETCH_MODE="cors",
    )
    assert created.status_code == 201, created.content[:500]
