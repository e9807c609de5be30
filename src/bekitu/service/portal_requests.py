"""The provider's side of the portal channel: a citizen's request received through the
gateway (serviceId `bekitu.attachment.request`, R9.8) is verified, registered (R9.9), checked
at once (condition 3, R9.10) and, by the provider's setting, decided at once when every check
passes or left to a specialist within the term (R9.11, R9.12).

The provider trusts nothing the portal says about the request: it verifies the citizen's EDS
itself (`eds.verification.verify_request` with the request's accountIin) and reads the request
only from the verified signed root; each e-copy must match the SHA-256 and size the signed
request gives for it. The handler runs in the gateway inbox's transaction, so the application,
its steps and the status messages to the portal (`portal_status`) commit together, or nothing
does and the gateway delivers the request again. One portal request number makes at most one
application, however often it is delivered.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from lxml import etree

from bekitu.core.audit import audit_record, audit_write_batch
from bekitu.core.errors import Conflict, DomainError
from bekitu.core.vocabulary import ApplicantRole, Channel, RefusalCode, State
from bekitu.eds.verification import verify_request
from bekitu.gateway.contracts import attachment_request as contract
from bekitu.gateway.contracts.attachment_request import AttachmentRequest, RequestInvalid
from bekitu.gateway.handlers import Message
from bekitu.registry.selectors import district_by_number, person_get_by_iin, provider_get_by_bin
from bekitu.registry.services import person_lock_by_iin
from bekitu.service.models import Application, PortalRequest, PortalSetting
from bekitu.service.portal_status import rejection_send, statuses_together
from bekitu.service.procedure import audit_application, saved_once
from bekitu.service.requirements import KINDS as DOCUMENT_KINDS
from bekitu.service.requirements import (
    Basis,
    PartiesInvalid,
    PowerOfAttorney,
    ScanRejected,
    scan_check,
)
from bekitu.service.services.decision import document_add_locked, issue_talon_locked
from bekitu.service.services.intake import application_create
from bekitu.service.services.registration import check_case_locked, register_locked

if TYPE_CHECKING:
    from bekitu.registry.models import District, Provider

log = logging.getLogger("bekitu.service")

SERVICE_ID = contract.SERVICE_ID


class Rejected(Exception):
    """No application can be made of the request; `code` says why (the portal is told)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code)
        self.code, self.detail = code, detail


@dataclass(frozen=True)
class Verified:
    """The request as the citizen signed it, its signed bytes, the signer's certificate."""

    request: AttachmentRequest
    signed: bytes
    signer_serial: str


def portal_decision(provider_id: int) -> str:
    """How the provider decides portal requests (PortalSetting; automatic by default)."""
    rows = PortalSetting.objects.filter(provider_id=provider_id).values_list("decision", flat=True)
    return rows.first() or PortalSetting.Decision.AUTOMATIC


def _claimed_account_iin(signed: bytes) -> str:
    """The IIN the unverified request names as its signer: whose certificate must sign it.
    Nothing else is read before the signature is verified."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(signed, parser=parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise Rejected("request_invalid", "not well-formed") from exc
    return (root.findtext("{*}accountIin") or "").strip()


def _verify(message: Message) -> Verified:
    """Condition 3 begins with the EDS (R9.10): verified here, never taken from the portal."""
    try:
        signed = message.part(contract.REQUEST_PART)
    except KeyError as exc:
        raise Rejected("request_invalid", "no request.xml") from exc
    if len(signed) > settings.EDS_MAX_REQUEST_BYTES:
        raise Rejected("request_invalid", "request too large")
    claimed = _claimed_account_iin(signed)
    result = verify_request(signed, expect_iin=claimed)
    if not result.valid or result.signed_root is None or result.signer is None:
        raise Rejected(RefusalCode.EDS_NOT_CONFIRMED, result.reason or "")
    try:
        request = contract.parse_request(result.signed_root)
    except RequestInvalid as exc:
        raise Rejected("request_invalid", str(exc)[:200]) from exc
    if request.account_iin != claimed or result.signer.iin != request.account_iin:
        raise Rejected(RefusalCode.EDS_NOT_CONFIRMED, "iin_mismatch")
    if request.number != message.correlation_id or request.provider_bin != message.route_id:
        raise Rejected("request_invalid", "number or provider differ from the envelope")
    return Verified(request, signed, result.signer.serial)


def _copies(message: Message, request: AttachmentRequest) -> list[tuple[str, ContentFile[bytes]]]:
    """Each e-copy the signed request lists, checked against its SHA-256 and size and the
    scan rules of the desk (type read from the content, size limit)."""
    copies = []
    by_name = {part.name: part for part in message.parts}
    for document in request.documents:
        part = by_name.get(contract.copy_part(document.code))
        if part is None or document.code not in DOCUMENT_KINDS:
            raise Rejected("request_invalid", f"copy {document.code} missing or unknown")
        if part.sha256 != document.sha256 or len(part.content) != document.size:
            raise Rejected("request_invalid", f"copy {document.code} differs from the signed one")
        try:
            scan_check(part.content[:16], len(part.content), settings.SCAN_MAX_BYTES, part.content)
        except ScanRejected as exc:
            raise Rejected("request_invalid", exc.code) from exc
        copies.append((document.code, ContentFile(part.content, name=document.filename)))
    return copies


def _power_of_attorney(request: AttachmentRequest) -> PowerOfAttorney | None:
    poa = request.power_of_attorney
    if poa is None:
        return None
    return PowerOfAttorney(number=poa.number, date=poa.issued_on, valid_until=poa.valid_until)


def _basis(request: AttachmentRequest) -> Basis | None:
    """What the signed request says the attachment rests on, with its address in parts when
    the request (version 3) gives them; None (a request of version 1) is the registered
    residence. Checked as the desk's is (`application_create`)."""
    stated = request.basis
    if stated is None:
        return None
    return Basis(
        kind=stated.kind,
        atu_code=stated.atu_code,
        address=stated.address,
        pregnant=stated.pregnant,
        street=stated.street,
        house=stated.house,
        building=stated.building,
        apartment=stated.apartment,
    )


def _create(
    message: Message, verified: Verified, received_at: dt.datetime
) -> tuple[Application, PortalRequest]:
    """The application of a verified request, recorded through the service layer, and the
    portal request it was made of."""
    request = verified.request
    provider = provider_get_by_bin(message.route_id)
    if provider is None:
        raise Rejected(RefusalCode.PROVIDER_NOT_AVAILABLE, "no provider with the route's BIN")
    # Read and locked at once: intake locks the recipient's row (one application of a person
    # at a time), and takes this instance as it is.
    recipient = person_lock_by_iin(request.recipient_iin)
    if recipient is None:
        raise Rejected(RefusalCode.UNRELIABLE_DATA, "recipient not in the register")
    applicant = None
    if request.applicant_role != ApplicantRole.SELF:
        applicant = person_get_by_iin(request.applicant_iin)
        if applicant is None:
            raise Rejected(RefusalCode.UNRELIABLE_DATA, "applicant not in the register")
    acting = applicant or recipient
    if acting.iin != request.account_iin:
        # The one who signs is the one who acts: the applicant, or the recipient themselves.
        raise Rejected(RefusalCode.EDS_NOT_CONFIRMED, "signer is not the applicant")
    if request.reason not in Application.Reason.values:
        raise Rejected("request_invalid", "unknown reason")
    copies = _copies(message, request)
    district = _district(provider, request.district_number)
    try:
        application = application_create(
            channel=Channel.PORTAL,
            recipient=recipient,
            provider=provider,
            reason=request.reason,
            applicant=applicant,
            applicant_role=request.applicant_role,
            power_of_attorney=_power_of_attorney(request),
            submitted_at=_submitted_at(message, request, received_at),
            signed_request=verified.signed,
            signer_serial=verified.signer_serial,
            basis=_basis(request),
            district=district,
        )
    except Conflict as exc:
        raise Rejected("application_open", exc.code) from exc
    except PartiesInvalid as exc:
        # Who applies, and on what authority (a power of attorney in force on the day, a
        # parent only for a minor): the applicant's authority to act, refused as such.
        raise Rejected(RefusalCode.NO_AUTHORITY, exc.code) from exc
    except DomainError as exc:
        raise Rejected("request_invalid", exc.code) from exc
    portal_request = PortalRequest.objects.create(
        number=request.number,
        sender_id=message.sender_id,
        message_id=message.message_id,
        provider=provider,
        application=application,
        language=request.language,
        received_at=received_at,
    )
    # Made in this transaction, the row is seen (and locked) by no other until it commits: the
    # instance, with its parties, is passed on to each step of this transaction as it is.
    for code, file in copies:
        document_add_locked(application, kind=code, file=file)
    return application, portal_request


def _submitted_at(
    message: Message, request: AttachmentRequest, received_at: dt.datetime
) -> dt.datetime:
    """When the documents were submitted, where the term starts (R9.13). The request's own
    time is when the portal prepared it for signing, which may be days before the citizen
    submits it (a draft is kept BEKITU_PORTAL_DRAFT_HOURS): the submission is when the portal
    sent it (the envelope's messageDate, under the portal's signature), never before the
    request was written and never after it arrived here."""
    return min(max(request.submitted_at, message.date), received_at)


def _district(provider: Provider, number: str) -> District | None:
    """The district the citizen chose and signed for, of the provider the request went to;
    None when they left the choice to the rules (decision 0010)."""
    if not number:
        return None
    digits = number.isascii() and number.isdigit()
    district = district_by_number(provider=provider, number=int(number)) if digits else None
    if district is None:
        raise Rejected("request_invalid", "the provider has no district of that number")
    return district


def _reject(message: Message, rejected: Rejected, received_at: dt.datetime) -> None:
    """Record why no application was made, and tell the portal (in this transaction)."""
    request = PortalRequest.objects.create(
        number=message.correlation_id,
        sender_id=message.sender_id,
        message_id=message.message_id,
        provider=provider_get_by_bin(message.route_id),
        rejected_code=rejected.code,
        received_at=received_at,
    )
    audit_record(
        action="service.portal_request.reject",
        object_type="service.portal_request",
        object_id=request.number,
        data={"code": rejected.code, "detail": rejected.detail, "sender": message.sender_id},
    )
    log.warning(
        "portal.request.rejected",
        extra={"fields": {"request": request.number, "code": rejected.code}},
    )
    rejection_send(request, rejected.code, sender_id=message.route_id, at=received_at)


def _decide(application: Application) -> Application:
    """R9.10-R9.12: registered, checked at once; decided at once when every check passed
    and the provider decides automatically. Each step names who made it (the system). The
    application is the one `_create` made in this transaction, passed on from step to step,
    and its row is updated once, with the fields of every step (`saved_once`)."""
    with saved_once(application):
        application = register_locked(application)
        application, facts = check_case_locked(application)
        if application.state != State.CHECKED:
            return application
        decision = portal_decision(application.provider_id)
        if decision != PortalSetting.Decision.AUTOMATIC:
            return application
        audit_application(application, "auto_decision", setting=decision)
        # Decided on the case condition 3 has just checked, in the same transaction: the
        # checks are not run a second time.
        return issue_talon_locked(application, by=None, checked=facts)


def _foreign(message: Message) -> None:
    """A request from a participant that is not the portal: only the portal sends citizens'
    requests. Nothing is recorded of it (its number stays the portal's to deliver) and no
    answer goes back, which would carry the person's data to that participant; audited."""
    audit_record(
        action="service.portal_request.foreign_sender",
        object_type="service.portal_request",
        object_id=message.correlation_id,
        data={"sender": message.sender_id, "message_id": message.message_id},
    )
    fields = {"request": message.correlation_id, "sender": message.sender_id}
    log.warning("portal.request.foreign_sender", extra={"fields": fields})


def request_receive(message: Message) -> None:
    """The handler of `bekitu.attachment.request` (registered in ServiceConfig.ready)."""
    if not message.correlation_id:
        raise ValueError("a portal request without its number (correlationId)")
    if message.sender_id != settings.PORTAL_SYSTEM_ID:
        _foreign(message)
        return
    if PortalRequest.objects.filter(number=message.correlation_id).exists():
        log.info("portal.request.again", extra={"fields": {"request": message.correlation_id}})
        return
    received_at = timezone.now()
    # The handler runs in the inbox's transaction (and savepoint): its audit rows are chained
    # and written together at its end, in that transaction.
    with transaction.atomic(savepoint=False), audit_write_batch():
        try:
            with transaction.atomic():
                verified = _verify(message)
                application, portal_request = _create(message, verified, received_at)
        except Rejected as rejected:
            _reject(message, rejected, received_at)
            return
        # Registered, checked and decided in one transaction: the portal hears of it all in
        # one status message (each step with its time), not in one message per step.
        with statuses_together(requests=[portal_request]):
            _decide(application)


@transaction.atomic
def portal_setting_set(*, provider_id: int, decision: str, by: str) -> PortalSetting:
    """Choose how the provider decides portal requests (R9.10); audited with who chose."""
    if decision not in PortalSetting.Decision.values:
        raise DomainError(_("Unknown way of deciding."), code="invalid_portal_decision")
    setting, _created = PortalSetting.objects.update_or_create(
        provider_id=provider_id, defaults={"decision": decision}
    )
    audit_record(
        action="service.portal_setting.change",
        object_type="registry.provider",
        object_id=provider_id,
        data={"decision": decision, "by": by},
    )
    return setting
