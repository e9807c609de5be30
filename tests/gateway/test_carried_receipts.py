"""A request's receipt carried by the handler's answer to its sender (gateway.receipts): one
envelope fewer when the handler answers, the receipt alone when it does not, or when its
answer is undone; the sender notes a carried receipt as one that came alone."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from lxml import etree

from bekitu.gateway import envelope
from bekitu.gateway.handlers import handler_register, handler_unregister, receipt_register
from bekitu.gateway.inbox import inbox_receive
from bekitu.gateway.models import InboxMessage, Kind, OutboxMessage
from bekitu.gateway.outbox import outbox_relay
from bekitu.gateway.receipts import (
    RECEIPT_CODE,
    RECEIPT_DATE,
    RECEIPT_KEYS,
    RECEIPT_MESSAGE_ID,
    receipt_carried,
)
from bekitu.gateway.services import message_send
from bekitu.gateway.worker import gateway_drain
from tests.gateway.conftest import SERVICE, GatewayPki, Recorder

pytestmark = pytest.mark.django_db

ANSWER = "test.answer"


@pytest.fixture
def answers() -> Any:
    """A handler of the answers' service on the request's sender (the portal)."""
    seen: list[Any] = []
    handler_register(service_id=ANSWER, handler=seen.append)
    yield seen
    handler_unregister(service_id=ANSWER)


def _request(gw: GatewayPki) -> OutboxMessage:
    return message_send(
        service_id=SERVICE,
        sender_id=gw.portal.system_id,
        route_id=gw.clinic_a.system_id,
        parts={"request.xml": b"<request/>"},
    )


def _answer(message: Any, *, to: str | None = None) -> None:
    message_send(
        service_id=ANSWER,
        sender_id=message.route_id,
        route_id=to or message.sender_id,
        correlation_id=message.correlation_id or message.message_id,
        parts={"status.xml": b"<status/>"},
        properties=[("step", "checked")],
    )


def _clinics_outbox(gw: GatewayPki) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(sender_id=gw.clinic_a.system_id).order_by("id"))


def _properties(row: OutboxMessage) -> dict[str, str]:
    request = envelope.read_request(etree.fromstring(bytes(row.envelope)))
    return dict(request.properties)


def test_an_answer_to_the_sender_carries_the_receipt_and_no_receipt_goes_alone(
    gw: GatewayPki, transport: Any, recorder: Recorder, answers: list[Any]
) -> None:
    receipts: list[Any] = []
    receipt_register(service_id=SERVICE, handler=receipts.append)
    recorder.effect = _answer
    sent = _request(gw)

    gateway_drain(transport=transport)

    [answer] = _clinics_outbox(gw)
    assert answer.kind == Kind.REQUEST and answer.service_id == ANSWER
    carried = _properties(answer)
    assert carried[RECEIPT_MESSAGE_ID] == str(sent.message_id)
    assert carried[RECEIPT_CODE] == envelope.SUCCESS
    stored = InboxMessage.objects.get(message_id=sent.message_id)
    assert carried[RECEIPT_DATE] == stored.processed_at.isoformat()
    # The sender noted it as a receipt, told its receipt handler, then handled the answer.
    sent.refresh_from_db()
    assert (sent.status, sent.receipt_code) == (OutboxMessage.Status.SENT, envelope.SUCCESS)
    assert sent.receipt_at == stored.processed_at
    assert [(r.message_id, r.status_code, r.on_answer) for r in receipts] == [
        (str(sent.message_id), envelope.SUCCESS, True)
    ]
    [handled] = answers
    # The handler is given its own properties, not the gateway's.
    assert handled.properties == (("step", "checked"),)
    assert not RECEIPT_KEYS & {key for key, _ in handled.properties}


def test_a_handler_that_answers_nobody_sends_the_receipt_alone(
    gw: GatewayPki, recorder: Recorder
) -> None:
    from bekitu.gateway.transports.memory import MemoryTransport

    sent = _request(gw)
    gateway_drain(transport=MemoryTransport())

    [receipt] = _clinics_outbox(gw)
    assert receipt.kind == Kind.RESPONSE and receipt.correlation_id == str(sent.message_id)
    sent.refresh_from_db()
    assert sent.receipt_code == envelope.SUCCESS


def test_an_answer_to_another_participant_does_not_carry_the_receipt(
    gw: GatewayPki, recorder: Recorder
) -> None:
    from bekitu.gateway.transports.memory import MemoryTransport

    recorder.effect = lambda message: _answer(message, to=gw.clinic_b.system_id)
    sent = _request(gw)
    outbox_relay(transport=(transport := MemoryTransport()))
    inbox_receive(transport=transport, route_ids=[gw.clinic_a.system_id])

    to_b, receipt = _clinics_outbox(gw)
    assert to_b.route_id == gw.clinic_b.system_id
    assert not RECEIPT_KEYS & set(_properties(to_b))
    assert receipt.kind == Kind.RESPONSE and receipt.correlation_id == str(sent.message_id)


def test_a_handler_that_fails_after_answering_undoes_the_answer_and_sends_the_receipt_alone(
    gw: GatewayPki, recorder: Recorder
) -> None:
    from bekitu.gateway.transports.memory import MemoryTransport

    def answer_then_fail(message: Any) -> None:
        _answer(message)
        raise RuntimeError("the handler failed after its answer")

    recorder.effect = answer_then_fail
    sent = _request(gw)
    outbox_relay(transport=(transport := MemoryTransport()))
    inbox_receive(transport=transport, route_ids=[gw.clinic_a.system_id])

    [receipt] = _clinics_outbox(gw)
    assert receipt.kind == Kind.RESPONSE and receipt.correlation_id == str(sent.message_id)
    assert InboxMessage.objects.get(message_id=sent.message_id).status == "retrying"

    # The retry answers: the receipt went already, so the answer carries none.
    recorder.effect = _answer
    InboxMessage.objects.update(next_attempt_at=sent.created_at)
    gateway_drain(transport=transport)
    answer = _clinics_outbox(gw)[-1]
    assert answer.service_id == ANSWER and not RECEIPT_KEYS & set(_properties(answer))


class _Undone(Exception):
    pass


def _answer_taken_back(message: Any) -> None:
    """A handler that answers in a savepoint of its own, takes the answer back, goes on."""
    from django.db import transaction

    try:
        with transaction.atomic():
            _answer(message)
            raise _Undone
    except _Undone:
        pass


def test_an_answer_taken_back_by_the_handler_that_goes_on_leaves_the_receipt_to_go_alone(
    gw: GatewayPki, recorder: Recorder
) -> None:
    from bekitu.gateway.transports.memory import MemoryTransport

    recorder.effect = _answer_taken_back
    sent = _request(gw)
    outbox_relay(transport=(transport := MemoryTransport()))
    inbox_receive(transport=transport, route_ids=[gw.clinic_a.system_id])

    assert InboxMessage.objects.get(message_id=sent.message_id).status == "processed"
    [receipt] = _clinics_outbox(gw)
    assert receipt.kind == Kind.RESPONSE and receipt.correlation_id == str(sent.message_id)
    gateway_drain(transport=transport)
    sent.refresh_from_db()
    assert sent.receipt_code == envelope.SUCCESS


def test_an_answer_that_cannot_be_built_leaves_the_receipt_for_the_next(
    gw: GatewayPki, recorder: Recorder, settings: Any
) -> None:
    from bekitu.core.errors import DomainError
    from bekitu.gateway.transports.memory import MemoryTransport

    def too_large_then_answer(message: Any) -> None:
        limit = settings.GATEWAY_MAX_ENVELOPE_BYTES
        settings.GATEWAY_MAX_ENVELOPE_BYTES = 1
        with contextlib.suppress(DomainError):  # the handler gives up on that answer
            _answer(message)
        settings.GATEWAY_MAX_ENVELOPE_BYTES = limit
        _answer(message)

    recorder.effect = too_large_then_answer
    sent = _request(gw)
    outbox_relay(transport=(transport := MemoryTransport()))
    inbox_receive(transport=transport, route_ids=[gw.clinic_a.system_id])

    [answer] = _clinics_outbox(gw)
    assert _properties(answer)[RECEIPT_MESSAGE_ID] == str(sent.message_id)


def test_parked_on_its_first_delivery_the_sender_hears_stored_then_failed(
    gw: GatewayPki, recorder: Recorder, settings: Any
) -> None:
    from bekitu.gateway.transports.memory import MemoryTransport

    settings.GATEWAY_MAX_ATTEMPTS = 1
    recorder.fail_times = 1
    recorder.effect = _answer
    _request(gw)
    outbox_relay(transport=(transport := MemoryTransport()))
    inbox_receive(transport=transport, route_ids=[gw.clinic_a.system_id])

    codes = [
        envelope.read_response(etree.fromstring(bytes(row.envelope))).status_code
        for row in _clinics_outbox(gw)
    ]
    assert codes == [envelope.SUCCESS, envelope.SERVICE_FAILED]


def test_the_receipt_properties_are_the_gateways_own(gw: GatewayPki) -> None:
    with pytest.raises(ValueError, match="gateway's own"):
        message_send(
            service_id=SERVICE,
            sender_id=gw.portal.system_id,
            route_id=gw.clinic_a.system_id,
            properties=[(RECEIPT_MESSAGE_ID, "0b3c2b8e-4d5f-4a8e-9c1d-2f6a7b8c9d0e")],
        )
    assert not OutboxMessage.objects.exists()


def _answer_header() -> envelope.Header:
    """The header of a provider's answer to the portal."""
    from django.utils import timezone

    return envelope.Header(
        message_id=envelope.new_message_id(),
        service_id=ANSWER,
        sender_id="050140000110",
        route_id="egov-portal",
        date=timezone.now(),
    )


@pytest.mark.parametrize(
    "carried",
    [
        {
            RECEIPT_MESSAGE_ID: "not-a-uuid",
            RECEIPT_CODE: "SCSS001",
            RECEIPT_DATE: "2026-11-28T10:00:00+05:00",
        },
        {RECEIPT_MESSAGE_ID: "0b3c2b8e-4d5f-4a8e-9c1d-2f6a7b8c9d0e", RECEIPT_CODE: "SCSS001"},
        {
            RECEIPT_MESSAGE_ID: "0b3c2b8e-4d5f-4a8e-9c1d-2f6a7b8c9d0e",
            RECEIPT_CODE: "ESRV002",
            RECEIPT_DATE: "2026-11-28T10:00:00+05:00",
        },
        {
            RECEIPT_MESSAGE_ID: "0b3c2b8e-4d5f-4a8e-9c1d-2f6a7b8c9d0e",
            RECEIPT_CODE: "SCSS001",
            RECEIPT_DATE: "2026-11-28T10:00:00",
        },
    ],
)
def test_a_carried_receipt_that_cannot_be_read_is_no_receipt(carried: dict[str, str]) -> None:
    header = _answer_header()
    assert receipt_carried(envelope.Request(header, (), tuple(carried.items()))) is None


def test_a_carried_receipt_reads_as_the_receipt_alone_would() -> None:
    header = _answer_header()
    carried = (
        (RECEIPT_MESSAGE_ID, "0b3c2b8e-4d5f-4a8e-9c1d-2f6a7b8c9d0e"),
        (RECEIPT_CODE, envelope.SUCCESS),
        (RECEIPT_DATE, "2026-11-28T10:00:00+05:00"),
    )
    receipt = receipt_carried(envelope.Request(header, (), carried))
    assert receipt is not None
    assert receipt.header.correlation_id == "0b3c2b8e-4d5f-4a8e-9c1d-2f6a7b8c9d0e"
    assert receipt.header.sender_id == "050140000110"  # the answer's authenticated sender
    assert receipt.header.date.isoformat() == "2026-11-28T10:00:00+05:00"
    assert receipt.ok
