"""Issuing the documents that end an application: the talon (R5.2, R8.2, R9.12) and the
refusal (R4-1, R9.11).

The talon's legal document is made inside the caller's (the decision's) transaction: its
number and its XML e-document, checked against the schema and signed with the provider's key.
If the key is missing or signing fails, nothing is written and the application stays where
it was. Its printable PDF, which carries that signed XML as an attached file (R9.12: one file
holds both), is rendered and signed after the transaction commits, by the background worker
(`talon_pdf_make`), so the decision holds its locks for no longer than the XML takes; until
then the desk's page and the API say the PDF is on its way (`talon_pdf_fetch`).

A talon's number is for people: `T-<provider BIN>-<year>-<serial>` reads out over the
telephone and names the issuer. Numbers are consecutive and so guessable; the public check
therefore asks for the verification code instead, 10 random characters of Crockford's base32
(50 bits). Numbers and codes are made by pure functions (`format_number`, `new_code`).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bekitu.core.audit import audit_record
from bekitu.core.errors import Conflict, DomainError
from bekitu.core.transactions import mark_stands
from bekitu.core.vocabulary import REATTACHMENT_CHANNEL, AttachmentBasis, Channel
from bekitu.eds.signing import (
    KEY_UNAVAILABLE,
    PdfAttachment,
    SigningKeyError,
    default_key_store,
    sign_pdf_as_provider,
    sign_xml_as_provider,
)
from bekitu.registry.selectors import attachment_with_parties
from bekitu.talons.models import DocumentSequence, Refusal, Talon
from bekitu.talons.pdf import RefusalContent, render_refusal_pdf, render_talon_pdf
from bekitu.talons.signals import talon_pdf_made, talon_signature_pending
from bekitu.talons.xml import TalonContent, build_talon_xml, validate_talon_xml

if TYPE_CHECKING:
    from bekitu.registry.models import Attachment, Person, Provider

log = logging.getLogger("bekitu.talons")

TALON_SIGNATURE_REASON = "Attachment talon"
REFUSAL_SIGNATURE_REASON = "Refusal to provide the service"


# Why a key is unavailable is eds.signing's KEY_UNAVAILABLE: missing, unreadable (wrong
# password, damaged file), or naming another BIN (the talon waits for the provider's own key).
# An unsupported key is a misconfiguration, not an outage: issuing stops, as for any error.


def _local_year(moment: dt.datetime) -> int:
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE)).year


def _next_number(*, provider: Provider, kind: str, moment: dt.datetime) -> str:
    """The provider's next number of a kind of document in the (local) year of `moment`.

    The UPDATE locks the counter row until the caller's transaction ends, so concurrent
    issues queue on it and each gets its own serial; an issue that rolls back takes its
    increment with it, so issued serials have no gaps.
    """
    year = _local_year(moment)
    # The year's counter exists after its first document: one update that returns the new
    # number, no savepoint.
    serial = _increment(provider.pk, kind, year)
    if serial is None:
        DocumentSequence.objects.get_or_create(provider=provider, kind=kind, year=year)
        serial = _increment(provider.pk, kind, year)
    if serial is None:  # made just above, in this transaction
        raise RuntimeError("the document counter vanished in its own transaction")
    return format_number(kind=kind, bin=provider.bin, year=year, serial=serial)


def _increment(provider_id: int, kind: str, year: int) -> int | None:
    """The counter's last number plus one, stored and returned in one statement; None when
    the year has no counter yet (PostgreSQL and SQLite 3.35+ both return the row)."""
    table = connection.ops.quote_name(DocumentSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last = last + 1 "  # noqa: S608 - the table's name only
            "WHERE provider_id = %s AND kind = %s AND year = %s RETURNING last",
            [provider_id, kind, year],
        )
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def _unique_code() -> str:
    # 50 random bits: a clash is all but impossible, and is retried rather than trusted away.
    # One statement asks both kinds of document whether the code is taken.
    while True:
        code = new_code()
        talons = Talon.objects.filter(code=code).values_list("code", flat=True)
        refusals: QuerySet[Any, Any] = Refusal.objects.filter(code=code).values_list(
            "code", flat=True
        )
        if not talons.union(refusals, all=True).exists():
            return code


def _check_channel(channel: str, *, talon: bool = False) -> None:
    # A talon may also come from a re-attachment, which no application asked for.
    if channel not in Channel.values and not (talon and channel == REATTACHMENT_CHANNEL):
        raise DomainError(_("Unknown application channel."), code="invalid_channel")


def talon_content(talon: Talon) -> TalonContent:
    """The values a talon row says, as the XML and the PDF print them."""
    person, provider, district, doctor = talon.person, talon.provider, talon.district, talon.doctor
    return TalonContent(
        number=talon.number,
        issued_at=talon.issued_at.astimezone(ZoneInfo(settings.TIME_ZONE)),
        code=talon.code,
        verification_url=verification_url(talon.code),
        application_number=talon.application_number,
        channel=talon.channel,
        person_iin=person.iin,
        surname=person.surname,
        given_name=person.given_name,
        patronymic=person.patronymic,
        birth_date=person.birth_date,
        provider_bin=provider.bin,
        provider_name_kk=provider.name_kk,
        provider_name_ru=provider.name_ru,
        provider_address=provider.address,
        provider_phone=provider.phone,
        district_number=district.number if district else None,
        district_kind=district.kind if district else None,
        doctor_name=doctor.full_name if doctor else None,
        doctor_specialty=doctor.specialty if doctor else None,
        effective_date=talon.effective_date,
        home_visits=talon.home_visits,
        person_address=str(person.address) if person.address_id else "",
        issued_by=talon.issued_by,
        reason=talon.attachment.reason,
        basis=talon.basis,
        basis_address=talon.basis_address,
        provider_hours=f"{provider.opens:%H:%M}–{provider.closes:%H:%M}",
    )


def _new_talon(
    attachment: Attachment,
    application_number: str,
    channel: str,
    issued_by: str = "",
    basis: tuple[str, str] = (AttachmentBasis.REGISTERED_RESIDENCE, ""),
) -> Talon:
    issued_at = timezone.now().replace(microsecond=0)
    district = attachment.district
    return Talon(
        number=_next_number(
            provider=attachment.provider, kind=DocumentSequence.Kind.TALON, moment=issued_at
        ),
        code=_unique_code(),
        issued_at=issued_at,
        attachment=attachment,
        person=attachment.person,
        provider=attachment.provider,
        district=district,
        doctor=district.doctor if district else None,
        effective_date=attachment.valid_from,
        home_visits=attachment.home_visits,
        application_number=application_number,
        channel=channel,
        issued_by=issued_by,
        basis=basis[0],
        basis_address=basis[1],
    )


def _audit_talon(talon: Talon) -> None:
    audit_record(
        action="talons.talon.issue",
        object_type="talons.talon",
        object_id=talon.pk,
        subject_iin=talon.person.iin,
        data={
            "number": talon.number,
            "provider_bin": talon.provider.bin,
            "attachment_id": talon.attachment_id,
            "application_number": talon.application_number,
            "channel": talon.channel,
            "effective_date": talon.effective_date.isoformat(),
            "home_visits": talon.home_visits,
        },
    )


@transaction.atomic
def talon_issue(
    *,
    attachment: Attachment,
    application_number: str,
    channel: str,
    issued_by: str = "",
    basis: tuple[str, str] = (AttachmentBasis.REGISTERED_RESIDENCE, ""),
) -> Talon:
    """Issue the talon of an attachment (action 2, R5.2): numbered, its XML e-document
    validated and signed with the provider's key; audited. Its PDF is made once the
    caller's transaction commits (`talon_pdf_make`, in the background).

    When the provider's key is unavailable (missing, unreadable or of another BIN:
    SigningKeyError with a code of KEY_UNAVAILABLE, and nothing else) the service does not
    stop (R3.1 allows a paper talon in free form): the talon is recorded with its number and
    unsigned XML, flagged `signature_pending`, its PDF is marked for a handwritten signature
    and stamp, and the heads of the provider are told once the transaction commits. Any
    other signing error fails closed.

    Raises Conflict "talon_exists" if the attachment already has a talon.
    """
    _check_channel(channel, talon=True)
    made_here = mark_stands(attachment.made_mark)
    attachment = attachment_with_parties(attachment)
    # An attachment made in this transaction has been seen by no other: no talon names it.
    if not made_here and Talon.objects.filter(attachment=attachment).exists():
        raise Conflict(_("A talon was already issued for this attachment."), code="talon_exists")
    talon = _new_talon(attachment, application_number, channel, issued_by, basis)
    content = talon_content(talon)
    xml = build_talon_xml(content)
    validate_talon_xml(xml)
    bin = talon.provider.bin
    try:
        talon.xml = sign_xml_as_provider(provider_bin=bin, xml=xml)
    except SigningKeyError as exc:
        if exc.code not in KEY_UNAVAILABLE:
            raise
        talon.xml, talon.signature_pending = xml, True
        log.warning("talon.signature_pending", extra={"fields": {"reason": exc.code}})
    talon.save()
    _audit_talon(talon)
    log.info("talon.issued", extra={"fields": {"talon": talon.pk, "channel": channel}})
    talon_id = talon.pk
    if talon.signature_pending:
        _audit_pending(talon)
        transaction.on_commit(lambda: _tell_pending(talon_id))
    transaction.on_commit(lambda: _queue_pdf(talon_id))
    return talon


def _audit_pending(talon: Talon) -> None:
    audit_record(
        action="talons.talon.signature_pending",
        object_type="talons.talon",
        object_id=talon.pk,
        subject_iin=talon.person.iin,
        data={"number": talon.number, "provider_bin": talon.provider.bin},
    )


def _tell_pending(talon_id: int) -> None:
    talon = Talon.objects.select_related("provider").get(pk=talon_id)
    try:
        talon_signature_pending.send(sender=Talon, talon=talon)
    except Exception:  # the talon is issued; a failed notice must not undo it
        log.warning("talon.pending.not_told", extra={"fields": {"talon": talon_id}}, exc_info=True)


def talons_sign_pending(*, provider_bin: str | None = None) -> tuple[int, int]:
    """Sign the talons issued while their provider's key was unavailable, now that it is
    readable again: the XML e-document is signed, the unsigned PDF is replaced by the signed
    one; audited. A provider whose key is still unavailable is left for the next run.
    Returns (signed, still pending)."""
    pending = Talon.objects.filter(signature_pending=True).select_related("provider", "person")
    if provider_bin:
        pending = pending.filter(provider__bin=provider_bin)
    signed = left = 0
    unavailable: set[str] = set()
    for talon in pending.order_by("pk"):
        bin = talon.provider.bin
        if bin in unavailable:
            left += 1
            continue
        try:
            xml = sign_xml_as_provider(provider_bin=bin, xml=bytes(talon.xml))
        except SigningKeyError as exc:
            if exc.code not in KEY_UNAVAILABLE:
                raise
            unavailable.add(bin)
            left += 1
            continue
        with transaction.atomic():
            if not Talon.objects.filter(pk=talon.pk, signature_pending=True).update(
                xml=xml, pdf=None, signature_pending=False
            ):
                continue
            audit_record(
                action="talons.talon.sign_pending",
                object_type="talons.talon",
                object_id=talon.pk,
                subject_iin=talon.person.iin,
                data={"number": talon.number, "provider_bin": bin},
            )
        talon_pdf_make(talon_id=talon.pk)
        signed += 1
    log.info("talon.sign_pending", extra={"fields": {"signed": signed, "left": left}})
    return signed, left


def _queue_pdf(talon_id: int) -> None:
    from bekitu.talons.tasks import talon_pdf_make as task

    try:
        task.delay(talon_id)
    except Exception:  # the broker is down: the first request for the PDF makes it
        log.warning("talon.pdf.not_queued", extra={"fields": {"talon": talon_id}}, exc_info=True)


def talon_pdf_make(*, talon_id: int) -> bytes:
    """Render the talon's PDF, attach its signed XML e-document to it and sign it with the
    provider's key; store it unless another process stored it first. Returns the stored PDF.
    Idempotent: the background worker calls it after the issuing transaction commits, and
    a request that found no PDF long after issue calls it too."""
    # The person's address is printed (street and locality included), and the attachment's
    # reason: read with the talon.
    talon = Talon.objects.select_related(
        "person__address__street__locality", "provider", "district", "doctor", "attachment"
    ).get(pk=talon_id)
    if talon.pdf is not None:
        return bytes(talon.pdf)
    xml = bytes(talon.xml)
    if talon.signature_pending:
        # R3.1: a paper talon, printable now, marked for a handwritten signature and stamp.
        pdf = render_talon_pdf(replace(talon_content(talon), signed=False))
        with transaction.atomic():
            if Talon.objects.filter(pk=talon_id, pdf__isnull=True, signature_pending=True).update(
                pdf=pdf
            ):
                return pdf
        return bytes(Talon.objects.values_list("pdf", flat=True).get(pk=talon_id) or b"")
    pdf = sign_pdf_as_provider(
        provider_bin=talon.provider.bin,
        pdf=render_talon_pdf(talon_content(talon)),
        reason=TALON_SIGNATURE_REASON,
        visible=False,  # the document draws its own stamp, in Kazakh and Russian
        attachments=(
            PdfAttachment(
                name=f"{talon.number}.xml",
                data=xml,
                mime_type="application/xml",
                description="Signed XML e-document of the talon (R9.12)",
            ),
        ),
    )
    with transaction.atomic():
        if Talon.objects.filter(pk=talon_id, pdf__isnull=True).update(pdf=pdf):
            log.info("talon.pdf.made", extra={"fields": {"talon": talon_id, "bytes": len(pdf)}})
            talon_pdf_made.send(sender=Talon, talon=talon)
            return pdf
    return bytes(Talon.objects.values_list("pdf", flat=True).get(pk=talon_id) or b"")


# The most talons one run of `talons_pdf_missing_make` makes the PDF of.
PDF_SWEEP_BATCH = 200


def talons_pdf_missing_make(*, now: dt.datetime | None = None) -> int:
    """Make the PDFs still missing `TALON_PDF_WAIT_SECONDS` after issue, whose job the
    background worker lost (the broker down when it was queued, the worker killed): a
    portal's talon goes to the citizen only with its PDF (R9.12), and no desk asks for it.
    Returns how many were made; one that fails is logged and left for the next run."""
    waited = (now or timezone.now()) - dt.timedelta(seconds=settings.TALON_PDF_WAIT_SECONDS)
    missing = Talon.objects.filter(pdf__isnull=True, issued_at__lte=waited).order_by("issued_at")
    made = 0
    for talon_id in list(missing.values_list("pk", flat=True)[:PDF_SWEEP_BATCH]):
        try:
            talon_pdf_make(talon_id=talon_id)
        except Exception:  # one talon's failure (its key unreadable) must not stop the rest
            log.warning("talon.pdf.not_made", extra={"fields": {"talon": talon_id}}, exc_info=True)
            continue
        made += 1
    if made:
        log.warning("talon.pdf.made_late", extra={"fields": {"made": made}})
    return made


def talon_pdf_fetch(*, talon: Talon, now: dt.datetime | None = None) -> bytes | None:
    """The talon's signed PDF, or None while the background worker is still making it.

    A PDF still missing `TALON_PDF_WAIT_SECONDS` after issue is made in the caller's
    process: the worker is down or far behind, and a desk must still be able to print.
    """
    stored = Talon.objects.values_list("pdf", flat=True).get(pk=talon.pk)
    if stored is not None:
        return bytes(stored)
    waited = (now or timezone.now()) - talon.issued_at
    if waited.total_seconds() < settings.TALON_PDF_WAIT_SECONDS:
        return None
    log.warning("talon.pdf.made_on_request", extra={"fields": {"talon": talon.pk}})
    return talon_pdf_make(talon_id=talon.pk)


def _refusal_content(refusal: Refusal) -> RefusalContent:
    person, provider = refusal.person, refusal.provider
    return RefusalContent(
        number=refusal.number,
        decided_at=refusal.decided_at,
        application_number=refusal.application_number,
        channel=refusal.channel,
        person_iin=person.iin,
        full_name=person.full_name,
        birth_date=person.birth_date,
        provider_bin=provider.bin,
        provider_name_kk=provider.name_kk,
        provider_name_ru=provider.name_ru,
        provider_address=provider.address,
        provider_phone=provider.phone,
        reason_text_kk=refusal.reason_text_kk,
        reason_text_ru=refusal.reason_text_ru,
        legal_ground=refusal.legal_ground,
        signed=refusal.signed,
        code=refusal.code,
        verification_url=verification_url(refusal.code) if refusal.code else "",
        issued_by=refusal.issued_by,
        differing=tuple(refusal.differing),
        justification=refusal.justification,
        basis=refusal.basis,
        basis_address=refusal.basis_address,
    )


@transaction.atomic
def refusal_issue(
    *,
    application_number: str,
    person: Person,
    provider: Provider,
    reason_code: str,
    reason_text_kk: str,
    reason_text_ru: str,
    reason_text_en: str,
    legal_ground: str,
    decided_at: dt.datetime,
    channel: str,
    issued_by: str = "",
    differing: list[str] | None = None,
    justification: str = "",
    basis: tuple[str, str] = (AttachmentBasis.REGISTERED_RESIDENCE, ""),
) -> Refusal:
    """Make the reasoned refusal (R4-1, R9.11) as a document: numbered, its PDF in Kazakh
    and Russian, signed with the provider's key where the provider has one; audited."""
    _check_channel(channel)
    refusal = Refusal(
        number=_next_number(
            provider=provider, kind=DocumentSequence.Kind.REFUSAL, moment=decided_at
        ),
        application_number=application_number,
        person=person,
        provider=provider,
        reason_code=reason_code,
        reason_text_kk=reason_text_kk,
        reason_text_ru=reason_text_ru,
        reason_text_en=reason_text_en,
        legal_ground=legal_ground,
        differing=differing or [],
        justification=justification,
        basis=basis[0],
        basis_address=basis[1],
        decided_at=decided_at,
        channel=channel,
        signed=default_key_store().has_key(provider.bin),
        code=_unique_code(),
        issued_by=issued_by,
    )
    pdf = render_refusal_pdf(_refusal_content(refusal))
    if refusal.signed:
        pdf = sign_pdf_as_provider(
            provider_bin=provider.bin, pdf=pdf, reason=REFUSAL_SIGNATURE_REASON, visible=False
        )
    refusal.pdf = pdf
    refusal.save()
    audit_record(
        action="talons.refusal.issue",
        object_type="talons.refusal",
        object_id=refusal.pk,
        subject_iin=person.iin,
        data={
            "number": refusal.number,
            "provider_bin": provider.bin,
            "reason_code": reason_code,
            "application_number": application_number,
            "channel": channel,
            "signed": refusal.signed,
        },
    )
    log.info("refusal.issued", extra={"fields": {"refusal": refusal.pk, "reason": reason_code}})
    return refusal


# Document numbers and verification codes: pure, no database.

CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10
_CODE_RE = re.compile(rf"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")
# Crockford's base32 reads the letters people confuse with digits as those digits.
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    """A fresh verification code from the operating system's random source."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def verification_url(code: str) -> str:
    """The public address that checks the talon (or refusal) with this verification code: what
    its QR code and its printed line lead to."""
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/verify/{code}"


def normalize_code(raw: str) -> str | None:
    """The code as stored, from what a person typed (any case, spaces or dashes); None if it
    cannot be a code, so that the database is not asked about it."""
    if len(raw) > 4 * CODE_LENGTH:
        return None
    code = re.sub(r"[\s-]", "", raw).upper().translate(_READ_AS)
    return code if _CODE_RE.fullmatch(code) else None


def format_number(*, kind: str, bin: str, year: int, serial: int) -> str:
    """`T-123456789012-2026-000123`: kind letter, provider BIN, year, serial (6 digits or more)."""
    return f"{kind}-{bin}-{year:04d}-{serial:06d}"
