"""Retries with back-off and jitter, parking after the last attempt, and the operator's replay
and discard (R9.8), on the outbox and on the inbox."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from bekitu.core.audit import audit_context
from bekitu.core.errors import Conflict
from bekitu.core.models import AuditEntry
from bekitu.gateway import envelope, services
from bekitu.gateway.handlers import receipt_register
from bekitu.gateway.inbox import inbox_retry_due
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


def _send(gw: GatewayPki) -> OutboxMessage:
    return services.message_send(
        service_id=SERVICE,
        sender_id=gw.portal.system_id,
        route_id=gw.clinic_a.system_id,
        parts={"request.xml": b"<r/>"},
    )


def _make_due(model: Any) -> None:
    model.objects.update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))


def test_a_failed_publish_is_retried_after_a_jittered_back_off(gw: GatewayPki) -> None:
    sent = _send(gw)
    transport = MemoryTransport()
    transport.fail_next(1)
    before = timezone.now()
    report = outbox_relay(transport=transport)
    after = timezone.now()
    assert (report.sent, report.retrying) == (0, 1)
    sent.refresh_from_db()
    assert (sent.status, sent.attempts) == (OutboxMessage.Status.PENDING, 1)
    assert "TransportError" in sent.last_error
    # first retry: between half and all of the base delay (10 s) after the failure, which
    # happened while the relay ran (however long a busy machine made that)
    base = dt.timedelta(seconds=10)
    assert before + base / 2 <= sent.next_attempt_at <= after + base
    assert outbox_relay(transport=transport).taken == 0  # not due yet
    _make_due(OutboxMessage)
    assert outbox_relay(transport=transport).sent == 1
    assert transport.depth(gw.clinic_a.system_id) == 1


class _DiesOnThird(MemoryTransport):
    """A transport whose third publish fails with an error the relay does not expect."""

    def __init__(self) -> None:
        super().__init__()
        self.publishes = 0

    def publish(self, *, route_id: str, body: bytes, message_id: str) -> None:
        self.publishes += 1
        if self.publishes == 3:
            raise RuntimeError("the relay failed in a way it does not expect")
        super().publish(route_id=route_id, body=body, message_id=message_id)


def test_a_run_that_fails_unexpectedly_marks_nothing_and_sends_it_all_again_after_the_lease(
    gw: GatewayPki,
) -> None:
    sent = [_send(gw) for _ in range(4)]
    transport = _DiesOnThird()

    with pytest.raises(RuntimeError, match="does not expect"):
        outbox_relay(transport=transport)

    # Two were published, but the batch's confirms never came back to the relay: none is
    # marked sent, all stay leased (taken, counted) and go again after the lease.
    rows = [OutboxMessage.objects.get(pk=row.pk) for row in sent]
    assert transport.depth(gw.clinic_a.system_id) == 2
    assert all(r.status == "pending" and r.attempts == 1 for r in rows)
    assert all(r.next_attempt_at > timezone.now() for r in rows)
    _make_due(OutboxMessage)
    assert outbox_relay(transport=MemoryTransport()).sent == 4


def test_a_batch_marks_sent_only_what_the_transport_confirmed(gw: GatewayPki) -> None:
    sent = [_send(gw) for _ in range(3)]
    transport = MemoryTransport()
    transport.fail_next(1)  # the first of the batch is not stored, the others are

    report = outbox_relay(transport=transport)

    assert (report.sent, report.retrying) == (2, 1)
    rows = [OutboxMessage.objects.get(pk=row.pk) for row in sent]
    assert [r.status for r in rows] == ["pending", "sent", "sent"]
    assert rows[0].last_error.startswith("TransportError")
    assert transport.depth(gw.clinic_a.system_id) == 2


def test_after_the_last_attempt_an_outgoing_message_is_parked_and_audited(gw: GatewayPki) -> None:
    sent = _send(gw)
    transport = MemoryTransport()
    transport.fail_next(3)
    for _ in range(3):
        outbox_relay(transport=transport)
        _make_due(OutboxMessage)
    sent.refresh_from_db()
    assert (sent.status, sent.attempts) == (OutboxMessage.Status.PARKED, 3)
    assert outbox_relay(transport=transport).taken == 0
    park = AuditEntry.objects.get(action="gateway.outbox.park")
    assert park.object_id == str(sent.message_id)

    with audit_context(actor="admin:operator", channel="admin"):
        services.outbox_replay(message_id=str(sent.message_id))
    assert outbox_relay(transport=transport).sent == 1
    replay = AuditEntry.objects.get(action="gateway.outbox.replay")
    assert (replay.actor, replay.channel) == ("admin:operator", "admin")


def test_a_missing_signing_key_is_a_failure_to_retry_not_a_crash(
    gw: GatewayPki, settings: Any, tmp_path: Any
) -> None:
    sent = _send(gw)
    settings.GATEWAY_KEYS_DIR = str(tmp_path)  # no keys there
    assert outbox_relay(transport=MemoryTransport()).retrying == 1
    sent.refresh_from_db()
    assert "SigningKeyError" in sent.last_error


def test_a_relay_leaves_alone_what_another_relay_has_taken_until_its_lease_ends(
    gw: GatewayPki, settings: Any
) -> None:
    from bekitu.gateway import outbox

    _send(gw)
    taken = outbox._claim(10)  # a relay took it and died before publishing
    assert len(taken) == 1
    transport = MemoryTransport()
    assert outbox_relay(transport=transport).taken == 0
    _make_due(OutboxMessage)  # the lease is over
    assert outbox_relay(transport=transport).sent == 1
    assert OutboxMessage.objects.get().attempts == 2


def test_a_handler_that_fails_is_retried_until_it_succeeds(
    gw: GatewayPki, recorder: Recorder
) -> None:
    recorder.fail_times = 2
    transport = MemoryTransport()
    _send(gw)
    gateway_drain(transport=transport)
    row = InboxMessage.objects.get(kind="request")
    assert (row.status, row.attempts) == (InboxMessage.Status.RETRYING, 1)
    assert "failed on purpose" in row.last_error
    assert inbox_retry_due().taken == 0  # not due yet
    _make_due(InboxMessage)
    assert inbox_retry_due().retrying == 1
    _make_due(InboxMessage)
    assert inbox_retry_due().processed == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (InboxMessage.Status.PROCESSED, 3, "")
    assert len(recorder.seen) == 1


def test_a_handler_s_writes_are_undone_when_it_fails(gw: GatewayPki, recorder: Recorder) -> None:
    from bekitu.core.audit import audit_record

    def write_then_fail(message: Any) -> None:
        audit_record(action="test.handler.wrote")
        raise RuntimeError("after writing")

    recorder.effect = write_then_fail
    _send(gw)
    gateway_drain(transport=MemoryTransport())
    assert InboxMessage.objects.get(kind="request").status == InboxMessage.Status.RETRYING
    assert not AuditEntry.objects.filter(action="test.handler.wrote").exists()


def test_a_poison_message_is_parked_the_sender_told_and_an_operator_replays_it(
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
    assert (row.status, row.attempts) == (InboxMessage.Status.PARKED, 3)
    assert AuditEntry.objects.filter(action="gateway.inbox.park").count() == 1
    gateway_drain(transport=transport)  # the ESRV002 receipt travels back
    sent.refresh_from_db()
    assert sent.receipt_code == envelope.SERVICE_FAILED
    assert [r.status_code for r in receipts] == [envelope.SUCCESS, envelope.SERVICE_FAILED]

    recorder.fail_times = 0  # the handler is fixed
    with audit_context(actor="cli", channel="cli"):
        services.inbox_replay(message_id=str(row.message_id))
    assert inbox_retry_due().processed == 1
    assert len(recorder.seen) == 1
    assert AuditEntry.objects.filter(action="gateway.inbox.replay", actor="cli").exists()


def test_a_message_without_a_handler_is_parked_in_the_end(gw: GatewayPki) -> None:
    transport = MemoryTransport()
    _send(gw)  # nobody registered SERVICE
    gateway_drain(transport=transport)
    for _ in range(2):
        _make_due(InboxMessage)
        inbox_retry_due()
    row = InboxMessage.objects.get(kind="request")
    assert row.status == InboxMessage.Status.PARKED
    assert "no handler is registered" in row.last_error


def test_only_a_parked_message_can_be_replayed_or_discarded(gw: GatewayPki) -> None:
    sent = _send(gw)
    with pytest.raises(Conflict):
        services.outbox_replay(message_id=str(sent.message_id))
    OutboxMessage.objects.update(status=OutboxMessage.Status.PARKED)
    services.outbox_discard(message_id=str(sent.message_id))
    sent.refresh_from_db()
    assert sent.status == OutboxMessage.Status.DISCARDED
    assert outbox_relay(transport=MemoryTransport()).taken == 0
    assert AuditEntry.objects.filter(action="gateway.outbox.discard").exists()


def test_a_request_the_broker_lost_is_sent_again_until_its_receiver_confirms_it(
    gw: GatewayPki, recorder: Recorder, settings: Any
) -> None:
    settings.GATEWAY_MAX_ATTEMPTS = 12
    transport = MemoryTransport()
    sent = _send(gw)
    outbox_relay(transport=transport)
    transport.queues.clear()  # the broker lost it (a queue deleted, a node gone)
    gateway_drain(transport=transport)
    assert recorder.seen == []
    sent.refresh_from_db()
    assert (sent.status, sent.receipt_at) == (OutboxMessage.Status.SENT, None)
    wait = (sent.next_attempt_at - sent.sent_at).total_seconds()
    assert wait == settings.GATEWAY_RECEIPT_TIMEOUT_SECONDS

    _make_due(OutboxMessage)  # the receipt timeout has passed
    gateway_drain(transport=transport)

    assert len(recorder.seen) == 1
    sent.refresh_from_db()
    assert (sent.attempts, sent.receipt_code) == (2, envelope.SUCCESS)
    _make_due(OutboxMessage)
    assert outbox_relay(transport=transport).taken == 0  # confirmed: never sent again


def test_a_copy_sent_again_is_handled_once_and_confirmed_as_a_duplicate(
    gw: GatewayPki, recorder: Recorder
) -> None:
    receipts: list[Any] = []
    receipt_register(service_id=SERVICE, handler=receipts.append)
    transport = MemoryTransport()
    sent = _send(gw)
    outbox_relay(transport=transport)
    gateway_drain(transport=transport)  # handled; its receipt travels back...
    # ...but suppose the receipt was lost: the sender sends the request again.
    OutboxMessage.objects.filter(pk=sent.pk).update(receipt_at=None, receipt_code="")
    _make_due(OutboxMessage)
    report = gateway_drain(transport=transport)
    assert report.received.duplicate == 1
    assert len(recorder.seen) == 1
    sent.refresh_from_db()
    assert sent.receipt_code == envelope.DUPLICATE
    # The sender's side heard "received" once, then the duplicate's receipt as first news
    # after the lost one: never the same news twice in a row.
    assert [r.status_code for r in receipts] == [envelope.SUCCESS, envelope.DUPLICATE]


def test_a_late_receipt_takes_a_parked_request_off_the_operator_s_list(
    gw: GatewayPki, recorder: Recorder
) -> None:
    transport = MemoryTransport()
    sent = _send(gw)
    outbox_relay(transport=transport)
    OutboxMessage.objects.filter(pk=sent.pk).update(status=OutboxMessage.Status.PARKED)
    gateway_drain(transport=transport)  # the receiver was back, handled it and confirmed
    sent.refresh_from_db()
    assert (sent.status, sent.receipt_code) == (OutboxMessage.Status.SENT, envelope.SUCCESS)


def test_a_request_never_confirmed_is_parked_after_its_last_attempt(gw: GatewayPki) -> None:
    sent = _send(gw)
    transport = MemoryTransport()
    for _ in range(3):  # sent three times; the receiver never gets it
        assert outbox_relay(transport=transport).sent == 1
        transport.queues.clear()
        _make_due(OutboxMessage)
    report = outbox_relay(transport=transport)
    assert (report.sent, report.parked) == (0, 1)
    sent.refresh_from_db()
    assert sent.status == OutboxMessage.Status.PARKED
    assert "no receipt" in sent.last_error
    assert AuditEntry.objects.filter(action="gateway.outbox.park").count() == 1
    _make_due(OutboxMessage)
    assert outbox_relay(transport=transport).taken == 0  # left to the operator


def test_a_sender_key_that_cannot_be_opened_fails_its_messages_not_the_others(
    gw: GatewayPki, settings: Any, tmp_path: Any
) -> None:
    import shutil
    from pathlib import Path

    for key_file in Path(settings.EDS_PROVIDER_KEYS_DIR).iterdir():
        shutil.copy(key_file, tmp_path / key_file.name)
    (tmp_path / f"{gw.portal.bin}.pass").write_bytes(b"\xff\xfe\x00")  # not text
    settings.GATEWAY_KEYS_DIR = str(tmp_path)
    other = services.message_send(
        service_id=SERVICE,
        sender_id=gw.clinic_a.system_id,
        route_id=gw.clinic_b.system_id,
        parts={"request.xml": b"<r/>"},
    )
    bad = _send(gw)
    transport = MemoryTransport()
    report = outbox_relay(transport=transport)
    assert (report.sent, report.retrying) == (1, 1)
    assert transport.depth(gw.clinic_b.system_id) == 1
    bad.refresh_from_db()
    assert "UnicodeDecodeError" in bad.last_error
    for _ in range(2):
        _make_due(OutboxMessage)
        outbox_relay(transport=transport)
    bad.refresh_from_db()
    other.refresh_from_db()
    assert bad.status == OutboxMessage.Status.PARKED
    assert other.status == OutboxMessage.Status.SENT


class _ConfirmedWhilePublishing(MemoryTransport):
    """A publish that fails after the receiver's receipt for an earlier copy was noted."""

    def __init__(self, row: OutboxMessage) -> None:
        super().__init__()
        self.row = row

    def publish_batch(self, outgoing: Any) -> Any:
        OutboxMessage.objects.filter(pk=self.row.pk).update(
            receipt_code=envelope.SUCCESS, receipt_at=timezone.now()
        )
        self.fail_next(len(outgoing))
        return super().publish_batch(outgoing)


def test_a_request_confirmed_while_its_last_publish_fails_is_not_parked(gw: GatewayPki) -> None:
    sent = _send(gw)
    transport = MemoryTransport()
    for _ in range(2):  # sent twice; no receipt yet
        assert outbox_relay(transport=transport).sent == 1
        _make_due(OutboxMessage)
    report = outbox_relay(transport=_ConfirmedWhilePublishing(sent))
    assert (report.sent, report.parked) == (1, 0)
    sent.refresh_from_db()
    assert (sent.status, sent.receipt_code) == (OutboxMessage.Status.SENT, envelope.SUCCESS)
    assert not AuditEntry.objects.filter(action="gateway.outbox.park").exists()
