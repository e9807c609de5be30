from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command

from bekitu.registry import quality
from bekitu.registry.models import District
from tests.factories import (
    AddressFactory,
    AttachmentFactory,
    DistrictFactory,
    PersonFactory,
    ProviderFactory,
    ServiceAreaFactory,
)

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 6, 1)


def _fill(district: District, n: int, **kw: object) -> None:
    AttachmentFactory.create_batch(
        n, provider=district.provider, district=district, valid_from=dt.date(2024, 1, 1), **kw
    )


def test_district_loads_count_only_attachments_in_force_on_the_day() -> None:
    district = DistrictFactory(normative_size=10)
    _fill(district, 3)
    _fill(district, 2, valid_to=dt.date(2025, 1, 1))
    (load,) = quality.district_loads(on=DAY)
    assert (load, load.attached) == (district, 3)


def test_districts_over_norm_with_and_without_tolerance() -> None:
    full = DistrictFactory(normative_size=4)
    _fill(full, 4)
    over = DistrictFactory(normative_size=4)
    _fill(over, 5)
    far_over = DistrictFactory(normative_size=4)
    _fill(far_over, 6)
    assert set(quality.districts_over_norm(on=DAY)) == {over, far_over}
    assert list(quality.districts_over_norm(on=DAY, tolerance_percent=25)) == [far_over]


def test_checks_keep_to_the_kato_prefix() -> None:
    here = DistrictFactory(normative_size=1, provider__atu_code="631010000")
    there = DistrictFactory(normative_size=1, provider__atu_code="634030000")
    _fill(here, 2)
    _fill(there, 2)
    assert list(quality.districts_over_norm(on=DAY, kato_prefix="6310")) == [here]
    assert list(quality.districts_over_norm(on=DAY, kato_prefix="6340")) == [there]


def test_attachments_of_departed_persons_are_found() -> None:
    dead = AttachmentFactory(person__death_date=dt.date(2025, 3, 1))
    gone = AttachmentFactory(person__emigrated_on=dt.date(2025, 5, 31))
    later = AttachmentFactory(person__death_date=dt.date(2025, 7, 1))
    AttachmentFactory()
    assert set(quality.attachments_of_departed(on=DAY)) == {dead, gone}
    assert later in quality.attachments_of_departed(on=dt.date(2025, 7, 1))


def test_attachments_at_closed_providers_and_without_district_are_found() -> None:
    closed = AttachmentFactory(provider__is_active=False)
    no_district = AttachmentFactory(district=None)
    AttachmentFactory()
    assert list(quality.attachments_at_closed_providers(on=DAY)) == [closed]
    assert list(quality.attachments_without_district(on=DAY)) == [no_district]


def test_inhabited_addresses_no_district_covers_are_found() -> None:
    area = ServiceAreaFactory(house_from=1, house_to=20)
    covered = AddressFactory(street=area.street, house=20)
    uncovered = AddressFactory(street=area.street, house=21)
    AddressFactory(street=area.street, house=99)  # nobody lives there
    PersonFactory(address=covered)
    PersonFactory(address=uncovered)
    assert list(quality.addresses_uncovered()) == [uncovered]
    area.district.provider.is_active = False
    area.district.provider.save()
    assert set(quality.addresses_uncovered()) == {covered, uncovered}


def test_report_counts_every_check_and_is_clean_on_a_sound_register() -> None:
    area = ServiceAreaFactory(district__normative_size=5)
    person = PersonFactory(address=AddressFactory(street=area.street, house=5))
    AttachmentFactory(person=person, provider=area.district.provider, district=area.district)
    report = quality.quality_report(on=DAY)
    assert report.clean
    AttachmentFactory(provider=ProviderFactory(is_active=False), district=None)
    report = quality.quality_report(on=DAY)
    assert not report.clean
    assert (report.attachments_at_closed_providers, report.attachments_without_district) == (1, 1)
    # The new attachment's person lives at an address nobody covers.
    assert report.addresses_uncovered == 1
    assert report.districts_over_norm == 0


def test_command_prints_the_report_and_fails_when_something_is_found() -> None:
    district = DistrictFactory(normative_size=1)
    _fill(district, 2)
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("registry-quality", "--on", "2025-06-01", stdout=out)
    assert exit_.value.code == 1
    result = json.loads(out.getvalue())
    assert result["clean"] is False
    assert result["counts"]["districts_over_norm"] == 1
    assert result["districts_over_norm"] == [
        {
            "provider_bin": district.provider.bin,
            "district": district.number,
            "attached": 2,
            "normative_size": 1,
        }
    ]
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("registry-quality", "--on", "2025-06-01", "--tolerance", "100", stdout=out)
    assert json.loads(out.getvalue())["counts"]["districts_over_norm"] == 0


def test_command_reports_a_clean_register_without_failing() -> None:
    out = io.StringIO()
    call_command("registry-quality", "--on", "2025-06-01", stdout=out)
    assert json.loads(out.getvalue())["clean"] is True
