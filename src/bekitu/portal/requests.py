"""The citizen's request signed and sent (R9.6-R9.8), and what comes back:

- `request_submit` runs condition 2 (R9.6): `eds.verify_request` with the logged-in person's
  IIN (the certificate's IIN, the account's and the signer's must agree); the request is read
  only from the verified signed root and must equal the draft (`portal.drafts`). A refusal
  (R9.7) names what failed and sends nothing. Submitting the same draft or the same signed
  request again gives the same request. The request and its gateway message commit together
  (the outbox).
- `status_receive`, `receipt_receive` and `undelivered_receive` record what the provider and
  the gateway say, a request held up or undeliverable included.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from bekitu.core.audit import audit_record, audit_write_batch
from bekitu.core.errors import DomainError
from bekitu.eds.verification import verify_request
from bekitu.gateway.contracts import attachment_request as contract
from bekitu.gateway.contracts import attachment_status as status_contract
from bekitu.gateway.envelope import SERVICE_DISCARDED, SERVICE_FAILED, Part
from bekitu.gateway.errors import UnknownParticipant
from bekitu.gateway.handlers import Message, Receipt, Undelivered
from bekitu.gateway.services import message_send
from bekitu.portal.dependants import GUARDIAN, PARENT, dependant_check
from bekitu.portal.drafts import draft_get, poa_check, request_audit
from bekitu.portal.errors import EdsNotConfirmed, PortalError
from bekitu.portal.models import (
    DECISION_OF,
    IN_TRANSIT,
    STATUS_RANK,
    Account,
    CitizenRequest,
    Draft,
    RequestEvent,
    Status,
)
from bekitu.portal.retention import draft_expired

log = logging.getLogger("bekitu.portal")


def _event(request: CitizenRequest, status: str, at: dt.datetime) -> None:
    """Record a step once; move the request's status forward only (never back)."""
    _events(request, [(status, at)])


def _events(request: CitizenRequest, steps: list[tuple[str, dt.datetime]]) -> None:
    """Record steps in one insert, each once: a step told again (a status message sent
    again) is left as first recorded (`portal_event_once`). The status moves forward only."""
    RequestEvent.objects.bulk_create(
        [RequestEvent(request=request, status=status, at=at) for status, at in steps],
        ignore_conflicts=True,
    )
    for status, _at in steps:
        # Strictly forward: a talon issued and a refusal rank alike, and neither replaces the
        # other (a decision is final).
        if STATUS_RANK[Status(status)] > STATUS_RANK[Status(request.status)]:
            request.status = status


def request_submit(account: Account, draft_id: Any, signed_xml: str | bytes) -> CitizenRequest:
    """Condition 2 (R9.6) and the request sent (R9.8); EdsNotConfirmed (R9.7) or PortalError
    otherwise, and then nothing is sent. The same draft or signed request twice: one request.
    The check and what follows from it are one transaction whose audit rows (`eds.verify`
    and the submission's, or the refusal's) are chained in one append at its end."""
    draft = draft_get(account, draft_id)
    existing = CitizenRequest.objects.filter(draft=draft).first()
    if existing is not None:
        return existing
    if draft_expired(draft):
        raise PortalError("draft_expired")
    _authority_holds(account, draft)
    signed = signed_xml.encode("utf-8") if isinstance(signed_xml, str) else bytes(signed_xml)
    with transaction.atomic(), audit_write_batch():
        outcome = _checked_send(account, draft, signed)
    if isinstance(outcome, DomainError):
        raise outcome  # after the commit: the check's and the refusal's audit rows stand
    return outcome


def _authority_holds(account: Account, draft: Draft) -> None:
    """R9.5 on the day the request is sent, checked as when the draft was made, with its
    refusal: the child may have turned 18, the relation ended (`not_a_dependant`), or the
    power of attorney expired (DraftInvalid, its field's message) since."""
    if draft.applicant_role in (PARENT, GUARDIAN):
        dependant_check(account.iin, draft.recipient_iin, draft.applicant_role)
    elif draft.applicant_role == "representative":
        poa_check(draft)


def _checked_send(account: Account, draft: Draft, signed: bytes) -> CitizenRequest | DomainError:
    """Condition 2, then the request sent, in the caller's transaction; a refusal is
    returned, not raised, so that its audit rows commit."""
    result = verify_request(signed, expect_iin=account.iin)
    if not result.valid:
        request_audit(
            "portal.request.eds_refused",
            account,
            draft.number,
            draft.recipient_iin,
            reason=result.reason,
        )
        return EdsNotConfirmed(result.reason or "malformed")
    try:
        signed_request = contract.parse_request(result.signed_root)
        drafted = contract.parse_request(bytes(draft.xml))
    except contract.RequestInvalid:
        return PortalError("request_altered")
    if signed_request != drafted:
        request_audit("portal.request.altered", account, draft.number, draft.recipient_iin)
        return PortalError("request_altered")
    if signed_request.account_iin != account.iin:
        return PortalError("signer_mismatch")
    digest = hashlib.sha256(signed).hexdigest()
    try:
        # A savepoint: a request made from the same draft at the same moment undoes only this.
        with transaction.atomic():
            return _send(account, draft, signed, digest)
    except UnknownParticipant:
        # The provider's system is not (or no longer) an active participant of the gateway:
        # nothing is sent, the draft stands for when it is connected again.
        request_audit(
            "portal.request.not_connected",
            account,
            draft.number,
            draft.recipient_iin,
            provider=draft.provider_bin,
        )
        return PortalError("provider_not_connected")
    except DomainError as exc:  # the gateway refused to send it
        return exc
    except IntegrityError:
        same = CitizenRequest.objects.filter(draft=draft).first()
        if same is None:
            raise
        return same


def _send(account: Account, draft: Draft, signed: bytes, digest: str) -> CitizenRequest:
    """The request put in the outbox, then the citizen's request written once with its
    message and status (sent), then its first two steps: three inserts, nothing read back or
    written twice (the signed XML is stored once)."""
    now = timezone.now()
    parts = [Part(contract.REQUEST_PART, signed, "application/xml")]
    parts += [
        Part(contract.copy_part(c.code), bytes(c.content), c.content_type)
        for c in draft.copies.order_by("code")
    ]
    message = message_send(
        service_id=contract.SERVICE_ID,
        sender_id=settings.PORTAL_SYSTEM_ID,
        route_id=draft.provider_bin,
        correlation_id=draft.number,
        parts=parts,
    )
    request = CitizenRequest.objects.create(
        number=draft.number,
        account=account,
        draft=draft,
        recipient_iin=draft.recipient_iin,
        provider_bin=draft.provider_bin,
        provider_name=draft.provider_name,
        signed_xml=signed,
        signed_sha256=digest,
        status=Status.SENT,
        submitted_at=now,
        message_id=str(message.message_id),
    )
    _events(request, [(Status.SUBMITTED, now), (Status.SENT, now)])
    request_audit(
        "portal.request.submit",
        account,
        draft.number,
        draft.recipient_iin,
        provider=draft.provider_bin,
    )
    return request


def receipt_receive(receipt: Receipt) -> None:
    """The gateway's word from the provider's system on a request (R9.8): it holds it
    ("delivered"), parked it when its handler failed the last attempt ("held up": its operator
    looks into it), or its operator discarded it ("undeliverable": the citizen applies again).
    A receipt that came on the provider's status message is left to that message's handler,
    which runs next in the same transaction and records the delivery with the statuses it
    tells (`status_receive`: an answer proves delivery): the request is read once, not twice."""
    if receipt.on_answer:
        return
    if receipt.ok:
        _in_transit(receipt.correlation_id, Status.DELIVERED, receipt.at, where="provider")
    elif receipt.status_code == SERVICE_FAILED:
        _in_transit(receipt.correlation_id, Status.HELD_UP, receipt.at, where="provider")
    elif receipt.status_code == SERVICE_DISCARDED:
        _in_transit(receipt.correlation_id, Status.UNDELIVERABLE, receipt.at, where="provider")


def undelivered_receive(undelivered: Undelivered) -> None:
    """The portal's own outbox gave a request up (R9.8): parked after the relay's last attempt
    ("held up": the gateway's operator looks into it and may replay it), or discarded by that
    operator ("undeliverable": the citizen applies again). Runs in the gateway's transaction
    that parks or discards the message."""
    status = Status.UNDELIVERABLE if undelivered.final else Status.HELD_UP
    _in_transit(undelivered.correlation_id, status, undelivered.at, where="portal")


def _in_transit(number: str, status: Status, at: dt.datetime, *, where: str) -> None:
    """Move a request the provider has not yet spoken of as the gateway tells (`IN_TRANSIT`),
    record the step, and notify the citizen of the change after commit. A request the
    provider has answered, or one already undeliverable, is left as it is."""
    request = (
        CitizenRequest.objects.select_for_update()
        .only("status", "recipient_iin")
        .filter(number=number)
        .first()
    )
    if request is None or request.status not in IN_TRANSIT or request.status == status:
        return
    # The gateway's steps can recur (held up, delivered by a late receipt, held up again): a
    # step recorded before is moved to its latest time, so that the timeline ends where the
    # request stands (each status is shown once: `portal_event_once`).
    recurred = RequestEvent.objects.filter(request=request, status=status)
    if not recurred.filter(at__lt=at).update(at=at) and not recurred.exists():
        RequestEvent.objects.bulk_create(
            [RequestEvent(request=request, status=status, at=at)], ignore_conflicts=True
        )
    request.status = status
    request.save(update_fields=["status"])
    if status != Status.DELIVERED:
        audit_record(
            action=f"portal.request.{status}",
            object_type="portal.request",
            object_id=number,
            subject_iin=request.recipient_iin,
            data={"where": where},
        )
        log.warning(f"portal.request.{status}", extra={"fields": {"request": number}})
    from bekitu.portal.notifications import notify_after_commit

    notify_after_commit(request.pk, status)


# Where the portal does not know its request delivered: the provider's answer proves it.
_NOT_DELIVERED = (Status.SUBMITTED, Status.SENT, Status.HELD_UP, Status.UNDELIVERABLE)

# The request's documents: what a status message never needs to read.
_DOCUMENTS = ("signed_xml", "talon_xml", "talon_pdf")


def status_receive(message: Message) -> None:
    """The provider's status message (R9.9-R9.12): the timeline, the deadline, the talon (or,
    awaiting the provider's e-signature, its number: R3.1) or the refusal. Runs in the gateway
    inbox's transaction; a message for a request not (yet) here is retried by the gateway."""
    from bekitu.gateway.errors import RetryLater

    status = status_contract.parse_status(message.part(status_contract.PART_STATUS))
    request = (
        CitizenRequest.objects.select_for_update()
        .defer(*_DOCUMENTS)
        .filter(number=status.number)
        .first()
    )
    if request is None and status.channel:
        request = _provider_application(message, status)
        if request is None:
            return
    if request is None:
        raise RetryLater(f"no request {status.number} yet")
    if message.sender_id != request.provider_bin:
        # Only the provider the request went to speaks of it (the gateway has verified who
        # sent this); another's word on it is kept out of the cabinet, and audited.
        audit_record(
            action="portal.request.status_foreign",
            object_type="portal.request",
            object_id=request.number,
            data={"sender": message.sender_id, "status": status.status},
        )
        log.warning(
            "portal.request.status_foreign",
            extra={"fields": {"request": request.number, "sender": message.sender_id}},
        )
        return
    before = request.status
    if _contradicts(before, status.status):
        # A decision is final: a message that contradicts it is kept out, and audited.
        audit_record(
            action="portal.request.decision_contradicted",
            object_type="portal.request",
            object_id=request.number,
            data={"sender": message.sender_id, "status": status.status, "decided": before},
        )
        log.warning(
            "portal.request.decision_contradicted",
            extra={"fields": {"request": request.number, "status": status.status}},
        )
        return
    changed = ["status"]
    steps = status.steps
    told = [(step.status, step.at) for step in steps]  # told together, each with its time
    if request.status in _NOT_DELIVERED:
        # An answer proves delivery: also of a request held up or found undeliverable, which
        # the provider has after all (an operator replayed it there, a receipt was lost).
        told.insert(0, (Status.DELIVERED, steps[0].at))
    _events(request, told)
    if status.registration_number:
        request.registration_number = status.registration_number
        changed.append("registration_number")
    if status.deadline is not None:
        request.deadline = status.deadline
        changed.append("deadline")
    if status.status == Status.TALON_PENDING:
        # R3.1: the talon's number; its e-document comes signed, with talon_issued.
        request.talon_number = status.talon_number
        changed.append("talon_number")
    if status.status == Status.TALON_ISSUED:
        request.talon_number = status.talon_number
        request.talon_verify_url = status.verify_url
        request.talon_xml = _part(message, status_contract.PART_TALON_XML)
        request.talon_pdf = _part(message, status_contract.PART_TALON_PDF)
        changed += ["talon_number", "talon_verify_url", "talon_xml", "talon_pdf"]
    if status.status == Status.REFUSED and status.refusal is not None:
        request.refusal_code = status.refusal.reason_code
        request.refusal_legal_ground = status.refusal.legal_ground
        request.refusal_message = status.refusal.message
        changed += ["refusal_code", "refusal_legal_ground", "refusal_message"]
    # What the message told, not the whole row: the signed request and any talon already
    # kept are neither read nor written again.
    request.save(update_fields=changed)
    if request.status != before:
        from bekitu.portal.notifications import notify_after_commit

        notify_after_commit(request.pk, request.status)


def _contradicts(before: str, told: str) -> bool:
    """Whether a status told contradicts the request's decision: a refusal after the talon
    (issued, or awaiting its e-signature), or the talon after the refusal."""
    decided, decision = DECISION_OF.get(Status(before)), DECISION_OF.get(Status(told))
    return decided is not None and decision is not None and decided != decision


def _provider_application(
    message: Message, status: status_contract.AttachmentStatus
) -> CitizenRequest | None:
    """A talon issued at the provider's desk or by telephone: filed in the cabinet of the
    recipient's account as an application of that channel (R3.2), or, when the recipient has
    no account here, nothing kept (audited without the talon)."""
    account = Account.objects.filter(iin=status.recipient_iin).first()
    if account is None:
        audit_record(
            action="portal.provider_talon.no_account",
            object_type="portal.request",
            object_id=status.number,
            subject_iin=status.recipient_iin,
            data={"channel": status.channel, "provider": message.sender_id},
        )
        return None
    request = CitizenRequest.objects.create(
        number=status.number,
        account=account,
        channel=status.channel,
        recipient_iin=status.recipient_iin,
        provider_bin=message.sender_id,
        provider_name=status.provider_name,
        status=Status.REGISTERED,
        submitted_at=status.at,
    )
    _event(request, Status.REGISTERED, status.at)
    request_audit(
        "portal.provider_talon.filed",
        account,
        status.number,
        status.recipient_iin,
        channel=status.channel,
        provider=message.sender_id,
    )
    return request


def _part(message: Message, name: str) -> bytes | None:
    try:
        return message.part(name)
    except KeyError:
        return None
