"""Intake: a person looked up in the population register, and an application recorded.

`application_intake` is what a desk does in one request (pages and API alike): it reads the
population register once, records the application and stores one run of the checks built
from that same answer, so the specialist sees the results before action 1. A channel that
already knows the recipient (the portal's signed request, through the gateway) calls
`application_create` itself.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bekitu.core.audit import audit_record
from bekitu.core.errors import Conflict, DomainError, NotFound
from bekitu.core.security import digest, hit_distinct
from bekitu.core.vocabulary import (
    OPEN_STATES,
    PROVIDER_CHANNELS,
    ApplicantRole,
    Channel,
)
from bekitu.registry.population import PersonRecord, get_population_register
from bekitu.registry.selectors import district_of_provider, person_get_by_iin
from bekitu.registry.services import person_lock_with_address
from bekitu.service.facts import case_build, documents_made_none, policy_of
from bekitu.service.models import Application
from bekitu.service.procedure import INITIAL, action_due, audit_application, next_number, step_first
from bekitu.service.requirements import (
    Basis,
    PartiesInvalid,
    PowerOfAttorney,
    basis_fields,
    parties_validate,
    recipient_problems,
)
from bekitu.service.services.decision import checks_store
from bekitu.service.telephone import IdentityAnswers, caller_identity_check, identity_record
from bekitu.service.term import term_for

if TYPE_CHECKING:
    from bekitu.core.models import User
    from bekitu.registry.models import District, Person, Provider
    from bekitu.service.selectors import Scope

log = logging.getLogger("bekitu.service")


@dataclass(frozen=True)
class Declared:
    """The recipient's data as the presented identity document (or the signed request) states
    them; R4-1 compares them with the population register."""

    surname: str
    given_name: str
    patronymic: str
    birth_date: dt.date
    document_number: str = ""


@dataclass(frozen=True)
class Intake:
    """What a channel enters at intake (R4, R1.2): whom to attach, who applies, how and why."""

    recipient_iin: str
    channel: str
    reason: str
    applicant_role: str = ApplicantRole.SELF
    applicant_iin: str = ""
    power_of_attorney: PowerOfAttorney | None = None
    # What the recipient's identity document says; None when the channel entered nothing
    # (then R4-1 has nothing to compare, and its result says so).
    declared: Declared | None = None
    # The district (and so its doctor) the applicant chose within the provider; None: the
    # rules choose (a head may later admit a full one: `application_district_override`).
    district_id: int | None = None
    # What the attachment rests on; None is the registered residence.
    basis: Basis | None = None
    # By telephone: the caller's answers to the identity questions, checked against the
    # population register before anything is recorded.
    caller: IdentityAnswers | None = None


# The staff role that may admit a chosen district above its normative size.
OVERRIDE_ROLE = "head"


def _chosen_district(provider: Provider, district_id: int | None) -> District | None:
    if district_id is None:
        return None
    district = district_of_provider(provider=provider, district_id=district_id)
    if district is None:
        raise DomainError(_("The provider has no such district."), code="district_not_of_provider")
    return district


class LookupLimit(DomainError):
    """The caller has looked up as many people as a desk may in one hour."""

    code = "lookup_limit"


def population_lookup(*, iin: str, scope: Scope, looked_up_by: str) -> PersonRecord:
    """The person as the population register knows them, for intake; audited, and limited
    to BEKITU_INTAKE_LOOKUPS_PER_HOUR different IINs per `looked_up_by` an hour."""
    _count_lookup(looked_up_by, iin)
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


def _count_lookup(looked_up_by: str, iin: str) -> None:
    """A desk takes a few applications an hour; someone who looks up many more people is
    browsing the population register, which an audit row alone does not stop. The counter
    (a database row, atomic and shared by every process) holds hashes of the IINs: looking
    the same person up again is free."""
    limit = int(settings.INTAKE_LOOKUPS_PER_HOUR)
    if limit <= 0:
        return
    hour = timezone.now().strftime("%Y%m%d%H")
    key = f"lookups:{digest(looked_up_by)}:{hour}"
    if hit_distinct(key, iin, limit=limit, seconds=3600):
        return
    log.warning("workstation.lookup_limit", extra={"fields": {"actor": looked_up_by}})
    audit_record(action="workstation.register.lookup_refused", data={"limit": limit})
    raise LookupLimit(
        _(
            "You have looked up as many people as a desk may in one hour. "
            "Continue with the people already found, or ask the head of the provider."
        )
    )


def _open_conflict(recipient: Person, provider_id: int) -> Conflict | None:
    """The conflict of a second open application; its number only when the open one is at
    the same provider (another provider's application numbers are not the caller's to
    know)."""
    open_one = (
        Application.objects.filter(recipient=recipient, state__in=OPEN_STATES)
        .values_list("provider_id", "number")
        .first()
    )
    if open_one is None:
        return None
    open_provider_id, open_number = open_one
    if open_provider_id != provider_id:
        return Conflict(
            _("The person already has an open application at another provider."),
            code="application_open",
        )
    return Conflict(
        _("The person already has an open application (%(number)s).") % {"number": open_number},
        code="application_open",
    )


def _save_new(application: Application) -> None:
    """Insert the application. The database's one-open-application rule (a partial unique
    index, on PostgreSQL and SQLite alike) is the check: a second open application fails the
    insert, and only then is the open one read, for the Conflict's message. No read before
    every insert to find what is rare; and the rule answers alike whether the person's row
    lock serialised the two intakes or not (another writer, another path)."""
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError as exc:
        conflict = _open_conflict(application.recipient, application.provider_id)
        if conflict is None:
            raise
        raise conflict from exc


def _poa_fields(poa: PowerOfAttorney | None) -> dict[str, object]:
    if poa is None:
        return {}
    return {"poa_number": poa.number, "poa_date": poa.date, "poa_valid_until": poa.valid_until}


def _declared_fields(recipient: Person, declared: Declared | None) -> dict[str, object]:
    stated = declared or Declared(
        recipient.surname, recipient.given_name, recipient.patronymic, recipient.birth_date
    )
    return {
        "declared_surname": stated.surname.strip(),
        "declared_given_name": stated.given_name.strip(),
        "declared_patronymic": stated.patronymic.strip(),
        "declared_birth_date": stated.birth_date,
        "declared_document_number": stated.document_number.strip(),
        "declared_from_document": declared is not None,
    }


@transaction.atomic
def application_create(
    *,
    channel: str,
    recipient: Person,
    provider: Provider,
    reason: str,
    applicant: Person | None = None,
    applicant_role: str = ApplicantRole.SELF,
    power_of_attorney: PowerOfAttorney | None = None,
    submitted_at: dt.datetime | None = None,
    created_by: User | None = None,
    declared: Declared | None = None,
    basis: Basis | None = None,
    signed_request: bytes | None = None,
    signer_serial: str = "",
    district: District | None = None,
) -> Application:
    """Record an application received at the desk, by telephone, or from the portal.

    Its term (R5.3, R9.13) runs from `submitted_at` (default now) by the provider's hours.
    `declared` is the recipient's data as their identity document states them (without it
    the register's own are recorded, and R4-1 has nothing to compare). Raises
    DomainError for an inconsistent applicant and Conflict when one is already open.
    """
    if channel not in Channel.values or reason not in Application.Reason.values:
        raise DomainError(_("Unknown channel or reason."), code="invalid_application")
    stated_basis = basis_fields(basis)
    if applicant is not None and applicant.pk == recipient.pk:
        applicant = None
    submitted = submitted_at or timezone.now()
    day = timezone.localdate(submitted)
    parties_validate(
        role=applicant_role,
        applicant_named=applicant is not None,
        power_of_attorney=power_of_attorney,
        on=day,
    )
    problems = recipient_problems(role=applicant_role, recipient_age=recipient.age_on(day))
    if problems:
        raise PartiesInvalid(problems)
    # One intake of a person at a time; the application holds the row as locked. A second
    # open application is refused by the insert (`_save_new`).
    recipient = person_lock_with_address(person=recipient)
    term = term_for(provider=provider, submitted_at=submitted, channel=channel)
    action, state = INITIAL[Channel(channel)]
    application = Application(
        number=next_number(timezone.localdate(submitted).year),
        channel=channel,
        recipient=recipient,
        applicant=applicant,
        applicant_role=applicant_role,
        provider=provider,
        reason=reason,
        state=state,
        submitted_at=submitted,
        term_start=term.term_start,
        deadline=term.deadline,
        created_by=created_by,
        signed_request=signed_request,
        signer_serial=signer_serial,
        **_poa_fields(power_of_attorney),
        **_declared_fields(recipient, declared),
        district=district,
        **stated_basis,
    )
    application.policy_edition = policy_of(application).edition
    application.action_due_at = action_due(application=application, started_at=term.term_start)
    _save_new(application)
    application.last_check_run = 0  # made now: no run of the checks yet
    documents_made_none(application)  # nor any document
    step_first(application, action, by=created_by, at=submitted)
    audit_application(
        application,
        "create",
        channel=channel,
        reason=reason,
        role=applicant_role,
        basis=application.basis,
        provider_bin=provider.bin,
        edition=application.policy_edition,
        district=district.number if district is not None else None,
    )
    return application


def _person(iin: str, code: str) -> Person:
    person = person_get_by_iin(iin)
    if person is None:
        raise NotFound(_("The population register has no person with this IIN."), code=code)
    return person


def application_intake(
    *, scope: Scope, intake: Intake, by: User | None, looked_up_by: str
) -> Application:
    """Record a desk or telephone application for the scope's provider and check it: the
    population register is read once, and one run of the checks is stored from its answer.

    By telephone the caller's answers (`intake.caller`) must confirm who they are
    (`caller_identity_check`); how they did is recorded with the application.

    Raises PartiesInvalid for inconsistent parties, NotFound for an unknown IIN, LookupLimit
    past the hour's lookups, Conflict when the person already has an open application, and
    IdentityNotConfirmed (or `identity_answers_required`) for a caller not confirmed.
    """
    if intake.channel not in PROVIDER_CHANNELS:
        raise DomainError(_("Unknown channel or reason."), code="invalid_application")
    named = bool(intake.applicant_iin) and intake.applicant_role != ApplicantRole.SELF
    parties_validate(
        role=intake.applicant_role,
        applicant_named=named,
        power_of_attorney=intake.power_of_attorney,
    )
    # Outside the transaction: a refused lookup is audited even though nothing is recorded.
    record = population_lookup(iin=intake.recipient_iin, scope=scope, looked_up_by=looked_up_by)
    # Outside it too: a refused caller is recorded.
    by_phone = intake.channel == Channel.PHONE
    matches = caller_identity_check(record=record, answers=intake.caller) if by_phone else None
    with transaction.atomic():
        recipient = _person(intake.recipient_iin, "person_not_found")
        applicant = _person(intake.applicant_iin, "applicant_not_found") if named else None
        application = application_create(
            channel=intake.channel,
            recipient=recipient,
            provider=scope.provider,
            reason=intake.reason,
            applicant=applicant,
            applicant_role=intake.applicant_role,
            power_of_attorney=intake.power_of_attorney,
            created_by=by,
            declared=intake.declared,
            district=_chosen_district(scope.provider, intake.district_id),
            basis=intake.basis,
        )
        if matches is not None:
            identity_record(application, matches)
        checks_store(application, case_build(application, record=record))
    return application


@transaction.atomic
def application_district_override(
    *, application: Application, by: User | None, reason: str, district_id: int | None = None
) -> Application:
    """A head of the provider admits a district above its normative size, saying why: the
    district the applicant chose, or (`district_id`) another district of the provider the head
    assigns instead. Who, when and why are recorded and audited, and the checks run again.

    Raises DomainError `district_override_not_allowed` for anyone but a head of the
    application's provider, for an application with no district chosen or assigned, or no
    longer open; `district_not_of_provider` for a district of another provider; and
    `district_override_reason_required` without a reason.
    """
    application = Application.objects.select_for_update().get(pk=application.pk)
    profile = getattr(by, "staff_profile", None)
    is_head = (
        profile is not None
        and profile.role == OVERRIDE_ROLE
        and profile.provider_id == application.provider_id
    )
    chosen = application.district_id if district_id is None else district_id
    if not is_head or chosen is None or application.state not in OPEN_STATES:
        raise DomainError(
            _("Only the head of the provider may admit a chosen district above its size."),
            code="district_override_not_allowed",
        )
    reason = reason.strip()
    if not reason:
        raise DomainError(
            _("Say why the district is admitted above its size."),
            code="district_override_reason_required",
        )
    previous = application.district
    if district_id is not None:
        application.district = _chosen_district(application.provider, district_id)
    application.district_override_by = by
    application.district_override_at = timezone.now()
    application.district_override_reason = reason
    application.save(
        update_fields=[
            "district",
            "district_override_by",
            "district_override_at",
            "district_override_reason",
        ]
    )
    assigned = application.district
    audit_application(
        application,
        "district_override",
        district=assigned.number if assigned else None,
        chosen=previous.number if previous else None,
        by=by.get_username() if by is not None else "",
        justification=reason,
    )
    checks_store(application, case_build(application))
    return application
