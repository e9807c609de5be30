"""The basis of attachment at the desk: the intake page and the API record what the
attachment rests on and the address it rests on, and the checks use that address."""

from __future__ import annotations

import pytest
from django.urls import reverse

from bekitu.service.models import Application
from tests.workstation.conftest import Desk, document_of

pytestmark = pytest.mark.django_db


def _intake_page(desk: Desk, client, **form: str):
    client.post(reverse("workstation:intake"), {"iin": desk.person.iin})
    data = {
        "channel": "desk",
        "reason": "choice",
        "applicant_role": "self",
        **document_of(desk.person),
        **form,
    }
    return client.post(reverse("workstation:intake-person"), data)


def test_the_intake_page_records_the_place_of_study_and_asks_for_its_certificate(
    desk: Desk,
) -> None:
    client = desk.client("specialist")
    client.post(reverse("workstation:intake"), {"iin": desk.person.iin})
    page = client.get(reverse("workstation:intake-person")).content.decode()
    assert 'name="basis"' in page and 'name="basis_atu_code"' in page
    response = _intake_page(
        desk,
        client,
        basis="study",
        basis_atu_code=desk.provider.atu_code,
        basis_address="Сәтбаев көшесі, 22",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    application = Application.objects.get(recipient=desk.person)
    assert (application.basis, application.basis_atu_code) == ("study", desk.provider.atu_code)
    assert application.basis_address == "Сәтбаев көшесі, 22"
    detail = client.get(reverse("workstation:application", args=[application.number]))
    assert "study_certificate" in [item.code for item in detail.context["view"].checklist]


def test_the_intake_page_asks_for_the_address_of_a_basis_other_than_residence(
    desk: Desk,
) -> None:
    client = desk.client("specialist")
    response = _intake_page(desk, client, basis="work", basis_atu_code="12")
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) >= {"basis_atu_code", "basis_address"}
    assert not Application.objects.exists()


def test_the_api_takes_the_basis_and_returns_it(desk: Desk) -> None:
    api = desk.api("specialist")
    basis = {"kind": "work", "atu_code": desk.provider.atu_code, "address": "Абай, 10"}
    response = api.post(
        reverse("workstation-api:applications"),
        {"recipient_iin": desk.person.iin, "channel": "desk", "reason": "choice", "basis": basis},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    parts = {"street": "", "house": None, "building": "", "apartment": ""}
    assert body["basis"] == {**basis, "pregnant": False, **parts}
    assert "employment_certificate" in [item["code"] for item in body["checklist"]]
    row = next(c for c in body["checks"] if c["name"] == "provider_available")
    assert row["passed"] is True


def test_the_api_refuses_a_basis_without_the_code_of_its_unit(desk: Desk) -> None:
    api = desk.api("specialist")
    response = api.post(
        reverse("workstation-api:applications"),
        {
            "recipient_iin": desk.person.iin,
            "reason": "choice",
            "basis": {"kind": "temporary_residence", "address": "Абай, 10"},
        },
        format="json",
    )
    assert response.status_code == 400
    assert "atu_code" in response.content.decode()
    assert not Application.objects.exists()
