"""The desk flow once end to end in a real browser, in Kazakh and in Russian: log in, intake
by IIN, the checklist, accept the documents (action 1), issue the talon (action 2), open the
talon's PDF. Screenshots go to /tmp/bekitu-screenshots (BEKITU_SCREENSHOTS)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from bekitu.service import selectors, services
from bekitu.service.models import Application
from bekitu.talons.models import Talon
from bekitu.workstation.staff import scope_for
from tests.factories import DistrictFactory
from tests.workstation.conftest import PASSWORD, Desk, build_desk, document_of

pytestmark = pytest.mark.e2e


@pytest.fixture
def desk(transactional_db: None, eds_settings: Any, test_pki: Any) -> Desk:
    return build_desk(test_pki)


def _switch_language(page: Any, lang: str) -> None:
    """Use the page's own language switch, as a person would."""
    with page.expect_navigation():
        page.click(f'form.lang button[value="{lang}"]')
    assert page.get_attribute("html", "lang") == lang


def _state(page: Any) -> str:
    return page.get_attribute("#app-state", "data-state")


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_desk_flow_in_the_browser(
    page: Any, live_server: Any, desk: Desk, screenshots: Path, lang: str
) -> None:
    shot = lambda name: page.screenshot(  # noqa: E731
        path=str(screenshots / f"desk-{lang}-{name}.png"), full_page=True
    )
    page.goto(f"{live_server.url}/workstation/login/")
    _switch_language(page, "en")
    _switch_language(page, lang)

    # Log in with the keyboard: the user name field has the focus, Tab to the password.
    # (the browser applies `autofocus` at its next rendering step after the load)
    page.wait_for_function("document.activeElement && document.activeElement.id === 'id_username'")
    page.keyboard.type("specialist")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    shot("1-login")
    page.keyboard.press("Enter")
    page.wait_for_selector("#page-queue")
    assert page.get_attribute("html", "lang") == lang
    with translation.override(lang):
        queue = translation.gettext("Queue")
    assert queue != "Queue", "the catalogue of the language is compiled"
    assert page.inner_text("#nav-queue").startswith(queue)

    # Intake: find the person by IIN.
    page.click("#new-application")
    page.fill("#id_iin", "123")
    page.keyboard.press("Enter")
    page.wait_for_selector("#id_iin_error")
    shot("2-bad-iin")
    page.fill("#id_iin", desk.person.iin)
    page.keyboard.press("Enter")
    page.wait_for_selector("#page-intake-person")
    assert page.inner_text("#person-iin") == desk.person.iin
    assert desk.person.surname in page.inner_text("#person-name")
    page.check('input[name="channel"][value="desk"]')
    # What the presented identity document says (R4-1 compares it with the register).
    for name, value in document_of(desk.person).items():
        page.fill(f"#id_{name}", value)
    assert page.is_visible("#outlook")
    shot("3-intake")
    page.click("#intake-submit")

    # The application: its checklist (R8.1) and the results of the checks.
    page.wait_for_selector("#page-application")
    assert _state(page) == "received"
    boxes = page.locator('#accept-form input[name="documents"]')
    assert boxes.count() >= 1
    assert page.locator("#check-results tr[data-check]").count() >= 5
    shot("4-checklist")
    for i in range(boxes.count()):
        boxes.nth(i).check()
    page.click("#accept-submit")
    page.wait_for_selector("#issue-submit")
    assert _state(page) == "documents_accepted"
    shot("5-accepted")

    page.click("#issue-submit")
    page.wait_for_selector("#talon-pdf")
    assert _state(page) == "talon_issued"
    shot("6-talon-issued")

    # The talon's PDF, as the print link gives it.
    href = page.get_attribute("#talon-pdf", "href")
    pdf = page.request.get(f"{live_server.url}{href}")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    body = pdf.body()
    assert body.startswith(b"%PDF")
    (screenshots / f"desk-{lang}-talon.pdf").write_bytes(body)
    application = Application.objects.get(recipient=desk.person)
    assert application.state == "talon_issued" and application.talon_number

    # The person's card now shows the new attachment in its history.
    page.click("#person-link")
    page.wait_for_selector("#page-person")
    assert page.locator("#history-table tbody tr").count() == 1
    shot("7-person")
    page.click("#nav-population")
    page.wait_for_selector("#page-population")
    # The search is posted: the IIN never stands in the address.
    page.fill("#id_q", desk.person.iin)
    with page.expect_navigation():
        page.click("#search-submit")
    assert desk.person.iin not in page.url
    assert page.locator("#population tbody tr").count() == 1
    shot("8-population")


def test_a_scan_is_attached_and_listed_in_the_browser(
    page: Any, live_server: Any, desk: Desk, screenshots: Path, tmp_path: Path, settings: Any
) -> None:
    """Attach a scan of the identity document to an application, in Russian (R8.1)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    scope = scope_for(desk.users["specialist"])
    entry = services.Intake(recipient_iin=desk.person.iin, channel="desk", reason="choice")
    application = services.application_intake(
        scope=scope, intake=entry, by=desk.users["specialist"], looked_up_by=scope.actor
    )
    page.goto(f"{live_server.url}/workstation/login/")
    _switch_language(page, "ru")
    page.fill("#id_username", "specialist")
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_selector("#page-queue")
    page.goto(f"{live_server.url}/workstation/applications/{application.number}/")
    scan = tmp_path / "passport.png"
    scan.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    page.set_input_files("#scan-file-identity_document", str(scan))
    page.click("#scan-submit-identity_document")
    page.wait_for_selector("#scan-link-identity_document")
    row = page.inner_text('#scans-table tr[data-kind="identity_document"]')
    assert "PNG" in row and "specialist" in row
    page.screenshot(path=str(screenshots / "desk-ru-9-scan.png"), full_page=True)
    href = page.get_attribute("#scan-link-identity_document", "href")
    download = page.request.get(f"{live_server.url}{href}")
    assert download.status == 200 and download.headers["content-type"] == "image/png"
    assert download.headers["content-disposition"].startswith("attachment")


def _log_in(page: Any, live_server: Any, who: str, lang: str) -> None:
    page.goto(f"{live_server.url}/workstation/login/")
    _switch_language(page, lang)
    page.fill("#id_username", who)
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_selector("#page-queue")


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_head_admits_a_full_district_in_the_browser(
    page: Any, live_server: Any, desk: Desk, screenshots: Path, lang: str
) -> None:
    """The head sees the district the person chose is full and admits it with a reason; the
    page then says who admitted it, when and why (decision 10)."""
    full = DistrictFactory(provider=desk.provider, normative_size=0)
    scope = scope_for(desk.users["specialist"])
    entry = services.Intake(
        recipient_iin=desk.person.iin, channel="desk", reason="choice", district_id=full.pk
    )
    application = services.application_intake(
        scope=scope, intake=entry, by=desk.users["specialist"], looked_up_by=scope.actor
    )
    _log_in(page, live_server, "head", lang)
    page.goto(f"{live_server.url}/workstation/applications/{application.number}/")
    assert page.get_attribute('#check-results tr[data-check="district"]', "class") == "failed"
    page.fill("#id_reason", "Отбасы осы учаскеде / семья на этом участке")
    page.screenshot(path=str(screenshots / f"desk-{lang}-10-district-override.png"), full_page=True)
    with page.expect_navigation():
        page.click("#district-override-submit")
    assert "семья на этом участке" in page.inner_text("#district-override")
    assert page.get_attribute('#check-results tr[data-check="district"]', "class") == "ok"
    page.screenshot(path=str(screenshots / f"desk-{lang}-11-district-admitted.png"), full_page=True)
    with translation.override(lang):
        done = translation.gettext("District %(district)s admitted above its normative size.")
        done %= {"district": str(full)}
    assert done in page.inner_text("main")


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_a_talon_issued_without_the_key_shows_as_awaiting_the_e_signature(
    page: Any, live_server: Any, desk: Desk, screenshots: Path, lang: str, settings: Any
) -> None:
    """The provider's key is missing when the talon is issued (R3.1, decision 9): the
    application's page, the queue's filter and the person's card say it awaits the
    e-signature, and the public check says the paper is valid and shows what it records."""
    keys = Path(settings.EDS_PROVIDER_KEYS_DIR)
    settings.EDS_PROVIDER_KEYS_DIR = keys.parent / f"no-keys-{lang}"
    settings.EDS_PROVIDER_KEYS_DIR.mkdir(exist_ok=True)
    user = desk.users["specialist"]
    scope = scope_for(user)
    entry = services.Intake(recipient_iin=desk.person.iin, channel="desk", reason="choice")
    application = services.application_intake(
        scope=scope, intake=entry, by=user, looked_up_by=scope.actor
    )
    checklist = [r.kind for r in selectors.documents_required(application=application)]
    services.application_accept_documents(application=application, documents=checklist, by=user)
    decided = services.application_issue_talon(application=application, by=user)
    assert decided.talon_number
    shot = lambda name: page.screenshot(  # noqa: E731
        path=str(screenshots / f"desk-{lang}-{name}.png"), full_page=True
    )
    _log_in(page, live_server, "specialist", lang)
    page.goto(f"{live_server.url}/workstation/applications/{application.number}/")
    assert page.is_visible("#signature-pending")
    shot("12-signature-pending")
    page.goto(f"{live_server.url}/workstation/")
    page.select_option("#id_decided", "unsigned")
    with page.expect_navigation():
        page.click("#queue-search-submit")
    assert page.is_visible(f"#unsigned-{application.number}")
    shot("13-queue-unsigned")
    page.goto(f"{live_server.url}/workstation/persons/{application.recipient_id}/")
    assert page.is_visible(f"#history-unsigned-{application.number}")
    shot("14-person-unsigned")
    code = Talon.objects.get(number=decided.talon_number).code
    page.goto(f"{live_server.url}/verify/{code}")
    assert page.is_visible("#pending-facts")
    assert decided.talon_number in page.inner_text("table.talon-facts")
    shot("15-verify-unsigned")


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_a_telephone_caller_answers_the_questions_the_setting_names(
    page: Any, live_server: Any, desk: Desk, screenshots: Path, lang: str, settings: Any
) -> None:
    """BEKITU_PHONE_IDENTITY_QUESTIONS decides what the specialist asks a caller, and
    BEKITU_PHONE_IDENTITY_REQUIRED how many answers must match the register."""
    settings.PHONE_IDENTITY_QUESTIONS = ["birth_date", "patronymic", "house"]
    settings.PHONE_IDENTITY_REQUIRED = 2
    _log_in(page, live_server, "specialist", lang)
    page.click("#new-application")
    page.fill("#id_iin", desk.person.iin)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # The form shows what the chosen channel and applicant ask for (shown-when.js).
    assert page.is_checked('input[name="channel"][value="desk"]')
    assert page.is_visible("#identity-document") and page.is_hidden("#caller-identity")
    assert page.is_hidden("#poa") and page.is_hidden("#id_applicant_iin")
    page.check('input[name="applicant_role"][value="parent"]')
    assert page.is_visible("#id_applicant_iin") and page.is_hidden("#poa")
    page.check('input[name="applicant_role"][value="representative"]')
    assert page.is_visible("#poa")
    page.check('input[name="applicant_role"][value="self"]')
    assert page.is_hidden("#poa") and page.is_hidden("#id_applicant_iin")
    page.check('input[name="channel"][value="phone"]')
    assert page.is_visible("#caller-identity") and page.is_hidden("#identity-document")
    assert page.locator("#id_phone_street").count() == 0
    page.fill("#id_phone_birth_date", desk.person.birth_date.strftime("%d.%m.%Y"))
    page.fill("#id_phone_patronymic", "Wrong")
    address = desk.person.address
    page.fill("#id_phone_house", f"{address.house}{address.building}")
    page.locator("#caller-identity").screenshot(
        path=str(screenshots / f"desk-{lang}-16-caller-questions.png")
    )
    with page.expect_navigation():
        page.click("#intake-submit")
    page.wait_for_selector("#page-application")
    assert Application.objects.get(recipient=desk.person).channel == "phone"
