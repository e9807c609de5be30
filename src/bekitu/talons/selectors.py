"""Reads of talons and refusals, and the public check of a talon by its verification code.

The check answers two questions: is the talon authentic (its stored XML e-document carries a
valid signature of its provider, and the signed content is this talon's), and is it still the
person's attachment, or was it superseded or ended. It shows initials only.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils import translation

from bekitu.core.audit import audit_record
from bekitu.core.vocabulary import AttachmentEnd
from bekitu.eds.verification import verify_provider_document
from bekitu.registry.selectors import today
from bekitu.talons.models import Refusal, Talon
from bekitu.talons.services import normalize_code
from bekitu.talons.xml import SignedFacts, signed_facts, talon_identity, unsigned_root

if TYPE_CHECKING:
    from bekitu.registry.models import Attachment

log = logging.getLogger("bekitu.talons")


class Status:
    """Where the talon's attachment stands now."""

    CURRENT = "current"
    SUPERSEDED = "superseded"
    ENDED = "ended"


@dataclass(frozen=True)
class TalonVerification:
    """The answer of the public check. An unknown code gives `found=False` and nothing else."""

    found: bool
    authentic: bool = False
    problem: str = ""
    status: str = ""
    current: bool = False
    in_force: bool = False
    number: str = ""
    initials: str = ""
    provider_name: str = ""
    provider_bin: str = ""
    issued_at: dt.datetime | None = None
    effective_date: dt.date | None = None
    ended_on: dt.date | None = None
    in_force_until: dt.date | None = None
    # Issued while the provider's key was unavailable (R3.1): not yet signed electronically.
    signature_pending: bool = False


def _talons() -> QuerySet[Talon]:
    return Talon.objects.select_related(
        "person", "provider", "district", "doctor", "attachment"
    ).defer("pdf")


def _audit_read(talon: Talon, action: str, **data: object) -> None:
    audit_record(
        action=action,
        object_type="talons.talon",
        object_id=talon.pk,
        subject_iin=talon.person.iin,
        data={"number": talon.number, **data},
    )


def talon_get(*, number: str) -> Talon | None:
    """The talon with this number (with person, provider, district, doctor), or None;
    audited as a read of the person's data."""
    talon = _talons().filter(number=number).first()
    if talon is not None:
        _audit_read(talon, "talons.talon.read")
    return talon


def talon_for_application(*, application_number: str, with_pdf: bool = False) -> Talon | None:
    """The talon issued on an application, or None; audited. `with_pdf`: only once its
    signed PDF is made (None while it is being made, or while the talon awaits its
    e-signature and has only the unsigned PDF of R3.1: nothing is read of it then, and no
    read is audited)."""
    # Asked at every portal decision, when the answer is nearly always "not yet": a bare
    # look-up first, the talon with its parties only when there is one.
    issued = Talon.objects.filter(application_number=application_number)
    if with_pdf:
        issued = issued.filter(pdf__isnull=False, signature_pending=False)
    pk = issued.values_list("pk", flat=True).first()
    if pk is None:
        return None
    talon = _talons().get(pk=pk)
    _audit_read(talon, "talons.talon.read")
    return talon


def signature_pending_applications(*, application_numbers: Iterable[str]) -> set[str]:
    """Of these applications, those whose talon was issued unsigned while the provider's key
    was unavailable and still awaits its e-signature (R3.1); one query, not audited (it
    names no person)."""
    found = Talon.objects.filter(
        application_number__in=list(application_numbers), signature_pending=True
    )
    return set(found.values_list("application_number", flat=True))


def signature_pending_application_query() -> QuerySet[Talon, Any]:
    """The application numbers of every talon awaiting its e-signature, as a subquery."""
    return Talon.objects.filter(signature_pending=True).values("application_number")


def _audit_refusal_read(refusal: Refusal) -> None:
    audit_record(
        action="talons.refusal.read",
        object_type="talons.refusal",
        object_id=refusal.pk,
        subject_iin=refusal.person.iin,
        data={"number": refusal.number},
    )


def refusal_get(*, number: str) -> Refusal | None:
    """The refusal with this number (with person and provider), or None; audited as a read
    of the person's data."""
    refusal = Refusal.objects.select_related("person", "provider").defer("pdf")
    found = refusal.filter(number=number).first()
    if found is not None:
        _audit_refusal_read(found)
    return found


def refusal_for_application(*, application_number: str) -> Refusal | None:
    """The refusal made on an application, or None; audited like `refusal_get`."""
    found = (
        Refusal.objects.select_related("person", "provider")
        .defer("pdf")
        .filter(application_number=application_number)
        .order_by("-decided_at")
        .first()
    )
    if found is not None:
        _audit_refusal_read(found)
    return found


def talon_pdf(talon: Talon) -> bytes | None:
    """The talon's signed PDF as made after issue, or None while it is being made
    (`talon_pdf_fetch` in the services makes it when the worker is late)."""
    stored = Talon.objects.values_list("pdf", flat=True).get(pk=talon.pk)
    return None if stored is None else bytes(stored)


def talon_xml(talon: Talon) -> bytes:
    """The talon's signed XML e-document, as issued (R9.12)."""
    return bytes(Talon.objects.values_list("xml", flat=True).get(pk=talon.pk))


def refusal_pdf(refusal: Refusal) -> bytes:
    """The refusal's PDF, as issued (signed where the provider had a key)."""
    return bytes(Refusal.objects.values_list("pdf", flat=True).get(pk=refusal.pk))


def _authenticity(talon: Talon) -> tuple[bool, str, SignedFacts | None]:
    """Whether the stored XML is signed by the talon's provider and says what the row says
    (number, code, person, provider, time of issue, effective date), with the facts the
    signed document states.

    The certificate is judged at the time of issue: a talon stays authentic after the
    provider's certificate expires, as a signed paper does.
    """
    result = verify_provider_document(
        bytes(talon.xml), expect_bin=talon.provider.bin, at=talon.issued_at
    )
    if not result.valid:
        return False, result.reason or "signature_invalid", None
    identity = talon_identity(result.signed_root)
    facts = signed_facts(result.signed_root)
    expected = (talon.number, talon.code, talon.person.iin, talon.provider.bin)
    if identity is None or identity.as_tuple() != expected or facts is None:
        return False, "content_mismatch", None
    if (facts.issued_at, facts.effective_date) != (
        talon.issued_at.replace(microsecond=0),
        talon.effective_date,
    ):
        return False, "content_mismatch", None
    return True, "", facts


def _status(attachment: Attachment, day: dt.date) -> tuple[str, bool]:
    in_force = attachment.is_in_force(day)
    if attachment.valid_to is None:
        return Status.CURRENT, in_force
    if attachment.end_reason == AttachmentEnd.TRANSFER:
        return Status.SUPERSEDED, in_force
    return Status.ENDED, in_force


def talon_verify(*, code: str) -> TalonVerification:
    """The public check of the talon with this verification code (as typed or scanned).

    A code that cannot exist is answered without asking the database; a found talon's check
    is audited (the actor and channel come from the caller's audit context).
    """
    normalized = normalize_code(code)
    talon = _talons().filter(code=normalized).first() if normalized else None
    if talon is None:
        log.info("talon.verify.unknown")
        return TalonVerification(found=False)
    if talon.signature_pending:
        # Not yet signed: what the check shows comes from the talon's e-document as issued
        # (unsigned), so the paper in hand can be compared with the provider's record.
        authentic, problem = False, "not_yet_signed"
        facts = signed_facts(unsigned_root(bytes(talon.xml)))
    else:
        authentic, problem, facts = _authenticity(talon)
    status, in_force = _status(talon.attachment, today())
    attachment = talon.attachment
    _audit_read(talon, "talons.talon.verify", authentic=authentic, status=status)
    fields = {"talon": talon.pk, "authentic": authentic, "problem": problem}
    log.info("talon.verify", extra={"fields": fields})
    # What the page shows of the talon comes from its document, never from the row: a row
    # edited in the database shows nothing (and "not authentic").
    shown: dict[str, Any] = {}
    if facts is not None:
        kk = (translation.get_language() or "").startswith("kk")
        shown = {
            "number": facts.number,
            "initials": facts.initials,
            "provider_name": facts.provider_name_kk if kk else facts.provider_name_ru,
            "provider_bin": facts.provider_bin,
            "issued_at": facts.issued_at,
            "effective_date": facts.effective_date,
        }
    return TalonVerification(
        found=True,
        authentic=authentic,
        problem=problem,
        status=status,
        current=status == Status.CURRENT,
        in_force=in_force,
        **shown,
        ended_on=attachment.valid_to,
        in_force_until=attachment.valid_to - dt.timedelta(days=1) if attachment.valid_to else None,
        signature_pending=talon.signature_pending,
    )


@dataclass(frozen=True)
class RefusalVerification:
    """The answer of the public check of a refusal's code: which refusal, by whom, when."""

    found: bool
    number: str = ""
    initials: str = ""
    provider_name: str = ""
    provider_bin: str = ""
    decided_at: dt.datetime | None = None
    signed: bool = False


def refusal_verify(*, code: str) -> RefusalVerification:
    """The public check of the refusal with this verification code; audited when found."""
    normalized = normalize_code(code)
    refusal = (
        Refusal.objects.select_related("person", "provider")
        .defer("pdf")
        .filter(code=normalized)
        .first()
        if normalized
        else None
    )
    if refusal is None:
        return RefusalVerification(found=False)
    audit_record(
        action="talons.refusal.verify",
        object_type="talons.refusal",
        object_id=refusal.pk,
        subject_iin=refusal.person.iin,
        data={"number": refusal.number},
    )
    return RefusalVerification(
        found=True,
        number=refusal.number,
        initials=refusal.person.initials,
        provider_name=refusal.provider.name_ru,
        provider_bin=refusal.provider.bin,
        decided_at=refusal.decided_at,
        signed=refusal.signed,
    )


def talon_codes(*, numbers: Iterable[str]) -> dict[str, str]:
    """The verification codes of the talons with these numbers: number -> code (one query)."""
    return dict(Talon.objects.filter(number__in=list(numbers)).values_list("number", "code"))
