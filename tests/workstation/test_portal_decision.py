"""A specialist decides a request that came through the portal (R9.11, R9.12): the result
goes to the citizen through the portal, so the page does not tell the specialist to print
it for a person who is not there."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from bekitu.service import services
from bekitu.service.models import Application
from tests.workstation.conftest import Desk

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def _portal_request(desk: Desk) -> Application:
    """A portal request registered and checked, waiting for the specialist's decision."""
    application = services.application_create(
        channel="portal", recipient=desk.person, provider=desk.provider, reason="choice"
    )
    services.application_document_add(
        application=application,
        kind="identity_document",
        file=ContentFile(PDF, name="identity_document.pdf"),
    )
    services.application_register(application=application)
    checked = services.application_check(application=application)
    assert checked.state == "checked"
    return checked


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_a_talon_issued_on_a_portal_request_is_said_to_go_through_the_portal(
    desk: Desk,
) -> None:
    application = _portal_request(desk)
    client = desk.client("specialist")

    response = client.post(reverse("workstation:issue", args=[application.number]), follow=True)

    application.refresh_from_db()
    assert application.state == "talon_issued"
    [said] = _messages(response)
    assert application.talon_number in said
    assert "portal" in said and "Print" not in said


def test_a_refusal_of_a_portal_request_is_said_to_go_through_the_portal(desk: Desk) -> None:
    application = _portal_request(desk)
    client = desk.client("specialist")

    response = client.post(
        reverse("workstation:refuse", args=[application.number]),
        {"reason_code": "unreliable_data", "comment": "The scan of the identity card is forged."},
        follow=True,
    )

    application.refresh_from_db()
    assert application.state == "refused"
    [said] = _messages(response)
    assert "portal" in said and "Print" not in said
