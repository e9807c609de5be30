"""The IIN look-up in one prepared statement (PostgreSQL) gives what the ORM gives, and its
audit row is the row `audit_record` writes, chained and verifiable."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext

from bekitu.core.audit import (
    audit_batch,
    audit_context,
    audit_verify,
    audit_write_batch,
    entry_hash,
    in_statement,
)
from bekitu.core.audit_statement import append_params
from bekitu.core.models import AuditEntry
from bekitu.registry import lookup, selectors
from tests.factories import AttachmentFactory, DistrictFactory, PersonFactory

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the one-statement look-up is PostgreSQL's"
)

D = dt.date
DAY = D(2025, 6, 1)


def _values(instance: Model | None) -> Any:
    if instance is None:
        return None
    return [getattr(instance, f.attname) for f in instance._meta.concrete_fields]


def _graph(person: Any, attachment: Any) -> list[Any]:
    """Every loaded object's field values, read from the caches select_related fills."""
    address = person.address if person else None
    street = address.street if address else None
    district = attachment.district if attachment else None
    return [
        _values(person),
        _values(address),
        _values(street),
        _values(street.locality if street else None),
        _values(attachment),
        _values(attachment.provider if attachment else None),
        _values(district),
        _values(district.doctor if district else None),
    ]


def _orm(iin: str) -> tuple[Any, Any]:
    person = selectors._persons().filter(iin=iin).first()
    return person, selectors.attachment_current(person=person, on=DAY) if person else None


def _people() -> list[str]:
    """Persons in every shape the look-up meets: attached with district and doctor, with a
    past and a current attachment, attached without a district, to a district without a
    doctor, only attached before the day or after it, without an address, never attached."""
    full = AttachmentFactory(valid_from=D(2024, 1, 1)).person
    moved = PersonFactory()
    AttachmentFactory(person=moved, valid_from=D(2020, 1, 1), valid_to=D(2025, 6, 1))
    AttachmentFactory(person=moved, valid_from=D(2025, 6, 1))
    no_district = AttachmentFactory(district=None).person
    no_doctor = AttachmentFactory(district=DistrictFactory(doctor=None)).person
    left = AttachmentFactory(valid_from=D(2019, 1, 1), valid_to=D(2022, 1, 1)).person
    future = AttachmentFactory(valid_from=D(2030, 1, 1)).person
    homeless = AttachmentFactory(person=PersonFactory(address=None)).person
    never = PersonFactory(patronymic="", phone="+7 701 000 00 00")
    return [p.iin for p in (full, moved, no_district, no_doctor, left, future, homeless, never)]


@postgresql_only
def test_the_statement_gives_what_the_orm_gives_for_every_shape_of_person() -> None:
    iins = _people()
    for iin in [*iins, "000000000000"]:
        expected = _graph(*_orm(iin))
        person, attachment = lookup.person_by_iin(iin, current_on=DAY)
        with CaptureQueriesContext(connection) as queries:
            got = _graph(person, attachment)
        assert got == expected, iin
        assert not queries.captured_queries  # related objects came with the statement
        if attachment is not None:
            assert attachment.person is person
    alone, none = lookup.person_by_iin(iins[0])
    assert _values(alone) == _values(_orm(iins[0])[0]) and none is None


@postgresql_only
def test_the_look_up_is_one_statement_with_its_audit_row() -> None:
    iin = AttachmentFactory(valid_from=D(2024, 1, 1)).person.iin
    with CaptureQueriesContext(connection) as queries:
        person, attachment = selectors.person_current_by_iin(iin, on=DAY)
    assert person is not None and attachment is not None
    assert len(queries.captured_queries) == 1
    assert "bekitu_audit_append(" in queries.captured_queries[0]["sql"]
    row = AuditEntry.objects.get(action="registry.person.read")
    assert (row.subject_iin, row.object_id, row.data) == (iin, str(person.pk), {"via": "iin"})


@postgresql_only
def test_its_audit_row_is_the_row_the_orm_path_writes_and_the_chain_verifies() -> None:
    iin = PersonFactory().iin
    # An actor's text with what JSON escapes, and Kazakh letters it does not.
    with audit_context(actor='desk:"Әлия"\\\n\t', channel="desk", on_behalf_of="ИИН"):
        selectors.person_get_by_iin(iin)
        with audit_write_batch():  # rows held for the commit: the ORM path and audit_record
            assert not in_statement()
            selectors.person_get_by_iin(iin)
        with audit_batch():
            selectors.person_get_by_iin(iin)
    first, second, third = AuditEntry.objects.filter(action="registry.person.read").order_by("seq")
    fields = ("actor", "on_behalf_of", "channel", "object_type", "object_id", "subject_iin")
    for row in (first, third):
        assert [getattr(row, f) for f in fields] == [getattr(second, f) for f in fields]
        assert row.data == second.data and row.hash == entry_hash(row)
    assert [first.seq + 1, first.seq + 2] == [second.seq, third.seq]
    assert audit_verify().ok


@postgresql_only
def test_an_unknown_iin_writes_no_audit_row() -> None:
    PersonFactory()
    assert lookup.person_by_iin("000000000000", current_on=DAY) == (None, None)
    assert not AuditEntry.objects.exists()


def test_the_statement_is_given_no_object_id_of_the_callers() -> None:
    from bekitu.core.audit import audit_entry

    with pytest.raises(ValueError, match="object id"):
        append_params(audit_entry(action="registry.person.read", object_id=5))


def test_person_current_by_iin_finds_the_person_and_the_attachment_in_force() -> None:
    attachment = AttachmentFactory(valid_from=D(2024, 1, 1))
    person, current = selectors.person_current_by_iin(attachment.person.iin, on=DAY)
    assert (person, current) == (attachment.person, attachment)
    assert selectors.person_current_by_iin("000000000000", on=DAY) == (None, None)
    assert AuditEntry.objects.filter(action="registry.person.read").count() == 1
