"""The basis of attachment where the specialist and a lawyer read the application: the
application page, and the talon and the refusal the service issues, which keep what the
application said the attachment rests on."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from bekitu.service import services
from bekitu.service.models import Application
from bekitu.service.selectors import documents_required
from bekitu.talons.models import Refusal, Talon
from tests.workstation.conftest import Desk
from tests.workstation.test_basis_intake import _intake_page

pytestmark = pytest.mark.django_db

STUDY = "Сәтбаев көшесі, 22"


def _studying(desk: Desk, client) -> Application:
    response = _intake_page(
        desk, client, basis="study", basis_atu_code=desk.provider.atu_code, basis_address=STUDY
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Application.objects.get(recipient=desk.person)


def test_the_application_page_shows_the_basis_with_its_address_and_unit(desk: Desk) -> None:
    client = desk.client("specialist")
    application = _studying(desk, client)
    page = client.get(reverse("workstation:application", args=[application.number]))
    html = page.content.decode()
    assert 'data-basis="study"' in html
    assert f"place of study: {STUDY} (KATO {desk.provider.atu_code})" in html
    russian = Client(HTTP_ACCEPT_LANGUAGE="ru")
    russian.force_login(desk.users["specialist"])
    shown = russian.get(reverse("workstation:application", args=[application.number]))
    assert f"место учёбы: {STUDY} (КАТО {desk.provider.atu_code})" in shown.content.decode()


def test_the_talon_keeps_the_basis_of_its_application(desk: Desk) -> None:
    application = _studying(desk, desk.client("specialist"))
    kinds = [r.kind for r in documents_required(application=application)]
    application = services.application_accept_documents(
        application=application, documents=kinds, by=None
    )
    application = services.application_issue_talon(application=application, by=None)
    talon = Talon.objects.get(number=application.talon_number)
    assert (talon.basis, talon.basis_address) == ("study", STUDY)


def test_the_refusal_keeps_the_basis_of_its_application(desk: Desk) -> None:
    application = _studying(desk, desk.client("specialist"))
    application = services.application_refuse(
        application=application, reason_code="unreliable_data", by=None, comment="Altered."
    )
    refusal = Refusal.objects.get(number=application.refusal_number)
    assert (refusal.basis, refusal.basis_address) == ("study", STUDY)
