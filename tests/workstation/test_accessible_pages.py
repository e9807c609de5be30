"""What the workstation's pages tell a person who cannot see them or use a mouse
(docs/accessibility.md): status messages that say what really happened and take the focus,
checklist marks read out in words, a date field that is one text field, errors in one place."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from bekitu.core.vocabulary import REFUSAL_REASONS
from bekitu.service.models import Application
from bekitu.workstation.forms import IntakeForm
from tests.workstation.conftest import Desk, document_of

pytestmark = pytest.mark.django_db


def _application(desk: Desk, *, accepted: bool) -> Application:
    client = desk.client("specialist")
    client.post(reverse("workstation:intake"), {"iin": desk.person.iin})
    data = {"channel": "desk", "reason": "choice", "applicant_role": "self"}
    client.post(reverse("workstation:intake-person"), {**data, **document_of(desk.person)})
    application = Application.objects.get(recipient=desk.person)
    if accepted:
        page = client.get(reverse("workstation:application", args=[application.number]))
        documents = [item.code for item in page.context["view"].checklist]
        client.post(
            reverse("workstation:accept", args=[application.number]), {"documents": documents}
        )
    return application


def _messages(html: str) -> str:
    match = re.search(r'<div class="messages" id="messages"[^>]*>.*?</div>\s*</div>', html, re.S)
    assert match, "the page has a status message"
    return match.group(0)


def test_action_2_says_which_talon_was_issued_in_a_focused_status_message(desk: Desk) -> None:
    application = _application(desk, accepted=True)
    response = desk.client("specialist").post(
        reverse("workstation:issue", args=[application.number]), follow=True
    )
    application.refresh_from_db()
    assert application.state == "talon_issued"
    block = _messages(response.content.decode())
    assert 'tabindex="-1"' in block and "autofocus" in block
    assert 'role="status"' in block and 'role="alert"' not in block
    assert f"Done:</strong> Talon {application.talon_number} issued (action 2)" in block


def test_action_2_that_refuses_says_so_and_not_that_a_talon_was_issued(desk: Desk) -> None:
    # R8.2: action 2 runs the checks again. The person died after action 1: the service
    # refuses, and the message must say that, as an alert.
    application = _application(desk, accepted=True)
    desk.person.death_date = timezone.localdate() - dt.timedelta(days=1)
    desk.person.save(update_fields=["death_date"])
    response = desk.client("specialist").post(
        reverse("workstation:issue", args=[application.number]), follow=True
    )
    application.refresh_from_db()
    assert application.state == "refused" and not application.talon_number
    block = _messages(response.content.decode())
    assert 'role="alert"' in block and "issued (action 2)" not in block
    assert "Not done:</strong> No talon was issued: a check failed" in block
    assert escape(str(REFUSAL_REASONS["deceased"].text)) in block


def test_a_status_message_speaks_the_page_language(desk: Desk) -> None:
    application = _application(desk, accepted=True)
    client = desk.client("specialist")
    client.cookies["django_language"] = "ru"
    response = client.post(reverse("workstation:issue", args=[application.number]), follow=True)
    application.refresh_from_db()
    block = _messages(response.content.decode())
    assert f"Выполнено:</strong> Талон {application.talon_number} выдан" in block


def test_checklist_marks_are_read_out_in_words(desk: Desk) -> None:
    application = _application(desk, accepted=False)
    page = desk.client("head").get(reverse("workstation:application", args=[application.number]))
    html = page.content.decode()
    items = re.findall(r"<li data-presented=\"(yes|no)\">(.*?)</li>", html, re.S)
    assert items, "the head sees the checklist read-only"
    for presented, item in items:
        assert '<span aria-hidden="true">' in item, "the mark itself is not read out"
        words = "presented:" if presented == "yes" else "not presented:"
        assert f'<span class="sr">{words}</span>' in item
        assert "aria-label" not in item


def test_a_date_is_typed_in_one_text_field_as_day_month_year() -> None:
    form = IntakeForm()
    html = str(form["poa_date"])
    assert 'type="text"' in html and 'type="date"' not in html
    assert 'inputmode="numeric"' in html and 'aria-describedby="id_poa_date_helptext"' in html
    data = {
        "channel": "desk",
        "reason": "choice",
        "applicant_role": "representative",
        "applicant_iin": "",
        "poa_number": "1",
        "poa_date": "25.03.2026",
        "poa_valid_until": "2027-03-25",
    }
    form = IntakeForm(data)
    form.is_valid()
    assert form.cleaned_data["poa_date"] == dt.date(2026, 3, 25)
    assert form.cleaned_data["poa_valid_until"] == dt.date(2027, 3, 25)
    form = IntakeForm({**data, "poa_date": "31.02.2026"})
    assert not form.is_valid()
    assert form.errors["poa_date"] == ["Enter the date as day.month.year, e.g. 25.03.2026."]


def test_a_form_with_errors_lists_them_first_each_linked_to_its_field(desk: Desk) -> None:
    client = desk.client("specialist")
    client.post(reverse("workstation:intake"), {"iin": desk.person.iin})
    data = {"channel": "desk", "reason": "choice", "applicant_role": "representative"}
    response = client.post(reverse("workstation:intake-person"), data)
    assert response.status_code == 400
    html = response.content.decode()
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert summary and 'role="alert"' in summary.group(0) and "autofocus" in summary.group(0)
    for field in ("applicant_iin", "poa_number", "poa_date"):
        assert f'href="#id_{field}"' in summary.group(0)
        assert f'id="id_{field}_error"' in html
