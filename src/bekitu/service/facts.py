"""Build the facts of an application's case (plain dataclasses of `rules.py`) from the
register and the population register, so the checks themselves stay pure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone

from bekitu.registry.population import PersonRecord, get_population_register
from bekitu.registry.selectors import attachment_history, district_loads, districts_covering
from bekitu.service import documents
from bekitu.service.editions import editions, policy_in_force
from bekitu.service.models import Application
from bekitu.service.policy import Policy, policy_get
from bekitu.service.rules import (
    AttachmentFacts,
    AuthorityFacts,
    Case,
    DistrictFacts,
    PersonFacts,
    ProviderFacts,
    RegisterRecord,
)

if TYPE_CHECKING:
    from bekitu.registry.models import District, Person


@dataclass(frozen=True)
class CaseFacts:
    """A case with the register rows it was built from (to act on after the checks)."""

    case: Case
    policy: Policy
    districts: dict[int, District]


def application_day(application: Application) -> dt.date:
    """The application's date in the service's time zone: it selects the policy edition."""
    return timezone.localdate(application.submitted_at)


def policy_of(application: Application) -> Policy:
    """The policy edition of the application: the one recorded when it was received, chosen
    then by BEKITU_POLICY_EDITION or else by the application's date."""
    if application.policy_edition:
        return policy_get(application.policy_edition, editions())
    return policy_in_force(application_day(application), settings.POLICY_EDITION)


def _person_facts(application: Application, record: PersonRecord | None) -> PersonFacts:
    person, source = application.recipient, record or application.recipient
    atu = None
    if record is not None and record.address is not None:
        atu = record.address.atu_code
    elif record is None and person.address is not None:
        atu = person.address.street.locality.atu_code
    return PersonFacts(
        iin=person.iin,
        surname=application.declared_surname,
        given_name=application.declared_given_name,
        patronymic=application.declared_patronymic,
        birth_date=application.declared_birth_date,
        status=source.status,
        insured=source.insured,
        death_date=source.death_date,
        emigrated_on=source.emigrated_on,
        atu_code=atu,
        stated_from_document=application.declared_from_document,
    )


def _register_record(record: PersonRecord | None) -> RegisterRecord | None:
    if record is None:
        return None
    return RegisterRecord(
        iin=record.iin,
        surname=record.surname,
        given_name=record.given_name,
        patronymic=record.patronymic,
        birth_date=record.birth_date,
        death_date=record.death_date,
    )


def _authority(
    application: Application, record: PersonRecord | None, on: dt.date
) -> AuthorityFacts:
    applicant = application.applicant
    if applicant is None or applicant.pk == application.recipient_id:
        return AuthorityFacts(role=application.applicant_role, applicant_is_recipient=True)
    relations = frozenset(
        r.kind
        for r in (record.relations if record else ())
        if r.relative_iin == applicant.iin
        and (r.valid_from is None or r.valid_from <= on)
        and (r.valid_to is None or on < r.valid_to)
    )
    return AuthorityFacts(
        role=application.applicant_role,
        applicant_is_recipient=False,
        applicant_age=applicant.age_on(on),
        relations=relations,
        poa_number=application.poa_number,
        poa_date=application.poa_date,
        poa_valid_until=application.poa_valid_until,
    )


def _history(person: Person) -> tuple[AttachmentFacts, ...]:
    attachments = attachment_history(person=person)
    # A change counts from the day it was requested (an application's submission), else from
    # the day it was made; one decided in a campaign starts later but counts from then.
    requested = dict(
        Application.objects.filter(
            number__in=[a.application_number for a in attachments if a.application_number]
        ).values_list("number", "submitted_at")
    )
    return tuple(
        AttachmentFacts(
            provider_id=a.provider_id,
            valid_from=a.valid_from,
            valid_to=a.valid_to,
            reason=a.reason,
            district_id=a.district_id,
            made_on=timezone.localdate(requested[a.application_number])
            if a.application_number in requested
            else min(timezone.localdate(a.created_at), a.valid_from),
        )
        for a in attachments
    )


def history_facts(person: Person) -> tuple[AttachmentFacts, ...]:
    """The person's attachments as the frequency rule counts them (shown before intake)."""
    return _history(person)


def _districts(
    application: Application, on: dt.date
) -> tuple[list[DistrictFacts], dict[int, District]]:
    loads = district_loads(provider=application.provider, on=on)
    address = application.recipient.address
    covering = (
        set(
            districts_covering(address=address, provider=application.provider).values_list(
                "pk", flat=True
            )
        )
        if address is not None
        else set()
    )
    facts = [
        DistrictFacts(
            load.district.pk,
            load.district.kind,
            load.district.pk in covering,
            load.attached,
            load.district.normative_size,
        )
        for load in loads
    ]
    return facts, {load.district.pk: load.district for load in loads}


def _residence_evidence(application: Application, history: tuple[AttachmentFacts, ...]) -> bool:
    """Evidence of a change of residence: a document of temporary registration presented or
    attached, or a registered address outside the area of the provider the person is attached
    to (the register shows the move)."""
    if application.reason != "change_of_residence":
        return False
    if application.documents.filter(kind="temporary_registration").exists():
        return True
    current = next((a for a in history if a.is_open), None)
    address = application.recipient.address
    if current is None or address is None:
        return False
    covering = districts_covering(address=address).filter(provider_id=current.provider_id)
    return not covering.exists()


def case_build(application: Application, *, record: PersonRecord | None = None) -> CaseFacts:
    """The facts the checks need, from the population register and the local register.

    `record` is the population register's answer when the caller has just read it (intake
    reads it once per request); otherwise the register is asked here.
    """
    on = application_day(application)
    if record is None:
        record = get_population_register().lookup(application.recipient.iin)
    districts, by_id = _districts(application, on)
    provider = application.provider
    history = _history(application.recipient)
    case = Case(
        on=on,
        reason=application.reason,
        recipient=_person_facts(application, record),
        record=_register_record(record),
        provider=ProviderFacts(
            provider.pk, provider.atu_code, provider.is_active, provider.closed_on
        ),
        authority=_authority(application, record, on),
        history=history,
        districts=tuple(districts),
        required_documents=frozenset(r.kind for r in required_documents(application)),
        presented_documents=frozenset(
            application.documents.filter(presented=True).values_list("kind", flat=True)
        ),
        residence_evidence=_residence_evidence(application, history),
        chosen_district_id=application.district_id,
        district_override=application.district_override_at is not None,
        basis=application.basis,
        basis_atu_code=application.basis_atu_code or None,
        pregnant=application.pregnant,
    )
    return CaseFacts(case=case, policy=policy_of(application), districts=by_id)


def required_documents(application: Application) -> list[documents.DocumentRequirement]:
    """The checklist of paragraph 9 of the standard for the application (R8.1)."""
    recipient, on = application.recipient, application_day(application)
    category = documents.Category(
        recipient_age=recipient.age_on(on),
        recipient_sex=recipient.sex,
        recipient_status=recipient.status,
        applicant_role=application.applicant_role,
        basis=application.basis,
        pregnant=application.pregnant,
    )
    return documents.requirements_for(category)
