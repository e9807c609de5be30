"""The portal's "delivered" (R9.8): from a receipt that came alone, at once; from one that came
on the provider's status message, from that message's handler, with the statuses it tells,
once, and without reading the request twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from bekitu.gateway.contracts import attachment_request, attachment_status
from bekitu.gateway.envelope import Part
from bekitu.gateway.handlers import Message, Receipt
from bekitu.portal.models import CitizenRequest
from bekitu.portal.requests import receipt_receive, status_receive
from tests.factories import PersonFactory
from tests.portal.test_requests_api import account_of

pytestmark = pytest.mark.django_db

NUMBER = "P-20261128-000001"
PROVIDER = "050140000110"


@pytest.fixture
def request_sent() -> CitizenRequest:
    account = account_of(PersonFactory())
    return CitizenRequest.objects.create(
        number=NUMBER,
        account=account,
        recipient_iin=account.iin,
        provider_bin=PROVIDER,
        provider_name="ГКП «ЕМХАНА №1»",
        status="sent",
        submitted_at=timezone.now() - dt.timedelta(minutes=1),
    )


def _receipt(at: dt.datetime, *, on_answer: bool) -> Receipt:
    return Receipt(
        message_id="0b3c2b8e-4d5f-4a8e-9c1d-2f6a7b8c9d0e",
        correlation_id=NUMBER,
        service_id=attachment_request.SERVICE_ID,
        route_id=PROVIDER,
        status_code="SCSS001",
        status_message="Message has been processed successfully",
        at=at,
        on_answer=on_answer,
    )


def _status_message(at: dt.datetime) -> Message:
    status = attachment_status.AttachmentStatus(
        number=NUMBER,
        status="checked",
        at=at,
        registration_number="A-2026-000001",
        earlier=(attachment_status.Step("registered", at),),
    )
    xml = attachment_status.build_status(status)
    return Message(
        message_id="5f0e7f6a-1b2c-4d3e-8f9a-0b1c2d3e4f5a",
        correlation_id=NUMBER,
        service_id=attachment_status.SERVICE_ID,
        sender_id=PROVIDER,
        route_id="egov-portal",
        date=at,
        parts=(Part(attachment_status.PART_STATUS, xml),),
    )


def _timeline(request: CitizenRequest) -> list[str]:
    return list(request.events.order_by("at", "id").values_list("status", flat=True))


def test_a_receipt_alone_marks_the_request_delivered(request_sent: CitizenRequest) -> None:
    receipt_receive(_receipt(timezone.now(), on_answer=False))

    request_sent.refresh_from_db()
    assert request_sent.status == "delivered"
    assert _timeline(request_sent) == ["delivered"]


def test_a_receipt_on_the_status_message_is_recorded_by_its_handler_once(
    request_sent: CitizenRequest, django_assert_num_queries: Any
) -> None:
    now = timezone.now()
    with django_assert_num_queries(0):  # the request is read by the status handler only
        receipt_receive(_receipt(now, on_answer=True))
    request_sent.refresh_from_db()
    assert request_sent.status == "sent" and _timeline(request_sent) == []

    status_receive(_status_message(now))

    request_sent.refresh_from_db()
    assert request_sent.status == "checked"
    assert _timeline(request_sent) == ["delivered", "registered", "checked"]
