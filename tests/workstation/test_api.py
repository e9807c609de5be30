"""The workstation API through HTTP: the desk's operations, errors in one shape, auth."""

from __future__ import annotations

import base64

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from bekitu.service.models import Application
from bekitu.workstation.forms import IIN_REASONS
from tests.workstation.conftest import PASSWORD, Desk

pytestmark = pytest.mark.django_db


def _create(api: APIClient, desk: Desk, **body: object) -> dict:
    payload = {"recipient_iin": desk.person.iin, "channel": "desk", "reason": "choice", **body}
    response = api.post(reverse("workstation-api:applications"), payload, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def _post(api: APIClient, name: str, number: str, body: dict | None = None):
    return api.post(reverse(f"workstation-api:{name}", args=[number]), body or {}, format="json")


def test_the_whole_desk_flow_through_the_api(desk: Desk) -> None:
    api = desk.api("specialist")
    created = _create(api, desk)
    number = created["number"]
    assert created["state"] == "received" and created["provider_bin"] == desk.provider.bin
    assert created["allowed_actions"] == ["accept_documents", "refuse"]
    assert created["checks"] and created["time_left"]["minutes"] != 0

    documents = [item["code"] for item in created["checklist"]]
    accepted = _post(api, "accept-documents", number, {"documents": documents})
    assert accepted.status_code == 200 and accepted.json()["state"] == "documents_accepted"

    issued = _post(api, "issue-talon", number)
    assert issued.status_code == 200, issued.content
    body = issued.json()
    assert body["state"] == "talon_issued" and body["talon_number"]
    pdf = api.get(body["talon_pdf"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")

    detail = api.get(reverse("workstation-api:application", args=[number])).json()
    assert [s["label"] for s in detail["steps"]][-1] and len(detail["steps"]) == 3


def test_the_queue_lists_open_applications_only(desk: Desk) -> None:
    api = desk.api("specialist")
    number = _create(api, desk)["number"]
    assert [a["number"] for a in api.get(reverse("workstation-api:applications")).json()] == [
        number
    ]
    _post(api, "refuse", number, {"reason_code": "unreliable_data", "comment": "altered"})
    assert api.get(reverse("workstation-api:applications")).json() == []


def test_refusal_through_the_api_gives_the_reason_and_the_document(desk: Desk) -> None:
    api = desk.api("specialist")
    number = _create(api, desk)["number"]
    refused = _post(api, "refuse", number, {"reason_code": "unreliable_data", "comment": "x"})
    assert refused.status_code == 200
    body = refused.json()
    assert body["state"] == "refused" and body["refusal"]["code"] == "unreliable_data"
    assert "4-1" in body["refusal"]["ground"]
    assert api.get(body["refusal_pdf"]).status_code == 200
    assert body["talon_pdf"] is None


def test_r4_1_through_the_api_names_the_fields_the_identity_document_states_differently(
    desk: Desk,
) -> None:
    api = desk.api("specialist")
    person = desk.person
    document = {
        "number": "N0123456",
        "surname": person.surname,
        "given_name": "Другое",
        "patronymic": person.patronymic,
        "birth_date": person.birth_date.isoformat(),
    }
    created = _create(api, desk, identity_document=document)
    row = next(c for c in created["checks"] if c["name"] == "data_reliable")
    assert row["passed"] is False
    documents = [item["code"] for item in created["checklist"]]
    _post(api, "accept-documents", created["number"], {"documents": documents})
    body = _post(api, "issue-talon", created["number"]).json()
    assert body["state"] == "refused" and body["refusal"]["code"] == "unreliable_data"
    assert body["refusal"]["check"] == "data_reliable"
    assert body["refusal"]["details"] == {"mismatch": ["given_name"]}
    assert body["refusal"]["differing"] == ["given name"]


def test_a_refusal_through_the_api_keeps_its_justification_whole_or_is_refused(
    desk: Desk,
) -> None:
    api = desk.api("specialist")
    number = _create(api, desk)["number"]
    contradicted = _post(api, "refuse", number, {"reason_code": "deceased", "comment": "sure"})
    assert contradicted.status_code == 400, contradicted.content
    assert contradicted.json()["code"] == "refusal_contradicted"
    unjustified = _post(api, "refuse", number, {"reason_code": "unreliable_data"})
    assert unjustified.json()["code"] == "refusal_justification_required"
    why = "The birth certificate presented has been altered in the year of birth. " * 12
    refused = _post(api, "refuse", number, {"reason_code": "unreliable_data", "comment": why})
    assert refused.status_code == 200
    assert refused.json()["refusal"]["justification"] == why.strip()


def test_an_action_in_the_wrong_state_is_a_409_with_code_and_message(desk: Desk) -> None:
    api = desk.api("specialist")
    number = _create(api, desk)["number"]
    response = _post(api, "issue-talon", number)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "transition_not_allowed" and body["message"]


def test_incomplete_documents_are_a_400_naming_what_is_missing(desk: Desk) -> None:
    api = desk.api("specialist")
    number = _create(api, desk)["number"]
    response = _post(api, "accept-documents", number, {"documents": []})
    assert response.status_code == 400
    assert response.json()["code"] == "documents_incomplete"
    assert Application.objects.get(number=number).state == "received"


def test_a_second_open_application_is_a_409(desk: Desk) -> None:
    api = desk.api("specialist")
    _create(api, desk)
    payload = {"recipient_iin": desk.person.iin}
    response = api.post(reverse("workstation-api:applications"), payload, format="json")
    assert response.status_code == 409 and response.json()["code"] == "application_open"


@pytest.mark.parametrize(
    ("iin", "reason"),
    [("123", "length"), ("12345678901x", "not_digits"), ("900412300001", "checksum")],
)
def test_a_bad_iin_is_a_400_with_the_reason_of_the_iin_check(
    desk: Desk, iin: str, reason: str
) -> None:
    response = desk.api("specialist").post(
        reverse("workstation-api:applications"), {"recipient_iin": iin}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "recipient_iin" in body["fields"]
    with translation.override("en"):
        expected = str(IIN_REASONS[reason])
    assert body["message"] == body["fields"]["recipient_iin"][0] == expected


def test_an_unknown_iin_is_a_404_person_not_found(desk: Desk) -> None:
    from tests.factories import unique_iin

    unknown = unique_iin(desk.person.birth_date, "male")
    response = desk.api("specialist").post(
        reverse("workstation-api:register-lookup"), {"iin": unknown}, format="json"
    )
    assert response.status_code == 404 and response.json()["code"] == "person_not_found"


def test_an_application_for_an_unknown_iin_is_a_400_person_not_found(desk: Desk) -> None:
    from tests.factories import unique_iin

    unknown = unique_iin(desk.person.birth_date, "female")
    response = desk.api("specialist").post(
        reverse("workstation-api:applications"), {"recipient_iin": unknown}, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == "person_not_found"


def test_register_lookup_returns_the_register_record(desk: Desk) -> None:
    response = desk.api("specialist").post(
        reverse("workstation-api:register-lookup"), {"iin": desk.person.iin}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["surname"] == desk.person.surname
    assert response.json()["address"]["house"] == desk.person.address.house


def test_a_representative_without_a_power_of_attorney_is_a_400(desk: Desk) -> None:
    response = desk.api("specialist").post(
        reverse("workstation-api:applications"),
        {
            "recipient_iin": desk.person.iin,
            "applicant_role": "representative",
            "applicant_iin": desk.elsewhere.iin,
        },
        format="json",
    )
    assert response.status_code == 400 and "power_of_attorney" in response.json()["fields"]


def test_person_card_by_id_and_by_iin_with_history(desk: Desk) -> None:
    api = desk.api("other_specialist")
    by_id = api.get(reverse("workstation-api:person", args=[desk.elsewhere.pk]))
    assert by_id.status_code == 200
    card = by_id.json()
    assert card["iin"] == desk.elsewhere.iin and len(card["history"]) == 1
    assert card["current_attachment"]["provider_bin"] == desk.other.bin
    by_iin = api.post(
        reverse("workstation-api:person-lookup"), {"iin": desk.elsewhere.iin}, format="json"
    )
    assert by_iin.json() == card


def test_population_search_is_paginated(desk: Desk) -> None:
    from tests.factories import AttachmentFactory

    for _ in range(3):
        AttachmentFactory(provider=desk.provider, district=desk.district)
    api = desk.api("specialist")
    first = api.get(reverse("workstation-api:population"), {"page_size": 2}).json()
    assert first["count"] == 3 and len(first["results"]) == 2 and first["next"]
    second = api.get(first["next"]).json()
    assert len(second["results"]) == 1
    surname = first["results"][0]["full_name"].split()[0]
    found = api.get(reverse("workstation-api:population"), {"q": surname.lower()}).json()
    assert found["count"] >= 1


def test_basic_authentication_works_and_anonymous_calls_get_401(desk: Desk) -> None:
    client = APIClient()
    assert client.get(reverse("workstation-api:applications")).status_code == 401
    token = base64.b64encode(f"specialist:{PASSWORD}".encode()).decode()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {token}")
    assert client.get(reverse("workstation-api:applications")).status_code == 200


def test_a_user_who_is_not_staff_gets_403_not_staff(django_user_model) -> None:
    user = django_user_model.objects.create_user(username="citizen", password="x")
    client = APIClient()
    client.force_authenticate(user)
    response = client.get(reverse("workstation-api:applications"))
    assert response.status_code == 403 and response.json()["code"] == "not_staff"


def test_errors_come_in_the_language_of_the_request(desk: Desk) -> None:
    api = desk.api("specialist")
    number = _create(api, desk)["number"]
    url = reverse("workstation-api:issue-talon", args=[number])
    answers = {
        lang: api.post(url, {}, format="json", HTTP_ACCEPT_LANGUAGE=lang)
        for lang in ("en", "ru", "kk")
    }
    assert {r["Content-Language"] for r in answers.values()} == {"en", "ru", "kk"}
    messages = {lang: r.json()["message"] for lang, r in answers.items()}
    assert messages["en"] == "This action is not allowed in the application's present state."
    for lang in ("ru", "kk"):
        with translation.override(lang):
            expected = translation.gettext(messages["en"])
        assert messages[lang] == expected
    assert len(set(messages.values())) == 3, "each language has its own text"
