"""The desk and the API name the district (and so the doctor) the person chose; a head admits
a full one through the API, recorded and audited."""

from __future__ import annotations

from django.urls import reverse

from bekitu.core.models import AuditEntry
from bekitu.service.models import Application
from tests.factories import DistrictFactory
from tests.workstation.conftest import Desk, document_of


def test_the_intake_page_offers_the_providers_districts_and_records_the_choice(
    desk: Desk,
) -> None:
    second = DistrictFactory(provider=desk.provider)
    client = desk.client("specialist")
    client.post(reverse("workstation:intake"), {"iin": desk.person.iin})
    page = client.get(reverse("workstation:intake-person")).content.decode()
    assert f'value="{second.pk}"' in page and f'value="{desk.district.pk}"' in page
    data = {
        "channel": "desk",
        "reason": "choice",
        "applicant_role": "self",
        "district": str(second.pk),
        **document_of(desk.person),
    }
    response = client.post(reverse("workstation:intake-person"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Application.objects.get(recipient=desk.person).district == second


def test_the_api_takes_a_chosen_district_and_a_head_admits_it_above_its_size(desk: Desk) -> None:
    full = DistrictFactory(provider=desk.provider, normative_size=0)
    payload = {
        "recipient_iin": desk.person.iin,
        "channel": "desk",
        "reason": "choice",
        "district_id": full.pk,
    }
    api = desk.api("specialist")
    created = api.post(reverse("workstation-api:applications"), payload, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["district"]["number"] == full.number and body["district"]["override"] is False
    district = next(c for c in body["checks"] if c["name"] == "district")
    assert district["passed"] is False
    url = reverse("workstation-api:district-override", args=[body["number"]])
    refused = api.post(url, {"reason": "Family"}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "district_override_not_allowed"
    admitted = desk.api("head").post(url, {"reason": "Family"}, format="json")
    assert admitted.status_code == 200, admitted.content
    chosen = admitted.json()["district"]
    assert (chosen["override"], chosen["override_by"], chosen["override_reason"]) == (
        True,
        "head",
        "Family",
    )
    assert AuditEntry.objects.filter(action="service.application.district_override").exists()


def test_the_api_refuses_a_district_of_another_provider(desk: Desk) -> None:
    elsewhere = DistrictFactory(provider=desk.other)
    payload = {"recipient_iin": desk.person.iin, "district_id": elsewhere.pk}
    response = desk.api("specialist").post(
        reverse("workstation-api:applications"), payload, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == "district_not_of_provider"
