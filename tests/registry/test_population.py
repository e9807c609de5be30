from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bekitu.registry import population
from bekitu.registry.population import (
    FakePopulationRegister,
    LocalPopulationRegister,
    PersonRecord,
    PopulationRegister,
    RelationRecord,
    get_population_register,
)
from tests.factories import PersonFactory, PersonRelationFactory

FAKE = FakePopulationRegister(
    [
        PersonRecord(
            iin="990101300123",
            surname="Сейітов",
            given_name="Әлихан",
            patronymic="",
            birth_date=dt.date(1999, 1, 1),
            sex="male",
            status="kandas",
            citizenship="UZ",
            insured=True,
        )
    ]
)


@pytest.mark.django_db
def test_local_register_reads_person_address_and_relations_in_one_statement_or_two_queries() -> (
    None
):
    relation = PersonRelationFactory(kind="guardian", valid_from=dt.date(2020, 2, 2))
    PersonRelationFactory(person=relation.person)
    child = relation.person
    with CaptureQueriesContext(connection) as queries:
        record = LocalPopulationRegister().lookup(child.iin)
    assert len(queries) == (1 if connection.vendor == "postgresql" else 2)
    assert record is not None
    assert (record.iin, record.birth_date, record.sex) == (child.iin, child.birth_date, child.sex)
    assert record.address is not None
    assert record.address.address_id == child.address_id
    assert record.address.street == child.address.street.name_ru
    assert record.address.atu_code == child.address.street.locality.atu_code
    assert record.relatives("guardian") == (
        RelationRecord("guardian", relation.relative.iin, dt.date(2020, 2, 2), None),
    )
    assert len(record.relatives("parent")) == 1
    assert record.is_alive


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the prepared statement's")
def test_local_register_s_statement_gives_the_record_its_queries_give() -> None:
    child = PersonFactory(birth_date=dt.date(2012, 3, 4), phone="+77011234567")
    PersonRelationFactory(person=child, kind="guardian", valid_from=dt.date(2020, 2, 2))
    PersonRelationFactory(person=child, valid_to=dt.date(2021, 1, 1))
    PersonRelationFactory(person=child)
    homeless = PersonFactory(address=None, death_date=dt.date(2024, 5, 1))
    local = LocalPopulationRegister
    for iin in (child.iin, homeless.iin, "990101300123"):
        assert local._prepared(iin) == local._queried(iin)
    record = local._prepared(child.iin)
    assert record is not None
    assert [r.kind for r in record.relations] == ["guardian", "parent", "parent"]
    assert record.relatives("parent")[0].valid_to == dt.date(2021, 1, 1)


@pytest.mark.django_db
def test_local_register_reports_death_and_status() -> None:
    person = PersonFactory(death_date=dt.date(2024, 5, 1), status="residence_permit", address=None)
    record = LocalPopulationRegister().lookup(person.iin)
    assert record is not None
    assert not record.is_alive
    assert (record.status, record.address, record.relations) == ("residence_permit", None, ())


@pytest.mark.django_db
def test_local_register_does_not_know_an_unknown_iin() -> None:
    assert LocalPopulationRegister().lookup("990101300123") is None


@pytest.mark.django_db
def test_local_register_gives_whose_parent_or_guardian_a_person_is_in_two_queries() -> None:
    parent = PersonFactory(birth_date=dt.date(1980, 1, 1))
    older = PersonRelationFactory(relative=parent, person__birth_date=dt.date(2010, 1, 1))
    younger = PersonRelationFactory(relative=parent, person__birth_date=dt.date(2015, 1, 1))
    ward = PersonRelationFactory(
        relative=parent, kind="guardian", person__birth_date=dt.date(1950, 1, 1)
    )
    PersonRelationFactory(person=younger.person)  # the other parent: no dependant of this one
    with CaptureQueriesContext(connection) as queries:
        found = LocalPopulationRegister().dependants(parent.iin)
    assert len(queries) == 2
    assert [r.iin for r in found] == [ward.person.iin, older.person.iin, younger.person.iin]
    assert found[0].relatives("guardian")[0].relative_iin == parent.iin
    assert len(found[2].relatives("parent")) == 2
    assert LocalPopulationRegister().dependants(younger.person.iin) == ()


def test_fake_register_gives_the_records_naming_a_relative() -> None:
    child = dataclasses.replace(
        FAKE.records["990101300123"],
        iin="150101600123",
        birth_date=dt.date(2015, 1, 1),
        relations=(RelationRecord("parent", "850101300123"),),
    )
    fake = FakePopulationRegister([FAKE.records["990101300123"], child])
    assert fake.dependants("850101300123") == (child,)
    assert fake.dependants("990101300123") == ()


def test_fake_register_returns_what_was_put_in_and_remembers_lookups() -> None:
    fake = FakePopulationRegister()
    record = fake.add(dataclasses.replace(FAKE.records["990101300123"], status="refugee"))
    assert fake.lookup(record.iin) == record
    assert fake.lookup("000000000000") is None
    assert fake.lookups == [record.iin, "000000000000"]


def test_records_are_immutable() -> None:
    record = FAKE.records["990101300123"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.status = "citizen"  # type: ignore[misc]


def test_both_adapters_satisfy_the_port() -> None:
    assert isinstance(LocalPopulationRegister(), PopulationRegister)
    assert isinstance(FakePopulationRegister(), PopulationRegister)


def test_default_adapter_is_the_local_one() -> None:
    assert isinstance(get_population_register(), LocalPopulationRegister)


def test_setting_may_name_a_fake_instance(settings: pytest.FixtureRequest) -> None:
    settings.POPULATION_REGISTER = "tests.registry.test_population.FAKE"  # type: ignore[attr-defined]
    assert get_population_register() is FAKE
    settings.POPULATION_REGISTER = "bekitu.registry.population.FakePopulationRegister"  # type: ignore[attr-defined]
    assert isinstance(get_population_register(), population.FakePopulationRegister)
