from __future__ import annotations

import datetime as dt

import pytest

from bekitu.core.iin import birth_hints, is_valid_iin
from tests.factories import (
    AttachmentFactory,
    PersonFactory,
    PersonRelationFactory,
    ProviderFactory,
    ServiceAreaFactory,
)

pytestmark = pytest.mark.django_db


def test_persons_have_unique_valid_iins_matching_birth_date_and_sex() -> None:
    persons = PersonFactory.create_batch(30)
    assert len({p.iin for p in persons}) == 30
    for person in persons:
        assert is_valid_iin(person.iin)
        assert birth_hints(person.iin) == (person.birth_date, person.sex)


def test_a_chosen_birth_date_and_sex_go_into_the_iin() -> None:
    person = PersonFactory(birth_date=dt.date(2021, 7, 9), sex="female")
    assert person.iin.startswith("2107096")


def test_providers_have_unique_valid_bins() -> None:
    providers = ProviderFactory.create_batch(5)
    assert len({p.bin for p in providers}) == 5
    assert all(is_valid_iin(p.bin) for p in providers)


def test_attachment_district_and_doctor_belong_to_its_provider() -> None:
    attachment = AttachmentFactory()
    assert attachment.district.provider == attachment.provider
    assert attachment.district.doctor.provider == attachment.provider
    assert attachment.valid_to is None


def test_service_area_street_lies_in_the_providers_locality() -> None:
    area = ServiceAreaFactory()
    assert area.street.locality == area.district.provider.locality


def test_relation_links_a_child_to_a_parent() -> None:
    relation = PersonRelationFactory()
    assert relation.person.birth_date > relation.relative.birth_date
