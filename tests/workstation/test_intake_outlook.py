"""Intake shows what decides the application before it is recorded (the current attachment,
an open application anywhere, the address in the provider's area and so home visits, what
the policy allows today), and takes what the presented identity document says, which R4-1
compares with the population register (at the desk; no paper by telephone)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from lxml import html as lxml_html

from bekitu.service import services
from bekitu.service.models import Application
from bekitu.workstation.staff import scope_for
from tests.workstation.conftest import Desk, caller_answers, document_of

pytestmark = pytest.mark.django_db


def _outlook(client: Any, iin: str) -> dict[str, str]:
    client.post(reverse("workstation:intake"), {"iin": iin})
    response = client.get(reverse("workstation:intake-person"))
    assert response.status_code == 200
    tree = lxml_html.fromstring(response.content)
    return {
        dd.get("id"): " ".join(dd.text_content().split())
        for dd in tree.xpath('//section[@id="outlook"]//dd')
    }


def test_the_outlook_of_a_person_attached_nowhere_who_lives_in_the_area(desk: Desk) -> None:
    shown = _outlook(desk.client("specialist"), desk.person.iin)
    assert shown["outlook-current"] == "Not attached."
    assert shown["outlook-open"] == "none"
    assert shown["outlook-area"].startswith("yes: home visits")
    assert "Voluntary changes in the last 12 months: 0 of" in shown["outlook-policy"]


def test_the_outlook_names_the_current_attachment_and_an_open_application_elsewhere(
    desk: Desk,
) -> None:
    # The person attached to B applies at B; A's desk sees that application without a link.
    scope_b = scope_for(desk.users["other_specialist"])
    assert scope_b is not None
    entry = services.Intake(recipient_iin=desk.elsewhere.iin, channel="desk", reason="choice")
    at_b = services.application_intake(
        scope=scope_b, intake=entry, by=None, looked_up_by=scope_b.actor
    )
    client = desk.client("specialist")
    shown = _outlook(client, desk.elsewhere.iin)
    assert desk.other.name in shown["outlook-current"] and "since" in shown["outlook-current"]
    assert at_b.number in shown["outlook-open"] and desk.other.name in shown["outlook-open"]
    page = client.get(reverse("workstation:intake-person")).content.decode()
    assert reverse("workstation:application", args=[at_b.number]) not in page
    # An open application at the desk's own provider is linked.
    scope_a = scope_for(desk.users["specialist"])
    assert scope_a is not None
    entry = services.Intake(recipient_iin=desk.person.iin, channel="desk", reason="choice")
    at_a = services.application_intake(
        scope=scope_a, intake=entry, by=None, looked_up_by=scope_a.actor
    )
    _outlook(client, desk.person.iin)
    page = client.get(reverse("workstation:intake-person")).content.decode()
    assert reverse("workstation:application", args=[at_a.number]) in page


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_outlook_speaks_the_page_language(desk: Desk, lang: str) -> None:
    client = desk.client("specialist")
    client.cookies["django_language"] = lang
    shown = _outlook(client, desk.person.iin)
    assert "Not attached" not in shown["outlook-current"]
    assert "home visits" not in shown["outlook-area"]


def _record(client: Any, desk: Desk, **fields: str) -> Any:
    client.post(reverse("workstation:intake"), {"iin": desk.person.iin})
    data = {"channel": "desk", "reason": "choice", "applicant_role": "self", **fields}
    return client.post(reverse("workstation:intake-person"), data)


def test_at_the_desk_the_identity_document_is_entered(desk: Desk) -> None:
    client = desk.client("specialist")
    response = _record(client, desk)
    assert response.status_code == 400
    assert "Enter what the presented identity document says here." in response.content.decode()
    assert not Application.objects.exists()
    # By telephone nothing is asked for: no paper during the call.
    phone = _record(client, desk, channel="phone", **caller_answers(desk.person))
    assert phone.status_code == 302
    assert Application.objects.get().declared_from_document is False


def test_r4_1_names_the_field_where_the_document_differs_from_the_register(desk: Desk) -> None:
    client = desk.client("specialist")
    response = _record(client, desk, **document_of(desk.person, doc_surname="Someoneelse"))
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.declared_from_document
    assert application.declared_document_number == document_of(desk.person)["doc_number"]
    page = client.get(reverse("workstation:application", args=[application.number]))
    view = page.context["view"]
    assert view.failed is not None and view.failed.name == "data_reliable"
    assert page.context["refuse_form"].initial["reason_code"] == "unreliable_data"
    assert b'id="issue-submit"' not in page.content
