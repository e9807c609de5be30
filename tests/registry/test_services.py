from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from bekitu.core.audit import audit_context, audit_verify
from bekitu.core.errors import DomainError
from bekitu.core.models import AuditEntry
from bekitu.registry.models import Attachment, District, Person
from bekitu.registry.selectors import (
    attachment_current,
    attachment_history,
    attachment_with_parties,
)
from bekitu.registry.services import (
    attachment_create,
    attachment_end,
    attachment_transfer,
    provider_close,
)
from tests.factories import AttachmentFactory, DistrictFactory, PersonFactory

pytestmark = pytest.mark.django_db

D = dt.date
JAN_10 = D(2025, 1, 10)


def _attach(
    person: Person, district: District, valid_from: dt.date = JAN_10, **kw: Any
) -> Attachment:
    return attachment_create(
        person=person,
        provider=district.provider,
        district=district,
        valid_from=valid_from,
        reason=kw.pop("reason", Attachment.Reason.CHOICE),
        source=kw.pop("source", "desk"),
        **kw,
    )


def _transfer(person: Person, district: District, valid_from: dt.date, **kw: Any) -> Attachment:
    return attachment_transfer(
        person=person,
        provider=district.provider,
        district=district,
        valid_from=valid_from,
        reason=kw.pop("reason", Attachment.Reason.CHOICE),
        source=kw.pop("source", "portal"),
        **kw,
    )


def _periods(person: Person) -> list[tuple[int, dt.date, dt.date | None, str]]:
    return [
        (a.provider_id, a.valid_from, a.valid_to, a.end_reason)
        for a in sorted(attachment_history(person=person), key=lambda a: a.pk)
    ]


def test_create_attaches_an_unattached_person_and_audits_it() -> None:
    person, district = PersonFactory(), DistrictFactory()
    with audit_context(actor="user:7", channel="desk"):
        attachment = _attach(person, district, application_number="A-1", home_visits=False)
    assert (attachment.provider, attachment.district, attachment.valid_to) == (
        district.provider,
        district,
        None,
    )
    assert attachment.home_visits is False
    row = AuditEntry.objects.get(action="registry.attachment.create")
    assert (row.subject_iin, row.actor, row.channel) == (person.iin, "user:7", "desk")
    assert row.object_id == str(attachment.pk)
    assert row.data["provider_bin"] == district.provider.bin
    assert row.data["application_number"] == "A-1"
    assert audit_verify().ok


def test_create_refuses_a_person_who_is_already_attached() -> None:
    existing = AttachmentFactory()
    with pytest.raises(DomainError) as err:
        _attach(existing.person, DistrictFactory())
    assert err.value.code == "already_attached"
    assert Attachment.objects.filter(person=existing.person).count() == 1
    assert not AuditEntry.objects.filter(action="registry.attachment.create").exists()


def test_create_refuses_a_district_of_another_provider() -> None:
    district = DistrictFactory()
    with pytest.raises(DomainError) as err:
        attachment_create(
            person=PersonFactory(),
            provider=DistrictFactory().provider,
            district=district,
            valid_from=D(2025, 1, 1),
            reason="choice",
            source="desk",
        )
    assert err.value.code == "district_not_of_provider"


def test_create_refuses_a_closed_provider() -> None:
    district = DistrictFactory(provider__is_active=False)
    with pytest.raises(DomainError) as err:
        _attach(PersonFactory(), district)
    assert err.value.code == "provider_closed"


def test_create_refuses_a_start_inside_a_period_that_has_not_ended_yet() -> None:
    old = AttachmentFactory(valid_from=D(2020, 1, 1))
    attachment_end(person=old.person, on=D(2025, 6, 1), end_reason="left_country")
    with pytest.raises(DomainError):
        _attach(old.person, DistrictFactory(), valid_from=D(2025, 5, 1))
    again = _attach(old.person, DistrictFactory(), valid_from=D(2025, 6, 1))
    assert again.valid_from == D(2025, 6, 1)


def test_transfer_closes_the_old_attachment_where_the_new_one_starts() -> None:
    old = AttachmentFactory(valid_from=D(2023, 3, 1))
    target = DistrictFactory()
    new = _transfer(old.person, target, D(2025, 2, 3), application_number="P-9")
    old.refresh_from_db()
    assert (old.valid_to, old.end_reason) == (D(2025, 2, 3), "transfer")
    assert old.ended_at is not None
    assert (new.provider, new.valid_from, new.valid_to) == (target.provider, D(2025, 2, 3), None)
    assert attachment_current(person=old.person, on=D(2025, 2, 2)) == old
    assert attachment_current(person=old.person, on=D(2025, 2, 3)) == new
    row = AuditEntry.objects.get(action="registry.attachment.transfer")
    assert row.data["ended_attachments"] == [old.pk]
    assert row.subject_iin == old.person.iin


def test_transfer_into_the_future_keeps_the_old_attachment_until_then() -> None:
    old = AttachmentFactory(valid_from=D(2023, 3, 1))
    new = _transfer(old.person, DistrictFactory(), D(2026, 1, 1))
    assert attachment_current(person=old.person, on=D(2025, 12, 31)) == old
    assert attachment_current(person=old.person, on=D(2026, 1, 1)) == new


def test_a_second_transfer_before_a_pending_one_starts_supersedes_it_without_overlap() -> None:
    old = AttachmentFactory(valid_from=D(2023, 3, 1))
    person = old.person
    pending = _transfer(person, DistrictFactory(), D(2026, 1, 1))
    latest = _transfer(person, DistrictFactory(), D(2025, 11, 15))
    periods = _periods(person)
    assert periods == [
        (old.provider_id, D(2023, 3, 1), D(2025, 11, 15), "transfer"),
        # The pending one never comes into force: an empty period.
        (pending.provider_id, D(2026, 1, 1), D(2026, 1, 1), "transfer"),
        (latest.provider_id, D(2025, 11, 15), None, ""),
    ]
    assert attachment_current(person=person, on=D(2026, 6, 1)) == latest


def test_transfer_of_an_unattached_person_just_attaches() -> None:
    person = PersonFactory()
    new = _transfer(person, DistrictFactory(), D(2025, 4, 1))
    assert attachment_history(person=person) == [new]


def test_history_is_newest_first_and_consistent_after_several_transfers() -> None:
    first = AttachmentFactory(valid_from=D(2020, 1, 1))
    person = first.person
    second = _transfer(person, DistrictFactory(), D(2022, 1, 1))
    third = _transfer(person, DistrictFactory(), D(2024, 1, 1))
    history = attachment_history(person=person)
    assert [a.pk for a in history] == [third.pk, second.pk, first.pk]
    for newer, older in itertools.pairwise(history):
        assert older.valid_to == newer.valid_from
    assert Attachment.objects.filter(person=person, valid_to__isnull=True).count() == 1


@pytest.mark.parametrize("reason", ["death", "left_country", "provider_closed"])
def test_end_closes_the_open_attachment_with_the_reason(reason: str) -> None:
    attachment = AttachmentFactory(valid_from=D(2021, 5, 5))
    ended = attachment_end(person=attachment.person, on=D(2025, 3, 3), end_reason=reason)
    assert ended.pk == attachment.pk
    attachment.refresh_from_db()
    assert (attachment.valid_to, attachment.end_reason) == (D(2025, 3, 3), reason)
    assert attachment_current(person=attachment.person, on=D(2025, 3, 3)) is None
    assert AuditEntry.objects.filter(
        action="registry.attachment.end", subject_iin=attachment.person.iin
    ).exists()


def test_death_before_a_pending_transfer_ends_both_the_current_and_the_pending() -> None:
    old = AttachmentFactory(valid_from=D(2023, 3, 1))
    pending = _transfer(old.person, DistrictFactory(), D(2026, 1, 1))
    attachment_end(person=old.person, on=D(2025, 12, 10), end_reason="death")
    old.refresh_from_db()
    pending.refresh_from_db()
    assert (old.valid_to, old.end_reason) == (D(2025, 12, 10), "death")
    assert (pending.valid_to, pending.end_reason) == (D(2026, 1, 1), "death")
    assert attachment_current(person=old.person, on=D(2026, 2, 1)) is None


def test_end_refuses_a_person_without_an_attachment() -> None:
    with pytest.raises(DomainError) as err:
        attachment_end(person=PersonFactory(), on=D(2025, 1, 1), end_reason="death")
    assert err.value.code == "not_attached"


def test_end_refuses_transfer_as_a_reason() -> None:
    attachment = AttachmentFactory()
    with pytest.raises(DomainError) as err:
        attachment_end(person=attachment.person, on=D(2025, 1, 1), end_reason="transfer")
    assert err.value.code == "invalid_end_reason"
    attachment.refresh_from_db()
    assert attachment.valid_to is None


def test_provider_close_ends_its_running_attachments_only() -> None:
    district = DistrictFactory()
    mine = AttachmentFactory.create_batch(3, provider=district.provider, district=district)
    elsewhere = AttachmentFactory()
    already_ended = AttachmentFactory(
        provider=district.provider, district=district, valid_to=D(2024, 6, 1)
    )
    count = provider_close(provider=district.provider, on=D(2025, 7, 1))
    assert count == 3
    district.provider.refresh_from_db()
    assert (district.provider.is_active, district.provider.closed_on) == (False, D(2025, 7, 1))
    for attachment in mine:
        attachment.refresh_from_db()
        assert (attachment.valid_to, attachment.end_reason) == (D(2025, 7, 1), "provider_closed")
    elsewhere.refresh_from_db()
    already_ended.refresh_from_db()
    assert elsewhere.valid_to is None
    assert (already_ended.valid_to, already_ended.end_reason) == (D(2024, 6, 1), "transfer")
    assert AuditEntry.objects.filter(action="registry.attachment.end").count() == 3
    assert AuditEntry.objects.filter(action="registry.provider.close").count() == 1
    assert audit_verify().ok


def test_the_database_refuses_a_second_open_attachment() -> None:
    attachment = AttachmentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Attachment.objects.create(
            person=attachment.person,
            provider=attachment.provider,
            valid_from=D(2025, 1, 1),
            reason="choice",
            source="test",
        )


def test_the_database_allows_many_closed_attachments_of_one_person() -> None:
    person = PersonFactory()
    AttachmentFactory(person=person, valid_from=D(2020, 1, 1), valid_to=D(2021, 1, 1))
    AttachmentFactory(person=person, valid_from=D(2021, 1, 1), valid_to=D(2022, 1, 1))
    AttachmentFactory(person=person, valid_from=D(2022, 1, 1))
    assert person.attachments.count() == 3


def test_the_database_refuses_a_period_that_ends_before_it_starts() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        AttachmentFactory(valid_from=D(2025, 1, 2), valid_to=D(2025, 1, 1))


def test_a_failed_write_leaves_no_audit_row() -> None:
    attachment = AttachmentFactory()
    before = AuditEntry.objects.count()
    with pytest.raises(DomainError):
        _attach(attachment.person, DistrictFactory())
    assert AuditEntry.objects.count() == before


def test_an_attachment_just_made_carries_what_its_talon_prints(
    django_assert_num_queries: Any,
) -> None:
    district = DistrictFactory()
    district = District.objects.select_related("doctor", "provider").get(pk=district.pk)
    made = _attach(PersonFactory(), district)

    with django_assert_num_queries(0):
        same = attachment_with_parties(made)
        printed = (str(same.person.address), same.provider.bin, same.district.doctor.full_name)

    assert same is made
    assert printed == (
        str(Person.objects.get(pk=made.person_id).address),
        district.provider.bin,
        district.doctor.full_name,
    )


def test_an_attachment_read_bare_is_read_again_with_its_parties(
    django_assert_num_queries: Any,
) -> None:
    bare = Attachment.objects.get(pk=AttachmentFactory().pk)

    with django_assert_num_queries(1):
        full = attachment_with_parties(bare)
    with django_assert_num_queries(0):
        str(full.person.address), full.provider.bin, full.district.doctor.full_name

    assert full is not bare and full.pk == bare.pk
