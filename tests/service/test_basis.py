"""The basis of attachment: residence (registered or temporary), work or study in the
provider's administrative-territorial unit, stated with the address it rests on; where a
pregnant woman or a child under five actually lives. The check of the provider's unit uses
the basis's address; the checklist asks for the document the basis rests on."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bekitu.core.errors import DomainError
from bekitu.core.vocabulary import AttachmentBasis
from bekitu.registry.models import Person, Provider, ServiceArea
from bekitu.service import rules, services
from bekitu.service.case import Case
from bekitu.service.facts import required_documents
from bekitu.service.models import Application, CheckResult
from bekitu.service.policy import EDITION_2020
from bekitu.service.requirements import Category, requirements_for
from bekitu.service.selectors import Scope
from tests.factories import PersonFactory
from tests.service.test_rules import ADULT, ATU, ON, case

OTHER_ATU = "631020000"
ELSEWHERE = dataclasses.replace(ADULT, atu_code=OTHER_ATU)


def _available(c: Case) -> rules.Outcome:
    return rules.check_provider_available(c, EDITION_2020)


def test_registered_in_another_unit_without_another_basis_is_refused() -> None:
    outcome = _available(case(ELSEWHERE))
    assert not outcome.passed
    assert outcome.details["problem"] == "other_unit"
    assert outcome.details["basis"] == AttachmentBasis.REGISTERED_RESIDENCE


@pytest.mark.parametrize(
    "basis",
    [AttachmentBasis.TEMPORARY_RESIDENCE, AttachmentBasis.WORK, AttachmentBasis.STUDY],
)
def test_temporary_residence_work_or_study_in_the_unit_attach_a_person_registered_elsewhere(
    basis: str,
) -> None:
    assert _available(case(ELSEWHERE, basis=basis, basis_atu_code=ATU)).passed
    outside = _available(case(ADULT, basis=basis, basis_atu_code=OTHER_ATU))
    assert not outside.passed
    assert outside.details == {"problem": "other_unit", "basis": basis}


def test_actual_residence_is_a_basis_for_a_pregnant_woman() -> None:
    woman = dataclasses.replace(ELSEWHERE, birth_date=dt.date(1995, 2, 3))
    stated = case(woman, basis=AttachmentBasis.ACTUAL_RESIDENCE, basis_atu_code=ATU)
    refused = _available(stated)
    assert refused.details["problem"] == "basis_not_allowed"
    assert _available(dataclasses.replace(stated, pregnant=True)).passed


@given(age_days=st.integers(min_value=0, max_value=100 * 366), pregnant=st.booleans())
def test_actual_residence_is_allowed_exactly_to_children_under_five_and_pregnant_women(
    age_days: int, pregnant: bool
) -> None:
    born = ON - dt.timedelta(days=age_days)
    person = dataclasses.replace(ELSEWHERE, birth_date=born)
    c = case(
        person,
        basis=AttachmentBasis.ACTUAL_RESIDENCE,
        basis_atu_code=ATU,
        pregnant=pregnant,
    )
    under_five = person.age_on(ON) < rules.ACTUAL_RESIDENCE_AGE
    assert _available(c).passed == (under_five or pregnant)
    # The same person on the registered basis is refused whatever the age: another unit.
    assert not _available(dataclasses.replace(c, basis=AttachmentBasis.REGISTERED_RESIDENCE)).passed


def _kinds(**kw: Any) -> set[str]:
    defaults = {
        "recipient_age": 30,
        "recipient_sex": "female",
        "recipient_status": "citizen",
        "applicant_role": "self",
    }
    return {r.kind for r in requirements_for(Category(**{**defaults, **kw}))}


@pytest.mark.parametrize(
    ("basis", "kind"),
    [
        ("temporary_residence", "temporary_registration"),
        ("work", "employment_certificate"),
        ("study", "study_certificate"),
        ("actual_residence", "pregnancy_certificate"),
    ],
)
def test_the_checklist_asks_for_the_document_the_basis_rests_on(basis: str, kind: str) -> None:
    assert kind in _kinds(basis=basis, pregnant=basis == "actual_residence")
    assert kind not in _kinds()


def test_a_child_under_five_needs_no_further_document_to_attach_where_they_live() -> None:
    assert _kinds(recipient_age=3, basis="actual_residence") == {"birth_certificate"}


# The service, end to end: intake records the basis, the checks use its address.


@pytest.fixture
def elsewhere(gp_area: ServiceArea) -> Person:
    """An adult registered in another unit than the provider's."""
    return PersonFactory(
        birth_date=dt.date(1985, 3, 4), sex="male", address__street__locality__atu_code=OTHER_ATU
    )


def _intake(provider: Provider, iin: str, basis: services.Basis | None) -> Application:
    intake = services.Intake(recipient_iin=iin, channel="desk", reason="choice", basis=basis)
    return services.application_intake(
        scope=Scope(provider=provider), intake=intake, by=None, looked_up_by="staff:test"
    )


def _available_row(application: Application) -> CheckResult:
    return CheckResult.objects.get(application=application, check_name="provider_available")


@pytest.mark.django_db
def test_intake_on_registered_residence_in_another_unit_fails_the_check(
    provider: Provider, elsewhere: Person
) -> None:
    application = _intake(provider, elsewhere.iin, None)
    assert application.basis == AttachmentBasis.REGISTERED_RESIDENCE
    row = _available_row(application)
    assert not row.passed
    assert row.details["problem"] == "other_unit"


@pytest.mark.django_db
def test_intake_on_the_place_of_work_in_the_unit_passes_and_asks_for_its_certificate(
    provider: Provider, elsewhere: Person
) -> None:
    basis = services.Basis("work", atu_code=provider.atu_code, address="Абай даңғылы, 10")
    application = _intake(provider, elsewhere.iin, basis)
    application.refresh_from_db()
    assert (application.basis, application.basis_atu_code) == ("work", provider.atu_code)
    assert application.basis_address == "Абай даңғылы, 10"
    assert _available_row(application).passed
    assert "employment_certificate" in {r.kind for r in required_documents(application)}


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["", "12345", "abcdefghi"])
def test_a_basis_other_than_registered_residence_needs_the_code_of_its_unit(
    provider: Provider, elsewhere: Person, code: str
) -> None:
    with pytest.raises(DomainError) as raised:
        _intake(provider, elsewhere.iin, services.Basis("study", atu_code=code))
    assert raised.value.code == "basis_address_required"
    assert not Application.objects.exists()
