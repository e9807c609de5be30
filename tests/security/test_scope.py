"""Scope through an application ends with its decision: a specialist who files an application
for another provider's person, then refuses it, reads nothing of that person afterwards."""

from __future__ import annotations

import pytest
from django.urls import reverse

from bekitu.service import services
from bekitu.service.models import Application
from bekitu.workstation.staff import scope_for
from tests.workstation.conftest import Desk

pytestmark = pytest.mark.django_db


def _intake(desk: Desk, iin: str) -> Application:
    scope = scope_for(desk.users["specialist"])
    assert scope is not None
    entry = services.Intake(recipient_iin=iin, channel="desk", reason="choice")
    return services.application_intake(
        scope=scope, intake=entry, by=desk.users["specialist"], looked_up_by=scope.actor
    )


def _reads(desk: Desk, pk: int, iin: str) -> list[int]:
    pages, api = desk.client("specialist"), desk.api("specialist")
    return [
        pages.get(reverse("workstation:person", args=[pk])).status_code,
        api.get(reverse("workstation-api:person", args=[pk])).status_code,
        api.post(reverse("workstation-api:person-lookup"), {"iin": iin}, format="json").status_code,
    ]


def test_a_refused_throwaway_application_does_not_open_another_providers_person(
    desk: Desk,
) -> None:
    person = desk.elsewhere  # attached to provider B
    assert _reads(desk, person.pk, person.iin) == [404, 404, 404]
    application = _intake(desk, person.iin)
    # While the application is open, the provider it was made to reads the person.
    assert _reads(desk, person.pk, person.iin) == [200, 200, 200]
    services.application_refuse(
        application=application,
        reason_code="unreliable_data",
        by=desk.users["specialist"],
        comment="The presented identity card is not the person's.",
    )
    assert _reads(desk, person.pk, person.iin) == [404, 404, 404]
    # The application itself stays the provider's own record.
    api = desk.api("specialist")
    assert (
        api.get(reverse("workstation-api:application", args=[application.number])).status_code
        == 200
    )
