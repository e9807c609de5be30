"""A staff member may look up only so many different people in the population register an
hour: intake is for the people at the desk, not for browsing the register."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from bekitu.core.models import AuditEntry
from tests.factories import PersonFactory
from tests.workstation.conftest import Desk

pytestmark = pytest.mark.django_db


@pytest.fixture
def limit_two(settings: Any) -> None:
    settings.INTAKE_LOOKUPS_PER_HOUR = 2


def test_the_same_person_again_is_free_and_a_third_person_is_refused(
    desk: Desk, limit_two: None
) -> None:
    client = desk.client("specialist")
    url = reverse("workstation:intake")
    others = [PersonFactory(), PersonFactory()]
    for iin in (desk.person.iin, desk.person.iin, others[0].iin):
        assert client.post(url, {"iin": iin}).status_code == 302
    refused = client.post(url, {"iin": others[1].iin})
    assert refused.status_code == 400
    assert "as many people as a desk may in one hour" in refused.content.decode()
    assert AuditEntry.objects.filter(action="workstation.register.lookup_refused").count() == 1
    # A person already looked up this hour can still be taken.
    assert client.post(url, {"iin": desk.person.iin}).status_code == 302


def test_the_api_answers_429_with_the_code(desk: Desk, limit_two: None) -> None:
    api = desk.api("specialist")
    url = reverse("workstation-api:register-lookup")
    for person in (PersonFactory(), PersonFactory()):
        assert api.post(url, {"iin": person.iin}, format="json").status_code == 200
    answer = api.post(url, {"iin": PersonFactory().iin}, format="json")
    assert answer.status_code == 429
    assert answer.json()["code"] == "lookup_limit"


def test_no_limit_when_set_to_zero(desk: Desk, settings: Any) -> None:
    settings.INTAKE_LOOKUPS_PER_HOUR = 0
    client = desk.client("specialist")
    for _ in range(5):
        response = client.post(reverse("workstation:intake"), {"iin": PersonFactory().iin})
        assert response.status_code == 302
