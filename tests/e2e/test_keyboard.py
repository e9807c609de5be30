"""The keyboard walks (docs/accessibility.md): a person who cannot use a mouse does the whole
job in a real browser with Tab, arrows, Space and Enter, sees where the focus is at every stop,
and hears what each action did.

- The desk (R5, R8): log in, intake by IIN, the intake form (a date field is one Tab stop),
  action 1, action 2, read the talon.
- The portal (R9.2, R9.5, R9.6, R9.12): log in, the request's two steps, sign through
  NCALayer (the development stand-in), read the talon. Choosing a file opens the system's own
  dialog, which a test cannot drive: the e-copies are given to their fields directly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bekitu.service.models import Application
from tests.factories import POA_DATE, POA_VALID_UNTIL
from tests.portal.conftest import area, channel, citizen, provider  # noqa: F401 - fixtures
from tests.workstation.conftest import PASSWORD, Desk, build_desk, document_of

pytestmark = pytest.mark.e2e

# The most Tab presses a walk may need to reach one control: more means the page hides it
# behind too many stops (or it is not reachable at all).
MOST_STOPS = 60

FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {id: el.id, tag: el.tagName.toLowerCase(), type: el.type || "",
          name: el.getAttribute("name") || "", text: (el.innerText || "").trim().slice(0, 80),
          outline: style.outlineStyle, width: parseFloat(style.outlineWidth) || 0};
}"""


@pytest.fixture
def desk(transactional_db: None, eds_settings: Any, test_pki: Any) -> Desk:
    return build_desk(test_pki)


def focused(page: Any) -> dict[str, Any]:
    """What has the focus, and the outline it is drawn with."""
    return page.evaluate(FOCUSED)


def focus_ring(stop: dict[str, Any]) -> bool:
    """Whether the focused element shows the site's focus ring (WCAG 2.4.7)."""
    return stop["outline"] != "none" and stop["width"] >= 2


def tab_to(page: Any, selector: str, stops: list[dict[str, Any]] | None = None) -> None:
    """Press Tab until the element matching `selector` has the focus; every stop on the way
    must show the focus ring. The stops passed are appended to `stops`."""
    for _ in range(MOST_STOPS):
        page.keyboard.press("Tab")
        stop = focused(page)
        if stops is not None:
            stops.append(stop)
        assert focus_ring(stop), f"no visible focus on {stop}"
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} not reached with {MOST_STOPS} Tab presses")


def await_focus(page: Any, element_id: str) -> None:
    """Wait until the element `element_id` has the focus. The browser moves the focus to an
    `autofocus` element at its next rendering step, after the page has loaded, so typing
    right after a navigation may otherwise land nowhere."""
    page.wait_for_function(
        "(id) => document.activeElement && document.activeElement.id === id", arg=element_id
    )


def press_and_load(page: Any, key: str) -> None:
    with page.expect_navigation():
        page.keyboard.press(key)


def assert_told(page: Any, words: str) -> None:
    """After an action the status message has the focus (so it is read out first) and says
    what happened."""
    page.wait_for_function("document.activeElement && document.activeElement.id !== ''")
    stop = focused(page)
    assert stop["id"] == "messages", f"the focus is on {stop}, not on the status message"
    assert words in page.inner_text("#messages")
    role = page.get_attribute("#messages > div", "role")
    assert role in ("status", "alert")


def test_the_desk_by_keyboard_alone(
    page: Any, live_server: Any, desk: Desk, screenshots: Path
) -> None:
    page.goto(f"{live_server.url}/workstation/login/")
    # Log in: the user name has the focus on arrival.
    await_focus(page, "id_username")
    page.keyboard.type("specialist")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    press_and_load(page, "Enter")
    page.wait_for_selector("#page-queue")

    # The queue's first field, its search, has the focus; the sections are a few Shift+Tab
    # presses back (each stop shows the focus ring).
    await_focus(page, "id_q")
    for _ in range(MOST_STOPS):
        page.keyboard.press("Shift+Tab")
        assert focus_ring(focused(page)), f"no visible focus on {focused(page)}"
        if focused(page)["id"] == "nav-intake":
            break
    assert focused(page)["id"] == "nav-intake"
    press_and_load(page, "Enter")

    # Intake, step 1: the IIN field has the focus.
    await_focus(page, "id_iin")
    page.keyboard.type(desk.person.iin)
    press_and_load(page, "Enter")
    page.wait_for_selector("#page-intake-person")

    # Intake, step 2: the identity document presented, then a representative with a power of
    # attorney, every field by keyboard.
    stops: list[dict[str, Any]] = []
    document = document_of(desk.person)
    tab_to(page, "#id_doc_number", stops)
    page.keyboard.type(document["doc_number"])
    for name in ("doc_birth_date", "doc_surname", "doc_given_name", "doc_patronymic"):
        page.keyboard.press("Tab")
        assert focused(page)["id"] == f"id_{name}"
        page.keyboard.type(document[name])
    tab_to(page, 'input[name="applicant_role"]', stops)
    for _ in range(3):  # self → parent → guardian → representative, with the arrow key
        page.keyboard.press("ArrowDown")
    assert page.is_checked('input[name="applicant_role"][value="representative"]')
    tab_to(page, "#id_applicant_iin", stops)
    page.keyboard.type(desk.elsewhere.iin)
    tab_to(page, "#id_poa_number", stops)
    page.keyboard.type("12-345")
    dates = (("#id_poa_date", POA_DATE), ("#id_poa_valid_until", POA_VALID_UNTIL))
    for field, day in ((field, f"{d:%d.%m.%Y}") for field, d in dates):
        page.keyboard.press("Tab")
        assert page.evaluate("(s) => document.activeElement.matches(s)", field)
        page.keyboard.type(day)
    # A date field is one Tab stop: the next Tab leaves it.
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "intake-submit"
    page.screenshot(path=str(screenshots / "keyboard-desk-1-intake.png"), full_page=True)
    press_and_load(page, "Enter")
    page.wait_for_selector("#page-application")
    application = Application.objects.get(recipient=desk.person)
    assert application.applicant_role == "representative"
    assert application.poa_date == POA_DATE
    assert_told(page, application.number)

    # Action 1: tick every document of the checklist with Space, then accept.
    boxes = page.locator('#accept-form input[name="documents"]')
    for i in range(boxes.count()):
        tab_to(page, f"#{boxes.nth(i).get_attribute('id')}")
        if not boxes.nth(i).is_checked():
            page.keyboard.press("Space")
        assert boxes.nth(i).is_checked()
    tab_to(page, "#accept-submit")
    press_and_load(page, "Enter")
    assert_told(page, "action 1")
    page.screenshot(path=str(screenshots / "keyboard-desk-2-accepted.png"), full_page=True)

    # Action 2: issue the talon; the message names it.
    tab_to(page, "#issue-submit")
    press_and_load(page, "Enter")
    application.refresh_from_db()
    assert application.state == "talon_issued"
    assert_told(page, application.talon_number)
    page.screenshot(path=str(screenshots / "keyboard-desk-3-issued.png"), full_page=True)

    # Read the talon: the print link opens its PDF.
    tab_to(page, "#talon-pdf")
    with page.context.expect_event("response") as answered:
        page.keyboard.press("Enter")
    pdf = answered.value
    assert pdf.url.endswith("/talon.pdf") and pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"


def test_a_date_typed_wrong_is_refused_with_the_format_it_wants(
    page: Any, live_server: Any, desk: Desk
) -> None:
    page.goto(f"{live_server.url}/workstation/login/")
    await_focus(page, "id_username")
    page.keyboard.type("specialist")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    press_and_load(page, "Enter")
    page.goto(f"{live_server.url}/workstation/intake/")
    await_focus(page, "id_iin")
    page.keyboard.type(desk.person.iin)
    press_and_load(page, "Enter")
    page.wait_for_selector("#page-intake-person")
    for name, value in document_of(desk.person).items():
        page.fill(f"#id_{name}", value)
    page.check('input[name="applicant_role"][value="representative"]')
    page.fill("#id_applicant_iin", desk.elsewhere.iin)
    page.fill("#id_poa_number", "1")
    page.fill("#id_poa_date", "31.02.2026")
    page.fill("#id_poa_valid_until", f"{POA_VALID_UNTIL:%d.%m.%Y}")
    page.focus("#intake-submit")
    press_and_load(page, "Enter")
    # The summary of what is wrong has the focus and links to the field. The browser moves the
    # focus to an `autofocus` element at its next rendering step, after the page has loaded.
    page.wait_for_function("document.activeElement && document.activeElement.id !== ''")
    assert focused(page)["id"] == "error-summary"
    assert "day.month.year" in page.inner_text("#error-summary")
    assert page.get_attribute("#id_poa_date", "aria-invalid") == "true"
    described = page.get_attribute("#id_poa_date", "aria-describedby").split()
    assert "id_poa_date_error" in described and "id_poa_date_helptext" in described
    tab_to(page, '#error-summary a[href="#id_poa_date"]')
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "id_poa_date"


def test_the_portal_by_keyboard_alone(
    page: Any,
    live_server: Any,
    transactional_db: None,
    settings: Any,
    test_pki: Any,
    citizen: Any,  # noqa: F811
    provider: Any,  # noqa: F811
    channel: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections
    from django.utils import timezone

    from bekitu.core.models import User
    from bekitu.devtools.ncalayer_dev import run_in_thread
    from bekitu.devtools.testpki import PASSWORD as P12_PASSWORD
    from bekitu.portal.models import Account, CitizenRequest
    from tests.portal.conftest import drain

    user = User.objects.create_user(citizen.iin, iin=citizen.iin, password=PASSWORD)
    Account.objects.create(user=user, iin=citizen.iin, proof="eds", registered_at=timezone.now())
    base = live_server.url

    # Log in.
    page.goto(f"{base}/portal/login/")
    tab_to(page, "#id_iin")
    page.keyboard.type(citizen.iin)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    press_and_load(page, "Enter")
    assert page.url.endswith("/portal/cabinet/")

    # The request, step 1: for myself (the first choice), all providers.
    tab_to(page, "#new-request")
    press_and_load(page, "Enter")
    tab_to(page, 'input[name="applicant_role"]')
    assert page.is_checked('input[name="applicant_role"][value="self"]')
    tab_to(page, "#who-next")
    press_and_load(page, "Enter")

    # Step 2: the provider with Space, the reason with the arrow keys, the phone typed.
    stops: list[dict[str, Any]] = []
    tab_to(page, f'input[name="provider_bin"][value="{provider.bin}"]', stops)
    page.keyboard.press("Space")
    assert page.is_checked(f'input[name="provider_bin"][value="{provider.bin}"]')
    tab_to(page, "#id_reason", stops)
    page.select_option("#id_reason", "choice")
    tab_to(page, "#id_phone", stops)
    page.keyboard.type("+77015551234")
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    for field in page.query_selector_all("input[type=file]"):
        field.set_input_files(str(scan))
    tab_to(page, "#request-next", stops)
    press_and_load(page, "Enter")

    # Sign and send through NCALayer (the development stand-in, the signing key).
    with run_in_thread(
        p12_path=test_pki.person_sign_p12(citizen.iin), password=P12_PASSWORD
    ) as signer:
        settings.EDS_NCALAYER_URL = signer.url
        page.reload()
        tab_to(page, "#sign-submit")
        press_and_load(page, "Enter")
    assert CitizenRequest.objects.get().status == "sent"
    assert_told(page, CitizenRequest.objects.get().number)

    def _drain() -> None:
        try:
            drain(channel)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(_drain).result()
    page.reload()
    page.screenshot(path=str(tmp_path / "keyboard-portal-request.png"), full_page=True)

    # Read the talon: the PDF link.
    tab_to(page, "#talon-pdf")
    with page.context.expect_event("response") as answered:
        page.keyboard.press("Enter")
    pdf = answered.value
    assert pdf.url.endswith("/talon.pdf") and pdf.status == 200
