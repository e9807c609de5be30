"""The desk's operations, shared by the pages and the API so that both behave alike.

Each takes the staff member's scope, reaches only what the scope covers (404 otherwise), and
calls the service app's services; a rule that forbids the change raises a DomainError whose
message the page or the API shows in the user's language.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bekitu.core.audit import audit_record
from bekitu.core.errors import DomainError, NotFound
from bekitu.registry.models import Person
from bekitu.registry.population import PersonRecord, get_population_register
from bekitu.registry.selectors import person_get_by_iin
from bekitu.service import selectors as service_selectors
from bekitu.service import services as service_services
from bekitu.service.models import Application, ApplicationDocument
from bekitu.service.services import PowerOfAttorney
from bekitu.talons import selectors as talon_selectors
from bekitu.workstation import scoping
from bekitu.workstation.scoping import StaffScope

log = logging.getLogger("bekitu.workstation")


class NotPermitted(DomainError):
    """The staff member's role does not allow the action (R7)."""

    code = "not_permitted"


def require_actor(scope: StaffScope) -> None:
    """Only the statistics-office specialist takes and decides applications (R7)."""
    if not scope.can_act:
        raise NotPermitted(_("Only a statistics-office specialist may do this."))


class LookupLimit(DomainError):
    code = "lookup_limit"


def register_lookup(scope: StaffScope, iin: str) -> PersonRecord:
    """The person as the population register knows them, for intake; audited, and limited to
    INTAKE_LOOKUPS_PER_HOUR different IINs a staff member an hour."""
    require_actor(scope)
    _count_lookup(scope, iin)
    record = get_population_register().lookup(iin)
    if record is None:
        raise NotFound(
            _("The population register has no person with this IIN."), code="person_not_found"
        )
    audit_record(
        action="workstation.register.lookup",
        object_type="registry.person",
        subject_iin=iin,
        data={"provider": scope.provider.bin},
    )
    return record


def _count_lookup(scope: StaffScope, iin: str) -> None:
    """A desk takes a few applications an hour; someone who looks up many more people is
    browsing the population register, which an audit row alone does not stop. The counter
    holds hashes of the IINs (looking the same person up again is free) in the shared cache."""
    limit = int(settings.INTAKE_LOOKUPS_PER_HOUR)
    if limit <= 0:
        return
    hour = timezone.now().strftime("%Y%m%d%H")
    key = f"bekitu:intake-lookups:{scope.actor}:{hour}"
    seen: list[str] = cache.get(key, [])
    digest = hashlib.sha256(iin.encode()).hexdigest()[:16]
    if digest in seen:
        return
    if len(seen) >= limit:
        log.warning("workstation.lookup_limit", extra={"fields": {"actor": scope.actor}})
        audit_record(action="workstation.register.lookup_refused", data={"limit": limit})
        raise LookupLimit(
            _(
                "You have looked up as many people as a desk may in one hour. "
                "Continue with the people already found, or ask the head of the provider."
            )
        )
    cache.set(key, [*seen, digest], 3600)


def _local_person(iin: str, code: str) -> Person:
    person = person_get_by_iin(iin)
    if person is None:
        raise NotFound(_("The population register has no person with this IIN."), code=code)
    return person


@dataclass(frozen=True)
class Intake:
    """What the specialist enters at intake (R4, R1.2)."""

    recipient_iin: str
    channel: str
    reason: str
    applicant_role: str = "self"
    applicant_iin: str = ""
    power_of_attorney: PowerOfAttorney | None = None


def intake(scope: StaffScope, data: Intake, *, user: Any) -> Application:
    """Record a desk or telephone application for the staff member's provider and check it."""
    require_actor(scope)
    register_lookup(scope, data.recipient_iin)
    recipient = _local_person(data.recipient_iin, "person_not_found")
    applicant = None
    if data.applicant_role != "self" and data.applicant_iin:
        applicant = _local_person(data.applicant_iin, "applicant_not_found")
    application = service_services.application_create(
        channel=data.channel,
        recipient=recipient,
        provider=scope.provider,
        reason=data.reason,
        applicant=applicant,
        applicant_role=data.applicant_role,
        power_of_attorney=data.power_of_attorney,
        created_by=user,
    )
    service_services.application_checks_run(application=application)
    return application


def application_in_scope(scope: StaffScope, number: str) -> Application:
    """The application, if one of the scope's providers has it; otherwise 404.

    The scope is checked first, so that only reads actually made are audited as reads.
    """
    if not scoping.applications_in_scope(scope).filter(number=number).exists():
        raise Http404("application")
    application = service_selectors.application_get(number=number)
    if application is None:
        raise Http404("application")
    return application


def queue(scope: StaffScope, now: dt.datetime | None = None) -> list[Application]:
    """The open applications of the scope's providers, the most urgent first."""
    items: list[Application] = []
    for provider in scope.providers():
        items.extend(service_selectors.application_queue(provider=provider, now=now))
    return sorted(items, key=lambda a: (a.deadline, a.pk))


def accept_documents(
    scope: StaffScope, application: Application, documents: list[str], *, user: Any
) -> Application:
    """Action 1 (R5.1, R8.1): accept the documents presented."""
    require_actor(scope)
    return service_services.application_accept_documents(
        application=application, documents=documents, by=user
    )


def issue_talon(scope: StaffScope, application: Application, *, user: Any) -> Application:
    """Action 2 (R5.2, R8.2): run the checks and issue the talon, signed with the provider's
    key; a failed check refuses instead, with its reason."""
    require_actor(scope)
    service_services.application_issue_talon(application=application, by=user)
    application.refresh_from_db()
    return application


def refuse(
    scope: StaffScope, application: Application, reason_code: str, comment: str, *, user: Any
) -> Application:
    """Refuse with a reason code tied to its legal ground (R4-1)."""
    require_actor(scope)
    service_services.application_refuse(
        application=application, reason_code=reason_code, by=user, comment=comment
    )
    application.refresh_from_db()
    return application


def time_left(application: Application, now: dt.datetime | None = None) -> Any:
    """How long the application has until its deadline (R5.3)."""
    return service_selectors.application_time_left(application, now or timezone.now())


def document_pdf(application: Application, kind: str) -> tuple[str, bytes]:
    """The file name and PDF of the application's talon or refusal; 404 when it has none.
    The talons selectors audit the read of the person's document."""
    if kind == "talon" and application.talon_number:
        talon = talon_selectors.talon_get(number=application.talon_number)
        if talon is not None:
            return f"{talon.number}.pdf", talon_selectors.talon_pdf(talon)
    if kind == "refusal" and application.refusal_number:
        refusal = talon_selectors.refusal_get(number=application.refusal_number)
        if refusal is not None:
            return f"{refusal.number}.pdf", talon_selectors.refusal_pdf(refusal)
    raise Http404(kind)


# Scans of the documents (R8.1). The service checks their type by content and their size.
SCAN_EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


def scan_attach(
    scope: StaffScope,
    application: Application,
    *,
    kind: str,
    file: File,
    note: str = "",
    user: Any = None,
) -> ApplicationDocument:
    """Attach the scan of a document presented (R8.1), replacing an earlier scan of its kind.

    A replaced file is deleted once the new one is committed, so no copy of a person's
    document outlives its record; a refused file is never stored.
    """
    require_actor(scope)
    with transaction.atomic():
        earlier = (
            ApplicationDocument.objects.filter(application=application, kind=kind)
            .values_list("file", flat=True)
            .first()
        )
        document = service_services.application_document_add(
            application=application, kind=kind, file=file, presented=True, note=note, by=user
        )
        if earlier and earlier != document.file.name:
            transaction.on_commit(lambda: default_storage.delete(earlier))
    log.info("scan.attached", extra={"fields": {"application": application.number, "kind": kind}})
    return document


def scan_in_scope(scope: StaffScope, number: str, pk: int) -> ApplicationDocument:
    """A document with a scan, of an application in scope; otherwise 404 (nothing audited)."""
    document = (
        ApplicationDocument.objects.filter(
            pk=pk, application__number=number, application__in=scoping.applications_in_scope(scope)
        )
        .exclude(file="")
        .select_related("application__recipient")
        .first()
    )
    if document is None:
        raise Http404("document")
    return document


@dataclass(frozen=True)
class ScanFile:
    """An open scan to send: its stream, its stored type and the name to save it under."""

    stream: File
    content_type: str
    filename: str

    def response(self) -> FileResponse:
        """An attachment that no browser sniffs or caches (a scan carries personal data)."""
        response = FileResponse(
            self.stream, as_attachment=True, filename=self.filename, content_type=self.content_type
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


def scan_open(scope: StaffScope, number: str, pk: int) -> ScanFile:
    """The scan of a document of an application in scope, opened for download; audited as a
    read of the person's data (scans carry it)."""
    document = scan_in_scope(scope, number, pk)
    try:
        stream = document.file.open("rb")
    except FileNotFoundError as exc:
        log.error("scan.missing", extra={"fields": {"application": number, "document": pk}})
        raise Http404("document") from exc
    audit_record(
        action="workstation.scan.read",
        object_type="service.application_document",
        object_id=document.pk,
        subject_iin=document.application.recipient.iin,
        data={"application": number, "kind": document.kind, "size": document.size},
    )
    extension = SCAN_EXTENSIONS.get(document.content_type, "bin")
    return ScanFile(stream, document.content_type, f"{number}-{document.kind}.{extension}")
