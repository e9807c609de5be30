"""A telephone application through the workstation's API is checked as at the desk's pages:
the caller's answers (typed in the schema) must confirm who they are against the population
register, the check is recorded (questions and results, never the answers), errors come in
the request's language, and once the talon's decision commits the person gets one SMS."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from bekitu.celery import app as celery_app
from bekitu.core.models import AuditEntry
from bekitu.core.sms import MemorySmsSender
from bekitu.registry.models import Person
from bekitu.service.models import Application
from bekitu.service.telephone import talon_ready_text
from tests.workstation.conftest import Desk

pytestmark = pytest.mark.django_db


def _answers(person: Person, **changed: str) -> dict[str, str]:
    address = person.address
    answers = {
        "birth_date": person.birth_date.isoformat(),
        "street": address.street.name_ru,
        "house": f"{address.house}{address.building}",
    }
    return {**answers, **changed}


def _create(api: APIClient, desk: Desk, **body: object) -> Any:
    payload = {"recipient_iin": desk.person.iin, "channel": "phone", "reason": "choice", **body}
    return api.post(reverse("workstation-api:applications"), payload, format="json")


def test_a_caller_who_answers_as_the_register_says_is_recorded(desk: Desk) -> None:
    created = _create(desk.api("specialist"), desk, caller=_answers(desk.person))
    assert created.status_code == 201, created.content
    application = Application.objects.get()
    assert application.channel == "phone" and created.json()["number"] == application.number
    row = AuditEntry.objects.get(action="workstation.phone.identity")
    assert row.object_id == application.number and row.actor
    assert row.data == {
        "questions": ["birth_date", "street", "house"],
        "matched": {"birth_date": True, "street": True, "house": True},
        "required": 3,
        "confirmed": True,
    }


def test_a_phone_application_without_the_answers_is_refused(desk: Desk) -> None:
    api = desk.api("specialist")
    response = _create(api, desk)
    assert response.status_code == 400
    assert response.json()["fields"]["caller"] == [
        "Ask the caller the identity questions and enter each answer."
    ]
    partial = _create(api, desk, caller={"birth_date": desk.person.birth_date.isoformat()})
    assert partial.status_code == 400
    fields = partial.json()["fields"]["caller"]
    assert set(fields) == {"street", "house"}
    assert fields["house"] == ["Ask the caller and enter the answer."]
    assert not Application.objects.exists()


def test_wrong_answers_are_refused_in_the_users_language_and_recorded(desk: Desk) -> None:
    api = desk.api("specialist")
    api.credentials(HTTP_ACCEPT_LANGUAGE="ru")
    wrong = _answers(desk.person, birth_date="1950-01-01", house="999")
    response = _create(api, desk, caller=wrong)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "identity_not_confirmed"
    assert "дата рождения, дом" in body["message"], body["message"]
    assert not Application.objects.exists()
    row = AuditEntry.objects.get(action="workstation.phone.identity")
    assert row.data["confirmed"] is False and "999" not in str(row.data)


def test_a_desk_application_carries_no_caller_answers(desk: Desk) -> None:
    response = _create(desk.api("specialist"), desk, channel="desk", caller=_answers(desk.person))
    assert response.status_code == 400
    assert response.json()["fields"]["caller"] == [
        "Only a telephone application carries the caller's answers."
    ]


def test_the_talon_of_a_telephone_application_is_told_by_one_sms_after_commit(
    desk: Desk,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.SMS_SENDER = "bekitu.core.sms.MemorySmsSender"
    MemorySmsSender.outbox.clear()
    monkeypatch.setattr(celery_app.conf, "CELERY_TASK_ALWAYS_EAGER", True)
    desk.person.phone = "+77011234567"
    desk.person.save(update_fields=["phone"])
    api = desk.api("specialist")
    number = _create(api, desk, caller=_answers(desk.person)).json()["number"]
    accept = reverse("workstation-api:accept-documents", args=[number])
    assert api.post(accept, {"documents": ["identity_document"]}, format="json").status_code == 200
    with django_capture_on_commit_callbacks() as waiting:
        issued = api.post(reverse("workstation-api:issue-talon", args=[number]), format="json")
        assert issued.json()["state"] == "talon_issued"
        # Nothing is sent before the decision commits.
        assert not MemorySmsSender.outbox
    for callback in waiting:
        callback()
    assert [(m.phone, m.text, m.segments) for m in MemorySmsSender.outbox] == [
        ("+77011234567", talon_ready_text(), 1)
    ]
    assert AuditEntry.objects.filter(action="workstation.phone.sms_sent").count() == 1


def test_the_schema_types_the_callers_answers() -> None:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    caller = components["ApplicationCreate"]["properties"]["caller"]
    ref = next(part["$ref"] for part in caller["allOf"]) if "allOf" in caller else caller["$ref"]
    answers = components[ref.rsplit("/", 1)[-1]]["properties"]
    assert answers["birth_date"]["format"] == "date"
    assert set(answers) == {
        "birth_date",
        "patronymic",
        "locality",
        "street",
        "house",
        "apartment",
        "phone_number",
    }
