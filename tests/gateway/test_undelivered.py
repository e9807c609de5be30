"""The sender hears when its request will not get through (R9.8): its own outbox parked it or an
operator discarded it (`undelivered_register`, in that transaction), or the receiver's operator
discarded it there (a receipt ESRV004); and a deactivated participant's queued messages are
parked at once for an operator, never signed and sent to be refused."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from bekitu.core.audit import audit_record
from bekitu.core.models import AuditEntry
from bekitu.gateway import envelope, services
from bekitu.gateway.handlers import (
    Undelivered,
    handler_unregister,
    receipt_register,
    undelivered_register,
)
from bekitu.gateway.inbox import inbox_receive, inbox_retry_due
from bekitu.gateway.models import InboxMessage, OutboxMessage
from bekitu.gateway.outbox import outbox_relay
from bekitu.gateway.transports.memory import MemoryTransport
from bekitu.gateway.worker import gateway_drain
from tests.gateway.conftest import SERVICE, GatewayPki, Recorder

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _three_attempts(settings: Any) -> None:
    settings.GATEWAY_MAX_ATTEMPTS = 3
    settings.GATEWAY_RETRY_BASE_SECONDS = 10
    settings.GATEWAY_RETRY_CAP_SECONDS = 60


@pytest.fixture
def heard() -> Iterator[list[Undelivered]]:
    """The sender's side's undelivered hook for SERVICE: records what it is told and writes
    an audit row, to show that it commits with the parking or the discard."""
    seen: list[Undelivered] = []

    def hook(undelivered: Undelivered) -> None:
        seen.append(undelivered)
        audit_record(action="test.undelivered", object_id=undelivered.message_id)

    undelivered_register(service_id=SERVICE, handler=hook)
    yield seen
    handler_unregister(service_id=SERVICE)


def _send(gw: GatewayPki) -> OutboxMessage:
    return services.message_send(
        service_id=SERVICE,
        sender_id=gw.portal.system_id,
        route_id=gw.clinic_a.system_id,
        correlation_id="P-20261129-000001",
        parts={"request.xml": b"<r/>"},
    )


def _make_due(model: Any) -> None:
    model.objects.update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))


def _relay_until_parked(transport: MemoryTransport) -> None:
    for _ in range(3):
        outbox_relay(transport=transport)
        _make_due(OutboxMessage)


def test_the_sender_hears_when_its_outbox_parks_a_request(
    gw: GatewayPki, heard: list[Undelivered]
) -> None:
    sent = _send(gw)
    transport = MemoryTransport()
    transport.fail_next(3)

    _relay_until_parked(transport)

    sent.refresh_from_db()
    assert sent.status == OutboxMessage.Status.PARKED
    [told] = heard
    assert (told.message_id, told.correlation_id, told.route_id) == (
        str(sent.message_id),
        "P-20261129-000001",
        gw.clinic_a.system_id,
    )
    assert (told.outcome, told.final) == ("parked", False)
    assert "TransportError" in told.reason
    assert AuditEntry.objects.filter(action="test.undelivered").count() == 1


def test_a_sender_s_side_that_fails_to_hear_it_leaves_the_request_unparked_until_it_can(
    gw: GatewayPki, heard: list[Undelivered]
) -> None:
    sent = _send(gw)
    transport = MemoryTransport()
    transport.fail_next(3)
    handler_unregister(service_id=SERVICE)
    undelivered_register(service_id=SERVICE, handler=_broken)

    _relay_until_parked(transport)

    sent.refresh_from_db()  # not parked without its sender's side knowing: taken again later
    assert sent.status == OutboxMessage.Status.PENDING
    assert not AuditEntry.objects.filter(action="gateway.outbox.park").exists()
    handler_unregister(service_id=SERVICE)
    undelivered_register(service_id=SERVICE, handler=heard.append)
    _make_due(OutboxMessage)
    assert outbox_relay(transport=transport).parked == 1
    assert [u.outcome for u in heard] == ["parked"]


def _broken(undelivered: Undelivered) -> None:
    raise RuntimeError("the sender's side failed")


def test_an_operator_discarding_a_parked_request_tells_its_sender_in_that_transaction(
    gw: GatewayPki, heard: list[Undelivered]
) -> None:
    sent = _send(gw)
    OutboxMessage.objects.filter(pk=sent.pk).update(
        status=OutboxMessage.Status.PARKED, last_error="TransportError: down"
    )

    services.outbox_discard(message_id=str(sent.message_id))

    [told] = heard
    assert (told.outcome, told.final, told.reason) == ("discarded", True, "TransportError: down")
    assert AuditEntry.objects.filter(action="test.undelivered").count() == 1


def test_a_receipt_parked_in_the_outbox_is_nobody_s_undelivered_request(
    gw: GatewayPki, heard: list[Undelivered], recorder: Recorder
) -> None:
    transport = MemoryTransport()
    _send(gw)
    outbox_relay(transport=transport)
    inbox_receive(transport=transport)  # handled: its receipt waits in the receiver's outbox
    receipt = OutboxMessage.objects.get(kind="response")
    OutboxMessage.objects.filter(pk=receipt.pk).update(status=OutboxMessage.Status.PARKED)

    services.outbox_discard(message_id=str(receipt.message_id))

    assert heard == []


def test_an_operator_discarding_a_parked_request_at_the_receiver_tells_its_sender(
    gw: GatewayPki, recorder: Recorder
) -> None:
    receipts: list[Any] = []
    receipt_register(service_id=SERVICE, handler=receipts.append)
    recorder.fail_times = 10**6
    transport = MemoryTransport()
    sent = _send(gw)
    gateway_drain(transport=transport)
    for _ in range(2):
        _make_due(InboxMessage)
        inbox_retry_due()
    row = InboxMessage.objects.get(kind="request")
    assert row.status == InboxMessage.Status.PARKED

    services.inbox_discard(message_id=str(row.message_id))
    gateway_drain(transport=transport)  # the receipt of the discard travels back

    sent.refresh_from_db()
    assert sent.receipt_code == envelope.SERVICE_DISCARDED == "ESRV004"
    assert [r.status_code for r in receipts] == [
        envelope.SUCCESS,
        envelope.SERVICE_FAILED,
        envelope.SERVICE_DISCARDED,
    ]
    assert not receipts[-1].ok


@pytest.mark.parametrize("who", ["sender", "route"])
def test_a_deactivated_participant_s_queued_messages_are_parked_at_once_not_sent(
    gw: GatewayPki, heard: list[Undelivered], who: str
) -> None:
    sent = _send(gw)
    inactive = gw.portal if who == "sender" else gw.clinic_a
    services.participant_register(
        system_id=inactive.system_id, bin=inactive.bin, local=True, active=False
    )
    transport = MemoryTransport()

    report = outbox_relay(transport=transport)

    assert (report.parked, report.sent, report.retrying) == (1, 0, 0)
    assert transport.depth(gw.clinic_a.system_id) == 0  # never signed and sent to be refused
    sent.refresh_from_db()
    assert (sent.status, sent.attempts) == (OutboxMessage.Status.PARKED, 1)
    assert sent.last_error.startswith(f"{inactive.system_id} is not an active participant")
    assert [u.outcome for u in heard] == ["parked"]
    park = AuditEntry.objects.get(action="gateway.outbox.park")
    assert "not an active participant" in park.data["error"]

    # The operator reactivates the participant and replays the message: it goes.
    services.participant_register(system_id=inactive.system_id, bin=inactive.bin, local=True)
    services.outbox_replay(message_id=str(sent.message_id))
    assert outbox_relay(transport=transport).sent == 1
