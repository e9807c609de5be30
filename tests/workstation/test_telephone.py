"""The telephone channel: the caller's identity is confirmed by questions checked against
the population register (recorded: which questions, whether each matched, never the
answers), no paper is asked for, and when the talon is issued the person is told by SMS
where to collect it (at the provider or in the portal's cabinet)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from bekitu.core.models import AuditEntry
from bekitu.service.models import Application
from tests.workstation.conftest import Desk, caller_answers

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sms_outbox(settings: Any, tmp_path: Any) -> Any:
    settings.SMS_SENDER = "bekitu.core.sms.FileSmsSender"
    settings.SMS_DIR = tmp_path / "sms"
    return settings.SMS_DIR


def _call(desk: Desk, client: Any, **answers: str) -> Any:
    client.post(reverse("workstation:intake"), {"iin": desk.person.iin})
    data = {"channel": "phone", "reason": "choice", "applicant_role": "self", **answers}
    return client.post(reverse("workstation:intake-person"), data)


def test_a_caller_who_answers_as_the_register_says_is_recorded_with_the_questions(
    desk: Desk,
) -> None:
    response = _call(desk, desk.client("specialist"), **caller_answers(desk.person))
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.channel == "phone" and not application.declared_from_document
    row = AuditEntry.objects.get(action="workstation.phone.identity")
    assert row.object_id == application.number
    assert row.data == {
        "questions": ["birth_date", "street", "house"],
        "matched": {"birth_date": True, "street": True, "house": True},
        "confirmed": True,
    }
    # The answers themselves are not kept.
    assert desk.person.address.street.name_ru not in str(row.data)


def test_street_words_and_case_do_not_matter(desk: Desk) -> None:
    street = "ул. " + desk.person.address.street.name_ru.upper()
    response = _call(
        desk, desk.client("specialist"), **caller_answers(desk.person, phone_street=street)
    )
    assert response.status_code == 302


def test_a_wrong_answer_stops_the_intake_and_names_the_question(desk: Desk) -> None:
    answers = caller_answers(desk.person, phone_birth_date="01.01.1950", phone_house="999")
    response = _call(desk, desk.client("specialist"), **answers)
    assert response.status_code == 400
    text = response.content.decode()
    assert "identity is not confirmed" in text and "birth date, house" in text
    assert not Application.objects.exists()


def test_questions_must_be_asked_by_telephone(desk: Desk) -> None:
    response = _call(desk, desk.client("specialist"))
    assert response.status_code == 400
    assert "Ask the caller and enter the answer." in response.content.decode()


def test_the_person_is_told_by_sms_when_the_talon_is_issued(desk: Desk, sms_outbox: Any) -> None:
    desk.person.phone = "+77011234567"
    desk.person.save()
    client = desk.client("specialist")
    _call(desk, client, **caller_answers(desk.person))
    application = Application.objects.get()
    client.post(
        reverse("workstation:accept", args=[application.number]),
        {"documents": ["identity_document"]},
    )
    response = client.post(reverse("workstation:issue", args=[application.number]), follow=True)
    application.refresh_from_db()
    assert application.state == "talon_issued"
    told = [str(m) for m in response.context["messages"] if m.level_tag == "success"]
    assert told and "told by SMS" in told[-1]
    sent = list(sms_outbox.glob("*.txt"))
    assert len(sent) == 1
    text = sent[0].read_text(encoding="utf-8")
    assert "+77011234567" in text and application.talon_number in text
    assert "дайын" in text and "готов" in text and desk.provider.name in text
    row = AuditEntry.objects.get(action="workstation.phone.sms_sent")
    assert row.data["to"].endswith("67") and "+7701" not in row.data["to"]


def test_no_phone_in_the_register_no_sms_and_the_talon_stands(desk: Desk, sms_outbox: Any) -> None:
    desk.person.phone = ""
    desk.person.save()
    client = desk.client("specialist")
    _call(desk, client, **caller_answers(desk.person))
    application = Application.objects.get()
    client.post(
        reverse("workstation:accept", args=[application.number]),
        {"documents": ["identity_document"]},
    )
    client.post(reverse("workstation:issue", args=[application.number]))
    application.refresh_from_db()
    assert application.state == "talon_issued"
    assert not sms_outbox.exists() or not list(sms_outbox.glob("*.txt"))
    assert AuditEntry.objects.filter(action="workstation.phone.sms_skipped").exists()
