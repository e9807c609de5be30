"""R3.1 in the cabinet: a request decided while the provider's signing key is missing shows
`talon_pending` with the talon's number and no files (pages and API), and the citizen is told
by SMS and e-mail; once the key is back and the talon signed, `talon_issued` with the signed
talon follows, as for any talon."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from bekitu.celery import app as celery_app
from bekitu.core.audit import audit_verify
from bekitu.core.models import AuditEntry
from bekitu.core.sms import sms_segments
from bekitu.eds.verification import verify_provider_document
from bekitu.gateway.contracts import attachment_status as sc
from bekitu.gateway.envelope import Part
from bekitu.portal import requests as portal_requests
from bekitu.portal import sessions
from bekitu.portal.models import CitizenRequest, Status
from bekitu.portal.notifications import status_email_text, status_sms_text
from bekitu.service.models import Application
from bekitu.talons.services import talons_sign_pending
from tests.portal.conftest import drain
from tests.portal.test_cabinet_fixes import _message, _refused
from tests.portal.test_requests_api import API, account_of, body, draft, sign, submit, submitted

pytestmark = pytest.mark.django_db


def test_a_request_decided_without_the_key_shows_the_talon_pending_then_the_signed_talon(
    citizen: Any,
    provider: Any,
    test_pki: Any,
    channel: Any,
    key_away: Callable[[], None],
    sms: list[Any],
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(celery_app.conf, "CELERY_TASK_ALWAYS_EAGER", True)
    account = account_of(citizen)
    api = Client(HTTP_ACCEPT_LANGUAGE="ru")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {sessions.token_issue(account)}"}
    made = draft(api, auth, body(provider)).json()
    sent = submit(api, auth, made["draft_id"], sign(test_pki, citizen.iin, made["xml_to_sign"]))
    number = sent.json()["number"]
    with django_capture_on_commit_callbacks(execute=True):
        drain(channel)

    application = Application.objects.get(portal_request__number=number)
    shown = api.get(API + f"attachment-requests/{number}", **auth).json()
    assert shown["status"] == "talon_pending", shown
    assert [e["status"] for e in shown["events"]][-3:] == ["registered", "checked", "talon_pending"]
    assert shown["talon"] == {
        "number": application.talon_number,
        "signature_pending": True,
        "xml_url": None,
        "pdf_url": None,
        "verify_url": "",
    }
    assert shown["seconds_left"] is None  # decided: the term no longer runs
    for kind in ("xml", "pdf"):
        assert (
            api.get(API + f"attachment-requests/{number}/talon.{kind}", **auth).status_code == 404
        )
    pages = Client(HTTP_ACCEPT_LANGUAGE="ru")
    pages.force_login(account.user)
    page = pages.get(f"/portal/requests/{number}/").content.decode()
    assert 'data-status="talon_pending"' in page and 'id="talon-pending"' in page
    assert application.talon_number in page
    assert 'id="talon-pdf"' not in page and 'id="talon-xml"' not in page
    assert 'id="request-decided" data-on-time="true"' in page
    assert pages.get(f"/portal/requests/{number}/talon.pdf").status_code == 404
    cabinet = pages.get("/portal/cabinet/").content.decode()
    assert 'data-status="talon_pending"' in cabinet
    # Told by SMS (one segment) and e-mail, in the request's language.
    assert [m.text for m in sms][-1] == f"Bekitu: запрос {number}: талон выдан, ждёт подписи ЭЦП."
    assert application.talon_number in mailoutbox[-1].body

    key_away()
    assert talons_sign_pending() == (1, 0)
    with django_capture_on_commit_callbacks(execute=True):
        drain(channel)

    shown = api.get(API + f"attachment-requests/{number}", **auth).json()
    assert shown["status"] == "talon_issued", shown
    assert [e["status"] for e in shown["events"]][-2:] == ["talon_pending", "talon_issued"]
    assert shown["talon"]["signature_pending"] is False
    xml = api.get(shown["talon"]["xml_url"], **auth)
    assert verify_provider_document(xml.content, expect_bin=provider.bin).valid
    page = pages.get(f"/portal/requests/{number}/").content.decode()
    assert 'id="talon-pdf"' in page and 'id="talon-pending"' not in page
    assert pages.get(f"/portal/requests/{number}/talon.pdf").content.startswith(b"%PDF")
    assert sms[-1].text == f"Bekitu: запрос {number}: талон выдан, он в личном кабинете."
    assert audit_verify().ok


def _pending(number: str, at: dt.datetime) -> sc.AttachmentStatus:
    return sc.AttachmentStatus(
        number=number, status="talon_pending", at=at, talon_number="T-000001"
    )


def test_a_refusal_after_the_talon_pending_is_kept_out(
    client: Any, citizen: Any, provider: Any, test_pki: Any, settings: Any, channel: Any
) -> None:
    auth = {"HTTP_AUTHORIZATION": f"Bearer {sessions.token_issue(account_of(citizen))}"}
    number = submitted(client, auth, provider, citizen, test_pki)
    now = timezone.now()
    portal_requests.status_receive(_message(settings, provider.bin, _pending(number, now)))
    refusal = _refused(number, now + dt.timedelta(minutes=5))
    portal_requests.status_receive(_message(settings, provider.bin, refusal))

    assert CitizenRequest.objects.get(number=number).status == Status.TALON_PENDING
    assert AuditEntry.objects.filter(action="portal.request.decision_contradicted").count() == 1


def test_a_status_message_of_version_1_is_still_applied(
    client: Any, citizen: Any, provider: Any, test_pki: Any, settings: Any, channel: Any
) -> None:
    """A provider's system not yet on version 2 of the status: its messages are read."""
    auth = {"HTTP_AUTHORIZATION": f"Bearer {sessions.token_issue(account_of(citizen))}"}
    number = submitted(client, auth, provider, citizen, test_pki)
    status = sc.AttachmentStatus(
        number=number, status="registered", at=timezone.now(), registration_number="A-1"
    )
    document = sc.build_status(status).replace(b'version="2"', b'version="1"')
    message = _message(settings, provider.bin, status)
    older = replace(message, parts=(Part(sc.PART_STATUS, document, "application/xml"),))
    portal_requests.status_receive(older)

    seen = CitizenRequest.objects.get(number=number)
    assert (seen.status, seen.registration_number) == (Status.REGISTERED, "A-1")


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_talon_pending_notice_names_the_talon_by_mail_and_is_one_sms(language: str) -> None:
    request = CitizenRequest(number="P-20261231-999999", talon_number="T-050140000110-2026-000123")
    with translation.override(language):
        mail = status_email_text(request, Status.TALON_PENDING)
        short = status_sms_text(request.number, Status.TALON_PENDING)
    assert request.talon_number in mail
    assert sms_segments(short) == 1, short
