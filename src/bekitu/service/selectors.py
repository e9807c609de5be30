"""Reads of the state service, for every channel: applications, their checklist, checks,
steps, documents and scans, the queue, and the persons a caller's scope reaches.

Each read that takes a `Scope` reaches only what the scope covers and answers None (or an
empty list) for the rest, as if it did not exist. Reads that return a person's data are
audited under the actor of the caller's audit context.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Max, QuerySet
from django.utils import timezone

from bekitu.core.audit import audit_record
from bekitu.core.calendar import working_time_between
from bekitu.core.vocabulary import OPEN_STATES
from bekitu.registry import selectors as registry_selectors
from bekitu.registry.selectors import providers_in_scope
from bekitu.service.facts import (
    history_facts,
    home_districts,
    home_of,
    policy_in_force,
    policy_of,
    required_documents,
)
from bekitu.service.grounds import refusal_ground_text
from bekitu.service.models import Application, ApplicationDocument, ApplicationStep, CheckResult
from bekitu.service.requirements import Basis, DocumentRequirement
from bekitu.service.rules import voluntary_changes_within
from bekitu.talons import selectors as talon_selectors
from bekitu.talons import services as talon_services

if TYPE_CHECKING:
    from bekitu.registry.models import Attachment, Person, Provider


# Whose applications and persons a caller reaches: each channel passes its scope in. The
# workstation builds one from the staff member's profile (their provider, or a region for a
# regional administrator); the gateway's inbox builds one for the provider a request is
# addressed to. Everything outside the scope is answered as if it did not exist.
@dataclass(frozen=True, kw_only=True)
class Scope:
    """The provider a caller acts for, and the providers whose data it may read: its own,
    or every provider whose KATO code starts with `kato_prefix` (a region or a unit)."""

    provider: Provider
    kato_prefix: str = ""

    def providers(self) -> QuerySet[Provider]:
        """The providers whose applications and attached population the caller reads."""
        return providers_in_scope(provider_pk=self.provider.pk, kato_prefix=self.kato_prefix)

    def covers(self, provider_id: int | None) -> bool:
        """True when the provider is one the caller reads."""
        if provider_id is None:
            return False
        if not self.kato_prefix:
            return provider_id == self.provider.pk
        return self.providers().filter(pk=provider_id).exists()


def _applications() -> QuerySet[Application]:
    return Application.objects.select_related(
        "recipient",
        "recipient__address__street__locality",
        "applicant",
        "provider",
        "created_by",
        "decided_by",
        "attachment",
        "attachment__district",
        "attachment__district__doctor",
    )


def applications_in_scope(*, scope: Scope) -> QuerySet[Application]:
    """Every application (any state) made to a provider in scope; not audited (no data of
    a person is read until a row is fetched)."""
    return Application.objects.filter(provider__in=scope.providers())


def application_get(*, number: str, scope: Scope | None = None) -> Application | None:
    """The application with this number (made to a provider in scope, if given), or None;
    audited as a read of the recipient's data."""
    applications = _applications().filter(number=number)
    if scope is not None:
        applications = applications.filter(provider__in=scope.providers())
    application = applications.first()
    if application is not None:
        audit_record(
            action="service.application.read",
            object_type="service.application",
            object_id=application.number,
            subject_iin=application.recipient.iin,
        )
    return application


def application_queue(*, scope: Scope, now: dt.datetime | None = None) -> list[Application]:
    """The open applications of the scope's providers, the nearest deadline first; each
    carries `time_left` (working time until its deadline, negative when past). Audited: one
    row naming the applications shown."""
    moment = now or timezone.now()
    items = list(
        _applications()
        .filter(provider__in=scope.providers(), state__in=OPEN_STATES)
        .order_by("deadline", "pk")
    )
    for application in items:
        application.time_left = application_time_left(application, moment)  # type: ignore[attr-defined]
    # The queue shows each recipient's name: one row says whose, by application number.
    audit_record(
        action="service.application.queue",
        object_type="registry.provider",
        object_id=scope.provider.bin,
        data={"shown": len(items), "numbers": [a.number for a in items[:200]]},
    )
    return items


def documents_required(*, application: Application) -> list[DocumentRequirement]:
    """The checklist of paragraph 9 of the standard for the application's case (R8.1)."""
    return required_documents(application)


def documents_presented(*, application: Application) -> set[str]:
    """The kinds of document recorded as presented."""
    return set(application.documents.filter(presented=True).values_list("kind", flat=True))


def application_scans(*, application: Application) -> list[ApplicationDocument]:
    """The documents with a scan, in the order attached, with who attached each."""
    documents = application.documents.exclude(file="").select_related("scan_by").order_by("id")
    return list(documents)


def application_check_report(*, application: Application) -> list[CheckResult]:
    """The results of the latest run of the checks, in the order they ran; empty if none."""
    last = application.check_results.aggregate(run=Max("run"))["run"]
    if last is None:
        return []
    return list(application.check_results.filter(run=last).order_by("id"))


def application_legal_ground(*, application: Application) -> str:
    """The legal ground of the application's refusal in the active language, citing the act
    of its policy edition (empty when it is not refused)."""
    if not application.refusal_code:
        return ""
    return refusal_ground_text(application.refusal_code, policy_of(application))


def application_steps(*, application: Application) -> QuerySet[ApplicationStep]:
    """The procedure steps, oldest first, with who took them."""
    return application.steps.select_related("actor").order_by("at", "id")


def application_time_left(application: Application, now: dt.datetime | None = None) -> dt.timedelta:
    """Working time left until the deadline (negative once it has passed). A decided
    application keeps the time that was left when it was decided. Before the term starts
    the whole term is left: working time before its start does not count."""
    moment = application.decided_at or now or timezone.now()
    hours = registry_selectors.provider_working_hours(application.provider)
    return working_time_between(max(moment, application.term_start), application.deadline, hours)


def application_document_pdf(
    *, application: Application, kind: str
) -> tuple[str, bytes | None] | None:
    """The file name and PDF of the application's talon or refusal, or None when it has
    none; the PDF is None while a fresh talon's is still being signed in the background
    (ask again in a second). The talons selectors audit the read of the person's document."""
    if kind == "talon" and application.talon_number:
        talon = talon_selectors.talon_get(number=application.talon_number)
        if talon is not None:
            return f"{talon.number}.pdf", talon_services.talon_pdf_fetch(talon=talon)
    if kind == "refusal" and application.refusal_number:
        refusal = talon_selectors.refusal_get(number=application.refusal_number)
        if refusal is not None:
            return f"{refusal.number}.pdf", talon_selectors.refusal_pdf(refusal)
    return None


SCAN_EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


@dataclass(frozen=True)
class ScanFile:
    """An open scan: its stream, its stored type and the name to save it under."""

    stream: IO[bytes]
    content_type: str
    filename: str


class ScanMissing(Exception):
    """The scan's record exists but its file does not (storage lost or moved)."""


def scan_open(*, scope: Scope, number: str, pk: int) -> ScanFile | None:
    """The scan of a document of an application in scope, opened for reading, or None;
    audited as a read of the person's data (scans carry it). ScanMissing when its file is
    gone."""
    document = (
        ApplicationDocument.objects.filter(
            pk=pk, application__number=number, application__provider__in=scope.providers()
        )
        .exclude(file="")
        .select_related("application__recipient")
        .first()
    )
    if document is None:
        return None
    try:
        stream = document.file.open("rb")
    except FileNotFoundError as exc:
        raise ScanMissing(number) from exc
    audit_record(
        action="workstation.scan.read",
        object_type="service.application_document",
        object_id=document.pk,
        subject_iin=document.application.recipient.iin,
        data={"application": number, "kind": document.kind, "size": document.size},
    )
    extension = SCAN_EXTENSIONS.get(document.content_type, "bin")
    return ScanFile(stream, document.content_type, f"{number}-{document.kind}.{extension}")


# --- persons in a scope ------------------------------------------------------------------


def _persons_in_scope(scope: Scope) -> QuerySet[Person]:
    """Persons with an open attachment to a provider in scope, or with an application to one
    that is not decided yet. Scope through an application ends with its decision: a refused
    application (one filed only to be refused) opens nothing, and an issued talon leaves the
    person in scope only through the attachment it made, for as long as that lasts."""
    applied = (
        applications_in_scope(scope=scope).filter(state__in=OPEN_STATES).values("recipient_id")
    )
    return registry_selectors.persons_of_providers(providers=scope.providers(), or_ids=applied)


@dataclass(frozen=True)
class PersonCard:
    """A person with their open attachment, the history and the applications in scope."""

    person: Person
    current: Attachment | None
    history: list[Attachment]
    applications: list[Any] = field(default_factory=list)
    # The application numbers (of `history` and `applications`) whose talon awaits its
    # e-signature.
    signature_pending: set[str] = field(default_factory=set)


def applications_signature_pending(*, numbers: Iterable[str]) -> set[str]:
    """Of these applications, those whose talon was issued unsigned while the provider's key
    was unavailable and awaits its e-signature (R3.1, decision 9)."""
    wanted = [number for number in numbers if number]
    if not wanted:
        return set()
    return talon_selectors.signature_pending_applications(application_numbers=wanted)


def person_card(
    *, scope: Scope, pk: int | None = None, iin: str | None = None
) -> PersonCard | None:
    """The card of a person in scope, or None (whether or not the person exists); audited."""
    lookup: dict[str, object] = {"pk": pk} if pk is not None else {"iin": iin}
    person = _persons_in_scope(scope).filter(**lookup).first()
    if person is None:
        return None
    audit_record(
        action="workstation.person.read",
        object_type="registry.person",
        object_id=person.pk,
        subject_iin=person.iin,
        data={"provider": scope.provider.bin},
    )
    applications = list(
        applications_in_scope(scope=scope).filter(recipient=person).order_by("-submitted_at")
    )
    history = registry_selectors.attachment_history(person=person)
    numbers = {a.application_number for a in history} | {a.number for a in applications}
    return PersonCard(
        person=person,
        current=registry_selectors.attachment_open(person=person),
        history=history,
        applications=applications,
        signature_pending=applications_signature_pending(numbers=numbers),
    )


def population_search(*, scope: Scope, query: str = "") -> QuerySet[Attachment]:
    """Attachments in force today at providers in scope, narrowed by IIN (or its start) or
    surname (and given name); not audited until a page of it is shown."""
    return registry_selectors.population_search(providers=scope.providers(), query=query)


def population_page_audit(*, scope: Scope, query: str, shown: list[Attachment]) -> None:
    """Record that a page of the attached population was shown: whose rows (person ids),
    and whether the search was by IIN."""
    audit_record(
        action="workstation.population.read",
        object_type="registry.provider",
        object_id=scope.provider.pk,
        data={
            "by_iin": query.isdigit(),
            "shown": len(shown),
            "persons": [attachment.person_id for attachment in shown],
        },
    )


def applications_submitted(
    *, first: dt.date, last: dt.date, provider_ids: Collection[int] | None = None
) -> QuerySet[Application]:
    """Applications submitted from `first` to `last` (days in the service's zone, both
    included) to the providers (all if None); unordered, for counting."""
    zone = ZoneInfo(settings.TIME_ZONE)
    start = dt.datetime.combine(first, dt.time(0), tzinfo=zone)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
    applications = Application.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
    if provider_ids is not None:
        applications = applications.filter(provider_id__in=provider_ids)
    return applications.order_by()


# --- what decides an application, shown before it is made ------------------------------


@dataclass(frozen=True)
class IntakeOutlook:
    """What the specialist and the person see at intake, before they choose: the current
    attachment, an open application anywhere, whether the address lies in the provider's
    area (home visits), and what the policy in force allows today."""

    current: Attachment | None
    open_number: str  # an open application of the person, at any provider ("" if none)
    open_provider: str
    open_in_scope: bool  # its page can be opened from here
    in_area: bool | None  # None: the person has no registered address
    home_from_basis: bool  # judged at the basis's address, where the person lives
    home_matched: bool  # that address is a street and house of the register
    edition: str
    campaign: tuple[dt.date, dt.date] | None  # this year's window, if the policy has one
    in_campaign: bool
    changes_used: int  # voluntary changes in the last 12 months
    changes_allowed: int


def intake_outlook(
    *, scope: Scope, iin: str, on: dt.date | None = None, basis: Basis | None = None
) -> IntakeOutlook | None:
    """The outlook of a person's application to the scope's provider (None if the IIN is
    unknown); audited as a read of the person's data. Whether home visits come with it is
    judged where the person lives: by `basis`, when one is stated (decision 0012)."""
    person = registry_selectors.person_get_by_iin(iin)
    if person is None:
        return None
    day = on or registry_selectors.today()
    open_one = (
        Application.objects.filter(recipient=person, state__in=OPEN_STATES)
        .select_related("provider")
        .first()
    )
    stated = basis or Basis()
    home = home_of(
        basis=stated.kind,
        atu_code=stated.atu_code,
        street=stated.street,
        house=stated.house,
        registered=person.address,
    )
    in_area = None
    if home is not None:
        in_area = home_districts(home, provider=scope.provider).exists()
    policy = policy_in_force(day, settings.POLICY_EDITION)
    window = None
    if policy.campaign is not None:
        window = (
            dt.date(day.year, *policy.campaign.opens),
            dt.date(day.year, *policy.campaign.closes),
        )
    return IntakeOutlook(
        current=registry_selectors.attachment_open(person=person),
        open_number=open_one.number if open_one else "",
        open_provider=open_one.provider.name if open_one else "",
        open_in_scope=bool(open_one) and scope.covers(open_one.provider_id if open_one else None),
        in_area=in_area,
        home_from_basis=home is not None and home.from_basis,
        home_matched=home is not None and home.matched,
        edition=policy.edition,
        campaign=window,
        in_campaign=policy.campaign.contains(day) if policy.campaign else True,
        changes_used=voluntary_changes_within(history_facts(person), day),
        changes_allowed=policy.max_voluntary_changes,
    )
