"""The telephone channel in the service: the caller's answers are matched with the register's
record (forgiving the ways people say a street, an apartment, a number), a telephone intake
without them records nothing, and the talon's SMS waits for the decision's commit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bekitu.core.errors import DomainError
from bekitu.core.models import AuditEntry
from bekitu.registry.population import AddressRecord, PersonRecord
from bekitu.service import services
from bekitu.service.models import Application
from bekitu.service.selectors import Scope
from bekitu.service.telephone import (
    IdentityAnswers,
    IdentityNotConfirmed,
    answers_missing,
    caller_identity_check,
    identity_matches,
    talon_ready_queue,
)

BORN = dt.date(1985, 3, 14)


def _record(apartment: str = "") -> PersonRecord:
    address = AddressRecord(
        locality_kato="551010000",
        locality_name="Павлодар",
        atu_code="551010000",
        atu_name="Павлодар",
        street="Торайгырова",
        house=12,
        building="А",
        apartment=apartment,
        locality_name_kk="Павлодар",
        street_kk="Торайғыров",
    )
    return PersonRecord(
        iin="850314300018",
        surname="ТЕСТОВ",
        given_name="АСАН",
        patronymic="Ерланович",
        birth_date=BORN,
        sex="male",
        status="citizen",
        citizenship="KZ",
        insured=True,
        address=address,
        phone="+7 701 555-12-34",
    )


ALL = ("birth_date", "patronymic", "locality", "street", "house", "apartment", "phone_number")


def test_answers_are_matched_the_way_people_say_them() -> None:
    said = IdentityAnswers(
        birth_date=BORN,
        patronymic="ерланович",
        locality="г. Павлодар",
        street="ул. торайғыров көшесі",
        house="12 а",
        apartment="нет",
        phone_number="8 (701) 555 12 34",
    )
    assert identity_matches(_record(), said, ALL) == dict.fromkeys(ALL, True)


def test_a_wrong_house_or_an_apartment_where_there_is_none_does_not_match() -> None:
    said = IdentityAnswers(birth_date=BORN, house="12Б", apartment="5")
    matches = identity_matches(_record(), said, ("birth_date", "house", "apartment"))
    assert matches == {"birth_date": True, "house": False, "apartment": False}


def test_only_the_apartment_may_be_left_unanswered(settings: Any) -> None:
    settings.PHONE_IDENTITY_QUESTIONS = ["birth_date", "apartment", "street"]
    assert answers_missing(IdentityAnswers(birth_date=None)) == ["birth_date", "street"]
    assert answers_missing(IdentityAnswers(birth_date=BORN, street="x")) == []
    assert answers_missing(None) == ["birth_date", "street"]


@pytest.mark.django_db
def test_too_few_right_answers_are_refused_and_recorded_without_the_answers(
    settings: Any,
) -> None:
    settings.PHONE_IDENTITY_QUESTIONS = ["birth_date", "street", "house"]
    settings.PHONE_IDENTITY_REQUIRED = 2
    said = IdentityAnswers(birth_date=dt.date(1950, 1, 1), street="Абая", house="12А")
    with pytest.raises(IdentityNotConfirmed) as refused:
        caller_identity_check(record=_record(), answers=said)
    assert refused.value.code == "identity_not_confirmed"
    assert "birth date, street" in str(refused.value.message)
    row = AuditEntry.objects.get(action="workstation.phone.identity")
    assert row.data["matched"] == {"birth_date": False, "street": False, "house": True}
    assert "Абая" not in str(row.data) and "1950" not in str(row.data)
    right = IdentityAnswers(birth_date=BORN, street="Абая", house="12А")
    assert caller_identity_check(record=_record(), answers=right) == {
        "birth_date": True,
        "street": False,
        "house": True,
    }


@pytest.mark.django_db
def test_a_telephone_intake_without_the_answers_records_nothing(adult: Any, provider: Any) -> None:
    intake = services.Intake(recipient_iin=adult.iin, channel="phone", reason="choice")
    with pytest.raises(DomainError) as refused:
        services.application_intake(
            scope=Scope(provider=provider), intake=intake, by=None, looked_up_by="t"
        )
    assert refused.value.code == "identity_answers_required"
    assert not Application.objects.exists()


@pytest.mark.django_db
def test_the_sms_is_queued_only_when_the_decision_commits(
    django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bekitu.service import tasks

    queued: list[int] = []
    monkeypatch.setattr(tasks.phone_talon_sms, "delay", queued.append)
    application = Application(pk=41)
    with django_capture_on_commit_callbacks() as waiting:
        talon_ready_queue(application)
        assert queued == []
    for callback in waiting:
        callback()
    assert queued == [41]
