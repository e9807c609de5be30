"""The citizen's request as the form makes it (R9.5): `draft_create` checks the form (for whom,
the provider, the reason, contacts, e-copies as the desk checks scans) and builds the request
XML under its XSD (`gateway.contracts.attachment_request`): all the form's data, the SHA-256
and size of every e-copy, the account's IIN, a nonce and the time. Nothing is signed or sent
yet: the citizen signs it, and `portal.requests.request_submit` sends it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bekitu.core.audit import audit_context, audit_record
from bekitu.core.iin import is_valid_iin
from bekitu.core.scans import ScanRejected, scan_check
from bekitu.core.sms import normalise_phone
from bekitu.core.vocabulary import POA_DEFAULT_TERM, AttachmentBasis, AttachmentReason
from bekitu.gateway.contracts import attachment_request as contract
from bekitu.portal import directory
from bekitu.portal.accounts import person_alive
from bekitu.portal.basis import basis_check
from bekitu.portal.dependants import GUARDIAN, PARENT, dependant_check, person_named
from bekitu.portal.errors import DraftInvalid, PortalError
from bekitu.portal.models import (
    Account,
    Draft,
    DraftCopy,
)

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


def request_audit(action: str, account: Account, number: str, subject: str, **data: Any) -> None:
    """Audit a step of a citizen's request as the portal's, by the account that took it."""
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
    person_named(account, iin)
    if role in (PARENT, GUARDIAN):
        dependant_check(account.iin, iin, role)  # a refusal, not a field to correct
        return iin
    try:
        person_alive(iin)
    except PortalError as error:
        # Unknown and deceased alike: the form needs only to say that no request can be made
        # for this IIN (a typo to correct), not tell a stranger of a death.
        said = error.message
        if error.code in ("person_not_found", "deceased"):
            said = _("The population register holds no living person with this IIN: check it.")
        errors.setdefault("recipient_iin", []).append(str(said))
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
        _poa_in_force(form.poa_issued_on, form.poa_valid_until, today, errors)
    return iin


def _poa_in_force(
    issued: dt.date | None, until: dt.date | None, today: dt.date, errors: dict[str, list[str]]
) -> None:
    """The power of attorney in force today, as the provider's authority check will count it
    (its end after its date; without a stated term, one year from its date), so that a
    request bound to be refused for `no_authority` is corrected before it is signed."""
    if issued is None or issued > today:
        return  # said above
    if until is not None and until <= issued:
        errors.setdefault("poa_valid_until", []).append(
            _("The power of attorney ends before its date: check both dates.")
        )
    elif until is not None and until < today:
        errors.setdefault("poa_valid_until", []).append(_("The power of attorney has expired."))
    elif until is None and today > issued + POA_DEFAULT_TERM:
        errors.setdefault("poa_issued_on", []).append(
            _(
                "The power of attorney has expired (without a stated term it is valid one year "
                "from its date)."
            )
        )


def poa_check(draft: Draft) -> None:
    """The draft's power of attorney still in force on the day it is submitted, as at the
    draft (`_poa_in_force`): a draft is kept BEKITU_PORTAL_DRAFT_HOURS, and the power may end
    meanwhile. DraftInvalid with the draft's own messages otherwise."""
    poa = contract.parse_request(bytes(draft.xml)).power_of_attorney
    if poa is None:
        return
    errors: dict[str, list[str]] = {}
    _poa_in_force(poa.issued_on, poa.valid_until, timezone.localdate(), errors)
    if errors:
        raise DraftInvalid(errors)


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


# What an XML document cannot hold (C0 control characters but tab and line breaks, lone
# surrogates, U+FFFE and U+FFFF): refused in the form, before the request is built of it.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(form: Form, errors: dict[str, list[str]]) -> None:
    """A field whose text the request's XML cannot carry gets its message."""
    texts = {
        "district_number": form.district_number,
        "poa_number": form.poa_number,
        "poa_issued_by": form.poa_issued_by,
        "basis_address": form.basis_address,
        "basis_street": form.basis_street,
        "basis_building": form.basis_building,
        "basis_apartment": form.basis_apartment,
    }
    for name, text in texts.items():
        if _NOT_XML.search(text):
            errors.setdefault(name, []).append(_("Remove the control characters from this field."))
    for upload in form.uploads:
        if _NOT_XML.search(upload.filename):
            errors.setdefault(f"copy_{upload.code}", []).append(
                _("The file's name holds characters that cannot be sent: rename the file.")
            )


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
        provider = directory.provider_get(form.provider_bin)
        district = form.district_number.strip()
        if provider is None:
            errors.setdefault("provider_bin", []).append(_("No open provider has this BIN."))
        elif district and district not in {str(d.get("number", "")) for d in provider.districts}:
            errors.setdefault("district_number", []).append(_("The provider has no such district."))
    basis = basis_check(form, recipient_iin, errors)
    _xml_text(form, errors)
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
                request_audit(
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
