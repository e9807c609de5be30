"""The strict Content-Security-Policy in a real browser (docs/security.md): the start page,
the workstation, the talon check, Swagger UI and the admin (with its date widgets) work and
the browser reports no blocked script, style or image."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bekitu.core.models import User
from tests.workstation.conftest import PASSWORD, Desk, build_desk

pytestmark = pytest.mark.e2e


@pytest.fixture
def desk(transactional_db: None, eds_settings: Any, test_pki: Any) -> Desk:
    return build_desk(test_pki)


def _watch(page: Any) -> list[str]:
    """Collect what the browser says about blocked content while the test browses."""
    problems: list[str] = []

    def on_console(message: Any) -> None:
        text = message.text
        if "Content Security Policy" in text or "Refused to" in text:
            problems.append(text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    return problems


def _login(page: Any, url: str, username: str, password: str) -> None:
    page.goto(url)
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.press("#id_password", "Enter")


def test_public_pages_and_the_workstation_run_under_the_policy(
    page: Any, live_server: Any, desk: Desk
) -> None:
    problems = _watch(page)
    for path in ("/", "/verify/", "/workstation/login/"):
        response = page.goto(live_server.url + path)
        assert "script-src 'self'" in response.headers["content-security-policy"]
    _login(page, f"{live_server.url}/workstation/login/", "specialist", PASSWORD)
    page.wait_for_selector("#page-queue")
    page.goto(f"{live_server.url}/workstation/population/")
    assert problems == []


def test_swagger_ui_renders_under_the_policy(
    page: Any, live_server: Any, transactional_db: None, screenshots: Path
) -> None:
    problems = _watch(page)
    page.goto(live_server.url + "/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title")
    page.wait_for_selector(".opblock-tag")
    page.screenshot(path=str(screenshots / "csp-api-docs.png"), full_page=False)
    assert problems == []


def test_the_admin_and_its_widgets_run_under_the_policy(
    page: Any, live_server: Any, transactional_db: None, screenshots: Path
) -> None:
    User.objects.create_superuser("root-admin", password=PASSWORD)
    problems = _watch(page)
    _login(page, f"{live_server.url}/admin/login/", "root-admin", PASSWORD)
    page.wait_for_selector("#content-main")
    assert (
        page.evaluate("getComputedStyle(document.querySelector('form.admin-lang')).display")
        == "flex"
    ), "the language switch's style sheet is applied"
    page.goto(f"{live_server.url}/admin/core/user/add/")
    page.wait_for_selector("#id_username")
    page.goto(f"{live_server.url}/admin/registry/provider/add/")
    page.wait_for_selector("form")
    page.screenshot(path=str(screenshots / "csp-admin-provider.png"), full_page=True)
    assert problems == []
