"""The desk's intake with a temporary residence in a real browser (chromium), in Russian and in
Kazakh: the street is chosen from the unit's streets the field offers (by its name in the
page's language), the house typed; posted back with the identity document still to enter,
the outlook judges home visits at that address; then the application is recorded and its
district check gives home visits there (decision 0012)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import translation

from bekitu.service.models import Application, CheckResult
from tests.factories import PersonFactory
from tests.workstation.conftest import PASSWORD, Desk, build_desk, document_of

pytestmark = pytest.mark.e2e


@pytest.fixture
def desk(transactional_db: None, eds_settings: Any, test_pki: Any) -> Desk:
    return build_desk(test_pki)


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_a_newcomer_living_in_the_area_gets_home_visits_at_the_street_chosen(
    page: Any, live_server: Any, desk: Desk, language: str
) -> None:
    newcomer = PersonFactory(
        birth_date=dt.date(1988, 1, 2), address__street__locality__atu_code="751010000"
    )
    street = desk.person.address.street  # served by the desk's district
    street_name = street.name_kk if language == "kk" else street.name_ru  # as the page's language
    page.goto(f"{live_server.url}/workstation/login/")
    with page.expect_navigation():
        page.click(f'form.lang button[value="{language}"]')
    page.fill("#id_username", "specialist")
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_selector("#page-queue")
    page.click("#new-application")
    page.fill("#id_iin", newcomer.iin)
    page.keyboard.press("Enter")
    page.wait_for_selector("#page-intake-person")
    with translation.override(language):
        outside = translation.gettext("no: the attachment comes without home visits")
        inside = translation.gettext("yes: home visits come with the attachment")
    assert outside in page.inner_text("#outlook-area")  # registered in another region

    page.check('input[name="channel"][value="desk"]')
    page.select_option("#id_basis", "temporary_residence")
    page.fill("#id_basis_atu_code", desk.provider.atu_code)
    offered = page.eval_on_selector_all("#basis-streets option", "os => os.map(o => o.value)")
    assert street.name_ru in offered and street.name_kk in offered
    page.fill("#id_basis_street", street_name)
    page.fill("#id_basis_house", "3")
    page.fill("#id_basis_apartment", "12")
    with page.expect_navigation():
        page.click("#intake-submit")  # the identity document not entered yet
    assert inside in page.inner_text("#outlook-area")
    assert page.input_value("#id_basis_street") == street_name

    for name, value in document_of(newcomer).items():
        page.fill(f"#id_{name}", value)
    page.click("#intake-submit")
    page.wait_for_selector("#page-application")
    application = Application.objects.get(recipient=newcomer)
    assert (application.basis_street, application.basis_house) == (street_name, 3)
    row = CheckResult.objects.get(application=application, check_name="district")
    assert row.details["home_visits"] is True
