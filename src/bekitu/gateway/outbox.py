"""The transactional outbox and its relay (R9.8).

`outbox_put` writes a message in the caller's transaction, so it exists if and only if the
change that caused it committed. The relay takes due messages (a lease: their next attempt is
pushed forward, so another relay leaves them alone and a relay that dies lets them go),
signs each with its sender's key (receipts to one participant together, in one envelope:
`receipts.receipts_together`) and publishes them as one batch, waiting for the transport's
confirms once for the batch (RabbitMQ's publisher confirms; one insert into the queue
table); only a confirmed message is marked sent (the run's together, in one update). A relay
that dies between the publish and the mark leaves the message to be published again:
delivery is at least once, and the receiver's inbox makes the second copy harmless. A
failure is retried after an exponential back-off with jitter; after
BEKITU_GATEWAY_MAX_ATTEMPTS it is parked. A message whose sender or route is not an active
participant (deactivated since it was queued) is parked at once: its receiver would refuse it.
The sender's side hears of a request parked (and of one an operator discards) in that
transaction (`handlers.undelivered_register`), so that whoever waits on it is told.

Sent is not the end: the receiver confirms each request it has stored (a receipt, alone or
on its answer: `receipts`). A request
still without one after BEKITU_GATEWAY_RECEIPT_TIMEOUT_SECONDS (doubling each time) is sent
again, so that a message the broker lost (a queue deleted, a node that did not come back) is
not lost: delivery is at least once from the sender's outbox to the receiver's inbox.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from bekitu.core.audit import audit_record
from bekitu.gateway import handlers
from bekitu.gateway.envelope import Header
from bekitu.gateway.handlers import PARKED
from bekitu.gateway.models import OUTBOX_DUE, Kind, OutboxMessage
from bekitu.gateway.receipts import RECEIPTS_PER_ENVELOPE, receipts_together
from bekitu.gateway.retry import backoff_delay, nominal_delay
from bekitu.gateway.selectors import active_participants
from bekitu.gateway.signature import envelope_sign
from bekitu.gateway.transports import Outgoing, Transport, get_transport

log = logging.getLogger("bekitu.gateway")


def outbox_put(*, kind: str, header: Header, xml: bytes) -> OutboxMessage:
    """Write an envelope to the outbox in the current transaction; after commit, ask the
    background worker to relay it (BEKITU_GATEWAY_KICK). No savepoint: if the message
    cannot be written, the caller's transaction cannot commit (the change without its
    message)."""
    with transaction.atomic(savepoint=False):
        row = OutboxMessage.objects.create(
            message_id=header.message_id,
            kind=kind,
            correlation_id=header.correlation_id,
            service_id=header.service_id,
            sender_id=header.sender_id,
            route_id=header.route_id,
            message_date=header.date,
            envelope=xml,
            size=len(xml),
        )
        if settings.GATEWAY_KICK:
            transaction.on_commit(kick_relay)
    return row


def kick_relay() -> None:
    """Ask the background worker to relay now; the beat schedule relays anyway if it can't."""
    try:
        from bekitu.gateway.tasks import relay

        relay.apply_async()
    except Exception as exc:
        log.warning("gateway.kick_failed", extra={"fields": {"error": type(exc).__name__}})


@dataclass
class RelayReport:
    """What one run of the relay did."""

    sent: int = 0
    retrying: int = 0
    parked: int = 0

    @property
    def taken(self) -> int:
        """Messages the run took."""
        return self.sent + self.retrying + self.parked


_LIVE = (OutboxMessage.Status.PENDING, OutboxMessage.Status.SENT)


def _claim(limit: int) -> list[OutboxMessage]:
    """Take the oldest due messages, at most `limit`, in one statement: an update of the rows
    a locking subquery picks (rows another relay holds are skipped), which returns them."""
    now = timezone.now()
    lease = now + timedelta(seconds=settings.GATEWAY_LEASE_SECONDS)
    due = (
        OutboxMessage.objects.select_for_update(skip_locked=True)
        .filter(OUTBOX_DUE, next_attempt_at__lte=now)
        .order_by("id")
        .values("id")[:limit]
    )
    meta = OutboxMessage._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    next_attempt = quote(meta.get_field("next_attempt_at").column)
    attempts = quote(meta.get_field("attempts").column)
    # Counted when taken: a message whose delivery kills the relay every time is parked
    # after the last attempt like any other failure.
    with transaction.atomic():  # the subquery's lock is compiled (and held) in a transaction
        due_sql, due_params = due.query.sql_with_params()
        rows = OutboxMessage.objects.raw(
            f"UPDATE {table} SET {next_attempt} = %s, {attempts} = {attempts} + 1"  # noqa: S608 - names from the model, the ORM's subquery
            f" WHERE {quote(meta.pk.column)} IN ({due_sql}) RETURNING *",
            [connection.ops.adapt_datetimefield_value(lease), *due_params],
        )
        return sorted(rows, key=lambda row: row.pk)


def outbox_relay(*, transport: Transport | None = None, limit: int = 100) -> RelayReport:
    """Deliver the due messages of the outbox, oldest first, at most `limit` of them: sign
    each, publish them as one batch, mark sent those the transport confirmed. A run that
    fails unexpectedly marks nothing; what it took goes again after the lease."""
    transport = transport or get_transport()
    report = RelayReport()
    claimed = _claim(limit)
    # Read afresh each run: a participant deactivated a moment ago neither sends nor receives.
    active = active_participants({r.sender_id for r in claimed} | {r.route_id for r in claimed})
    rows = []
    for row in claimed:
        inactive = next((i for i in (row.sender_id, row.route_id) if i not in active), None)
        if inactive is not None:
            # Its receiver would refuse it (or never take it): not signed, not sent, parked
            # at once for an operator, who reactivates the participant and replays it.
            _count(report, _park(row, _inactive(inactive)))
        elif row.attempts > settings.GATEWAY_MAX_ATTEMPTS:
            # Every attempt spent: sent that many times with no receipt, or taken that many
            # times by a relay that died on it. Parked for an operator, not sent again.
            _count(report, _failed(row, _spent(row)))
        else:
            rows.append(row)
    bins = {system_id: participant.bin for system_id, participant in active.items()}
    signed: list[tuple[list[OutboxMessage], Outgoing]] = []
    for group in _envelopes(rows):
        first = group[0]
        message_id, xml = str(first.message_id), bytes(first.envelope)
        try:
            if len(group) > 1:
                message_id, xml = receipts_together(
                    [(str(row.message_id), bytes(row.envelope)) for row in group]
                )
            body = envelope_sign(xml=xml, signer_bin=bins.get(first.sender_id, ""))
        except Exception as exc:
            # The sender's key missing or unreadable (any error opening it), an envelope that
            # cannot be read: this envelope's messages fail, and the run goes on with the
            # others (other senders' among them).
            for row in group:
                _count(report, _failed(row, f"{type(exc).__name__}: {exc}"))
            continue
        signed.append((group, Outgoing(first.route_id, body, message_id)))
    results = transport.publish_batch([outgoing for _, outgoing in signed]) if signed else []
    published: list[OutboxMessage] = []
    for (group, _), error in zip(signed, results, strict=True):
        for row in group:
            if error is None:
                published.append(row)
                fields = {"message_id": str(row.message_id), "service_id": row.service_id}
                log.info("gateway.sent", extra={"fields": fields})
                _count(report, "sent")
            else:
                _count(report, _failed(row, f"{type(error).__name__}: {error}"))
    _mark_sent(published)
    if report.taken:
        log.info("gateway.relay", extra={"fields": vars(report)})
    return report


def _envelopes(rows: list[OutboxMessage]) -> list[list[OutboxMessage]]:
    """The claimed messages as they go, in the order of each envelope's first: each request
    in its own; the receipts alone from one sender to one route in one
    (`receipts.receipts_together`, at most RECEIPTS_PER_ENVELOPE)."""
    envelopes: list[list[OutboxMessage]] = []
    receipts: dict[tuple[str, str], list[OutboxMessage]] = {}
    for row in rows:
        if row.kind != Kind.RESPONSE:
            envelopes.append([row])
            continue
        group = receipts.get((row.sender_id, row.route_id))
        if group is None or len(group) >= RECEIPTS_PER_ENVELOPE:
            group = receipts[row.sender_id, row.route_id] = []
            envelopes.append(group)
        group.append(row)
    return envelopes


def _inactive(system_id: str) -> str:
    return (
        f"{system_id} is not an active participant of the gateway: reactivate it and replay"
        " the message, or discard it"
    )


def _spent(row: OutboxMessage) -> str:
    if row.status == OutboxMessage.Status.SENT:
        return f"no receipt from {row.route_id} after the last attempt"
    return "taken at every attempt by a relay that stopped before it was sent"


def _count(report: RelayReport, outcome: str) -> None:
    setattr(report, outcome, getattr(report, outcome) + 1)


def _mark_sent(rows: list[OutboxMessage]) -> None:
    """Mark the published messages sent: one update for the run's messages of each attempt
    count (their receipt wait), not one per message."""
    now = timezone.now()
    by_attempts: dict[int, list[int]] = {}
    for row in rows:
        by_attempts.setdefault(row.attempts, []).append(row.pk)
    for attempts, pks in by_attempts.items():
        OutboxMessage.objects.filter(pk__in=pks, status__in=_LIVE).update(
            status=OutboxMessage.Status.SENT,
            sent_at=now,
            last_error="",
            # When to send it again if its receiver has not confirmed it by then (requests).
            next_attempt_at=now + timedelta(seconds=_receipt_wait(attempts)),
        )


def _receipt_wait(attempts: int) -> float:
    base = settings.GATEWAY_RECEIPT_TIMEOUT_SECONDS
    return nominal_delay(attempts, base=base, cap=max(base, settings.GATEWAY_RETRY_CAP_SECONDS))


def _pending(row: OutboxMessage) -> QuerySet[OutboxMessage]:
    """The message if it is still to deliver: not confirmed by a receipt that came while this
    run held it (for an earlier copy), nor discarded by an operator meanwhile."""
    return OutboxMessage.objects.filter(pk=row.pk, status__in=_LIVE, receipt_at__isnull=True)


def _park(row: OutboxMessage, error: str) -> str:
    """Park the message for an operator, audited, and tell its sender's side in the same
    transaction (`handlers.undelivered_register`). If the sender's side fails, nothing is
    parked: the message is taken again after its lease, and parked then."""
    fields = {"message_id": str(row.message_id), "attempts": row.attempts, "error": error[:200]}
    try:
        with transaction.atomic():
            parked = _pending(row).update(
                status=OutboxMessage.Status.PARKED, last_error=error[:500]
            )
            if parked:
                audit_record(
                    action="gateway.outbox.park",
                    object_type="gateway.outbox",
                    object_id=str(row.message_id),
                    data={k: v for k, v in fields.items() if k != "message_id"},
                )
                undelivered_tell(row, PARKED, error)
    except Exception as exc:
        fields["hook_error"] = type(exc).__name__
        log.exception("gateway.outbox.park_failed", extra={"fields": fields})
        return "retrying"
    if not parked:  # its receiver has it: nothing is left for an operator
        log.info("gateway.outbox.confirmed_meanwhile", extra={"fields": fields})
        return "sent"
    log.warning("gateway.outbox.parked", extra={"fields": fields})
    return "parked"


def undelivered_tell(row: OutboxMessage, outcome: str, reason: str) -> None:
    """Tell the sender's side that a request of its was parked or discarded, in the caller's
    transaction. Receipts have no sender's side to tell: they answer someone else's request."""
    hook = handlers.undelivered_handler(row.service_id)
    if hook is None or row.kind != Kind.REQUEST:
        return
    hook(
        handlers.Undelivered(
            message_id=str(row.message_id),
            correlation_id=row.correlation_id,
            service_id=row.service_id,
            route_id=row.route_id,
            outcome=outcome,
            reason=reason[:500],
            at=timezone.now(),
        )
    )


def _failed(row: OutboxMessage, error: str) -> str:
    if row.attempts >= settings.GATEWAY_MAX_ATTEMPTS:
        return _park(row, error)
    fields = {"message_id": str(row.message_id), "attempts": row.attempts, "error": error[:200]}
    delay = backoff_delay(
        row.attempts,
        base=settings.GATEWAY_RETRY_BASE_SECONDS,
        cap=settings.GATEWAY_RETRY_CAP_SECONDS,
    )
    _pending(row).update(
        next_attempt_at=timezone.now() + timedelta(seconds=delay), last_error=error[:500]
    )
    log.warning("gateway.send_failed", extra={"fields": {**fields, "retry_in": round(delay, 1)}})
    return "retrying"
