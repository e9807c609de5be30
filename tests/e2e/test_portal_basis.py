"""The portal's way with a basis of attachment in a real browser (chromium), in Russian: a
citizen registered in another region who studies in the provider's city states the basis,
the form asks for the certificate from the place of study and for the district or city and
the address of the place of study (refusing it left out), the request is signed through
ncalayer.js, and the provider's side attaches the citizen on that basis; the request's page
shows what the attachment rests on."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django.utils import timezone

from bekitu.core.models import User
from bekitu.devtools.ncalayer_dev import run_in_thread
from bekitu.devtools.testpki import PASSWORD as P12_PASSWORD
from bekitu.portal.models import Account, CitizenRequest
from bekitu.registry.models import Person
from bekitu.service.models import Application
from tests.e2e.browsing import go
from tests.factories import PersonFactory
from tests.portal.conftest import (  # noqa: F401 - fixtures
    area,
    channel,
    drain,
    provider,
)

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PASSWORD = "Zhasyl-Alma-2026"


@pytest.fixture
def student(eds_settings: Any, test_pki: Any, area: Any) -> Person:  # noqa: F811
    """The test PKI's first person, registered in another region, with a portal account."""
    person = PersonFactory(
        iin=test_pki.person.iin,
        birth_date=dt.date(2005, 3, 14),
        sex=Person.Sex.FEMALE,
        address__street__locality__atu_code="751010000",
    )
    user = User.objects.create_user(person.iin, iin=person.iin, password=PASSWORD)
    Account.objects.create(user=user, iin=person.iin, proof="eds", registered_at=timezone.now())
    return person


def _drain(transport: Any) -> None:
    try:
        drain(transport)
    finally:
        connections.close_all()


def test_a_student_from_another_region_attaches_where_she_studies(
    page: Any,
    live_server: Any,
    transactional_db: None,
    settings: Any,
    test_pki: Any,
    student: Person,
    provider: Any,  # noqa: F811
    channel: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    base = live_server.url
    page.goto(f"{base}/portal/login/")
    with page.expect_navigation():
        page.click('form.lang button[value="ru"]')
    page.fill("#id_iin", student.iin)
    page.fill("#id_password", PASSWORD)
    go(page, "#login-submit")
    assert page.url.endswith("/portal/cabinet/")

    page.click("#new-request")
    page.wait_for_selector("#who-form")
    page.select_option("#id_basis", "study")
    go(page, "#who-next")
    assert page.inner_text("#basis-stated") == "место учёбы"
    page.check(f"input[name=provider_bin][value='{provider.bin}']")
    page.select_option("#id_reason", "arrival")
    page.fill("#id_phone", "+77015551234")
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(PDF)
    files = page.query_selector_all("input[type=file]")
    assert [f.get_attribute("name") for f in files] == [
        "copy_identity_document",
        "copy_study_certificate",
    ]
    for field in files:
        field.set_input_files(str(scan))
    go(page, "#request-next")  # the unit and the address left out: said by field
    assert "Укажите район или город" in page.inner_text("#field-basis_atu_code")
    assert "Введите адрес" in page.inner_text("#field-basis_address")
    page.select_option("#id_basis_atu_code", provider.atu_code)
    page.fill("#id_basis_address", "Сәтпаев көшесі, 22")
    for field in page.query_selector_all("input[type=file]"):
        field.set_input_files(str(scan))
    go(page, "#request-next")
    assert "<kind>study</kind>" in (page.text_content("#xml-to-sign") or "")
    sign_url = page.url

    with run_in_thread(
        p12_path=test_pki.person_sign_p12(student.iin), password=P12_PASSWORD
    ) as signer:
        settings.EDS_NCALAYER_URL = signer.url
        page.goto(sign_url)  # the page names the stand-in's address
        go(page, "#sign-submit")
    assert CitizenRequest.objects.get().recipient_iin == student.iin

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(_drain, channel).result()
    page.reload()
    assert page.get_attribute("#request-status", "data-status") == "talon_issued"
    assert page.get_attribute("#request-basis", "data-basis") == "study"
    assert "Сәтпаев көшесі, 22" in page.inner_text("#request-basis")
    application = Application.objects.get(recipient=student)
    assert (application.basis, application.reason, application.state) == (
        "study",
        "arrival",
        "talon_issued",
    )
