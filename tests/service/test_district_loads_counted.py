"""A case counts the load of the districts the district check compares, and no other: the
chosen district, or the pool the least loaded is taken from when it holds two or more. At a
polyclinic of tens of thousands, counting every district at every check cost several times
the rest of the case (`bench/case_facts.py`); the check's outcome does not change."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from bekitu.service import rules
from bekitu.service.case import Case, DistrictFacts, PersonFacts, ProviderFacts
from bekitu.service.facts import case_build
from bekitu.service.policy import EDITION_2020
from bekitu.service.services import application_create
from tests.factories import (
    AddressFactory,
    AttachmentFactory,
    DistrictFactory,
    PersonFactory,
    ProviderFactory,
    ServiceAreaFactory,
)

ON = dt.date(2026, 3, 3)
ADULT = PersonFacts(
    iin="800505300123",
    surname="Сейітов",
    given_name="Ерлан",
    patronymic="Серікұлы",
    birth_date=dt.date(1980, 5, 5),
    atu_code="631010000",
)


def _district(id: int, kind: str, covers: bool, attached: int | None = 0) -> DistrictFacts:
    return DistrictFacts(id, kind, covers, attached, 2000)


def test_the_chosen_district_alone_is_counted() -> None:
    districts = [_district(1, "gp", True), _district(2, "gp", True)]
    assert rules.loads_compared(districts, age=40, chosen=2) == {2}


def test_one_covering_district_of_the_kind_is_taken_without_its_load() -> None:
    districts = [
        _district(1, "gp", True),
        _district(2, "gp", False),
        _district(3, "paediatric", True),
    ]
    assert rules.loads_compared(districts, age=40) == frozenset()
    uncounted = [dataclasses.replace(d, attached=None) for d in districts]
    choice = rules.district_choose(tuple(uncounted), age=40)
    assert choice == rules.DistrictChoice(1, home_visits=True)


def test_several_covering_districts_are_compared_and_so_counted() -> None:
    districts = [
        _district(1, "gp", True),
        _district(2, "therapist", True),
        _district(3, "gp", False),
    ]
    assert rules.loads_compared(districts, age=40) == {1, 2}


def test_with_none_covering_every_district_of_the_kind_is_compared() -> None:
    districts = [
        _district(1, "gp", False),
        _district(2, "gp", False),
        _district(3, "paediatric", True),
    ]
    assert rules.loads_compared(districts, age=40) == {1, 2}
    assert rules.loads_compared(districts, age=10) == frozenset()


def test_the_load_of_a_district_not_counted_is_never_guessed() -> None:
    with pytest.raises(ValueError, match="not counted"):
        _ = _district(4, "gp", True, attached=None).load


_districts = st.lists(
    st.tuples(
        st.sampled_from(["gp", "therapist", "paediatric"]),
        st.booleans(),
        st.integers(0, 3000),
    ),
    max_size=8,
)


@given(found=_districts, age=st.integers(0, 90), pick=st.integers(0, 9), override=st.booleans())
def test_the_district_check_decides_the_same_on_the_counted_districts_alone(
    found: list[tuple[str, bool, int]], age: int, pick: int, override: bool
) -> None:
    districts = [_district(i + 1, kind, covers, n) for i, (kind, covers, n) in enumerate(found)]
    chosen = pick if pick and pick <= len(districts) else None
    compared = rules.loads_compared(districts, age=age, chosen=chosen)
    counted = [d if d.id in compared else dataclasses.replace(d, attached=None) for d in districts]
    recipient = dataclasses.replace(ADULT, birth_date=dt.date(ON.year - age, 1, 1))

    def check(facts: list[DistrictFacts]) -> rules.Outcome:
        case = Case(
            on=ON,
            reason="choice",
            recipient=recipient,
            record=None,
            provider=ProviderFacts(id=7, atu_code="631010000"),
            districts=tuple(facts),
            chosen_district_id=chosen,
            district_override=override,
        )
        return rules.check_district(case, EDITION_2020)

    assert check(counted) == check(districts)


@pytest.mark.django_db
def test_a_case_at_a_large_polyclinic_counts_only_the_districts_compared() -> None:
    provider = ProviderFactory()
    home_district, other = (DistrictFactory(provider=provider) for _ in range(2))
    area = ServiceAreaFactory(district=home_district, house_from=1, house_to=50)
    for district, n in ((home_district, 3), (other, 2)):
        for _ in range(n):
            AttachmentFactory(provider=provider, district=district)
    home = AddressFactory(street=area.street, house=7)
    person = PersonFactory(address=home, birth_date=dt.date(1980, 5, 1))
    application = application_create(
        channel="desk", recipient=person, provider=provider, reason="choice"
    )

    with CaptureQueriesContext(connection) as statements:
        facts = case_build(application)
    # One district of the kind covers the home: it is taken without counting any.
    assert not any("COUNT(" in s["sql"].upper() for s in statements.captured_queries)
    by_id = {d.id: d for d in facts.case.districts}
    assert by_id[home_district.pk].covers_address and by_id[home_district.pk].attached is None
    assert not by_id[other.pk].covers_address

    # A second district covering the home: both are compared, each with its own count.
    ServiceAreaFactory(district=other, street=area.street, house_from=1, house_to=9)
    with CaptureQueriesContext(connection) as statements:
        facts = case_build(application)
    assert sum("COUNT(" in s["sql"].upper() for s in statements.captured_queries) == 1
    by_id = {d.id: d for d in facts.case.districts}
    assert (by_id[home_district.pk].attached, by_id[other.pk].attached) == (3, 2)
    assert rules.check_district(facts.case, facts.policy).details["district_id"] == other.pk

    # The district the applicant chose is counted alone, for its room.
    application.district = home_district
    with CaptureQueriesContext(connection) as statements:
        facts = case_build(application)
    by_id = {d.id: d for d in facts.case.districts}
    assert (by_id[home_district.pk].attached, by_id[other.pk].attached) == (3, None)
    assert rules.check_district(facts.case, facts.policy).details["attached"] == 3
