"""A fresh talon's PDF is signed in the background: the API answers 202 with Retry-After and
the page asks again by itself, until the PDF is there."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from bekitu.service.models import Application
from bekitu.talons.models import Talon
from bekitu.talons.services import talon_pdf_make
from tests.workstation.conftest import Desk

pytestmark = pytest.mark.django_db


def _decided(desk: Desk) -> str:
    api = desk.api("specialist")
    payload = {"recipient_iin": desk.person.iin, "channel": "desk", "reason": "choice"}
    created = api.post(reverse("workstation-api:applications"), payload, format="json").json()
    number = created["number"]
    documents = [item["code"] for item in created["checklist"]]
    url = reverse("workstation-api:accept-documents", args=[number])
    assert api.post(url, {"documents": documents}, format="json").status_code == 200
    url = reverse("workstation-api:issue-talon", args=[number])
    assert api.post(url, {}, format="json").status_code == 200
    return number


def _make_pdf(number: str) -> None:
    talon_number = Application.objects.get(number=number).talon_number
    talon_pdf_make(talon_id=Talon.objects.get(number=talon_number).pk)


def test_the_api_answers_202_with_retry_after_until_the_pdf_is_signed(
    desk: Desk, settings: Any
) -> None:
    settings.TALON_PDF_WAIT_SECONDS = 60
    number = _decided(desk)
    api = desk.api("specialist")
    url = reverse("workstation-api:talon-pdf", args=[number])
    pending = api.get(url, HTTP_ACCEPT_LANGUAGE="ru")
    assert pending.status_code == 202 and pending["Retry-After"] == "1"
    assert pending.json()["code"] == "pdf_pending"
    assert "подписывается" in pending.json()["message"]
    _make_pdf(number)
    ready = api.get(url)
    assert ready.status_code == 200 and ready["Content-Type"] == "application/pdf"


def test_the_page_asks_again_by_itself_until_the_pdf_is_signed(desk: Desk, settings: Any) -> None:
    settings.TALON_PDF_WAIT_SECONDS = 60
    number = _decided(desk)
    client = desk.client("specialist")
    url = reverse("workstation:pdf", args=[number, "talon"])
    pending = client.get(url)
    assert pending.status_code == 202 and pending["Refresh"] == "1"
    assert b'http-equiv="refresh"' in pending.content
    assert pending["Cache-Control"] == "no-store"
    _make_pdf(number)
    ready = client.get(url)
    assert ready.status_code == 200 and ready["Content-Type"] == "application/pdf"
