"""The citizen's request (R9.5-R9.7): the form's data made into a draft to sign, condition 2
on submission, and the request sent to the provider through the gateway.

- `draft_create` checks the form (for whom, the provider, the reason, contacts, e-copies as
  the desk checks scans) and builds the request XML under its XSD
  (`gateway.contracts.attachment_request`): all the form's data, the SHA-256 and size of every
  e-copy, the account's IIN, a nonce and the time. Nothing is signed or sent yet.
- `request_submit` runs condition 2 (R9.6): `eds.verify_request` with the logged-in person's
  IIN (the certificate's IIN, the account's and the signer's must agree); the request is read
  only from the verified signed root and must equal the draft. A refusal (R9.7) names what
  failed and sends nothing. Submitting the same draft or the same signed request again gives
  the same request. The request and its gateway message commit together (the outbox).
- `status_receive` and `receipt_receive` record what the provider and the gateway say.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bekitu.core.audit import audit_context, audit_record, audit_write_batch
from bekitu.core.errors import DomainError
from bekitu.core.iin import is_valid_iin
from bekitu.core.scans import ScanRejected, scan_check
from bekitu.core.sms import normalise_phone
from bekitu.core.vocabulary import AttachmentBasis, AttachmentReason
from bekitu.eds.verification import verify_request
from bekitu.gateway.contracts import attachment_request as contract
from bekitu.gateway.contracts import attachment_status as status_contract
from bekitu.gateway.envelope import Part
from bekitu.gateway.handlers import Message, Receipt
from bekitu.gateway.services import message_send
from bekitu.portal import directory
from bekitu.portal.accounts import person_alive
from bekitu.portal.basis import basis_check
from bekitu.portal.dependants import GUARDIAN, PARENT, dependant_check
from bekitu.portal.errors import DraftInvalid, EdsNotConfirmed, PortalError
from bekitu.portal.models import (
    STATUS_RANK,
    Account,
    CitizenRequest,
    Draft,
    DraftCopy,
    RequestEvent,
    Status,
)
from bekitu.portal.retention import draft_expired

log = logging.getLogger("bekitu.portal")

ROLES = ("self", "parent", "guardian", "representative")


@dataclass(frozen=True)
class Upload:
    """An e-copy as the citizen sent it."""

    code: str
    filename: str
    content: bytes


@dataclass(frozen=True)
class Form:
    """The request form's data (R9.5)."""

    recipient_iin: str
    applicant_role: str
    provider_bin: str
    reason: str
    phone: str
    email: str = ""
    district_number: str = ""
    poa_number: str = ""
    poa_issued_on: dt.date | None = None
    poa_valid_until: dt.date | None = None
    poa_issued_by: str = ""
    language: str = "ru"
    uploads: tuple[Upload, ...] = ()
    # What the attachment rests on (AttachmentBasis) and, but for the registered residence,
    # the unit (nine-digit KATO code) and text of the address it rests on.
    basis: str = AttachmentBasis.REGISTERED_RESIDENCE
    basis_atu_code: str = ""
    basis_address: str = ""
    pregnant: bool = False
    # The same address in parts, matched by the provider against its service areas.
    basis_street: str = ""
    basis_house: int | None = None
    basis_building: str = ""
    basis_apartment: str = ""


def _audit(action: str, account: Account, number: str, subject: str, **data: Any) -> None:
    with audit_context(actor=f"portal:{account.pk}", channel="portal"):
        audit_record(
            action=action,
            object_type="portal.request",
            object_id=number,
            subject_iin=subject,
            data=data,
        )


def _recipient(account: Account, form: Form, errors: dict[str, list[str]]) -> str:
    """For whom: self, a child under 18 (the register's relations), a ward, or someone under
    a power of attorney. The recipient's IIN, with errors added; PortalError
    ("not_a_dependant") for a parent's or guardian's request for someone not theirs."""
    role = form.applicant_role
    if role not in ROLES:
        errors.setdefault("applicant_role", []).append(_("Choose for whom you apply."))
        return ""
    iin = account.iin if role == "self" else form.recipient_iin.strip()
    if role != "self" and (not is_valid_iin(iin) or iin == account.iin):
        errors.setdefault("recipient_iin", []).append(
            _("Enter the IIN of the person you apply for.")
        )
        return iin
    if role in (PARENT, GUARDIAN):
        dependant_check(account.iin, iin, role)  # a refusal, not a field to correct
        return iin
    try:
        person_alive(iin)
    except PortalError as error:
        errors.setdefault("recipient_iin", []).append(str(error.message))
        return iin
    today = timezone.localdate()
    if role == "representative":
        if not form.poa_number.strip() or not form.poa_issued_by.strip():
            errors.setdefault("poa_number", []).append(
                _("Enter the power of attorney's number and who issued it.")
            )
        if form.poa_issued_on is None or form.poa_issued_on > today:
            errors.setdefault("poa_issued_on", []).append(
                _("Enter the day the power of attorney was issued.")
            )
        if form.poa_valid_until is not None and form.poa_valid_until < today:
            errors.setdefault("poa_valid_until", []).append(_("The power of attorney has expired."))
    return iin


def _copies(
    needed: directory.Requirements, uploads: tuple[Upload, ...], errors: dict[str, list[str]]
) -> list[tuple[Upload, str]]:
    """Each e-copy checked as the desk checks scans; every required document present."""
    known = {d.code for d in needed.documents}
    checked: list[tuple[Upload, str]] = []
    seen: set[str] = set()
    for upload in uploads:
        if upload.code not in known or upload.code in seen:
            errors.setdefault("documents", []).append(
                _("A document that is not on the list: %(code)s.") % {"code": upload.code}
            )
            continue
        seen.add(upload.code)
        try:
            kind = scan_check(
                upload.content[:16], len(upload.content), needed.max_bytes, upload.content
            )
        except ScanRejected as exc:
            errors.setdefault(f"copy_{upload.code}", []).append(str(exc.message))
            continue
        checked.append((upload, kind))
    for document in needed.documents:
        if document.required and document.code not in seen:
            errors.setdefault(f"copy_{document.code}", []).append(
                _("Attach an electronic copy: %(title)s.") % {"title": document.title}
            )
    return checked


def _number() -> str:
    """The next request number of the day, P-YYYYMMDD-NNNNNN (shown to the citizen)."""
    prefix = f"P-{timezone.localdate():%Y%m%d}-"
    last = (
        Draft.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return f"{prefix}{int(last[len(prefix) :]) + 1 if last else 1:06d}"


def draft_create(account: Account, form: Form) -> Draft:
    """Check the form and build the request to sign (R9.5); DraftInvalid with the messages
    by field, PortalError("provider_unavailable") when the providers' system is silent."""
    errors: dict[str, list[str]] = {}
    recipient_iin = _recipient(account, form, errors)
    if form.reason not in AttachmentReason.values:
        errors.setdefault("reason", []).append(_("Choose the reason."))
    phone = normalise_phone(form.phone)
    if not phone:
        errors.setdefault("phone", []).append(_("Enter a phone number, e.g. +7 701 234 56 78."))
    email = form.email.strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.setdefault("email", []).append(_("Enter a valid e-mail address."))
    provider = None
    if not form.provider_bin:
        errors.setdefault("provider_bin", []).append(_("Choose the provider."))
    else:
        provider = directory.provider_get(form.provider_bin, recipient_iin)
        if provider is None:
            errors.setdefault("provider_bin", []).append(_("No open provider has this BIN."))
    basis = basis_check(form, recipient_iin, errors)
    checked: list[tuple[Upload, str]] = []
    if "recipient_iin" not in errors and "applicant_role" not in errors:
        needed = directory.requirements(
            recipient_iin, form.applicant_role, basis.kind, basis.pregnant
        )
        checked = _copies(needed, form.uploads, errors)
    if errors:
        raise DraftInvalid(errors)
    assert provider is not None
    poa = None
    if form.applicant_role == "representative" and form.poa_issued_on is not None:
        poa = contract.PowerOfAttorney(
            number=form.poa_number.strip(),
            issued_on=form.poa_issued_on,
            issued_by=form.poa_issued_by.strip(),
            valid_until=form.poa_valid_until,
        )
    documents = tuple(
        contract.Document(
            u.code,
            u.filename[-200:] or u.code,
            hashlib.sha256(u.content).hexdigest(),
            len(u.content),
        )
        for u, _kind in checked
    )
    for attempt in range(5):
        try:
            with transaction.atomic():
                number = _number()
                request = contract.AttachmentRequest(
                    number=number,
                    submitted_at=timezone.localtime(),
                    nonce=secrets.token_hex(16),
                    account_iin=account.iin,
                    recipient_iin=recipient_iin,
                    provider_bin=provider.bin,
                    reason=form.reason,
                    applicant_role=form.applicant_role,
                    applicant_iin="" if form.applicant_role == "self" else account.iin,
                    power_of_attorney=poa,
                    district_number=form.district_number.strip(),
                    basis=basis,
                    contacts=contract.Contacts(phone, email),
                    documents=documents,
                    language=form.language if form.language in ("kk", "ru", "en") else "ru",
                )
                draft = Draft.objects.create(
                    account=account,
                    number=number,
                    recipient_iin=recipient_iin,
                    applicant_role=form.applicant_role,
                    provider_bin=provider.bin,
                    provider_name=provider.name,
                    xml=contract.build_request(request),
                    created_at=timezone.now(),
                )
                for upload, kind in checked:
                    DraftCopy.objects.create(
                        draft=draft,
                        code=upload.code,
                        filename=upload.filename[-200:] or upload.code,
                        content_type=kind,
                        content=upload.content,
                        sha256=hashlib.sha256(upload.content).hexdigest(),
                        size=len(upload.content),
                    )
                _audit(
                    "portal.request.draft", account, number, recipient_iin, role=form.applicant_role
                )
                return draft
        except IntegrityError:
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


def draft_get(account: Account, draft_id: Any) -> Draft:
    """The account's own draft, or PortalError("not_found")."""
    try:
        draft = Draft.objects.filter(pk=draft_id, account=account).first()
    except ValidationError:
        draft = None
    if draft is None:
        raise PortalError("not_found")
    return draft


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
        if STATUS_RANK[Status(status)] >= STATUS_RANK[Status(request.status)]:
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
    signed = signed_xml.encode("utf-8") if isinstance(signed_xml, str) else bytes(signed_xml)
    with transaction.atomic(), audit_write_batch():
        outcome = _checked_send(account, draft, signed)
    if isinstance(outcome, DomainError):
        raise outcome  # after the commit: the check's and the refusal's audit rows stand
    return outcome


def _checked_send(account: Account, draft: Draft, signed: bytes) -> CitizenRequest | DomainError:
    """Condition 2, then the request sent, in the caller's transaction; a refusal is
    returned, not raised, so that its audit rows commit."""
    result = verify_request(signed, expect_iin=account.iin)
    if not result.valid:
        _audit(
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
        _audit("portal.request.altered", account, draft.number, draft.recipient_iin)
        return PortalError("request_altered")
    if signed_request.account_iin != account.iin:
        return PortalError("signer_mismatch")
    digest = hashlib.sha256(signed).hexdigest()
    try:
        # A savepoint: a request made from the same draft at the same moment undoes only this.
        with transaction.atomic():
            return _send(account, draft, signed, digest)
    except DomainError as exc:  # the gateway refused to send it (an unknown provider)
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
    _audit(
        "portal.request.submit",
        account,
        draft.number,
        draft.recipient_iin,
        provider=draft.provider_bin,
    )
    return request


def receipt_receive(receipt: Receipt) -> None:
    """The gateway's word that the provider's system holds the request: "delivered"."""
    if not receipt.ok:
        return
    request = (
        CitizenRequest.objects.select_for_update()
        .only("status")
        .filter(number=receipt.correlation_id)
        .first()
    )
    if request is not None:
        _event(request, Status.DELIVERED, receipt.at)
        request.save(update_fields=["status"])


# The request's documents: what a status message never needs to read.
_DOCUMENTS = ("signed_xml", "talon_xml", "talon_pdf")


def status_receive(message: Message) -> None:
    """The provider's status message (R9.9-R9.12): the timeline, the deadline, the talon or
    the refusal. Runs in the gateway inbox's transaction; a message for a request not (yet)
    here is retried by the gateway."""
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
    before = request.status
    changed = ["status"]
    steps = status.steps
    told = [(step.status, step.at) for step in steps]  # told together, each with its time
    if request.status in (Status.SUBMITTED, Status.SENT):
        told.insert(0, (Status.DELIVERED, steps[0].at))  # an answer proves delivery
    _events(request, told)
    if status.registration_number:
        request.registration_number = status.registration_number
        changed.append("registration_number")
    if status.deadline is not None:
        request.deadline = status.deadline
        changed.append("deadline")
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
    _audit(
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
