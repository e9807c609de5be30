"""Reads of persons for the workstation: the card and the attached population, in scope and
audited (a read of a person's data is recorded with who read it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from bekitu.core.audit import audit_record
from bekitu.registry.models import Attachment, Person
from bekitu.registry.selectors import attachment_history, attachment_open
from bekitu.workstation import scoping
from bekitu.workstation.scoping import StaffScope


@dataclass(frozen=True)
class PersonCard:
    """A person with their open attachment, the history and the applications in scope."""

    person: Person
    current: Attachment | None
    history: list[Attachment]
    applications: list[Any] = field(default_factory=list)


def person_card(scope: StaffScope, *, pk: int | None = None, iin: str | None = None) -> PersonCard:
    """The card of a person in scope (404 otherwise); the read is audited."""
    person = scoping.person_in_scope(scope, pk=pk, iin=iin)
    audit_record(
        action="workstation.person.read",
        object_type="registry.person",
        object_id=person.pk,
        subject_iin=person.iin,
        data={"provider": scope.provider.bin},
    )
    return PersonCard(
        person=person,
        current=attachment_open(person=person),
        history=attachment_history(person=person),
        applications=list(scoping.applications_of_person(scope, person)),
    )


def population(scope: StaffScope, query: str = "") -> QuerySet[Attachment]:
    """The attached population of the scope's providers, narrowed by IIN or surname."""
    return scoping.population_in_scope(scope, query)


def audit_population_page(scope: StaffScope, *, query: str, shown: Sequence[Attachment]) -> None:
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
