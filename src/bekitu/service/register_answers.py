"""The register answers the personal cabinet through the gateway (R9.8): a synchronous query
`bekitu.register.attachments` gives a person's current attachment (provider, district, doctor,
since when, home visits) and its history, and, when asked, those of the children under 18 and
the wards the person is parent or guardian of. A query changes nothing but audit rows (each
person read is audited by the register's selectors)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from bekitu.core.audit import audit_record
from bekitu.core.errors import DomainError, NotFound
from bekitu.gateway.contracts import register_query as contract
from bekitu.gateway.handlers import Message
from bekitu.registry.selectors import (
    attachment_current,
    attachment_history,
    person_dependants,
    person_get_by_iin,
    today,
)
from bekitu.service.portal_queries import portal_only

if TYPE_CHECKING:
    from bekitu.registry.models import Attachment, Person, Provider

SERVICE_ID = contract.SERVICE_ID
ADULT_AGE = 18


def _provider(provider: Provider) -> contract.ProviderRef:
    return contract.ProviderRef(provider.bin, provider.name_kk, provider.name_ru)


def _district(attachment: Attachment) -> str:
    return str(attachment.district.number) if attachment.district else ""


def _person(person: Person, relation: str, asked_by: str) -> contract.PersonAttachments:
    audit_record(
        action="service.register.attachments",
        object_type="registry.person",
        object_id=person.pk,
        subject_iin=person.iin,
        data={"relation": relation, "asked_by": asked_by},
    )
    current = attachment_current(person=person)
    doctor = current.district.doctor if current and current.district else None
    return contract.PersonAttachments(
        iin=person.iin,
        name=person.full_name,
        relation=relation,
        current=contract.Current(
            provider=_provider(current.provider),
            district=_district(current),
            doctor=doctor.full_name if doctor else "",
            since=current.valid_from,
            home_visits=current.home_visits,
        )
        if current
        else None,
        history=tuple(
            contract.Period(
                provider=_provider(a.provider),
                district=_district(a),
                valid_from=a.valid_from,
                valid_to=a.valid_to,
                reason=a.reason,
            )
            for a in attachment_history(person=person)
        ),
    )


def attachments_answer(message: Message) -> dict[str, bytes]:
    """The query handler of `bekitu.register.attachments` (ServiceConfig.ready)."""
    portal_only(message)
    try:
        query = contract.parse_query(message.part(contract.PART_QUERY))
    except (KeyError, contract.ContractInvalid) as exc:
        raise DomainError(
            _("The query is not one the register answers."), code="query_invalid"
        ) from exc
    person = person_get_by_iin(query.iin)
    if person is None:
        raise NotFound(
            _("The population register has no person with this IIN."), code="person_not_found"
        )
    persons = [_person(person, "self", message.sender_id)]
    if query.include_children:
        day = today()
        for relation in person_dependants(person=person, on=day):
            dependant = relation.person
            # A child while under 18; a ward while the guardianship holds, whatever the age.
            child = relation.kind == "parent"
            if dependant.death_date is None and not (child and dependant.age_on(day) >= ADULT_AGE):
                kind = "child" if relation.kind == "parent" else "ward"
                persons.append(_person(dependant, kind, message.sender_id))
    return {contract.PART_ANSWER: contract.build_answer(persons)}
