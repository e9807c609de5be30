"""The receiving side: verify, store once in the inbox, handle, answer (R9.8, R9.9).

For each delivery taken from a local route's queue:
1. the envelope is checked (`signature.envelope_verify`, and its route must be the queue's);
   a refused one is recorded and audited, dead-lettered, and never reaches a handler. The
   check's audit row is written in one transaction with what the check leads to (the refusal's
   record, or the inbox row and its handler's work): the audit rows of one delivery are chained
   together at the transaction's end (`audit_write_batch`), and nothing is refused, answered
   or acknowledged before that transaction committed;
2. a synchronous query (the delivery has a reply address) is answered at once by its query
   handler, signed by the route;
3. any other message is inserted into the inbox, whose messageId is unique: a second copy is
   acknowledged and dropped. In the same transaction the handler runs (in a savepoint: if it
   fails, its writes are undone, the inbox row stays and is retried after a back-off; after
   the last attempt it is parked and the sender gets ESRV002) and the sender gets a receipt
   (SCSS001): on the handler's answer to it when there is one (`receipts`), or alone. The
   delivery is acknowledged only after that transaction committed, or, on the queue table,
   inside it (the queued row deleted with the inbox row's commit: a receiver that dies
   before the commit leaves both undone, and the message is received again).
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from bekitu.core.audit import audit_context, audit_record, audit_write_batch
from bekitu.core.errors import DomainError
from bekitu.core.logging import scrub
from bekitu.gateway import envelope, handlers
from bekitu.gateway.envelope import (
    DUPLICATE,
    SERVICE_DISCARDED,
    SERVICE_FAILED,
    SERVICE_REFUSED,
    STATUS_TEXT,
    SUCCESS,
    UNKNOWN_PARTICIPANT,
    UNKNOWN_SERVICE,
    Header,
    Part,
    Request,
    Response,
    as_parts,
    new_message_id,
)
from bekitu.gateway.errors import RetryLater
from bekitu.gateway.models import InboxMessage, Kind, OutboxMessage, RejectedMessage, insert_once
from bekitu.gateway.outbox import outbox_put
from bekitu.gateway.receipts import (
    receipt_carried,
    receipt_carrier_to_check,
    receipt_owed,
    receipt_take,
    receipt_uncarried,
    receipts_enclosed,
    without_receipt,
)
from bekitu.gateway.retry import backoff_delay
from bekitu.gateway.selectors import local_route_ids, participant_get, participants_once
from bekitu.gateway.signature import Rejected, Verified, envelope_sign, envelope_verify
from bekitu.gateway.transports import Delivery, Transport, get_transport

log = logging.getLogger("bekitu.gateway")


@dataclass
class ReceiveReport:
    """What one pass of the receiver did, by outcome."""

    processed: int = 0
    retrying: int = 0
    parked: int = 0
    duplicate: int = 0
    rejected: int = 0
    answered: int = 0
    stale: int = 0

    def add(self, outcome: str) -> None:
        """Count one delivery's outcome."""
        setattr(self, outcome, getattr(self, outcome) + 1)

    @property
    def taken(self) -> int:
        """Deliveries handled in this pass."""
        return sum(vars(self).values())


def inbox_receive(
    *,
    transport: Transport | None = None,
    route_ids: Sequence[str] | None = None,
    limit: int = 100,
    wait: float = 0.0,
) -> ReceiveReport:
    """Take up to `limit` messages from the local routes' queues (waiting up to `wait`
    seconds for the first) and receive each. An unexpected error (the database is down)
    gives back the delivery it happened on and every one after it, then propagates."""
    transport = transport or get_transport()
    routes = list(route_ids) if route_ids is not None else local_route_ids()
    report = ReceiveReport()
    if not routes:
        return report
    deliveries = transport.receive(route_ids=routes, limit=limit, wait=wait)
    for index, delivery in enumerate(deliveries):
        try:
            report.add(_receive_once(delivery, transport))
        except Exception:
            for left in deliveries[index:]:
                left.requeue()
            raise
    if report.taken:
        log.info("gateway.receive", extra={"fields": vars(report)})
    return report


def _receive_once(delivery: Delivery, transport: Transport) -> str:
    rejected: Rejected | None = None
    outcome = ""
    acked = False
    with (
        audit_context(actor=f"gateway:{delivery.route_id}", channel="system"),
        participants_once(also=[delivery.route_id]),
    ):
        # One transaction, one append to the audit chain: the check's row and those of what
        # follows from it. If the rows cannot be written, nothing of it commits and the
        # delivery comes back (unaudited means unchecked).
        with transaction.atomic(), audit_write_batch():
            try:
                verified = envelope_verify(delivery.body)
                if verified.header.route_id != delivery.route_id:
                    # Signed for another route and copied onto this queue.
                    raise Rejected(UNKNOWN_PARTICIPANT, "the envelope is for another route")
            except Rejected as refusal:
                rejected = refusal
                _reject_record(delivery, rejected)
            else:
                if not delivery.reply_to:
                    outcome = _store(verified, delivery.body)
                    if delivery.ack_in_transaction:
                        delivery.ack()  # no commit of its own: it commits with the inbox row
                        acked = True
        if rejected is not None:
            _reject(delivery, rejected, transport)
            return "rejected"
        if delivery.reply_to:
            outcome = _answer(verified, delivery, transport)
    if not acked:
        delivery.ack()
    return outcome


# --- refused envelopes ------------------------------------------------------------------------
def _reject_fields(delivery: Delivery, rejected: Rejected) -> dict[str, str]:
    return {
        "code": rejected.code,
        "reason": rejected.reason[:200],
        "route_id": delivery.route_id,
        "claimed_sender": rejected.claimed_sender,
        "claimed_message_id": rejected.claimed_message_id,
    }


def _reject_record(delivery: Delivery, rejected: Rejected) -> None:
    """Record and audit the refusal, in the caller's transaction."""
    digest = hashlib.sha256(delivery.body).hexdigest()
    # No savepoint: if the record fails, the delivery's transaction fails with it.
    with transaction.atomic(savepoint=False):
        RejectedMessage.objects.create(
            route_id=delivery.route_id[:64],
            claimed_sender_id=rejected.claimed_sender,
            claimed_message_id=rejected.claimed_message_id,
            code=rejected.code,
            reason=rejected.reason[:200],
            size=len(delivery.body),
            sha256=digest,
        )
        audit_record(
            action="gateway.message.reject",
            object_type="gateway.envelope",
            object_id=digest,
            data=_reject_fields(delivery, rejected),
        )


def _reject(delivery: Delivery, rejected: Rejected, transport: Transport) -> None:
    """Refuse the envelope once its refusal is recorded (committed): tell a caller waiting
    for an answer, and dead-letter it."""
    log.warning("gateway.rejected", extra={"fields": _reject_fields(delivery, rejected)})
    if delivery.reply_to and _is_uuid(rejected.claimed_message_id):
        # A caller waiting for an answer learns why at once instead of timing out.
        header = Header(
            rejected.claimed_message_id,
            "gateway",
            rejected.claimed_sender or "unknown",
            delivery.route_id,
            timezone.localtime(),
        )
        _reply(transport, delivery, header, rejected.code, STATUS_TEXT[rejected.code], ())
    delivery.dead_letter()


def _is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


# --- synchronous queries ----------------------------------------------------------------------
def _answer(verified: Verified, delivery: Delivery, transport: Transport) -> str:
    request = verified.request
    if request is None:
        log.warning("gateway.call.not_a_request", extra={"fields": {"route": delivery.route_id}})
        return "stale"
    header = request.header
    age = timezone.now() - header.date
    if age > timedelta(seconds=settings.GATEWAY_CALL_TIMEOUT_SECONDS):
        # Its caller has given up; answering would only fill a reply queue nobody reads.
        log.info("gateway.call.stale", extra={"fields": {"message_id": header.message_id}})
        return "stale"
    code, text, parts = _run_query(request)
    _reply(transport, delivery, header, code, text, parts)
    return "answered"


def _run_query(request: Request) -> tuple[str, str, tuple[Part, ...]]:
    handler = handlers.query_handler(request.header.service_id)
    if handler is None:
        return UNKNOWN_SERVICE, STATUS_TEXT[UNKNOWN_SERVICE], ()
    try:
        with transaction.atomic():
            parts = as_parts(handler(_message(request)))
    except DomainError as exc:
        return SERVICE_REFUSED, exc.code, ()
    except Exception as exc:
        log.warning(
            "gateway.query_failed",
            extra={"fields": {"service_id": request.header.service_id, "error": _error(exc)}},
        )
        return SERVICE_FAILED, STATUS_TEXT[SERVICE_FAILED], ()
    return SUCCESS, STATUS_TEXT[SUCCESS], parts


def _reply(
    transport: Transport,
    delivery: Delivery,
    request: Header,
    code: str,
    text: str,
    parts: tuple[Part, ...],
) -> None:
    try:
        body = _signed_response(request, code, text, parts)
        transport.reply(reply_to=delivery.reply_to, body=body, correlation_id=request.message_id)
    except Exception as exc:
        # The caller times out and says so; the query itself is not lost work.
        log.warning("gateway.reply_failed", extra={"fields": {"error": type(exc).__name__}})


def _response_header(request: Header) -> Header:
    return Header(
        message_id=new_message_id(),
        service_id=request.service_id,
        sender_id=request.route_id,
        route_id=request.sender_id,
        date=timezone.localtime(),
        correlation_id=request.message_id,
    )


def _signed_response(request: Header, code: str, text: str, parts: tuple[Part, ...]) -> bytes:
    response = Response(_response_header(request), code, text, parts)
    signer = participant_get(request.route_id, local=True)
    return envelope_sign(xml=envelope.build_response(response), signer_bin=signer.bin)


# --- asynchronous messages: the idempotent inbox ---------------------------------------------
def _store(verified: Verified, body: bytes) -> str:
    header = verified.header
    # No savepoint of its own (the delivery's transaction is the unit); the handler has one.
    with transaction.atomic(savepoint=False):
        row = _insert(verified, body)
        if row is None:
            log.info("gateway.duplicate", extra={"fields": {"message_id": header.message_id}})
            if verified.request is not None:
                # The sender may be sending it again because our receipt was lost.
                _receipt(header, DUPLICATE)
            return "duplicate"
        if verified.request is None:
            assert verified.response is not None
            return _run(row, verified.response)
        # The receipt goes on the handler's answer to the sender when it sends one, or alone.
        with receipt_owed(header, row.processed_at or timezone.now()):
            outcome = _run(row, verified.request)
            carrier = receipt_carrier_to_check()
            if carrier is not None and not OutboxMessage.objects.filter(pk=carrier).exists():
                receipt_uncarried()  # the answer was taken back, the handler went on
            if receipt_take() is not None:
                _receipt(header, SUCCESS)
        return outcome


def _insert(verified: Verified, body: bytes) -> InboxMessage | None:
    """The inbox's row of a message not received before, as it is once handled; None for a
    second copy. One statement: the insert does nothing on the unique messageId of a copy
    stored before (or by another receiver at the same moment: PostgreSQL waits for that
    receiver's transaction, then finds the copy), so a duplicate costs no read first and
    never fails the delivery's transaction."""
    header = verified.header
    row = InboxMessage(
        message_id=header.message_id,
        kind=Kind.REQUEST if verified.request is not None else Kind.RESPONSE,
        correlation_id=header.correlation_id,
        service_id=header.service_id,
        sender_id=header.sender_id,
        route_id=header.route_id,
        message_date=header.date,
        envelope=body,
        size=len(body),
        signer_serial=verified.signer_serial,
        status=InboxMessage.Status.PROCESSED,
        attempts=1,
        processed_at=timezone.now(),
    )
    row.pk = insert_once(row, conflict="message_id")
    return row if row.pk is not None else None


def _run(row: InboxMessage, content: Request | Response) -> str:
    """Run the handler in a savepoint of the inbox's transaction; record what happened."""
    try:
        with transaction.atomic():
            if isinstance(content, Response):
                _on_receipts(receipts_enclosed(content))
            else:
                handler = handlers.message_handler(row.service_id)
                if handler is None:
                    raise LookupError(f"no handler is registered for {row.service_id}")
                carried = receipt_carried(content)
                if carried is not None:  # an answer that carries our request's receipt
                    _on_receipts([carried], on_answer=True)
                handler(_message(content))
    except Exception as exc:
        receipt_uncarried()  # the handler's answer, and the receipt on it, are undone
        return _failed(row, content, exc)
    if row.status == InboxMessage.Status.PROCESSED:
        return "processed"  # received now, and inserted as handled: nothing to change
    row.status = InboxMessage.Status.PROCESSED
    row.processed_at = timezone.now()
    row.next_attempt_at = None
    row.last_error = ""
    row.save(update_fields=["status", "processed_at", "next_attempt_at", "last_error", "attempts"])
    return "processed"


def _error(exc: BaseException) -> str:
    return str(scrub(f"{type(exc).__name__}: {exc}"))[:500]


def _failed(row: InboxMessage, content: Request | Response, exc: Exception) -> str:
    error = _error(exc)
    fields = {"message_id": str(row.message_id), "attempts": row.attempts, "error": error[:200]}
    if row.attempts >= settings.GATEWAY_MAX_ATTEMPTS:
        row.status, row.next_attempt_at = InboxMessage.Status.PARKED, None
        audit_record(
            action="gateway.inbox.park",
            object_type="gateway.inbox",
            object_id=str(row.message_id),
            data={"service_id": row.service_id, "attempts": row.attempts, "error": error[:200]},
        )
        if isinstance(content, Request):
            stored = receipt_take()  # stored first (SCSS001), then parked: two receipts, in order
            if stored is not None:
                _receipt(stored, SUCCESS)
            _receipt(content.header, SERVICE_FAILED)
        log.warning("gateway.inbox.parked", extra={"fields": fields})
    else:
        delay = backoff_delay(
            row.attempts,
            base=settings.GATEWAY_RETRY_BASE_SECONDS,
            cap=settings.GATEWAY_RETRY_CAP_SECONDS,
        )
        row.status = InboxMessage.Status.RETRYING
        row.next_attempt_at = timezone.now() + timedelta(seconds=delay)
        level = logging.INFO if isinstance(exc, RetryLater) else logging.WARNING
        log.log(level, "gateway.handler_failed", extra={"fields": {**fields, "retry_in": delay}})
    row.last_error, row.processed_at = error, None
    row.save(update_fields=["status", "next_attempt_at", "last_error", "attempts", "processed_at"])
    return row.status


def inbox_retry_due(*, limit: int = 100) -> ReceiveReport:
    """Run the handlers of messages whose retry is due, each in its own transaction."""
    report = ReceiveReport()
    now = timezone.now()
    due = InboxMessage.objects.filter(status=InboxMessage.Status.RETRYING, next_attempt_at__lte=now)
    for pk in list(due.order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit]):
        outcome = _retry_one(pk, now)
        if outcome:
            report.add(outcome)
    return report


def _retry_one(pk: int, now: datetime) -> str | None:
    with transaction.atomic():
        row = (
            InboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=pk, status=InboxMessage.Status.RETRYING, next_attempt_at__lte=now)
            .first()
        )
        if row is None:  # another process took it, or an operator discarded it
            return None
        with (
            audit_context(actor=f"gateway:{row.route_id}", channel="system"),
            participants_once(also=[row.route_id]),
        ):
            row.attempts += 1
            return _run(row, stored_content(row))


def stored_content(row: InboxMessage) -> Request | Response:
    """The request or response of an inbox row, read again from the envelope kept when it
    was received (and verified)."""
    root = envelope.parse(bytes(row.envelope), max_bytes=max(row.size, 1))
    if row.kind == Kind.RESPONSE:
        return envelope.read_response(root)
    return envelope.read_request(root)


def _message(request: Request) -> handlers.Message:
    h = request.header
    return handlers.Message(
        message_id=h.message_id,
        correlation_id=h.correlation_id,
        service_id=h.service_id,
        sender_id=h.sender_id,
        route_id=h.route_id,
        date=h.date,
        parts=request.parts,
        properties=without_receipt(request.properties),
    )


# --- receipts ---------------------------------------------------------------------------------
def receipt_discarded(row: InboxMessage) -> None:
    """Tell the sender of a request an operator discarded here that it will never be
    processed (ESRV004), through the outbox, in the caller's transaction: its citizen is not
    left waiting on it. A discarded response (a receipt) answers nobody."""
    if row.kind != Kind.REQUEST:
        return
    request = Header(
        message_id=str(row.message_id),
        service_id=row.service_id,
        sender_id=row.sender_id,
        route_id=row.route_id,
        date=row.message_date,
        correlation_id=row.correlation_id,
    )
    _receipt(request, SERVICE_DISCARDED)


def _receipt(request: Header, code: str) -> None:
    """Tell the sender of a request what became of it, through the outbox."""
    response = Response(_response_header(request), code, STATUS_TEXT[code])
    outbox_put(kind=Kind.RESPONSE, header=response.header, xml=envelope.build_response(response))


_NOTED = ["receipt_code", "receipt_at", "status"]


def _on_receipts(responses: Sequence[Response], *, on_answer: bool = False) -> None:
    """Receivers' words on messages sent from here (one, or those an envelope of receipts
    together holds, in their order): note each, and tell the sender's side of each that is
    news (the first receipt, or a changed status; a duplicate's SCSS002 is not). The messages
    are read and locked in one statement, in the order of their rows, and noted in one.
    `on_answer`: the receipt came on the receiver's answer, whose handler runs next."""
    originals = {
        (str(row.message_id), row.route_id): row
        for row in OutboxMessage.objects.select_for_update()
        .defer("envelope")  # what was sent (e-copies and all) is not needed to note its receipt
        .filter(message_id__in={r.header.correlation_id for r in responses})
        .order_by("pk")
    }
    noted: dict[int, OutboxMessage] = {}
    news: list[tuple[OutboxMessage, Response]] = []
    for response in responses:
        header = response.header
        original = originals.get((header.correlation_id, header.sender_id))
        if original is None:
            # Not ours, or not from the route it went to: nothing to note.
            fields = {"message_id": header.message_id}
            log.info("gateway.receipt.unknown", extra={"fields": fields})
            continue
        if _note(original, response):
            news.append((original, response))
        noted[original.pk] = original
    rows = list(noted.values())
    if len(rows) == 1:
        rows[0].save(update_fields=_NOTED)
    elif rows:
        OutboxMessage.objects.bulk_update(rows, _NOTED)
    for original, response in news:
        hook = handlers.receipt_handler(original.service_id)
        if hook is not None:
            hook(
                handlers.Receipt(
                    message_id=str(original.message_id),
                    correlation_id=original.correlation_id,
                    service_id=original.service_id,
                    route_id=original.route_id,
                    status_code=response.status_code,
                    status_message=response.status_message,
                    at=response.header.date,
                    on_answer=on_answer,
                )
            )


def _note(original: OutboxMessage, response: Response) -> bool:
    """Note a receipt on the message it is about; whether it is news to the sender's side."""
    at = response.header.date
    news = original.receipt_at is None or (
        response.status_code not in (original.receipt_code, DUPLICATE) and at >= original.receipt_at
    )
    if original.receipt_at is None or at >= original.receipt_at:
        original.receipt_code, original.receipt_at = response.status_code, at
    if original.status in (OutboxMessage.Status.PENDING, OutboxMessage.Status.PARKED):
        # The receiver has it (a confirm that was lost, a receiver back after a long
        # absence): nothing is left to send.
        original.status = OutboxMessage.Status.SENT
    return news
