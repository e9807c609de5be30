"""A small oblast for the re-attachment tests: a closing provider with no key, two providers
that hold keys of the test PKI, their districts on two streets, and persons living there."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bekitu.registry.models import Attachment, District, Person, Provider, Street
from tests.factories import (
    AttachmentFactory,
    DistrictFactory,
    PersonFactory,
    ProviderFactory,
    ServiceAreaFactory,
    StreetFactory,
)

ON = dt.date(2026, 12, 1)
ADULT = dt.date(1980, 5, 5)
CHILD = dt.date(2019, 5, 5)


@dataclass
class World:
    closing: Provider
    north: Provider  # serves houses 1-50 of the main street: a GP district
    south: Provider  # serves houses 1-100: a therapist and a paediatric district
    main: Street
    lonely: Street  # nobody serves it
    north_gp: District
    south_therapist: District
    south_paediatric: District
    closing_district: District
    persons: list[Person]


def _area(district: District, street: Street, first: int, last: int) -> None:
    ServiceAreaFactory(district=district, street=street, house_from=first, house_to=last)


def _resident(
    world_street: Street, house: int, born: dt.date, district: District, **kw: Any
) -> Person:
    person = PersonFactory(
        birth_date=born, address__street=world_street, address__house=house, **kw
    )
    AttachmentFactory(person=person, provider=district.provider, district=district)
    return person


def build_world(test_pki: Any, *, adults_north: int = 3, adults_south: int = 2) -> World:
    """Persons attached to the closing provider: adults in houses 10.. (north and south
    both serve them), adults in houses 60.. (only south), one child, one on the lonely street."""
    closing = ProviderFactory()
    north = ProviderFactory(bin=test_pki.providers[0].bin, atu_code=closing.atu_code)
    south = ProviderFactory(bin=test_pki.providers[1].bin, atu_code=closing.atu_code)
    main, lonely = StreetFactory(), StreetFactory()
    closing_district = DistrictFactory(provider=closing, kind=District.Kind.GP)
    _area(closing_district, main, 1, 100)
    _area(closing_district, lonely, 1, 100)
    north_gp = DistrictFactory(provider=north, kind=District.Kind.GP, normative_size=2)
    _area(north_gp, main, 1, 50)
    south_therapist = DistrictFactory(provider=south, kind=District.Kind.THERAPIST)
    south_paediatric = DistrictFactory(provider=south, kind=District.Kind.PAEDIATRIC)
    _area(south_therapist, main, 1, 100)
    _area(south_paediatric, main, 1, 100)
    persons = [_resident(main, 10 + i, ADULT, closing_district) for i in range(adults_north)]
    persons += [_resident(main, 60 + i, ADULT, closing_district) for i in range(adults_south)]
    persons.append(_resident(main, 20, CHILD, closing_district))
    persons.append(_resident(lonely, 5, ADULT, closing_district))
    return World(
        closing,
        north,
        south,
        main,
        lonely,
        north_gp,
        south_therapist,
        south_paediatric,
        closing_district,
        persons,
    )


def open_attachment(person: Person) -> Attachment:
    return Attachment.objects.get(person=person, valid_to__isnull=True)
