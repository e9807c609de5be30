"""What the portal and the provider's side call: send a message, make a synchronous query,
register participants; and what an operator does with a parked message (R9.8).

    message_send(service_id=..., sender_id=..., route_id=..., parts={...})   # in a transaction
    message_call(service_id=..., sender_id=..., route_id=..., parts={...})   # returns Response

Handlers are registered with `bekitu.gateway.handlers` (handler_register, query_register,
receipt_register). The relay and the receiver run in the background worker (tasks.py) or in
`bekitu gateway run`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bekitu.core.audit import audit_record
from bekitu.core.errors import Conflict, NotFound
from bekitu.gateway import envelope
from bekitu.gateway.envelope import EnvelopeInvalid, Header, Part, Request, Response
from bekitu.gateway.errors import (
    GatewayError,
    GatewayRefused,
    GatewayTimeout,
    GatewayUnavailable,
)
from bekitu.gateway.handlers import DISCARDED
from bekitu.gateway.inbox import receipt_discarded
from bekitu.gateway.models import (
    InboxMessage,
    Kind,
    OutboxMessage,
    Participant,
    validate_bin,
    validate_system_id,
)
from bekitu.gateway.outbox import kick_relay, outbox_put, undelivered_tell
from bekitu.gateway.receipts import RECEIPT_KEYS, receipt_carried_by, receipt_properties
from bekitu.gateway.selectors import participants_get
from bekitu.gateway.signature import Rejected, envelope_sign, envelope_verify
from bekitu.gateway.transports import Transport, TransportError, get_transport

log = logging.getLogger("bekitu.gateway")

# The signature and its certificate add a few kilobytes to the unsigned envelope.
_SIGNATURE_ROOM = 16_384


def _build(request: Request) -> bytes:
    try:
        xml = envelope.build_request(request)
    except EnvelopeInvalid as exc:
        raise GatewayError(
            _("The message does not fit the gateway's envelope: %(error)s") % {"error": exc},
            code="gateway_envelope_invalid",
        ) from exc
    if len(xml) + _SIGNATURE_ROOM > settings.GATEWAY_MAX_ENVELOPE_BYTES:
        raise GatewayError(
            _("The message is larger than the gateway accepts (%(limit)s bytes).")
            % {"limit": settings.GATEWAY_MAX_ENVELOPE_BYTES},
            code="gateway_envelope_too_large",
        )
    return xml


def message_send(
    *,
    service_id: str,
    sender_id: str,
    route_id: str,
    parts: Iterable[Part] | Mapping[str, bytes] = (),
    correlation_id: str = "",
    properties: Iterable[tuple[str, str]] = (),
) -> OutboxMessage:
    """Send a message through the gateway (R9.8): written to the outbox in the caller's
    transaction, relayed after it commits, delivered at least once and handled once.
    `sender_id` must be served here (it signs); `route_id` is the receiving participant."""
    properties = tuple(properties)
    if RECEIPT_KEYS.intersection(key for key, _value in properties):
        raise ValueError("the gateway.receipt.* properties are the gateway's own")
    participants_get(sender_id, route_id)
    header = Header(
        message_id=envelope.new_message_id(),
        service_id=service_id,
        sender_id=sender_id,
        route_id=route_id,
        date=timezone.localtime(),
        correlation_id=correlation_id,
    )
    # An answer to the sender of a request being handled here carries that request's receipt.
    carried = receipt_properties(sender_id=sender_id, route_id=route_id)
    xml = _build(Request(header, envelope.as_parts(parts), (*properties, *carried)))
    row = outbox_put(kind=Kind.REQUEST, header=header, xml=xml)
    receipt_carried_by(row.pk, carried)
    log.info(
        "gateway.queued",
        extra={"fields": {"message_id": header.message_id, "service_id": service_id}},
    )
    return row


def message_call(
    *,
    service_id: str,
    sender_id: str,
    route_id: str,
    parts: Iterable[Part] | Mapping[str, bytes] = (),
    properties: Iterable[tuple[str, str]] = (),
    timeout: float | None = None,
    transport: Transport | None = None,
) -> Response:
    """A synchronous query through the gateway: sign, send, wait for the signed answer.

    Returns the receiver's Response (status SCSS001) or raises: GatewayTimeout when no answer
    came within `timeout` (BEKITU_GATEWAY_CALL_TIMEOUT_SECONDS), GatewayRefused when the
    receiver answered with an error status, GatewayUnavailable when the transport is down,
    GatewayError when the answer's signature is not confirmed. Nothing is written here: a
    query changes nothing, so it does not go through the outbox."""
    signer, _route = participants_get(sender_id, route_id)
    header = Header(
        envelope.new_message_id(), service_id, sender_id, route_id, timezone.localtime()
    )
    body = envelope_sign(
        xml=_build(Request(header, envelope.as_parts(parts), tuple(properties))),
        signer_bin=signer.bin,
    )
    transport = transport or get_transport()
    if settings.GATEWAY_KICK:
        _kick_receive()
    wait = float(settings.GATEWAY_CALL_TIMEOUT_SECONDS if timeout is None else timeout)
    try:
        answer = transport.call(
            route_id=route_id, body=body, message_id=header.message_id, timeout=wait
        )
    except TransportError as exc:
        log.warning("gateway.call.unavailable", extra={"fields": {"service_id": service_id}})
        raise GatewayUnavailable(
            _("The gateway cannot be reached now. Please try again in a few minutes.")
        ) from exc
    if answer is None:
        log.warning(
            "gateway.call.timeout", extra={"fields": {"service_id": service_id, "wait": wait}}
        )
        raise GatewayTimeout()
    return _read_answer(answer, header)


def _read_answer(answer: bytes, request: Header) -> Response:
    try:
        verified = envelope_verify(answer, expect_sender=request.route_id)
    except Rejected as rejected:
        log.warning("gateway.call.answer_rejected", extra={"fields": {"code": rejected.code}})
        raise GatewayError(
            _("The answer's signature could not be confirmed."),
            code="gateway_answer_not_confirmed",
        ) from rejected
    response = verified.response
    if response is None or response.header.correlation_id != request.message_id:
        raise GatewayError(_("The answer is not for this query."), code="gateway_answer_mismatch")
    if not response.ok:
        raise GatewayRefused(status_code=response.status_code, detail=response.status_message)
    return response


def _kick_receive() -> None:
    try:
        from bekitu.gateway.tasks import receive

        receive.apply_async()
    except Exception as exc:
        log.warning("gateway.kick_failed", extra={"fields": {"error": type(exc).__name__}})


# --- participants -----------------------------------------------------------------------------
def participant_register(
    *, system_id: str, bin: str, title: str = "", local: bool = False, active: bool = True
) -> Participant:
    """Register (or update) a participant of the gateway: its id (a provider's BIN, the
    portal's id), the BIN of the organization certificate that signs its envelopes, and
    whether this installation serves it. Audited."""
    try:
        validate_system_id(system_id)
        validate_bin(bin)
    except ValidationError as exc:
        raise GatewayError(exc.messages[0], code="gateway_bad_participant") from exc
    with transaction.atomic():
        participant, created = Participant.objects.update_or_create(
            system_id=system_id,
            defaults={"bin": bin, "title": title, "local": local, "active": active},
        )
        audit_record(
            action="gateway.participant.register",
            object_type="gateway.participant",
            object_id=system_id,
            data={"bin": bin, "local": local, "active": active, "created": created},
        )
    return participant


# --- the operator: parked messages ------------------------------------------------------------
M = TypeVar("M", OutboxMessage, InboxMessage)


def _locked(model: type[M], message_id: str) -> M:
    row = model.objects.select_for_update().filter(message_id=message_id).first()
    if row is None:
        raise NotFound(_("No such message."), code="gateway_message_not_found")
    if row.status != model.Status.PARKED:
        raise Conflict(
            _("Only a parked message can be replayed or discarded."), code="gateway_not_parked"
        )
    return row


def _audit(action: str, row: OutboxMessage | InboxMessage, box: str) -> None:
    audit_record(
        action=f"gateway.{box}.{action}",
        object_type=f"gateway.{box}",
        object_id=str(row.message_id),
        data={
            "service_id": row.service_id,
            "sender_id": row.sender_id,
            "route_id": row.route_id,
            "attempts": row.attempts,
        },
    )


def outbox_replay(*, message_id: str) -> OutboxMessage:
    """An operator sends a parked outgoing message again, with its attempts counted anew."""
    with transaction.atomic():
        row = _locked(OutboxMessage, message_id)
        _audit("replay", row, "outbox")
        row.status, row.attempts = OutboxMessage.Status.PENDING, 0
        row.next_attempt_at = timezone.now()
        row.save(update_fields=["status", "attempts", "next_attempt_at"])
        if settings.GATEWAY_KICK:
            transaction.on_commit(kick_relay)
    return row


def outbox_discard(*, message_id: str) -> OutboxMessage:
    """An operator gives up a parked outgoing message: it is never sent. The sender's side
    hears of it in the same transaction (`handlers.undelivered_register`)."""
    with transaction.atomic():
        row = _locked(OutboxMessage, message_id)
        _audit("discard", row, "outbox")
        row.status = OutboxMessage.Status.DISCARDED
        row.save(update_fields=["status"])
        undelivered_tell(row, DISCARDED, row.last_error)
    return row


def inbox_replay(*, message_id: str) -> InboxMessage:
    """An operator runs the handler of a parked incoming message again (at the next retry
    pass), with its attempts counted anew."""
    with transaction.atomic():
        row = _locked(InboxMessage, message_id)
        _audit("replay", row, "inbox")
        row.status, row.attempts = InboxMessage.Status.RETRYING, 0
        row.next_attempt_at = timezone.now()
        row.save(update_fields=["status", "attempts", "next_attempt_at"])
    return row


def inbox_discard(*, message_id: str) -> InboxMessage:
    """An operator gives up a parked incoming message: its handler never runs again. The
    sender of a request is told so (ESRV004) in the same transaction, through the outbox."""
    with transaction.atomic():
        row = _locked(InboxMessage, message_id)
        _audit("discard", row, "inbox")
        row.status = InboxMessage.Status.DISCARDED
        row.save(update_fields=["status"])
        receipt_discarded(row)
    return row
