"""The citizen's whole way on the portal in a real browser (chromium), in Kazakh and Russian:
a login refused (R9.4), registration by signing the challenge with the authentication key
through ncalayer.js and the development stand-in for NCALayer (R9.1), a request for the
citizen's child picked by name and birth date from the population register's list (R9.5),
refused when signed with the authentication key (R9.7, nothing sent), then signed with the
signing key (R9.6), and the talon in the cabinet after the provider's side decided it
through the gateway."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.db import connections

from bekitu.devtools.ncalayer_dev import run_in_thread
from bekitu.devtools.testpki import PASSWORD as P12_PASSWORD
from bekitu.portal.models import Account, CitizenRequest
from tests.e2e.browsing import go
from tests.portal.conftest import (  # noqa: F401 - fixtures
    area,
    channel,
    child,
    citizen,
    drain,
    provider,
)

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PASSWORD = "Zhasyl-Alma-2026"

TEXTS = {
    "kk": {"not_registered": "тіркелгі тіркелмеген", "eds": "ЭЦҚ расталмады", "child": "балаңыз"},
    "ru": {
        "not_registered": "не зарегистрирована",
        "eds": "ЭЦП не подтверждена",
        "child": "ваш ребёнок",
    },
}


def _drain(transport: Any) -> None:
    try:
        drain(transport)
    finally:
        connections.close_all()


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_citizens_whole_way_for_their_child(
    page: Any,
    live_server: Any,
    transactional_db: None,
    settings: Any,
    test_pki: Any,
    citizen: Any,  # noqa: F811
    child: Any,  # noqa: F811
    provider: Any,  # noqa: F811
    channel: Any,  # noqa: F811
    tmp_path: Path,
    screenshots: Path,
    lang: str,
) -> None:
    base = live_server.url

    def shot(name: str) -> None:
        page.screenshot(path=str(screenshots / f"portal-{lang}-{name}.png"), full_page=True)

    page.goto(f"{base}/portal/login/")
    with page.expect_navigation():
        page.click(f'form.lang button[value="{lang}"]')
    assert page.get_attribute("html", "lang") == lang

    # R9.4: not registered yet.
    page.fill("#id_iin", citizen.iin)
    page.fill("#id_password", PASSWORD)
    go(page, "#login-submit")
    assert page.get_attribute("#error-summary", "data-code") == "not_registered"
    assert TEXTS[lang]["not_registered"] in page.inner_text("#error-summary")
    shot("1-login-refused")

    # R9.1: registration, the challenge signed with the authentication key.
    auth_key = test_pki.person_auth_p12(citizen.iin)
    with run_in_thread(p12_path=auth_key, password=P12_PASSWORD) as signer:
        settings.EDS_NCALAYER_URL = signer.url
        page.goto(f"{base}/portal/register/")
        page.fill("#id_iin", citizen.iin)
        page.check("input[name=way][value=eds]")
        go(page, "#register-next")
        page.fill("#id_password1", PASSWORD)
        page.fill("#id_password2", PASSWORD)
        shot("2-register")
        go(page, "#register-submit")  # signs through ncalayer.js, then submits
    assert page.url.endswith("/portal/cabinet/")
    assert Account.objects.get(iin=citizen.iin).proof == "eds"

    # R9.5: the request for the child.
    page.click("#new-request")
    page.wait_for_selector("#who-form")
    # The form shows what the choice of whom asks for (shown-when.js).
    assert page.is_hidden("#id_recipient_iin") and page.is_hidden("#field-dependant")
    page.check("input[name=applicant_role][value=representative]")
    assert page.is_visible("#id_recipient_iin") and page.is_hidden("#field-dependant")
    page.check("input[name=applicant_role][value=parent]")
    assert page.is_hidden("#id_recipient_iin") and page.is_visible("#field-dependant")
    # The child is picked from the register's list, by name and birth date: no IIN typed.
    choice = page.locator(f"input[name=dependant][value='{child.iin}']")
    label = page.inner_text(f"label[for='{choice.get_attribute('id')}']")
    assert child.given_name in label and "20.05.2018" in label
    assert TEXTS[lang]["child"] in label
    choice.check()
    shot("3-who")
    go(page, "#who-next")
    assert child.given_name in page.inner_text("#request-for")
    page.check(f"input[name=provider_bin][value='{provider.bin}']")
    page.select_option("#id_reason", "choice")
    page.fill("#id_phone", "+77015551234")
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(PDF)
    for field in page.query_selector_all("input[type=file]"):
        field.set_input_files(str(scan))
    shot("4-request")
    go(page, "#request-next")
    sign_url = page.url
    shot("5-sign")

    # R9.7: signed with the authentication key: refused on the page, nothing sent.
    with run_in_thread(p12_path=auth_key, password=P12_PASSWORD) as signer:
        settings.EDS_NCALAYER_URL = signer.url
        page.goto(sign_url)
        go(page, "#sign-submit")
    assert page.get_attribute("#error-summary", "data-code") == "wrong_key_usage"
    assert TEXTS[lang]["eds"] in page.inner_text("#error-summary")
    assert not CitizenRequest.objects.exists()
    shot("6-eds-refused")

    # R9.6: signed with the signing key: sent.
    sign_key = test_pki.person_sign_p12(citizen.iin)
    with run_in_thread(p12_path=sign_key, password=P12_PASSWORD) as signer:
        settings.EDS_NCALAYER_URL = signer.url
        page.goto(sign_url)
        go(page, "#sign-submit")
    request = CitizenRequest.objects.get()
    assert request.recipient_iin == child.iin
    assert page.get_attribute("#request-status", "data-status") == "sent"
    shot("7-sent")

    # The worker: relay, the provider's side, the answers back. In a thread of its own: the
    # talon's PDF is signed with asyncio, which Playwright's loop forbids in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(_drain, channel).result()
    page.reload()
    assert page.get_attribute("#request-status", "data-status") == "talon_issued"
    assert page.is_visible("#talon-pdf")
    steps = page.eval_on_selector_all("#timeline li", "items => items.map(i => i.dataset.status)")
    assert steps[-1] == "talon_issued" and steps[0] == "submitted"
    shot("8-talon-issued")
    go(page, "#nav-cabinet")
    shot("9-cabinet")


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_a_desk_talon_in_the_cabinet(
    page: Any,
    live_server: Any,
    transactional_db: None,
    settings: Any,
    citizen: Any,  # noqa: F811
    provider: Any,  # noqa: F811
    channel: Any,  # noqa: F811
    screenshots: Path,
    lang: str,
) -> None:
    """A talon issued at the provider's desk is in the citizen's cabinet, with its channel."""
    from django.utils import timezone

    from bekitu.core.models import User
    from tests.portal.test_desk_talons import _desk_talon

    user = User.objects.create_user(citizen.iin, iin=citizen.iin, password=PASSWORD)
    Account.objects.create(user=user, iin=citizen.iin, proof="eds", registered_at=timezone.now())
    number = _desk_talon(provider, citizen, "desk")
    # The worker, in a thread of its own (the PDF is signed with asyncio; see above).
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(_drain, channel).result()
    base = live_server.url
    page.goto(f"{base}/portal/login/")
    with page.expect_navigation():
        page.click(f'form.lang button[value="{lang}"]')
    page.fill("#id_iin", citizen.iin)
    page.fill("#id_password", PASSWORD)
    go(page, "#login-submit")
    assert number in page.inner_text("main")
    page.screenshot(path=str(screenshots / f"portal-{lang}-desk-talon-cabinet.png"), full_page=True)
    page.goto(f"{base}/portal/requests/{number}/")
    assert page.get_attribute("#request-channel", "data-channel") == "desk"
    assert page.is_visible("#talon-pdf")
    page.screenshot(path=str(screenshots / f"portal-{lang}-desk-talon.png"), full_page=True)
    assert CitizenRequest.objects.get(number=number).channel == "desk"
