"""Home visits follow where the person lives (decision 0012): the basis's street and house
when the basis is temporary or actual residence, the registered address otherwise (work and
study included). The district proposed is then one covering that address."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bekitu.core.errors import DomainError
from bekitu.core.vocabulary import AttachmentBasis
from bekitu.registry.models import Person, Provider, ServiceArea
from bekitu.service import rules, services
from bekitu.service.case import DistrictFacts
from bekitu.service.facts import application_home, home_districts
from bekitu.service.models import Application, CheckResult
from bekitu.service.selectors import Scope, intake_outlook
from tests.factories import LocalityFactory, PersonFactory, ServiceAreaFactory, StreetFactory

OTHER_ATU = "631020000"


@pytest.mark.parametrize("basis", AttachmentBasis.values)
def test_the_person_lives_at_the_basis_address_exactly_for_temporary_and_actual_residence(
    basis: str,
) -> None:
    expected = basis in ("temporary_residence", "actual_residence")
    assert rules.lives_at_basis(basis) is expected


_district = st.builds(
    DistrictFacts,
    id=st.integers(min_value=1, max_value=50),
    kind=st.sampled_from(["gp", "therapist", "paediatric"]),
    covers_address=st.booleans(),
    attached=st.integers(min_value=0, max_value=3000),
    normative_size=st.integers(min_value=1, max_value=3000),
)


@given(districts=st.lists(_district, max_size=8, unique_by=lambda d: d.id), age=st.integers(0, 99))
def test_home_visits_come_exactly_when_a_district_of_the_kind_covers_where_one_lives(
    districts: list[DistrictFacts], age: int
) -> None:
    choice = rules.district_choose(tuple(districts), age)
    fitting = [d for d in districts if d.kind in rules.district_kinds(age)]
    if not fitting:
        assert choice is None
        return
    assert choice is not None
    assert choice.home_visits == any(d.covers_address for d in fitting)
    chosen = next(d for d in fitting if d.id == choice.district_id)
    # The district proposed covers the address whenever one of the kind does.
    assert chosen.covers_address == choice.home_visits


# The service, end to end: intake records the structured address, the district check uses it.


@pytest.fixture
def elsewhere(gp_area: ServiceArea) -> Person:
    """An adult registered in another unit than the provider's (no district covers them)."""
    return PersonFactory(
        birth_date=dt.date(1985, 3, 4), sex="male", address__street__locality__atu_code=OTHER_ATU
    )


def _intake(provider: Provider, iin: str, basis: services.Basis | None) -> Application:
    intake = services.Intake(recipient_iin=iin, channel="desk", reason="choice", basis=basis)
    return services.application_intake(
        scope=Scope(provider=provider), intake=intake, by=None, looked_up_by="staff:test"
    )


def _district_row(application: Application) -> CheckResult:
    return CheckResult.objects.get(application=application, check_name="district")


def _living(provider: Provider, area: ServiceArea, kind: str = "temporary_residence", **kw: object):
    fields = {"street": area.street.name_ru, "house": 12, **kw}
    return services.Basis(kind, atu_code=provider.atu_code, **fields)  # type: ignore[arg-type]


@pytest.mark.django_db
def test_temporary_residence_on_a_served_street_brings_home_visits_to_one_registered_elsewhere(
    provider: Provider, gp_area: ServiceArea, elsewhere: Person
) -> None:
    application = _intake(provider, elsewhere.iin, _living(provider, gp_area, apartment="7"))
    application.refresh_from_db()
    assert (application.basis_street, application.basis_house) == (gp_area.street.name_ru, 12)
    assert application.basis_address == f"{gp_area.street.name_ru}, 12, 7"
    row = _district_row(application)
    assert row.passed
    assert row.details["home_visits"] is True
    assert row.details["district_id"] == gp_area.district_id


@pytest.mark.django_db
def test_a_street_named_in_kazakh_is_matched_too(
    provider: Provider, gp_area: ServiceArea, elsewhere: Person
) -> None:
    basis = _living(provider, gp_area, street=gp_area.street.name_kk)
    assert _district_row(_intake(provider, elsewhere.iin, basis)).details["home_visits"] is True


@pytest.mark.django_db
def test_temporary_residence_outside_the_area_takes_home_visits_away_from_a_served_registration(
    provider: Provider, gp_area: ServiceArea
) -> None:
    person = PersonFactory(birth_date=dt.date(1985, 3, 4), address__street=gp_area.street)
    unserved = StreetFactory(locality=provider.locality)
    basis = _living(provider, gp_area, street=unserved.name_ru)
    assert _district_row(_intake(provider, person.iin, basis)).details["home_visits"] is False


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["work", "study"])
def test_work_or_study_leaves_home_visits_with_the_registered_address(
    provider: Provider, gp_area: ServiceArea, elsewhere: Person, kind: str
) -> None:
    # The workplace is on a served street; the person does not live there.
    basis = _living(provider, gp_area, kind=kind)
    assert _district_row(_intake(provider, elsewhere.iin, basis)).details["home_visits"] is False


@pytest.mark.django_db
def test_work_with_a_served_registered_address_keeps_home_visits(
    provider: Provider, gp_area: ServiceArea
) -> None:
    person = PersonFactory(birth_date=dt.date(1985, 3, 4), address__street=gp_area.street)
    basis = services.Basis("work", atu_code=provider.atu_code, address="Office, 1")
    assert _district_row(_intake(provider, person.iin, basis)).details["home_visits"] is True


@pytest.mark.django_db
def test_a_residence_stated_as_text_alone_is_still_recorded_without_home_visits(
    provider: Provider, gp_area: ServiceArea
) -> None:
    # Registered on a served street, living elsewhere at an address no area can be matched to.
    person = PersonFactory(birth_date=dt.date(1985, 3, 4), address__street=gp_area.street)
    basis = services.Basis("temporary_residence", atu_code=provider.atu_code, address="ул. X, 5")
    application = _intake(provider, person.iin, basis)
    application.refresh_from_db()
    assert (application.basis_address, application.basis_street) == ("ул. X, 5", "")
    assert application.basis_house is None
    assert _district_row(application).details["home_visits"] is False


@pytest.mark.django_db
def test_a_street_name_shared_by_two_localities_of_the_unit_is_not_matched(
    provider: Provider, gp_area: ServiceArea, elsewhere: Person
) -> None:
    village = LocalityFactory(atu_code=provider.atu_code)
    StreetFactory(locality=village, name_ru=gp_area.street.name_ru)
    application = _intake(provider, elsewhere.iin, _living(provider, gp_area))
    home = application_home(application)
    assert home is not None and home.from_basis and not home.matched
    assert not home_districts(home).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("street", "house", "code"),
    [("Абай даңғылы", None, "basis_street_house"), ("", 5, "basis_street_house")],
)
def test_a_street_without_a_house_or_a_house_without_a_street_is_refused(
    provider: Provider, elsewhere: Person, street: str, house: int | None, code: str
) -> None:
    basis = services.Basis(
        "temporary_residence", atu_code=provider.atu_code, address="x", street=street, house=house
    )
    with pytest.raises(DomainError) as raised:
        _intake(provider, elsewhere.iin, basis)
    assert raised.value.code == code
    assert not Application.objects.exists()


@pytest.mark.django_db
def test_the_intake_outlook_judges_home_visits_where_the_person_lives(
    provider: Provider, gp_area: ServiceArea, elsewhere: Person
) -> None:
    scope = Scope(provider=provider)
    registered = intake_outlook(scope=scope, iin=elsewhere.iin)
    assert registered is not None
    assert (registered.in_area, registered.home_from_basis) == (False, False)
    living = intake_outlook(scope=scope, iin=elsewhere.iin, basis=_living(provider, gp_area))
    assert living is not None
    assert (living.in_area, living.home_from_basis, living.home_matched) == (True, True, True)


@pytest.mark.django_db
def test_a_second_district_serving_the_street_elsewhere_does_not_count(
    provider: Provider, gp_area: ServiceArea, elsewhere: Person
) -> None:
    # Another provider's district serves the same street: home visits are the provider's own.
    other = ServiceAreaFactory(street=gp_area.street)
    home = application_home(_intake(provider, elsewhere.iin, _living(provider, gp_area)))
    assert set(home_districts(home, provider=provider)) == {gp_area.district}
    assert other.district in set(home_districts(home))
