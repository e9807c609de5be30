"""The proposal of a district for a re-attached person (no database): its laws."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bekitu.service.reattachment.rules import Area, Resident, Target, targets_propose
from bekitu.service.rules import district_kinds

KINDS = ("gp", "therapist", "paediatric")

areas_st = st.lists(
    st.builds(
        lambda street, first, span, district, kind, size: Area(
            street, first, first + span, district, district % 3 + 1, kind, size
        ),
        st.integers(1, 3),
        st.integers(1, 40),
        st.integers(0, 40),
        st.integers(1, 8),
        st.sampled_from(KINDS),
        st.integers(1, 4),
    ),
    max_size=12,
).map(lambda areas: list({a.district_id: a for a in areas}.values()))  # one kind per district
residents_st = st.lists(
    st.builds(
        Resident,
        key=st.integers(0, 10_000),
        street_id=st.none() | st.integers(1, 3),
        house=st.none() | st.integers(1, 90),
        age=st.integers(0, 90),
        kind=st.none() | st.sampled_from(KINDS),
    ),
    max_size=15,
    unique_by=lambda r: r.key,
)


def _fits(area: Area, resident: Resident) -> bool:
    return (
        resident.street_id == area.street_id
        and resident.house is not None
        and area.house_from <= resident.house <= area.house_to
        and area.kind in district_kinds(resident.age)
    )


# Generating lists of records is slow on a loaded machine; the law is what is checked.
@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(residents_st, areas_st)
def test_a_proposal_serves_the_address_and_the_age_and_none_only_without_one(
    residents: list[Resident], areas: list[Area]
) -> None:
    proposed = targets_propose(residents, areas, {})
    assert set(proposed) == {r.key for r in residents}
    by_district = {a.district_id: a for a in areas}
    for resident in residents:
        target = proposed[resident.key]
        if target is None:
            assert not any(_fits(a, resident) for a in areas)
        else:
            area = by_district[target.district_id]
            assert _fits(area, resident) and target.provider_id == area.provider_id


def test_a_district_under_its_size_comes_before_one_of_the_same_kind_that_is_full() -> None:
    same_kind = Area(1, 1, 10, district_id=1, provider_id=1, kind="gp", normative_size=1)
    other_kind = Area(1, 1, 10, district_id=2, provider_id=2, kind="therapist", normative_size=5)
    adults = [Resident(key=k, street_id=1, house=5, age=40, kind="gp") for k in range(3)]
    assert targets_propose(adults, [same_kind, other_kind], {}) == {
        0: Target(1, 1),
        1: Target(2, 2),
        2: Target(2, 2),
    }
    # already full by those attached now: the other district from the first person on
    assert targets_propose(adults[:1], [same_kind, other_kind], {1: 1}) == {0: Target(2, 2)}


def test_a_child_is_never_proposed_an_adult_district() -> None:
    gp = Area(1, 1, 10, district_id=1, provider_id=1, kind="gp", normative_size=9)
    child = Resident(key=1, street_id=1, house=5, age=4, kind="paediatric")
    assert targets_propose([child], [gp], {}) == {1: None}
