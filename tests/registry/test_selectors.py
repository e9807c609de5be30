from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

from bekitu.core.models import AuditEntry
from bekitu.registry import selectors
from tests.factories import (
    AddressFactory,
    AttachmentFactory,
    DistrictFactory,
    PersonFactory,
    PersonRelationFactory,
    ProviderFactory,
    ServiceAreaFactory,
)

pytestmark = pytest.mark.django_db

D = dt.date


def test_person_get_by_iin_finds_the_person_and_audits_the_read() -> None:
    person = PersonFactory()
    found = selectors.person_get_by_iin(person.iin)
    assert found == person
    row = AuditEntry.objects.get(action="registry.person.read")
    assert (row.subject_iin, row.object_id) == (person.iin, str(person.pk))


def test_person_get_by_iin_of_an_unknown_iin_is_none_and_not_audited() -> None:
    assert selectors.person_get_by_iin("000000000000") is None
    assert not AuditEntry.objects.exists()


def test_person_get_loads_the_address_in_the_same_query() -> None:
    person = PersonFactory()
    with CaptureQueriesContext(connection) as queries:
        found = selectors.person_get(pk=person.pk)
        assert found is not None
        locality = found.address.street.locality.kato
    person_queries = [q for q in queries if "registry_person" in q["sql"]]
    assert len(person_queries) == 1
    assert locality == person.address.street.locality.kato
    assert AuditEntry.objects.filter(action="registry.person.read").count() == 1


def test_person_get_of_a_missing_pk_is_none() -> None:
    assert selectors.person_get(pk=987654) is None


def test_current_attachment_is_the_one_whose_period_contains_the_day() -> None:
    person = PersonFactory()
    old = AttachmentFactory(person=person, valid_from=D(2020, 1, 1), valid_to=D(2024, 1, 1))
    new = AttachmentFactory(person=person, valid_from=D(2024, 1, 1))
    assert selectors.attachment_current(person=person, on=D(2019, 12, 31)) is None
    assert selectors.attachment_current(person=person, on=D(2023, 12, 31)) == old
    assert selectors.attachment_current(person=person, on=D(2024, 1, 1)) == new


def test_periods_are_the_history_in_its_order_with_their_own_columns_in_one_query() -> None:
    person = PersonFactory()
    AttachmentFactory(person=person, valid_from=D(2020, 1, 1), valid_to=D(2024, 1, 1))
    AttachmentFactory(person=person, valid_from=D(2024, 1, 1), application_number="A-1")
    AttachmentFactory()  # another person's
    with CaptureQueriesContext(connection) as queries:
        periods = selectors.attachment_periods(person=person)
    assert len(queries) == 1 and "JOIN" not in queries[0]["sql"]
    history = selectors.attachment_history(person=person)
    assert [
        (p.provider_id, p.district_id, p.valid_from, p.reason, p.application_number, p.created_at)
        for p in periods
    ] == [
        (a.provider_id, a.district_id, a.valid_from, a.reason, a.application_number, a.created_at)
        for a in history
    ]
    assert [(p.valid_from, p.valid_to) for p in periods] == [
        (D(2024, 1, 1), None),
        (D(2020, 1, 1), D(2024, 1, 1)),
    ]


def test_current_attachment_defaults_to_today_in_almaty() -> None:
    attachment = AttachmentFactory(valid_from=D(2025, 3, 1))
    # 20:30 UTC on 28 February is already 1 March in Almaty (UTC+5).
    with freeze_time(dt.datetime(2025, 2, 28, 20, 30, tzinfo=ZoneInfo("UTC"))):
        assert selectors.attachment_current(person=attachment.person) == attachment
    with freeze_time(dt.datetime(2025, 2, 28, 18, 30, tzinfo=ZoneInfo("UTC"))):
        assert selectors.attachment_current(person=attachment.person) is None


def test_open_attachment_includes_one_that_starts_in_the_future() -> None:
    attachment = AttachmentFactory(valid_from=D(2099, 1, 1))
    assert selectors.attachment_open(person=attachment.person) == attachment
    assert selectors.attachment_current(person=attachment.person, on=D(2030, 1, 1)) is None


def test_history_fetches_provider_district_and_doctor_in_one_query() -> None:
    person = PersonFactory()
    AttachmentFactory(person=person, valid_from=D(2020, 1, 1), valid_to=D(2022, 1, 1))
    AttachmentFactory(person=person, valid_from=D(2022, 1, 1))
    with CaptureQueriesContext(connection) as queries:
        history = selectors.attachment_history(person=person)
        names = [(a.provider.bin, a.district.number, a.district.doctor.full_name) for a in history]
    assert len(queries) == 1
    assert [a.valid_from for a in history] == [D(2022, 1, 1), D(2020, 1, 1)]
    assert len(names) == 2


def test_provider_population_counts_only_attachments_in_force_on_the_day() -> None:
    district = DistrictFactory()
    provider = district.provider
    AttachmentFactory.create_batch(
        2, provider=provider, district=district, valid_from=D(2024, 1, 1)
    )
    AttachmentFactory(provider=provider, district=district, valid_from=D(2026, 1, 1))
    AttachmentFactory(
        provider=provider, district=district, valid_from=D(2020, 1, 1), valid_to=D(2023, 1, 1)
    )
    AttachmentFactory(valid_from=D(2024, 1, 1))
    assert selectors.provider_population(provider=provider, on=D(2025, 6, 1)).count() == 2
    assert selectors.provider_population(provider=provider, on=D(2026, 6, 1)).count() == 3
    assert selectors.provider_population(provider=provider, on=D(2022, 6, 1)).count() == 1


def test_provider_get_by_bin() -> None:
    provider = ProviderFactory()
    assert selectors.provider_get_by_bin(provider.bin) == provider
    assert selectors.provider_get_by_bin("000000000000") is None


def test_providers_active_leaves_out_closed_ones_and_filters_by_unit() -> None:
    here = ProviderFactory(atu_code="631010000", name_ru="Б")
    also_here = ProviderFactory(atu_code="631010000", name_ru="А")
    ProviderFactory(atu_code="631010000", is_active=False)
    there = ProviderFactory(atu_code="634030000")
    assert list(selectors.providers_active(atu_code="631010000")) == [also_here, here]
    assert set(selectors.providers_active()) == {here, also_here, there}


def test_districts_covering_matches_street_and_house_range() -> None:
    area = ServiceAreaFactory(house_from=1, house_to=49)
    other = ServiceAreaFactory(street=area.street, house_from=50, house_to=99)
    inside = AddressFactory(street=area.street, house=49)
    next_range = AddressFactory(street=area.street, house=50)
    other_street = AddressFactory(house=10)
    assert list(selectors.districts_covering(address=inside)) == [area.district]
    assert list(selectors.districts_covering(address=next_range)) == [other.district]
    assert list(selectors.districts_covering(address=other_street)) == []


def test_districts_covering_filters_by_provider_and_leaves_out_closed_providers() -> None:
    area = ServiceAreaFactory()
    rival = ServiceAreaFactory(street=area.street)
    closed = ServiceAreaFactory(street=area.street, district__provider__is_active=False)
    address = AddressFactory(street=area.street, house=12)
    assert set(selectors.districts_covering(address=address)) == {area.district, rival.district}
    provider = rival.district.provider
    assert list(selectors.districts_covering(address=address, provider=provider)) == [
        rival.district
    ]
    assert closed.district not in selectors.districts_covering(address=address)


def test_districts_covering_lists_a_district_once_when_two_areas_overlap() -> None:
    area = ServiceAreaFactory(house_from=1, house_to=30)
    ServiceAreaFactory(district=area.district, street=area.street, house_from=10, house_to=40)
    address = AddressFactory(street=area.street, house=20)
    assert list(selectors.districts_covering(address=address)) == [area.district]


def test_provider_working_hours_come_from_the_provider() -> None:
    provider = ProviderFactory(opens=dt.time(9, 0), closes=dt.time(18, 0))
    hours = selectors.provider_working_hours(provider)
    assert (hours.opens, hours.closes) == (dt.time(9, 0), dt.time(18, 0))
    assert hours.tz == ZoneInfo("Asia/Almaty")


def test_person_relatives_on_a_day_and_by_kind() -> None:
    parent = PersonRelationFactory()
    child = parent.person
    former_guardian = PersonRelationFactory(
        person=child, kind="guardian", valid_from=D(2019, 1, 1), valid_to=D(2021, 1, 1)
    )
    on = D(2020, 6, 1)
    assert set(selectors.person_relatives(person=child, on=on)) == {parent, former_guardian}
    assert list(selectors.person_relatives(person=child, on=D(2021, 1, 1))) == [parent]
    assert list(selectors.person_relatives(person=child, kind="guardian", on=on)) == [
        former_guardian
    ]


def test_in_force_on_a_day_is_the_half_open_period_in_the_query_and_on_the_row() -> None:
    from bekitu.registry.models import Attachment

    ended = AttachmentFactory(valid_from=D(2024, 1, 1), valid_to=D(2025, 1, 1))
    later = AttachmentFactory(person=ended.person, valid_from=D(2025, 1, 1))
    future = AttachmentFactory(valid_from=D(2027, 1, 1))
    for day, expected in (
        (D(2023, 12, 31), set()),
        (D(2024, 1, 1), {ended}),
        (D(2024, 12, 31), {ended}),
        (D(2025, 1, 1), {later}),  # the day one ends, the next is in force
        (D(2027, 1, 1), {later, future}),
    ):
        assert set(Attachment.objects.in_force(day)) == expected, day
        assert {a for a in (ended, later, future) if a.is_in_force(day)} == expected, day


def test_district_loads_count_the_persons_in_force_on_the_day_in_two_queries() -> None:
    district = DistrictFactory(number=1)
    empty = DistrictFactory(provider=district.provider, number=2)
    AttachmentFactory(provider=district.provider, district=district, valid_from=D(2024, 1, 1))
    AttachmentFactory(
        provider=district.provider,
        district=district,
        valid_from=D(2020, 1, 1),
        valid_to=D(2021, 1, 1),
    )
    with CaptureQueriesContext(connection) as queries:
        loads = selectors.district_loads(provider=district.provider, on=D(2026, 1, 1))
    assert [(load.district, load.attached) for load in loads] == [(district, 1), (empty, 0)]
    assert len(queries) == 2
