"""Send, relay, receive, handle, receipt: the whole way of a message through the gateway
(R9.8), over each transport (memory, the queue table, RabbitMQ)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from bekitu.core.models import AuditEntry
from bekitu.gateway import envelope
from bekitu.gateway.errors import UnknownParticipant
from bekitu.gateway.handlers import handler_register, handler_unregister, receipt_register
from bekitu.gateway.inbox import inbox_receive
from bekitu.gateway.models import InboxMessage, OutboxMessage, RejectedMessage
from bekitu.gateway.outbox import outbox_relay
from bekitu.gateway.services import message_send
from bekitu.gateway.signature import envelope_sign
from bekitu.gateway.transports import Outgoing
from bekitu.gateway.transports.rabbitmq import RabbitTransport
from bekitu.gateway.worker import gateway_drain
from tests.gateway.conftest import AMQP_URL, SERVICE, GatewayPki, Recorder

pytestmark = pytest.mark.django_db


def _send(gw: GatewayPki, **kwargs: Any) -> OutboxMessage:
    fields: dict[str, Any] = {
        "service_id": SERVICE,
        "sender_id": gw.portal.system_id,
        "route_id": gw.clinic_a.system_id,
        "parts": {"request.xml": b"<request><iin>850314301011</iin></request>"},
    }
    fields.update(kwargs)
    return message_send(**fields)


def test_a_message_reaches_its_handler_once_and_the_sender_learns_it_arrived(
    gw: GatewayPki, transport: Any, recorder: Recorder
) -> None:
    receipts: list[Any] = []
    receipt_register(service_id=SERVICE, handler=receipts.append)
    sent = _send(gw, correlation_id="draft-17", properties=[("channel", "portal")])

    gateway_drain(transport=transport)

    assert len(recorder.seen) == 1
    message = recorder.seen[0]
    assert message.message_id == str(sent.message_id)
    assert (message.sender_id, message.route_id) == (gw.portal.system_id, gw.clinic_a.bin)
    assert message.correlation_id == "draft-17"
    assert message.property("channel") == "portal"
    assert message.part("request.xml").startswith(b"<request>")
    sent.refresh_from_db()
    assert sent.status == OutboxMessage.Status.SENT
    assert sent.receipt_code == envelope.SUCCESS
    assert [r.status_code for r in receipts] == [envelope.SUCCESS]
    assert receipts[0].message_id == str(sent.message_id)
    inbox = InboxMessage.objects.get(message_id=sent.message_id)
    assert inbox.status == InboxMessage.Status.PROCESSED
    assert inbox.signer_serial


def test_the_outbox_row_exists_only_if_the_senders_transaction_commits(gw: GatewayPki) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        _send(gw)
        raise RuntimeError("the business change failed")
    assert not OutboxMessage.objects.exists()


def test_sending_needs_a_local_sender_and_a_known_route(gw: GatewayPki) -> None:
    with pytest.raises(UnknownParticipant):
        _send(gw, route_id="nobody")
    with pytest.raises(UnknownParticipant):
        _send(gw, sender_id="nobody")
    from bekitu.gateway.models import Participant

    Participant.objects.filter(system_id=gw.portal.system_id).update(local=False)
    with pytest.raises(UnknownParticipant, match="not served by this installation"):
        _send(gw)


def test_a_message_published_twice_is_handled_once(
    gw: GatewayPki, transport: Any, recorder: Recorder
) -> None:
    sent = _send(gw)
    outbox_relay(transport=transport)
    # The relay died after publishing and before marking it sent: it publishes again.
    OutboxMessage.objects.filter(pk=sent.pk).update(
        status="pending", next_attempt_at=sent.created_at
    )
    outbox_relay(transport=transport)

    report = gateway_drain(transport=transport)

    assert len(recorder.seen) == 1
    assert report.received.duplicate == 1
    assert InboxMessage.objects.filter(message_id=sent.message_id).count() == 1


def test_a_batch_is_stored_whole_and_confirmed_message_by_message(
    gw: GatewayPki, transport: Any
) -> None:
    a, b = gw.clinic_a.system_id, gw.clinic_b.system_id
    batch = [Outgoing(route, f"<m{i}/>".encode(), f"m{i}") for i, route in enumerate([a, b, a])]

    assert transport.publish_batch(batch) == [None, None, None]
    assert transport.publish_batch([]) == []

    taken = transport.receive(route_ids=[a], limit=10, wait=1.0)
    while len(taken) < 2:
        taken += transport.receive(route_ids=[a], limit=10, wait=1.0)
    assert [d.body for d in taken] == [b"<m0/>", b"<m2/>"]
    assert [d.message_id for d in taken] == ["m0", "m2"]
    for delivery in taken:
        delivery.ack()
    [other] = transport.receive(route_ids=[b], limit=10, wait=1.0)
    assert other.body == b"<m1/>"
    other.ack()
    if transport.name == "amqp":
        # A queue gone behind the sender's back: the broker returns that message, the batch
        # says so of it alone, and the next batch is confirmed as before.
        sender = RabbitTransport(AMQP_URL, prefix=transport.prefix)
        try:
            assert sender.publish_batch(batch) == [None, None, None]
            sender._publisher.channel.queue_delete(sender.route_queue(b).name)
            [ok, returned] = sender.publish_batch([batch[0], batch[1]])
            assert ok is None and "returned" in str(returned)
            sender._declared.clear()
            assert sender.publish_batch(batch) == [None, None, None]
        finally:
            sender.close()


def test_on_the_queue_table_a_delivery_is_acknowledged_inside_its_own_transaction(
    gw: GatewayPki, recorder: Recorder
) -> None:
    from bekitu.gateway.models import QueuedMessage
    from bekitu.gateway.transports.database import DatabaseTransport

    transport = DatabaseTransport(poll=0.01)
    _send(gw)
    outbox_relay(transport=transport)

    with CaptureQueriesContext(connection) as queries:
        assert inbox_receive(transport=transport, route_ids=[gw.clinic_a.system_id]).processed == 1

    sql = [q["sql"].upper() for q in queries.captured_queries]
    stored = next(i for i, q in enumerate(sql) if q.startswith("INSERT") and "INBOX" in q)
    acked = next(i for i, q in enumerate(sql) if q.startswith("DELETE") and "QUEUEDMESSAGE" in q)
    # The queued row is deleted after the inbox row and before the delivery's transaction ends
    # (here a savepoint of the test's transaction): they commit together, or neither does.
    assert stored < acked < max(i for i, q in enumerate(sql) if q.startswith("RELEASE SAVEPOINT"))
    assert len(recorder.seen) == 1
    assert not QueuedMessage.objects.filter(queue__startswith="route.").exists()


def test_messages_out_of_order_are_all_handled_and_a_handler_may_wait_for_another(
    gw: GatewayPki, transport: Any, recorder: Recorder
) -> None:
    from bekitu.gateway.errors import RetryLater

    order: list[str] = []

    def needs_the_first(message: Any) -> None:
        if message.property("step") == "2" and "1" not in order:
            raise RetryLater("step 1 has not arrived")
        order.append(message.property("step"))

    recorder.effect = needs_the_first
    first = _send(gw, properties=[("step", "1")])
    _send(gw, properties=[("step", "2")])
    # Step 2 overtakes step 1 (a retry of step 1's delivery, another relay): hold step 1 back.
    OutboxMessage.objects.filter(pk=first.pk).update(
        next_attempt_at=first.created_at.replace(year=2999)
    )
    gateway_drain(transport=transport)
    assert order == []
    assert InboxMessage.objects.get(status="retrying")
    OutboxMessage.objects.filter(pk=first.pk).update(next_attempt_at=first.created_at)
    InboxMessage.objects.filter(status="retrying").update(next_attempt_at=first.created_at)

    gateway_drain(transport=transport)

    assert order == ["1", "2"]
    assert InboxMessage.objects.filter(status="processed", kind="request").count() == 2


def test_a_handler_reply_travels_back_with_the_correlation(
    gw: GatewayPki, transport: Any, recorder: Recorder
) -> None:
    answers: list[Any] = []
    handler_register(service_id="test.answer", handler=answers.append)

    def reply(message: Any) -> None:
        message_send(
            service_id="test.answer",
            sender_id=message.route_id,
            route_id=message.sender_id,
            correlation_id=message.message_id,
            parts={"talon.xml": b"<talon/>"},
        )

    recorder.effect = reply
    try:
        sent = _send(gw)
        gateway_drain(transport=transport)
    finally:
        handler_unregister(service_id="test.answer")
    assert len(answers) == 1
    assert answers[0].correlation_id == str(sent.message_id)
    assert answers[0].sender_id == gw.clinic_a.system_id
    assert answers[0].part("talon.xml") == b"<talon/>"


def test_a_delivery_reads_its_participants_once_and_the_next_one_afresh(
    gw: GatewayPki, recorder: Recorder
) -> None:
    from bekitu.gateway.models import Participant
    from bekitu.gateway.transports.memory import MemoryTransport

    def reply(message: Any) -> None:  # a status message sent from the handler
        message_send(
            service_id=SERVICE,
            sender_id=message.route_id,
            route_id=message.sender_id,
            parts={"status.xml": b"<status/>"},
        )

    recorder.effect = reply
    transport = MemoryTransport()
    route = [gw.clinic_a.system_id]
    _send(gw)
    outbox_relay(transport=transport)

    with CaptureQueriesContext(connection) as queries:
        assert inbox_receive(transport=transport, route_ids=route).processed == 1
    reads = [q for q in queries.captured_queries if "gateway_participant" in q["sql"]]
    assert len(reads) == 1  # the sender and the route, for the check and the reply alike
    # The reply, which carries the request's receipt: no receipt goes alone.
    assert OutboxMessage.objects.filter(sender_id=gw.clinic_a.system_id).count() == 1

    # Deactivated between two deliveries: the next one reads afresh and refuses its sender.
    _send(gw)
    outbox_relay(transport=transport)
    Participant.objects.filter(system_id=gw.portal.system_id).update(active=False)
    assert inbox_receive(transport=transport, route_ids=route).rejected == 1
    assert len(recorder.seen) == 1


def test_a_forged_envelope_never_reaches_a_handler_and_is_dead_lettered(
    gw: GatewayPki, transport: Any, recorder: Recorder
) -> None:
    sent = _send(gw)
    # Signed with clinic B's key but claiming to be the portal.
    forged = envelope_sign(xml=bytes(sent.envelope), signer_bin=gw.clinic_b.bin)
    transport.publish(route_id=gw.clinic_a.system_id, body=forged, message_id="x")
    report = inbox_receive(transport=transport, route_ids=[gw.clinic_a.system_id], wait=1)
    assert report.rejected == 1
    assert recorder.seen == []
    rejected = RejectedMessage.objects.get()
    assert (rejected.code, rejected.reason) == (envelope.SIGNATURE_NOT_CONFIRMED, "bin_mismatch")
    assert rejected.claimed_message_id == str(sent.message_id)
    assert AuditEntry.objects.filter(action="gateway.message.reject").exists()
    # The genuine message with the same id still goes through: a forgery cannot block it.
    gateway_drain(transport=transport)
    assert len(recorder.seen) == 1


def test_an_envelope_copied_onto_another_route_is_refused(
    gw: GatewayPki, transport: Any, recorder: Recorder
) -> None:
    sent = _send(gw)
    body = envelope_sign(xml=bytes(sent.envelope), signer_bin=gw.portal.bin)
    transport.publish(route_id=gw.clinic_b.system_id, body=body, message_id="x")
    report = inbox_receive(transport=transport, route_ids=[gw.clinic_b.system_id], wait=1)
    assert report.rejected == 1
    assert RejectedMessage.objects.get().code == envelope.UNKNOWN_PARTICIPANT
    assert recorder.seen == []


def test_the_inbox_stores_a_message_in_one_statement_and_a_second_copy_not_at_all() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from bekitu.gateway.models import insert_once

    def copy() -> InboxMessage:
        return InboxMessage(
            message_id="0b3c2b8e-4d5f-4a8e-9c1d-2f6a7b8c9d0e",
            service_id=SERVICE,
            sender_id="egov-portal",
            route_id="990340000013",
            message_date=timezone.now(),
            envelope=b"<SendMessage/>",
            size=14,
            signer_serial="01",
            status=InboxMessage.Status.PROCESSED,
        )

    with CaptureQueriesContext(connection) as queries:
        first = insert_once(copy(), conflict="message_id")
        second = insert_once(copy(), conflict="message_id")

    assert first == InboxMessage.objects.get().pk
    assert second is None
    assert len(queries) == 2
    stored = InboxMessage.objects.get()
    assert bytes(stored.envelope) == b"<SendMessage/>"
    assert str(stored.message_id) == "0b3c2b8e-4d5f-4a8e-9c1d-2f6a7b8c9d0e"
