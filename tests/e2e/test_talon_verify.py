"""The talon's QR code, scanned and opened in a real browser (issue 4: the public check)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from bekitu.devtools.testpki import TestPki
from bekitu.talons.services import talon_issue, talon_pdf_make
from tests.factories import AttachmentFactory, ProviderFactory
from tests.talons.pdfcheck import qr_texts, render_png

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_scanned_qr_code_opens_the_check_in_each_language(
    page: Any,
    live_server: Any,
    eds_settings: Any,
    test_pki: TestPki,
    tmp_path: Path,
    screenshots: Path,
) -> None:
    eds_settings.PUBLIC_BASE_URL = live_server.url
    eds_settings.TALON_VERIFY_RATE = ""
    attachment = AttachmentFactory(provider=ProviderFactory(bin=test_pki.provider.bin))
    # pyHanko signs through asyncio.run, which cannot run inside Playwright's event loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        talon = pool.submit(
            talon_issue, attachment=attachment, application_number="A-E2E-1", channel="desk"
        ).result()
        pdf = pool.submit(talon_pdf_make, talon_id=talon.pk).result()
    [address] = qr_texts(render_png(pdf, tmp_path))
    assert address == f"{live_server.url}/verify/{talon.code}"

    page.goto(address)
    assert page.text_content("#verdict").strip().startswith("Authentic")
    assert attachment.person.iin not in page.content()
    for code in ("ru", "kk", "en"):
        with page.expect_navigation():
            page.click(f"form.lang button[value='{code}']")
        assert page.get_attribute("html", "lang") == code
        assert talon.number in page.text_content("main")
        page.screenshot(path=str(screenshots / f"talon-verify-{code}.png"), full_page=True)


def test_typed_code_is_checked_from_the_form_by_keyboard(
    page: Any, live_server: Any, screenshots: Path
) -> None:
    page.goto(live_server.url + "/verify/")
    page.focus("#code")
    page.keyboard.type("abcde-fghjk")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/verify/ABCDEFGHJK")
    assert "No talon has this code" in page.text_content("#verdict")
    page.screenshot(path=str(screenshots / "talon-verify-unknown.png"), full_page=True)
