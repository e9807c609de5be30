"""The desk and the API name the district (and so the doctor) the person chose; a head admits
a full one through the API, recorded and audited."""

from __future__ import annotations

from typing import Any

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


def _full_district_application(desk: Desk) -> tuple[str, Any]:
    full = DistrictFactory(provider=desk.provider, normative_size=0)
    payload = {
        "recipient_iin": desk.person.iin,
        "channel": "desk",
        "reason": "choice",
        "district_id": full.pk,
    }
    created = desk.api("specialist").post(
        reverse("workstation-api:applications"), payload, format="json"
    )
    assert created.status_code == 201, created.content
    return created.json()["number"], full


def test_the_head_admits_a_full_district_on_the_application_page(desk: Desk) -> None:
    number, full = _full_district_application(desk)
    page_url = reverse("workstation:application", args=[number])
    head = desk.client("head")
    page = head.get(page_url).content.decode()
    assert 'id="district-override-form"' in page and f'value="{full.pk}" selected' in page
    url = reverse("workstation:district-override", args=[number])
    response = head.post(url, {"district": str(full.pk), "reason": "Family lives next door"})
    assert response.status_code == 302 and response["Location"] == page_url
    application = Application.objects.get(number=number)
    assert application.district == full
    assert application.district_override_by == desk.users["head"]
    assert application.district_override_reason == "Family lives next door"
    entry = AuditEntry.objects.get(action="service.application.district_override")
    assert entry.data["justification"] == "Family lives next door"
    assert entry.actor == "staff:head"
    shown = head.get(page_url).content.decode()
    assert "Admitted by the head head on" in shown and "Family lives next door" in shown
    assert "admitted above its normative size" in shown
    # The checks ran again: the district check now passes.
    assert '<tr class="ok" data-check="district">' in shown


def test_the_head_assigns_another_district_and_the_api_shows_it(desk: Desk) -> None:
    number, full = _full_district_application(desk)
    other = DistrictFactory(provider=desk.provider, normative_size=0)
    url = reverse("workstation:district-override", args=[number])
    desk.client("head").post(url, {"district": str(other.pk), "reason": "Closer to home"})
    body = desk.api("head").get(reverse("workstation-api:application", args=[number])).json()
    assert body["district"]["number"] == other.number and body["district"]["override"] is True
    entry = AuditEntry.objects.get(action="service.application.district_override")
    assert (entry.data["district"], entry.data["chosen"]) == (other.number, full.number)


def test_the_api_assigns_a_district_but_not_one_of_another_provider(desk: Desk) -> None:
    number, _full = _full_district_application(desk)
    url = reverse("workstation-api:district-override", args=[number])
    foreign = DistrictFactory(provider=desk.other)
    refused = desk.api("head").post(url, {"reason": "x", "district_id": foreign.pk}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "district_not_of_provider"
    assert Application.objects.get(number=number).district_override_at is None


def test_a_specialist_neither_sees_nor_uses_the_override(desk: Desk) -> None:
    number, full = _full_district_application(desk)
    client = desk.client("specialist")
    page = client.get(reverse("workstation:application", args=[number])).content.decode()
    assert 'id="district-chosen"' in page and "district-override-form" not in page
    url = reverse("workstation:district-override", args=[number])
    client.post(url, {"district": str(full.pk), "reason": "Because"})
    assert Application.objects.get(number=number).district_override_at is None
    shown = client.get(reverse("workstation:application", args=[number])).content.decode()
    assert "Only the head of the provider may admit a chosen district above its size." in shown


def test_the_head_must_say_why_in_the_users_language(desk: Desk) -> None:
    number, full = _full_district_application(desk)
    client = desk.client("head")
    url = reverse("workstation:district-override", args=[number])
    client.post(url, {"district": full.pk, "reason": "  "}, HTTP_ACCEPT_LANGUAGE="ru")
    assert Application.objects.get(number=number).district_override_at is None
    page = client.get(reverse("workstation:application", args=[number])).content.decode()
    assert "Укажите, почему участок принимается сверх норматива." in page


def test_a_decided_application_offers_no_override(desk: Desk) -> None:
    number, _full = _full_district_application(desk)
    desk.api("specialist").post(
        reverse("workstation-api:refuse", args=[number]),
        {"reason_code": "provider_not_available"},
        format="json",
    )
    page = desk.client("head").get(reverse("workstation:application", args=[number]))
    assert "district-override-form" not in page.content.decode()
