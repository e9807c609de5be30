"""The telephone channel at the desk's pages: the caller's identity is confirmed by questions
checked against the population register (recorded: which questions, whether each matched,
never the answers), no paper is asked for, and once the talon's decision commits the person
is told by one SMS where to collect it (at the provider, or in the portal's cabinet)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from bekitu.celery import app as celery_app
from bekitu.core.models import AuditEntry
from bekitu.service.models import Application
from tests.workstation.conftest import Desk, caller_answers

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sms_outbox(settings: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    settings.SMS_SENDER = "bekitu.core.sms.FileSmsSender"
    settings.SMS_DIR = tmp_path / "sms"
    # The SMS goes from the background worker after commit: here, in the test's process.
    monkeypatch.setattr(celery_app.conf, "CELERY_TASK_ALWAYS_EAGER", True)
    return settings.SMS_DIR


def _issue(client: Any, number: str, commit: Any) -> Any:
    """Action 2 on the page; the decision's commit runs what waits for it (the SMS)."""
    with commit(execute=True):
        return client.post(reverse("workstation:issue", args=[number]), follow=True)


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
        "required": 3,
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
    # The refused caller is recorded too: the questions and results, never the answers.
    row = AuditEntry.objects.get(action="workstation.phone.identity")
    assert (row.object_type, row.subject_iin) == ("registry.person", desk.person.iin)
    assert row.data["matched"] == {"birth_date": False, "street": True, "house": False}
    assert row.data["confirmed"] is False and "1950" not in str(row.data)


def test_questions_must_be_asked_by_telephone(desk: Desk) -> None:
    response = _call(desk, desk.client("specialist"))
    assert response.status_code == 400
    assert "Ask the caller and enter the answer." in response.content.decode()


def test_the_person_is_told_by_sms_when_the_talon_is_issued(
    desk: Desk, sms_outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    desk.person.phone = "+77011234567"
    desk.person.save()
    client = desk.client("specialist")
    _call(desk, client, **caller_answers(desk.person))
    application = Application.objects.get()
    client.post(
        reverse("workstation:accept", args=[application.number]),
        {"documents": ["identity_document"]},
    )
    response = _issue(client, application.number, django_capture_on_commit_callbacks)
    application.refresh_from_db()
    assert application.state == "talon_issued"
    told = [str(m) for m in response.context["messages"] if m.level_tag == "success"]
    assert told and "told by SMS" in told[-1]
    sent = list(sms_outbox.glob("*.txt"))
    assert len(sent) == 1
    text = sent[0].read_text(encoding="utf-8")
    # One SMS in Kazakh and Russian: the talon is ready at the provider (decision 19).
    assert "+77011234567" in text and "дайын" in text and "готов" in text
    row = AuditEntry.objects.get(action="workstation.phone.sms_sent")
    assert row.data["to"].endswith("67") and "+7701" not in row.data["to"]


def test_no_phone_in_the_register_no_sms_and_the_talon_stands(
    desk: Desk, sms_outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    desk.person.phone = ""
    desk.person.save()
    client = desk.client("specialist")
    _call(desk, client, **caller_answers(desk.person))
    application = Application.objects.get()
    client.post(
        reverse("workstation:accept", args=[application.number]),
        {"documents": ["identity_document"]},
    )
    response = _issue(client, application.number, django_capture_on_commit_callbacks)
    application.refresh_from_db()
    assert application.state == "talon_issued"
    told = [str(m) for m in response.context["messages"] if m.level_tag == "success"]
    assert told and "Print it for the person" in told[-1]
    assert not sms_outbox.exists() or not list(sms_outbox.glob("*.txt"))
    assert AuditEntry.objects.filter(action="workstation.phone.sms_skipped").exists()


@pytest.fixture
def other_questions(settings: Any, desk: Desk) -> Any:
    """A deployment that asks the patronymic, the apartment and the registered phone number,
    and wants two of the three answers right."""
    settings.PHONE_IDENTITY_QUESTIONS = ["patronymic", "apartment", "phone_number"]
    settings.PHONE_IDENTITY_REQUIRED = 2
    desk.person.phone = "+7 701 123-45-67"
    desk.person.save(update_fields=["phone"])
    return settings


def _other_answers(desk: Desk, **changed: str) -> dict[str, str]:
    address = desk.person.address
    answers = {
        "phone_patronymic": desk.person.patronymic.upper(),
        "phone_apartment": address.apartment if address else "",
        "phone_phone_number": "87011234567",
    }
    return {**answers, **changed}


def test_the_page_asks_the_questions_the_setting_names(desk: Desk, other_questions: Any) -> None:
    client = desk.client("specialist")
    client.post(reverse("workstation:intake"), {"iin": desk.person.iin})
    page = client.get(reverse("workstation:intake-person")).content.decode()
    assert 'id="id_phone_patronymic"' in page and 'id="id_phone_phone_number"' in page
    assert 'id="id_phone_apartment"' in page
    assert 'id="id_phone_street"' not in page and 'id="id_phone_birth_date"' not in page
    assert "Answers that must match the register: 2 of 3." in page


def test_enough_right_answers_confirm_the_caller_and_each_is_recorded(
    desk: Desk, other_questions: Any
) -> None:
    answers = _other_answers(desk, phone_patronymic="Someone else")
    response = _call(desk, desk.client("specialist"), **answers)
    assert response.status_code == 302, response.content.decode()[:3000]
    row = AuditEntry.objects.get(action="workstation.phone.identity")
    assert row.data == {
        "questions": ["patronymic", "apartment", "phone_number"],
        "matched": {"patronymic": False, "apartment": True, "phone_number": True},
        "required": 2,
        "confirmed": True,
    }


def test_too_few_right_answers_stop_the_intake_in_the_users_language(
    desk: Desk, other_questions: Any
) -> None:
    client = desk.client("specialist")
    client.post(reverse("workstation:intake"), {"iin": desk.person.iin})
    answers = _other_answers(desk, phone_patronymic="Другое", phone_phone_number="87770000000")
    data = {"channel": "phone", "reason": "choice", "applicant_role": "self", **answers}
    response = client.post(reverse("workstation:intake-person"), data, HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 400
    text = response.content.decode()
    assert "отчество, номер телефона" in text
    assert not Application.objects.exists()


def test_the_start_up_check_refuses_questions_the_desk_cannot_ask(settings: Any) -> None:
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    call_command("check", "--tag", "bekitu")
    settings.PHONE_IDENTITY_QUESTIONS = ["birth_date", "document_number"]
    with pytest.raises(SystemCheckError, match="unknown questions: document_number"):
        call_command("check", "--tag", "bekitu")
    settings.PHONE_IDENTITY_QUESTIONS = ["birth_date", "house"]
    settings.PHONE_IDENTITY_REQUIRED = 3
    with pytest.raises(SystemCheckError, match="must be 1 to the number of questions"):
        call_command("check", "--tag", "bekitu")
    settings.PHONE_IDENTITY_QUESTIONS = []
    settings.PHONE_IDENTITY_REQUIRED = 0
    with pytest.raises(SystemCheckError, match="is empty"):
        call_command("check", "--tag", "bekitu")
