"""The start page, the language switch and the admin, in a real browser (issue 2)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_start_page_links_every_part_of_the_service(page: Any, live_server: Any) -> None:
    page.goto(live_server.url + "/")
    hrefs = page.eval_on_selector_all("ul.cards a", "els => els.map(e => e.getAttribute('href'))")
    # Only parts that are built: a page saying "being built" is not a link to offer.
    assert hrefs == ["/workstation/", "/admin/", "/api/docs/", "/handbook/", "/reports/"]
    for href in hrefs:
        response = page.request.get(live_server.url + href)
        assert response.status < 400, href


def test_language_switch_changes_the_page_language_and_keeps_it(
    page: Any, live_server: Any, screenshots: Path
) -> None:
    page.goto(live_server.url + "/")
    for code in ("ru", "en", "kk"):
        with page.expect_navigation():
            page.click(f"form.lang button[value='{code}']")
        assert page.get_attribute("html", "lang") == code
        assert page.get_attribute(f"form.lang button[value='{code}']", "aria-current") == "true"
        page.screenshot(path=str(screenshots / f"start-{code}.png"), full_page=True)
    page.goto(live_server.url + "/verify/")
    assert page.get_attribute("html", "lang") == "kk"


def test_language_switch_works_with_the_keyboard(page: Any, live_server: Any) -> None:
    page.goto(live_server.url + "/")
    page.focus("form.lang button[value='ru']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_attribute("html", "lang") == "ru"


def test_admin_logs_in_and_lists_reference_data(
    page: Any, live_server: Any, django_user_model: Any, screenshots: Path
) -> None:
    django_user_model.objects.create_superuser("root", "root@example.kz", "S3cure-pass-1")
    page.goto(live_server.url + "/admin/")
    page.fill("#id_username", "root")
    page.fill("#id_password", "S3cure-pass-1")
    page.click("input[type=submit]")
    page.wait_for_selector("#content")
    for model in ("provider", "district", "doctor", "servicearea"):
        assert page.locator(f"a[href='/admin/registry/{model}/']").count() >= 1, model
    page.goto(live_server.url + "/admin/registry/provider/")
    assert page.locator("#result_list, p.paginator").count() >= 1
    for code, heading in (("kk", "Көрсетілетін қызметті берушілер"), ("ru", "Услугодатели")):
        with page.expect_navigation():
            page.click(f"form.admin-lang button[value='{code}']")
        assert page.get_attribute("html", "lang") == code
        assert heading in page.text_content("#nav-sidebar")
        page.screenshot(path=str(screenshots / f"admin-providers-{code}.png"), full_page=True)
