"""The cabinet holds to what was decided: a talon and a refusal never replace each other, and
a talon is downloaded only of a request whose decision it is; notifications go by each way
on its own and a broker that does not take them fails nothing; an address that is no request
number is a 404 on every database; the register's answer names an adult ward."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from unittest import mock

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.utils import timezone

from bekitu.core.models import AuditEntry
from bekitu.gateway.contracts import attachment_status as sc
from bekitu.gateway.envelope import Part
from bekitu.gateway.handlers import Message
from bekitu.portal import directory
from bekitu.portal import requests as portal_requests
from bekitu.portal.models import CitizenRequest, Status
from bekitu.portal.notifications import notify_now
from tests.factories import PersonFactory, PersonRelationFactory
from tests.portal import test_requests_api as api
from tests.portal.test_cabinet_api import bearer
from tests.portal.test_requests_api import API, account_of, submitted

pytestmark = pytest.mark.django_db

auth = api.auth  # the API tests' fixture: the logged-in citizen's bearer header

TALON_XML = Part(sc.PART_TALON_XML, b"<talon/>", "application/xml")
WORDS = {"kk": "x", "ru": "x", "en": "x"}


def _message(settings: Any, sender: str, status: sc.AttachmentStatus, *extra: Part) -> Message:
    return Message(
        message_id=str(uuid.uuid4()),
        correlation_id=status.number,
        service_id=sc.SERVICE_ID,
        sender_id=sender,
        route_id=settings.PORTAL_SYSTEM_ID,
        date=timezone.now(),
        parts=(Part(sc.PART_STATUS, sc.build_status(status), "application/xml"), *extra),
    )


def _talon(number: str, at: dt.datetime) -> sc.AttachmentStatus:
    return sc.AttachmentStatus(
        number=number,
        status="talon_issued",
        at=at,
        talon_number="T-000001",
        verify_url="https://bekitu.example/verify/x",
        earlier=(
            sc.Step("registered", at - dt.timedelta(minutes=2)),
            sc.Step("checked", at - dt.timedelta(minutes=1)),
        ),
    )


def _refused(number: str, at: dt.datetime) -> sc.AttachmentStatus:
    return sc.AttachmentStatus(
        number=number,
        status="refused",
        at=at,
        refusal=sc.Refusal("already_attached", WORDS, WORDS),
    )


@pytest.mark.parametrize("first", ["talon", "refusal"])
def test_a_decision_is_final_and_a_contradicting_one_is_kept_out(
    client: Any,
    auth: dict[str, str],
    citizen: Any,
    provider: Any,
    test_pki: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
    first: str,
) -> None:
    number = submitted(client, auth, provider, citizen, test_pki)
    now = timezone.now()
    talon = _message(settings, provider.bin, _talon(number, now), TALON_XML)
    refusal = _message(settings, provider.bin, _refused(number, now + dt.timedelta(minutes=5)))
    decided, contradiction = (talon, refusal) if first == "talon" else (refusal, talon)
    portal_requests.status_receive(decided)
    with django_capture_on_commit_callbacks() as notified:
        portal_requests.status_receive(contradiction)
    assert notified == []
    seen = client.get(API + f"attachment-requests/{number}", **auth).json()
    if first == "talon":
        assert seen["status"] == "talon_issued" and seen["refusal"] is None
        assert seen["talon"]["number"] == "T-000001"
    else:
        assert seen["status"] == "refused" and seen["talon"] is None
        talon_file = client.get(API + f"attachment-requests/{number}/talon.xml", **auth)
        assert talon_file.status_code == 404
    assert AuditEntry.objects.filter(action="portal.request.decision_contradicted").count() == 1


def test_the_talons_file_name_is_made_of_safe_characters(
    client: Any, auth: dict[str, str], citizen: Any, provider: Any, test_pki: Any, settings: Any
) -> None:
    number = submitted(client, auth, provider, citizen, test_pki)
    status = _talon(number, timezone.now())
    portal_requests.status_receive(_message(settings, provider.bin, status, TALON_XML))
    CitizenRequest.objects.filter(number=number).update(talon_number='T-1"\r\nX: y')
    answer = client.get(API + f"attachment-requests/{number}/talon.xml", **auth)
    assert answer.status_code == 200
    assert answer["Content-Disposition"] == 'attachment; filename="talon-T-1___X__y.xml"'


class _MailDown(BaseEmailBackend):
    def send_messages(self, messages: Any) -> int:
        import smtplib

        raise smtplib.SMTPServerDisconnected("the mail server is down")


def test_a_mail_server_down_does_not_keep_the_sms_from_going(
    client: Any,
    auth: dict[str, str],
    citizen: Any,
    provider: Any,
    test_pki: Any,
    settings: Any,
    sms: list[Any],
) -> None:
    number = submitted(client, auth, provider, citizen, test_pki)
    settings.EMAIL_BACKEND = f"{__name__}._MailDown"
    request = CitizenRequest.objects.get(number=number)
    notified = notify_now(request.pk, "registered")
    assert (notified.sent, notified.failed) == (1, ("email",))
    assert len(sms) == 1 and number in sms[0].text
    # The retry sends the way that failed, alone: no second SMS.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    again = notify_now(request.pk, "registered", notified.failed)
    assert (again.sent, again.failed, len(sms)) == (1, (), 1)


@pytest.mark.django_db(transaction=True)
def test_a_broker_that_does_not_take_the_notification_fails_nothing(
    citizen: Any, provider: Any, settings: Any
) -> None:
    row = CitizenRequest.objects.create(
        number="P-20260301-000777",
        account=account_of(citizen),
        recipient_iin=citizen.iin,
        provider_bin=provider.bin,
        provider_name="x",
        status=Status.SENT,
        submitted_at=timezone.now(),
    )
    message = _message(settings, provider.bin, _talon(row.number, timezone.now()), TALON_XML)
    with (
        mock.patch("bekitu.portal.tasks.notify.delay", side_effect=ConnectionError),
        transaction.atomic(),
    ):
        portal_requests.status_receive(message)
    row.refresh_from_db()
    assert row.status == Status.TALON_ISSUED


@pytest.mark.parametrize("number", ["%00", "x%00y", "P-1%0a"])
def test_an_address_that_is_no_request_number_is_not_found(
    client: Any, citizen: Any, number: str
) -> None:
    client.raise_request_exception = False
    headers = bearer(citizen)
    for tail in ("", "/talon.xml", "/talon.pdf"):
        answer = client.get(API + f"attachment-requests/{number}{tail}", **headers)
        assert answer.status_code == 404, (tail, answer.status_code)


def test_the_cabinet_names_an_adult_ward(citizen: Any, provider: Any, channel: Any) -> None:
    ward = PersonFactory(birth_date=dt.date(1950, 4, 4))
    PersonRelationFactory(person=ward, relative=citizen, kind="guardian")
    grown = PersonFactory(birth_date=dt.date(2000, 4, 4))
    PersonRelationFactory(person=grown, relative=citizen, kind="parent")
    named = {p.iin for p in directory.attachments(citizen.iin)}
    assert ward.iin in named and grown.iin not in named
