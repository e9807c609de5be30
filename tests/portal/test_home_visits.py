"""Home visits on the portal (decision 0012): the API and the form take the basis's address
as a street and house; the list of providers says whose area that address is in; the signed
request carries it (schema version 3) and the provider gives home visits there."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from bekitu.devtools.testpki import TestPki
from bekitu.portal import sessions
from bekitu.registry.models import Person
from bekitu.service.models import Application
from tests.factories import PersonFactory
from tests.portal.conftest import drain
from tests.portal.test_basis import _body
from tests.portal.test_request_pages import logged_in, signed_from
from tests.portal.test_requests_api import API, PDF, account_of, draft, sign, submit

pytestmark = pytest.mark.django_db

OTHER_ATU = "751010000"
TEMPORARY = "temporary_registration"


@pytest.fixture
def newcomer(db: Any, eds_settings: Any, test_pki: TestPki, area: Any) -> Person:
    """The test PKI's first person, registered in another region, living temporarily in the
    provider's city."""
    return PersonFactory(
        iin=test_pki.person.iin,
        birth_date=dt.date(1985, 3, 14),
        sex=Person.Sex.MALE,
        phone="+7 701 555-12-34",
        address__street__locality__atu_code=OTHER_ATU,
    )


@pytest.fixture
def auth(newcomer: Person, channel: Any) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {sessions.token_issue(account_of(newcomer))}"}


def _covers(client: Client, auth: dict[str, str], provider: Any, **query: Any) -> bool:
    found = client.get(API + "providers?" + urlencode(query), **auth).json()
    return next(p for p in found["providers"] if p["bin"] == provider.bin)["covers_address"]


def test_the_providers_list_judges_the_area_where_the_person_lives(
    client: Client, auth: dict[str, str], provider: Any, area: Any
) -> None:
    assert not _covers(client, auth, provider)  # the registered address: another region
    living = {"street": area.street.name_ru, "house": 8}
    assert _covers(client, auth, provider, basis="temporary_residence", **living)
    # Work there says nothing of where one lives: the registered address still decides.
    assert not _covers(client, auth, provider, basis="work", **living)


def test_a_temporary_residence_in_parts_ends_with_a_talon_with_home_visits(
    client: Client,
    auth: dict[str, str],
    newcomer: Person,
    provider: Any,
    area: Any,
    test_pki: TestPki,
    channel: Any,
) -> None:
    basis = {
        "kind": "temporary_residence",
        "atu_code": provider.atu_code,
        "street": area.street.name_ru,
        "house": 8,
        "apartment": "31",
    }
    made = draft(client, auth, _body(provider, basis, TEMPORARY))
    assert made.status_code == 201, made.json()
    xml = made.json()["xml_to_sign"]
    assert "<dwelling>" in xml and "<house>8</house>" in xml
    sent = submit(client, auth, made.json()["draft_id"], sign(test_pki, newcomer.iin, xml))
    assert sent.status_code == 202, sent.json()
    drain(channel)
    shown = client.get(API + f"attachment-requests/{sent.json()['number']}", **auth).json()
    assert shown["status"] == "talon_issued", shown
    assert shown["basis"]["address"] == f"{area.street.name_ru}, 8, 31"
    application = Application.objects.get(recipient=newcomer)
    assert (application.basis_street, application.basis_house) == (area.street.name_ru, 8)
    district = application.check_results.get(check_name="district").details
    assert district["home_visits"] is True and district["district_id"] == area.district_id


@pytest.mark.parametrize(
    ("language", "text"),
    [("ru", "Введите номер дома на этой улице."), ("kk", "Осы көшедегі үй нөмірін енгізіңіз.")],
)
def test_a_street_without_a_house_is_refused_by_field_in_the_citizens_language(
    client: Client, auth: dict[str, str], provider: Any, language: str, text: str
) -> None:
    basis = {"kind": "temporary_residence", "atu_code": provider.atu_code, "street": "Абай"}
    made = draft(client, {**auth, "HTTP_ACCEPT_LANGUAGE": language}, _body(provider, basis))
    assert made.status_code == 400
    assert made.json()["fields"]["basis"]["house"] == [text]


def test_the_form_takes_the_street_and_house_and_says_whose_area_they_are_in(
    newcomer: Person, provider: Any, area: Any, test_pki: TestPki, channel: Any
) -> None:
    client = logged_in(newcomer, "kk")
    query = {"applicant_role": "self", "recipient_iin": "", "q": "", "basis": "temporary_residence"}
    url = "/portal/requests/new/?" + urlencode(query)
    step2 = client.get(url).content.decode()
    for name in ("basis_street", "basis_house", "basis_building", "basis_apartment"):
        assert f'name="{name}"' in step2
    fields = {"provider_bin": provider.bin, "reason": "arrival", "phone": "+77015551234"}
    address = {"basis_atu_code": provider.atu_code, "basis_street": area.street.name_kk}
    with translation.override("kk"):
        inside = gettext("your address is in its area: home visits")
    assert inside != "your address is in its area: home visits", "translated"
    files = {
        f"copy_{c}": SimpleUploadedFile(f"{c}.pdf", PDF, "application/pdf")
        for c in ("identity_document", TEMPORARY)
    }
    # No house yet: the page comes back with the message, the list still by the registration.
    missing = client.post(url, {**fields, **address, **files}).content.decode()
    assert "Осы көшедегі үй нөмірін енгізіңіз." in missing
    assert inside not in missing
    address["basis_house"] = "8"
    # Posted back without the documents: the page again, its list judging the area there.
    assert inside in client.post(url, {**fields, **address}).content.decode()
    files = {
        f"copy_{c}": SimpleUploadedFile(f"{c}.pdf", PDF, "application/pdf")
        for c in ("identity_document", TEMPORARY)
    }
    posted = client.post(url, {**fields, **address, **files})
    assert posted.status_code == 302, posted.content.decode()[:3000]
    signed = signed_from(client, posted["Location"], test_pki.person_sign_p12(newcomer.iin))
    client.post(posted["Location"], {"signed_xml": signed})
    drain(channel)
    application = Application.objects.get(recipient=newcomer)
    assert application.basis_address == f"{area.street.name_kk}, 8"
    assert application.check_results.get(check_name="district").details["home_visits"] is True
