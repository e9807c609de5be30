"""Receipts that go alone, several due at once from one receiver to one sender, travel in one
envelope (gateway.receipts.receipts_together): the sender notes each as if it had come alone;
receipts to another participant go in an envelope of their own; an envelope holds at most
what the schema allows; an enclosed receipt from elsewhere is not believed; the same run sent
again is a copy, and a different run is not."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from bekitu.gateway import envelope
from bekitu.gateway.handlers import receipt_register
from bekitu.gateway.inbox import inbox_receive
from bekitu.gateway.models import InboxMessage, Kind, OutboxMessage
from bekitu.gateway.outbox import outbox_relay
from bekitu.gateway.receipts import (
    ENCLOSED_RECEIPT,
    RECEIPTS_PER_ENVELOPE,
    receipts_enclosed,
    receipts_together,
)
from bekitu.gateway.services import message_send
from bekitu.gateway.signature import envelope_sign
from bekitu.gateway.transports.memory import MemoryTransport
from bekitu.gateway.worker import gateway_drain
from tests.gateway.conftest import SERVICE, GatewayPki, Org, Recorder

pytestmark = pytest.mark.django_db


def _requests(gw: GatewayPki, count: int, sender: Org | None = None) -> list[OutboxMessage]:
    return [
        message_send(
            service_id=SERVICE,
            sender_id=(sender or gw.portal).system_id,
            route_id=gw.clinic_a.system_id,
            parts={"request.xml": b"<request/>"},
        )
        for _ in range(count)
    ]


def _receipt_xml(*, sender: str, route: str, about: str, code: str = envelope.SUCCESS) -> bytes:
    """A receipt as the receiver's outbox holds it: unsigned."""
    header = envelope.Header(
        message_id=envelope.new_message_id(),
        service_id=SERVICE,
        sender_id=sender,
        route_id=route,
        date=timezone.localtime(),
        correlation_id=about,
    )
    return envelope.build_response(envelope.Response(header, code, envelope.STATUS_TEXT[code]))


def _receipt_row(xml: bytes) -> tuple[str, bytes]:
    """A receipt as the relay gives it to `receipts_together`: its messageId and envelope."""
    response = envelope.read_response(envelope.parse(xml, max_bytes=len(xml)))
    return response.header.message_id, xml


def _published_together(gw: GatewayPki, transport: Any, run: list[tuple[str, bytes]]) -> str:
    """Clinic A's envelope of these receipts, signed and put on the portal's queue; its id."""
    message_id, xml = receipts_together(run)
    body = envelope_sign(xml=xml, signer_bin=gw.clinic_a.bin)
    transport.publish(route_id=gw.portal.system_id, body=body, message_id=message_id)
    return message_id


def test_receipts_due_together_go_in_one_envelope_and_each_is_noted(
    gw: GatewayPki, transport: Any, recorder: Recorder
) -> None:
    noted: list[Any] = []
    receipt_register(service_id=SERVICE, handler=noted.append)
    sent = _requests(gw, 5)

    gateway_drain(transport=transport)

    receipts = OutboxMessage.objects.filter(sender_id=gw.clinic_a.system_id)
    assert receipts.count() == 5 and {r.kind for r in receipts} == {Kind.RESPONSE}
    # The portal received the five in one envelope: one inbox row, not five.
    [together] = InboxMessage.objects.filter(route_id=gw.portal.system_id)
    assert together.kind == Kind.RESPONSE
    assert str(together.message_id) not in {str(r.message_id) for r in receipts}
    for row in sent:
        row.refresh_from_db()
        assert (row.status, row.receipt_code) == (OutboxMessage.Status.SENT, envelope.SUCCESS)
    # Each receipt told the sender's side once, about its own request, as one that came alone.
    assert sorted(r.message_id for r in noted) == sorted(str(r.message_id) for r in sent)
    assert not any(r.on_answer for r in noted)


def test_receipts_to_another_participant_go_in_an_envelope_of_their_own(
    gw: GatewayPki, recorder: Recorder
) -> None:
    from_portal = _requests(gw, 2)
    from_b = _requests(gw, 2, sender=gw.clinic_b)
    transport = MemoryTransport()

    gateway_drain(transport=transport)

    to_portal = InboxMessage.objects.filter(route_id=gw.portal.system_id, kind=Kind.RESPONSE)
    to_b = InboxMessage.objects.filter(route_id=gw.clinic_b.system_id, kind=Kind.RESPONSE)
    assert (to_portal.count(), to_b.count()) == (1, 1)
    for row in (*from_portal, *from_b):
        row.refresh_from_db()
        assert row.receipt_code == envelope.SUCCESS


def test_an_envelope_holds_at_most_what_the_schema_allows(gw: GatewayPki) -> None:
    portal, clinic = gw.portal.system_id, gw.clinic_a.system_id
    rows = [
        _receipt_row(_receipt_xml(sender=clinic, route=portal, about=envelope.new_message_id()))
        for _ in range(RECEIPTS_PER_ENVELOPE)
    ]
    message_id, xml = receipts_together(rows)  # validated against the schema as it is built

    response = envelope.read_response(envelope.parse(xml, max_bytes=len(xml)))
    assert response.header.message_id == message_id
    assert len(response.parts) == RECEIPTS_PER_ENVELOPE - 1
    assert all(p.name.startswith(ENCLOSED_RECEIPT) for p in response.parts)
    read = receipts_enclosed(response)
    assert [r.header.correlation_id for r in read] == [
        envelope.read_response(envelope.parse(x, max_bytes=len(x))).header.correlation_id
        for _, x in rows
    ]
    with pytest.raises(envelope.EnvelopeInvalid):
        receipts_together([*rows, rows[0]])


def test_more_receipts_than_an_envelope_holds_go_in_several(
    gw: GatewayPki, recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bekitu.gateway.outbox as outbox

    monkeypatch.setattr(outbox, "RECEIPTS_PER_ENVELOPE", 2)
    sent = _requests(gw, 5)
    gateway_drain(transport=MemoryTransport())

    envelopes = InboxMessage.objects.filter(route_id=gw.portal.system_id, kind=Kind.RESPONSE)
    assert envelopes.count() == 3  # 2 + 2 + 1
    for row in sent:
        row.refresh_from_db()
        assert row.receipt_code == envelope.SUCCESS


def test_an_enclosed_receipt_from_elsewhere_is_not_believed(
    gw: GatewayPki, recorder: Recorder
) -> None:
    """Clinic A signs an envelope that encloses, besides its own receipt, one that claims to
    be clinic B's about the portal's request to B: the portal notes A's, not the other."""
    portal, a, b = gw.portal.system_id, gw.clinic_a.system_id, gw.clinic_b.system_id
    to_a = _requests(gw, 1)[0]
    to_b = message_send(service_id=SERVICE, sender_id=portal, route_id=b)
    transport = MemoryTransport()
    outbox_relay(transport=transport)
    own = _receipt_xml(sender=a, route=portal, about=str(to_a.message_id))
    forged = _receipt_xml(sender=b, route=portal, about=str(to_b.message_id))
    _published_together(gw, transport, [_receipt_row(own), _receipt_row(forged)])

    inbox_receive(transport=transport, route_ids=[portal])

    to_a.refresh_from_db()
    to_b.refresh_from_db()
    assert to_a.receipt_code == envelope.SUCCESS
    assert to_b.receipt_at is None  # its own receipt, from B, will say


def test_the_same_run_again_is_a_copy_and_a_different_run_is_noted(
    gw: GatewayPki, recorder: Recorder
) -> None:
    """A relay that stops after publishing and before marking sends the run again: the
    receiver sees the same message. A run that differs (one receipt more) is a message of its
    own, and the receipts it repeats are noted once."""
    noted: list[Any] = []
    receipt_register(service_id=SERVICE, handler=noted.append)
    portal, clinic = gw.portal.system_id, gw.clinic_a.system_id
    first, second, third = _requests(gw, 3)
    transport = MemoryTransport()
    outbox_relay(transport=transport)
    rows = [
        _receipt_row(_receipt_xml(sender=clinic, route=portal, about=str(r.message_id)))
        for r in (first, second, third)
    ]

    once = _published_together(gw, transport, rows[:2])
    assert _published_together(gw, transport, rows[:2]) == once
    bigger = _published_together(gw, transport, rows)
    report = inbox_receive(transport=transport, route_ids=[portal])

    assert (report.processed, report.duplicate) == (2, 1)
    assert bigger != once
    assert sorted(r.message_id for r in noted) == sorted(
        str(r.message_id) for r in (first, second, third)
    )
    third.refresh_from_db()
    assert third.receipt_code == envelope.SUCCESS


def test_the_messages_an_envelope_confirms_are_read_in_one_statement_and_noted_in_one(
    gw: GatewayPki, recorder: Recorder
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    portal, clinic = gw.portal.system_id, gw.clinic_a.system_id
    sent = _requests(gw, 5)
    transport = MemoryTransport()
    outbox_relay(transport=transport)
    run = [
        _receipt_row(_receipt_xml(sender=clinic, route=portal, about=str(r.message_id)))
        for r in sent
    ]
    _published_together(gw, transport, run)

    with CaptureQueriesContext(connection) as queries:
        inbox_receive(transport=transport, route_ids=[portal])

    outbox = [q["sql"] for q in queries if "gateway_outboxmessage" in q["sql"]]
    assert len(outbox) == 2, outbox  # the rows read and locked, then noted
    for row in sent:
        row.refresh_from_db()
        assert row.receipt_code == envelope.SUCCESS


def test_two_receipts_about_one_message_in_one_envelope_are_noted_in_order(
    gw: GatewayPki, recorder: Recorder
) -> None:
    """Stored, then parked at the receiver (SCSS001, then ESRV002), due together."""
    noted: list[Any] = []
    receipt_register(service_id=SERVICE, handler=noted.append)
    portal, clinic = gw.portal.system_id, gw.clinic_a.system_id
    [sent] = _requests(gw, 1)
    transport = MemoryTransport()
    outbox_relay(transport=transport)
    stored = _receipt_xml(sender=clinic, route=portal, about=str(sent.message_id))
    failed = _receipt_xml(
        sender=clinic, route=portal, about=str(sent.message_id), code=envelope.SERVICE_FAILED
    )
    _published_together(gw, transport, [_receipt_row(stored), _receipt_row(failed)])

    inbox_receive(transport=transport, route_ids=[portal])

    sent.refresh_from_db()
    assert sent.receipt_code == envelope.SERVICE_FAILED
    assert [r.status_code for r in noted] == [envelope.SUCCESS, envelope.SERVICE_FAILED]
