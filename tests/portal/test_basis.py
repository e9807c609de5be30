"""The basis of attachment on the portal (R4, R9.5): the form and the API take what the
attachment rests on and the address it rests on, check them with messages by field in the
citizen's language, ask the checklist for the document of the basis, and the signed request
carries it to the provider, whose condition 3 decides by the desk's rule."""

from __future__ import annotations

import base64
import datetime as dt
import re
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from bekitu.devtools.testpki import TestPki
from bekitu.portal import sessions
from bekitu.portal.models import Draft
from bekitu.registry.models import Person
from bekitu.service.models import Application
from tests.factories import PersonFactory
from tests.portal.conftest import drain
from tests.portal.test_request_pages import logged_in, signed_from
from tests.portal.test_requests_api import API, PDF, account_of, draft, sign, submit

pytestmark = pytest.mark.django_db

OTHER_ATU = "751010000"


@pytest.fixture
def commuter(db: Any, eds_settings: Any, test_pki: TestPki, area: Any) -> Person:
    """The test PKI's first person, registered in another unit than the provider's, who
    works in the provider's city."""
    return PersonFactory(
        iin=test_pki.person.iin,
        birth_date=dt.date(1985, 3, 14),
        sex=Person.Sex.MALE,
        phone="+7 701 555-12-34",
        address__street__locality__atu_code=OTHER_ATU,
    )


@pytest.fixture
def auth(commuter: Person, channel: Any) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {sessions.token_issue(account_of(commuter))}"}


def _copy(code: str) -> dict[str, str]:
    return {
        "code": code,
        "filename": f"{code}.pdf",
        "content_base64": base64.b64encode(PDF).decode(),
    }


def _body(provider: Any, basis: dict[str, Any] | None, *codes: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "provider_bin": provider.bin,
        "reason": "choice",
        "phone": "+7 701 555 12 34",
        "documents": [_copy(c) for c in ("identity_document", *codes)],
    }
    if basis is not None:
        data["basis"] = basis
    return data


def test_the_checklist_asks_for_the_document_of_the_basis(
    client: Client, auth: dict[str, str]
) -> None:
    url = API + "services/attachment/requirements"
    codes = {
        basis: [d["code"] for d in client.get(f"{url}?basis={basis}", **auth).json()["documents"]]
        for basis in ("registered_residence", "work", "study", "temporary_residence")
    }
    assert codes["registered_residence"] == ["identity_document"]
    assert codes["work"] == ["identity_document", "employment_certificate"]
    assert codes["study"] == ["identity_document", "study_certificate"]
    assert codes["temporary_residence"] == ["identity_document", "temporary_registration"]
    pregnant = client.get(f"{url}?basis=actual_residence&pregnant=true", **auth).json()
    assert "pregnancy_certificate" in [d["code"] for d in pregnant["documents"]]
    assert client.get(f"{url}?basis=palace", **auth).status_code == 400


def test_the_providers_answer_names_the_units_a_basis_may_rest_in(
    client: Client, auth: dict[str, str], provider: Any
) -> None:
    found = client.get(API + "providers", **auth).json()
    assert {"code": provider.atu_code, "name": "г.а. Усть-Каменогорск"} in found["units"]


def test_work_in_the_providers_city_ends_with_the_talon(
    client: Client,
    auth: dict[str, str],
    commuter: Person,
    provider: Any,
    test_pki: TestPki,
    channel: Any,
) -> None:
    basis = {"kind": "work", "atu_code": provider.atu_code, "address": "Абай даңғылы, 10"}
    made = draft(client, auth, _body(provider, basis, "employment_certificate"))
    assert made.status_code == 201, made.json()
    xml = made.json()["xml_to_sign"]
    assert "<kind>work</kind>" in xml and f"<atuCode>{provider.atu_code}</atuCode>" in xml
    sent = submit(client, auth, made.json()["draft_id"], sign(test_pki, commuter.iin, xml))
    assert sent.status_code == 202, sent.json()
    drain(channel)
    shown = client.get(API + f"attachment-requests/{sent.json()['number']}", **auth).json()
    assert shown["status"] == "talon_issued", shown
    assert shown["basis"] == {
        "kind": "work",
        "label": "place of work",
        "atu_code": provider.atu_code,
        "address": "Абай даңғылы, 10",
    }
    application = Application.objects.get(recipient=commuter)
    assert (application.basis, application.basis_atu_code) == ("work", provider.atu_code)


@pytest.mark.parametrize(
    ("language", "atu", "address"),
    [
        ("ru", "Укажите район или город, где находится адрес.", "Введите адрес, на котором"),
        ("kk", "Мекенжай орналасқан аудан", "Негіз болатын мекенжайды енгізіңіз."),
        ("en", "Choose the district or city where the address lies.", "Enter the address"),
    ],
)
def test_a_basis_without_its_address_is_refused_by_field_in_the_citizens_language(
    client: Client, auth: dict[str, str], provider: Any, language: str, atu: str, address: str
) -> None:
    made = draft(
        client,
        {**auth, "HTTP_ACCEPT_LANGUAGE": language},
        _body(provider, {"kind": "study"}, "study_certificate"),
    )
    assert made.status_code == 400
    fields = made.json()["fields"]["basis"]
    assert fields["atu_code"][0].startswith(atu)
    assert fields["address"][0].startswith(address)


def test_actual_residence_is_refused_before_signing_to_an_adult_not_pregnant(
    client: Client, auth: dict[str, str], provider: Any
) -> None:
    basis = {"kind": "actual_residence", "atu_code": provider.atu_code, "address": "Абай, 1"}
    made = draft(client, auth, _body(provider, basis))
    assert made.status_code == 400
    assert made.json()["fields"]["basis"]["kind"] == [
        "Where one actually lives is a basis only for a pregnant woman or a child under five."
    ]


def test_the_document_of_the_basis_is_required(
    client: Client, auth: dict[str, str], provider: Any
) -> None:
    basis = {"kind": "work", "atu_code": provider.atu_code, "address": "Абай даңғылы, 10"}
    made = draft(client, auth, _body(provider, basis))
    assert made.status_code == 400
    assert "copy_employment_certificate" in made.json()["fields"]


def test_the_form_asks_the_basis_first_then_its_address_and_shows_it_on_the_request(
    commuter: Person, provider: Any, test_pki: TestPki, channel: Any
) -> None:
    client = logged_in(commuter, "ru")
    query = {"applicant_role": "self", "recipient_iin": "", "q": "", "basis": "study"}
    step1 = client.get("/portal/requests/new/").content.decode()
    assert 'name="basis"' in step1 and 'name="pregnant"' in step1
    step2 = client.get("/portal/requests/new/", query).content.decode()
    assert 'id="basis-stated">место учёбы<' in step2
    assert f'<option value="{provider.atu_code}">г.а. Усть-Каменогорск</option>' in step2
    codes = re.findall(r'name="copy_([a-z_]+)"', step2)
    assert codes == ["identity_document", "study_certificate"]
    files = {f"copy_{c}": SimpleUploadedFile(f"{c}.pdf", PDF, "application/pdf") for c in codes}
    url = "/portal/requests/new/?" + urlencode(query)
    fields = {"provider_bin": provider.bin, "reason": "arrival", "phone": "+77015551234"}
    missing = client.post(url, {**fields, **files}).content.decode()
    assert "Укажите район или город, где находится адрес." in missing
    assert not Draft.objects.exists()
    files = {f"copy_{c}": SimpleUploadedFile(f"{c}.pdf", PDF, "application/pdf") for c in codes}
    address = {"basis_atu_code": provider.atu_code, "basis_address": "Сәтпаев көшесі, 22"}
    posted = client.post(url, {**fields, **address, **files})
    assert posted.status_code == 302, posted.content.decode()[:3000]
    signed = signed_from(client, posted["Location"], test_pki.person_sign_p12(commuter.iin))
    sent = client.post(posted["Location"], {"signed_xml": signed})
    drain(channel)
    page = client.get(sent["Location"]).content.decode()
    assert 'data-status="talon_issued"' in page
    assert 'data-basis="study">место учёбы: Сәтпаев көшесі, 22' in page
    cabinet = client.get("/portal/cabinet/").content.decode()
    assert 'class="basis" data-basis="study">место учёбы: Сәтпаев көшесі, 22<' in cabinet
    application = Application.objects.get(recipient=commuter)
    assert (application.basis, application.reason) == ("study", "arrival")
