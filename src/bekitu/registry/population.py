"""The PopulationRegister port: the state database of individuals (ГБД ФЛ).

The service asks it who a person is: status, registered address, alive or deceased, and
their parents and guardians; and whose parent or guardian a person is (the portal offers a
parent their children and a guardian their wards). The default adapter reads the local
mirror tables (filled by the demo-data generator or a synchronisation); the fake keeps
records in a dict for tests.
`get_population_register()` picks the adapter named by the BEKITU_POPULATION_REGISTER setting.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from django.conf import settings
from django.db import connection
from django.db.models import Prefetch
from django.utils.module_loading import import_string

from bekitu.registry import lookup
from bekitu.registry.models import Address, Person, PersonRelation


@dataclass(frozen=True)
class AddressRecord:
    """A registered address. Names are Russian (as the register's official form has them),
    with the Kazakh ones beside them."""

    locality_kato: str
    locality_name: str
    atu_code: str
    atu_name: str
    street: str
    house: int
    building: str = ""
    apartment: str = ""
    address_id: int | None = None
    locality_name_kk: str = ""
    atu_name_kk: str = ""
    street_kk: str = ""


@dataclass(frozen=True)
class RelationRecord:
    """A parent or guardian of the person, over [valid_from, valid_to) (empty = open)."""

    kind: str  # "parent" or "guardian"
    relative_iin: str
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


@dataclass(frozen=True)
class PersonRecord:
    """What the population register says about one person."""

    iin: str
    surname: str
    given_name: str
    patronymic: str
    birth_date: dt.date
    sex: str  # "male" or "female"
    status: str  # citizen, kandas, refugee, residence_permit, temporary
    citizenship: str
    insured: bool
    address: AddressRecord | None = None
    death_date: dt.date | None = None
    emigrated_on: dt.date | None = None
    relations: tuple[RelationRecord, ...] = ()
    phone: str = ""  # the number the register holds (the portal sends one-time codes to it)

    @property
    def is_alive(self) -> bool:
        return self.death_date is None

    def relatives(self, kind: str | None = None) -> tuple[RelationRecord, ...]:
        """The relations of one kind ("parent", "guardian"), or all."""
        return tuple(r for r in self.relations if kind is None or r.kind == kind)


@runtime_checkable
class PopulationRegister(Protocol):
    """Looks a person up by IIN in the state database of individuals."""

    def lookup(self, iin: str) -> PersonRecord | None:
        """The person's record, or None when the register does not know the IIN."""
        ...

    def dependants(self, iin: str) -> tuple[PersonRecord, ...]:
        """The records of the persons whose parent or guardian the register records `iin`
        to be, at any time (each record carries its relations with their dates)."""
        ...


def address_record(address: Address) -> AddressRecord:
    """The record of a local address (its street and locality must be loaded)."""
    street, locality = address.street, address.street.locality
    return AddressRecord(
        locality_kato=locality.kato,
        locality_name=locality.name_ru,
        atu_code=locality.atu_code,
        atu_name=locality.atu_name_ru,
        street=street.name_ru,
        house=address.house,
        building=address.building,
        apartment=address.apartment,
        address_id=address.pk,
        locality_name_kk=locality.name_kk,
        atu_name_kk=locality.atu_name_kk,
        street_kk=street.name_kk,
    )


def person_record(person: Person, relations: Iterable[PersonRelation] = ()) -> PersonRecord:
    """The record of a local person; `relations` must have their relative loaded."""
    return PersonRecord(
        iin=person.iin,
        surname=person.surname,
        given_name=person.given_name,
        patronymic=person.patronymic,
        birth_date=person.birth_date,
        sex=person.sex,
        status=person.status,
        citizenship=person.citizenship,
        insured=person.insured,
        address=address_record(person.address) if person.address else None,
        death_date=person.death_date,
        emigrated_on=person.emigrated_on,
        phone=person.phone,
        relations=tuple(
            RelationRecord(r.kind, r.relative.iin, r.valid_from, r.valid_to) for r in relations
        ),
    )


class LocalPopulationRegister:
    """Reads the local mirror tables: one prepared statement for the person and the relations
    on PostgreSQL, one query for each elsewhere."""

    def lookup(self, iin: str) -> PersonRecord | None:
        """The local person's record, or None. On PostgreSQL one prepared statement, the fast
        path of the register's own IIN look-up (`registry.lookup`)."""
        return self._prepared(iin) if connection.vendor == "postgresql" else self._queried(iin)

    @staticmethod
    def _prepared(iin: str) -> PersonRecord | None:
        person, rows = lookup.person_with_relations(iin)
        if person is None:
            return None
        relations = tuple(RelationRecord(*row) for row in rows)
        return dataclasses.replace(person_record(person), relations=relations)

    @staticmethod
    def _queried(iin: str) -> PersonRecord | None:
        relations = Prefetch(
            "relations",
            queryset=PersonRelation.objects.select_related("relative").order_by("kind", "pk"),
        )
        person = (
            Person.objects.select_related("address__street__locality")
            .prefetch_related(relations)
            .filter(iin=iin)
            .first()
        )
        if person is None:
            return None
        return person_record(person, person.relations.all())

    def dependants(self, iin: str) -> tuple[PersonRecord, ...]:
        """The local persons with a relation to `iin`: one query for them, one for their
        relations."""
        relations = Prefetch(
            "relations",
            queryset=PersonRelation.objects.select_related("relative").order_by("kind", "pk"),
        )
        persons = (
            Person.objects.select_related("address__street__locality")
            .prefetch_related(relations)
            .filter(pk__in=PersonRelation.objects.filter(relative__iin=iin).values("person"))
            .order_by("birth_date", "pk")
        )
        return tuple(person_record(p, p.relations.all()) for p in persons)


class FakePopulationRegister:
    """An in-memory register for tests: put records in, look them up by IIN."""

    def __init__(self, records: Iterable[PersonRecord] = ()) -> None:
        self.records: dict[str, PersonRecord] = {r.iin: r for r in records}
        self.lookups: list[str] = []

    def add(self, record: PersonRecord) -> PersonRecord:
        """Store (or replace) a record and return it."""
        self.records[record.iin] = record
        return record

    def lookup(self, iin: str) -> PersonRecord | None:
        """The stored record, or None; every IIN asked for is kept in `lookups`."""
        self.lookups.append(iin)
        return self.records.get(iin)

    def dependants(self, iin: str) -> tuple[PersonRecord, ...]:
        """The stored records that name `iin` as a parent or guardian, oldest first."""
        found = [
            r for r in self.records.values() if any(x.relative_iin == iin for x in r.relations)
        ]
        return tuple(sorted(found, key=lambda r: (r.birth_date, r.iin)))


def record_of(person: Person) -> PersonRecord | None:
    """The register's record of a person whose row (with address, street and locality) the
    caller's transaction has read: the local register's is made of that row and its relations
    (one query); another register is asked by IIN."""
    register = get_population_register()
    if not isinstance(register, LocalPopulationRegister):
        return register.lookup(person.iin)
    # The relation's own columns and the relative's IIN only, as the record holds them: no
    # relative's row made into an instance to read one field of it.
    rows = (
        PersonRelation.objects.filter(person=person)
        .order_by("kind", "pk")
        .values_list("kind", "relative__iin", "valid_from", "valid_to")
    )
    return dataclasses.replace(
        person_record(person), relations=tuple(RelationRecord(*row) for row in rows)
    )


def get_population_register() -> PopulationRegister:
    """The adapter named by BEKITU_POPULATION_REGISTER: a class (instantiated) or an instance."""
    target = import_string(settings.POPULATION_REGISTER)
    register: PopulationRegister = target() if isinstance(target, type) else target
    return register
