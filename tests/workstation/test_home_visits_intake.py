"""The desk's intake page takes the basis's address as a street and house of the register,
and its outlook judges home visits where the person lives (decision 0012), in kk and ru."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from bekitu.service.models import Application, CheckResult
from tests.factories import PersonFactory, StreetFactory
from tests.workstation.conftest import Desk, document_of

pytestmark = pytest.mark.django_db

JUDGED = "Judged at the basis's address, where the person lives:"
OUTSIDE = "no: the attachment comes without home visits"
INSIDE = "yes: home visits come with the attachment"


def _post(client: Client, iin: str, **form: object):
    client.post(reverse("workstation:intake"), {"iin": iin})
    data = {"channel": "desk", "reason": "choice", "applicant_role": "self", **form}
    return client.post(reverse("workstation:intake-person"), data)


def _outlook_area(page: str) -> str:
    found = re.search(r'<dd id="outlook-area">(.*?)</dd>', page, re.S)
    assert found is not None
    return re.sub(r"<[^>]+>", "", found.group(1))


def test_the_page_offers_the_units_streets_for_the_basis_address(desk: Desk) -> None:
    client = desk.client("specialist")
    client.post(reverse("workstation:intake"), {"iin": desk.person.iin})
    page = client.get(reverse("workstation:intake-person")).content.decode()
    for name in ("basis_street", "basis_house", "basis_building", "basis_apartment"):
        assert f'name="{name}"' in page
    assert 'list="basis-streets"' in page
    assert f'<option value="{desk.person.address.street.name_ru}">' in page


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_outlook_follows_the_temporary_residence_in_the_users_language(
    desk: Desk, language: str
) -> None:
    client = desk.client("specialist")
    client.cookies["django_language"] = language
    unserved = StreetFactory(locality=desk.provider.locality)
    # Registered in the area; lives temporarily on a street no district serves. The document
    # is not entered yet, so the page comes back with the outlook for the stated address.
    response = _post(
        client,
        desk.person.iin,
        basis="temporary_residence",
        basis_atu_code=desk.provider.atu_code,
        basis_street=unserved.name_kk,
        basis_house="4",
    )
    assert response.status_code == 400
    area = _outlook_area(response.content.decode())
    with translation.override(language):
        judged, outside = gettext(JUDGED), gettext(OUTSIDE)
    assert judged != JUDGED and outside != OUTSIDE, "translated"
    assert judged in area and outside in area


def test_the_desk_records_the_street_and_house_and_the_district_follows_them(desk: Desk) -> None:
    client = desk.client("specialist")
    served = desk.person.address.street
    newcomer = PersonFactory(
        birth_date=dt.date(1988, 1, 2), address__street__locality__atu_code="631020000"
    )
    form = {
        "basis": "temporary_residence",
        "basis_atu_code": desk.provider.atu_code,
        "basis_street": served.name_ru,
        "basis_house": "3",
        "basis_apartment": "12",
    }
    response = _post(client, newcomer.iin, **form, **document_of(newcomer))
    assert response.status_code == 302, response.content.decode()[:3000]
    application = Application.objects.get(recipient=newcomer)
    assert (application.basis_street, application.basis_house) == (served.name_ru, 3)
    assert application.basis_apartment == "12"
    assert application.basis_address == f"{served.name_ru}, 3, 12"
    row = CheckResult.objects.get(application=application, check_name="district")
    assert row.details["home_visits"] is True
    assert row.details["district_id"] == desk.district.pk


def test_a_street_without_its_house_is_asked_for_on_the_page(desk: Desk) -> None:
    client = desk.client("specialist")
    form = {
        "basis": "actual_residence",
        "basis_atu_code": desk.provider.atu_code,
        "basis_street": "Абай",
    }
    response = _post(client, desk.person.iin, **form, **document_of(desk.person))
    assert response.status_code == 400
    assert "basis_house" in response.context["form"].errors
    assert not Application.objects.exists()


def test_a_registered_resident_sees_the_outlook_of_the_registered_address(desk: Desk) -> None:
    client = desk.client("specialist")
    client.post(reverse("workstation:intake"), {"iin": desk.person.iin})
    area = _outlook_area(client.get(reverse("workstation:intake-person")).content.decode())
    assert INSIDE in area and JUDGED not in area
