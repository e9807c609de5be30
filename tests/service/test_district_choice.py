"""Free choice of a district (and so its doctor) within the provider: within the district's
normative size, or above it when a head of the provider admits it (who, when, why, audited);
another district of the provider the person is attached to is a new attachment period there,
not a refusal as already attached. A case counts the load of the districts the check compares,
and no other."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from bekitu.core.errors import DomainError
from bekitu.core.models import AuditEntry, User
from bekitu.registry.models import Attachment, District, Person, Provider, ServiceArea
from bekitu.service import rules, services
from bekitu.service.case import AttachmentFacts, Case, DistrictFacts, PersonFacts, ProviderFacts
from bekitu.service.facts import case_build
from bekitu.service.models import Application
from bekitu.service.policy import EDITION_2020
from bekitu.service.selectors import Scope, documents_required
from bekitu.workstation.models import StaffProfile
from tests.factories import (
    AddressFactory,
    AttachmentFactory,
    DistrictFactory,
    PersonFactory,
    ProviderFactory,
    ServiceAreaFactory,
)

ON = dt.date(2026, 3, 3)  # outside the 2020 edition's campaign
ADULT = PersonFacts(
    iin="800505300123",
    surname="Сейітов",
    given_name="Ерлан",
    patronymic="Серікұлы",
    birth_date=dt.date(1980, 5, 5),
    atu_code="631010000",
)
PROVIDER = ProviderFacts(id=7, atu_code="631010000")


def _case(*districts: DistrictFacts, chosen: int | None, **kw) -> Case:
    return Case(
        on=ON,
        reason="choice",
        recipient=ADULT,
        record=None,
        provider=PROVIDER,
        districts=districts,
        chosen_district_id=chosen,
        **kw,
    )


@given(
    attached=st.integers(0, 5000),
    size=st.integers(0, 5000),
    override=st.booleans(),
)
def test_a_chosen_district_admits_exactly_up_to_its_normative_size(
    attached: int, size: int, override: bool
) -> None:
    room = rules.district_room(attached, size)
    assert room == max(size - attached, 0)
    # Filling the room one by one reaches the size and not one person more.
    assert room == 0 or attached + room == size
    district = DistrictFacts(5, "gp", True, attached, size)
    outcome = rules.check_district(
        _case(district, chosen=5, district_override=override), EDITION_2020
    )
    assert outcome.passed is (attached < size or override)
    if outcome.passed:
        assert outcome.details["district_id"] == 5
        assert outcome.details["override"] is (attached >= size)
    else:
        assert outcome.details["problem"] == "district_full"


def test_a_chosen_district_of_another_kind_is_not_available() -> None:
    paediatric = DistrictFacts(5, "paediatric", True, 0, 900)
    outcome = rules.check_district(_case(paediatric, chosen=5), EDITION_2020)
    assert (outcome.reason_code, outcome.details["problem"]) == (
        "provider_not_available",
        "chosen_district_not_of_kind",
    )


def _attached_here(district_id: int) -> AttachmentFacts:
    return AttachmentFacts(
        PROVIDER.id, dt.date(2020, 1, 1), None, "initial", dt.date(2020, 1, 1), district_id
    )


def test_another_district_of_the_same_provider_is_a_change_not_already_attached() -> None:
    districts = (DistrictFacts(1, "gp", True, 10, 2000), DistrictFacts(2, "gp", True, 10, 2000))
    moving = _case(*districts, chosen=2, history=(_attached_here(1),))
    outcome = rules.check_not_already_attached(moving, EDITION_2020)
    assert outcome.passed and outcome.details["change"] == "district"
    # No change of provider: neither the limit nor the campaign window applies.
    assert not moving.is_voluntary_change
    assert rules.check_campaign(moving, EDITION_2020).passed
    staying = _case(*districts, chosen=1, history=(_attached_here(1),))
    assert rules.check_not_already_attached(staying, EDITION_2020).reason_code == "already_attached"
    unnamed = _case(*districts, chosen=None, history=(_attached_here(1),))
    assert rules.check_not_already_attached(unnamed, EDITION_2020).reason_code == "already_attached"


def test_a_change_of_district_does_not_count_as_a_change_of_provider() -> None:
    first = AttachmentFacts(
        3, dt.date(2025, 10, 1), dt.date(2025, 12, 1), "choice", dt.date(2025, 10, 1), 9
    )
    here = dataclasses.replace(
        first, provider_id=PROVIDER.id, valid_from=dt.date(2025, 12, 1), district_id=1
    )
    there = dataclasses.replace(here, valid_from=dt.date(2026, 2, 1), district_id=2)
    history = (first, dataclasses.replace(here, valid_to=dt.date(2026, 2, 1)), there)
    # Provider 3, then this provider (a change), then another district here (not one).
    assert rules.voluntary_changes_within(history, ON) == 2


# --- through the service ---


def _head(provider: Provider, role: str = StaffProfile.Role.HEAD) -> User:
    user = User.objects.create_user(username=f"{role}-1", password="x-Strong-Password-1")
    StaffProfile.objects.create(user=user, provider=provider, role=role)
    return user


def _intake(provider: Provider, person: Person, by: User | None = None, **kw) -> Application:
    intake = services.Intake(recipient_iin=person.iin, channel="desk", reason="choice", **kw)
    return services.application_intake(
        scope=Scope(provider=provider), intake=intake, by=by, looked_up_by="staff:test"
    )


def _issue(application: Application) -> Application:
    kinds = [r.kind for r in documents_required(application=application)]
    accepted = services.application_accept_documents(
        application=application, documents=kinds, by=None
    )
    return services.application_issue_talon(application=accepted, by=None)


@pytest.mark.django_db
def test_a_new_district_of_the_same_provider_is_a_new_attachment_period(
    adult: Person, provider: Provider, gp_area: ServiceArea
) -> None:
    old = AttachmentFactory(
        person=adult, provider=provider, district=gp_area.district, valid_from=dt.date(2020, 1, 1)
    )
    other = DistrictFactory(provider=provider, kind=District.Kind.THERAPIST)
    app = _issue(_intake(provider, adult, district_id=other.pk))
    assert app.state == "talon_issued", list(app.check_results.filter(passed=False).values())
    old.refresh_from_db()
    assert (old.valid_to, old.end_reason) == (app.effective_from, "transfer")
    new = app.attachment
    assert (new.provider, new.district, new.valid_to) == (provider, other, None)
    assert not new.home_visits  # the chosen district does not cover the address
    assert Attachment.objects.filter(person=adult).count() == 2  # history kept


@pytest.mark.django_db
def test_the_same_district_again_stays_already_attached(
    adult: Person, provider: Provider, gp_area: ServiceArea
) -> None:
    AttachmentFactory(person=adult, provider=provider, district=gp_area.district)
    app = _intake(provider, adult, district_id=gp_area.district.pk)
    failed = app.check_results.filter(passed=False).values_list("reason_code", flat=True)
    assert "already_attached" in failed


@pytest.mark.django_db
def test_a_full_district_needs_a_heads_recorded_override(
    adult: Person, provider: Provider, gp_area: ServiceArea
) -> None:
    full = gp_area.district
    full.normative_size = 1
    full.save()
    AttachmentFactory(person__address__street=gp_area.street, provider=provider, district=full)
    app = _intake(provider, adult, district_id=full.pk)
    check = app.check_results.get(check_name="district")
    assert (check.passed, check.details["problem"]) == (False, "district_full")

    specialist = _head(provider, StaffProfile.Role.STATISTICS_SPECIALIST)
    with pytest.raises(DomainError) as error:
        services.application_district_override(application=app, by=specialist, reason="x")
    assert error.value.code == "district_override_not_allowed"
    head = _head(provider)
    with pytest.raises(DomainError) as error:
        services.application_district_override(application=app, by=head, reason="  ")
    assert error.value.code == "district_override_reason_required"

    services.application_district_override(application=app, by=head, reason="Lives with mother")
    app.refresh_from_db()
    assert app.district_override_by == head and app.district_override_at is not None
    rerun = app.check_results.filter(check_name="district").order_by("-run").first()
    assert rerun.passed and rerun.details["override"] is True
    entry = AuditEntry.objects.get(action="service.application.district_override")
    assert entry.data["justification"] == "Lives with mother"
    assert _issue(app).attachment.district == full


@pytest.mark.django_db
def test_a_district_of_another_provider_is_refused_at_intake(
    adult: Person, provider: Provider
) -> None:
    elsewhere = DistrictFactory(provider=ProviderFactory())
    with pytest.raises(DomainError) as error:
        _intake(provider, adult, district_id=elsewhere.pk)
    assert error.value.code == "district_not_of_provider"


# --- the loads counted: only those the district check compares ---------------------------
# At a polyclinic of tens of thousands, counting every district at every check cost several
# times the rest of the case (`bench/case_facts.py`); the check's outcome does not change.


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


_found_districts = st.lists(
    st.tuples(
        st.sampled_from(["gp", "therapist", "paediatric"]),
        st.booleans(),
        st.integers(0, 3000),
    ),
    max_size=8,
)


@given(
    found=_found_districts, age=st.integers(0, 90), pick=st.integers(0, 9), override=st.booleans()
)
def test_the_district_check_decides_the_same_on_the_counted_districts_alone(
    found: list[tuple[str, bool, int]], age: int, pick: int, override: bool
) -> None:
    districts = [_district(i + 1, kind, covers, n) for i, (kind, covers, n) in enumerate(found)]
    chosen = pick if pick and pick <= len(districts) else None
    compared = rules.loads_compared(districts, age=age, chosen=chosen)
    counted = [d if d.id in compared else dataclasses.replace(d, attached=None) for d in districts]
    recipient = dataclasses.replace(ADULT, birth_date=dt.date(ON.year - age, 1, 1))

    def check(facts: list[DistrictFacts]) -> rules.Outcome:
        case = _case(*facts, chosen=chosen, district_override=override)
        return rules.check_district(dataclasses.replace(case, recipient=recipient), EDITION_2020)

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
    application = services.application_create(
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
