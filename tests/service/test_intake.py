"""Intake as one service every channel calls: the population register read once, the checks
stored once, the parties validated in one place (R4), the lookup limit kept per caller."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from bekitu.core.errors import DomainError, NotFound
from bekitu.core.models import AuditEntry
from bekitu.registry.models import Person, Provider
from bekitu.registry.population import LocalPopulationRegister
from bekitu.service import services
from bekitu.service.models import Application, CheckResult
from bekitu.service.requirements import PowerOfAttorney, parties_problems
from bekitu.service.selectors import Scope
from tests.factories import PersonFactory, unique_iin

pytestmark = pytest.mark.django_db


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The IINs the population register is asked for during the test."""
    asked: list[str] = []
    real = LocalPopulationRegister.lookup

    def counting(self: LocalPopulationRegister, iin: str) -> Any:
        asked.append(iin)
        return real(self, iin)

    monkeypatch.setattr(LocalPopulationRegister, "lookup", counting)
    return asked


def _intake(provider: Provider, iin: str, **kw: Any) -> Application:
    intake = services.Intake(
        recipient_iin=iin, channel=kw.pop("channel", "desk"), reason="choice", **kw
    )
    return services.application_intake(
        scope=Scope(provider=provider), intake=intake, by=None, looked_up_by="staff:test"
    )


def test_one_intake_reads_the_population_register_once_and_stores_one_run_of_checks(
    adult: Person, provider: Provider, lookups: list[str]
) -> None:
    application = _intake(provider, adult.iin)
    assert lookups == [adult.iin]
    runs = set(CheckResult.objects.filter(application=application).values_list("run", flat=True))
    assert runs == {1}
    assert AuditEntry.objects.filter(action="service.application.checks").count() == 1
    assert AuditEntry.objects.filter(action="workstation.register.lookup").count() == 1


def test_an_unknown_iin_records_nothing(provider: Provider, lookups: list[str]) -> None:
    unknown = unique_iin(dt.date(1990, 1, 1), "male")
    with pytest.raises(NotFound) as error:
        _intake(provider, unknown)
    assert error.value.code == "person_not_found"
    assert not Application.objects.exists()


def test_the_portal_channel_is_not_taken_at_a_desk_intake(
    adult: Person, provider: Provider
) -> None:
    with pytest.raises(DomainError) as error:
        _intake(provider, adult.iin, channel="portal")
    assert error.value.code == "invalid_application"


def test_inconsistent_parties_are_refused_before_the_register_is_read(
    adult: Person, provider: Provider, lookups: list[str]
) -> None:
    with pytest.raises(services.PartiesInvalid) as error:
        _intake(
            provider, adult.iin, applicant_role="representative", applicant_iin=PersonFactory().iin
        )
    assert error.value.code == "power_of_attorney_required"
    assert {p.field for p in error.value.problems} == {"poa_number", "poa_date"}
    assert lookups == []


def test_a_representative_whose_power_of_attorney_names_no_term_is_recorded(
    adult: Person, provider: Provider
) -> None:
    poa = PowerOfAttorney(number="PA-9", date=timezone.localdate() - dt.timedelta(days=300))
    application = _intake(
        provider,
        adult.iin,
        applicant_role="representative",
        applicant_iin=PersonFactory().iin,
        power_of_attorney=poa,
    )
    assert (application.poa_number, application.poa_valid_until) == ("PA-9", None)


@pytest.mark.parametrize(
    ("role", "named", "poa", "expected"),
    [
        ("self", False, None, []),
        ("self", True, None, [("applicant_role", "applicant_role_mismatch")]),
        ("cousin", True, None, [("applicant_role", "invalid_applicant_role")]),
        ("parent", False, None, [("applicant_iin", "applicant_required")]),
        ("guardian", True, None, []),
        (
            "representative",
            False,
            PowerOfAttorney("", None),
            [
                ("applicant_iin", "applicant_required"),
                ("poa_number", "power_of_attorney_required"),
                ("poa_date", "power_of_attorney_required"),
            ],
        ),
        ("representative", True, PowerOfAttorney("1", dt.date(2026, 1, 1)), []),
    ],
)
def test_the_parties_are_judged_in_one_place_r4(role, named, poa, expected) -> None:
    problems = parties_problems(
        role=role, applicant_named=named, power_of_attorney=poa, on=dt.date(2026, 11, 27)
    )
    assert [(p.field, p.code) for p in problems] == expected
