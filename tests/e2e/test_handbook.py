"""R10, R11 in a real browser: the handbook's diagrams render with bpmn-js under the strict
Content-Security-Policy, in Kazakh and Russian, and a click on an element shows its clause."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e


def _watch(page: Any) -> list[str]:
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(m.text)
        if "Content Security Policy" in m.text or "Refused to" in m.text
        else None,
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    return problems


@pytest.mark.parametrize(
    ("language", "clause_text", "role"),
    [
        ("kk", "Орындау ұзақтығы – 30 (отыз) минут", "Статистикалық кабинеттің маманы"),
        ("ru", "Продолжительность: 30 минут", "Специалист статистического отдела"),
    ],
)
def test_r11_clicking_action_1_on_the_diagram_shows_its_clause_role_and_duration(
    page: Any,
    live_server: Any,
    transactional_db: None,
    screenshots: Path,
    language: str,
    clause_text: str,
    role: str,
) -> None:
    problems = _watch(page)
    page.context.set_extra_http_headers({"Accept-Language": language})
    page.goto(f"{live_server.url}/handbook/provider/")
    page.wait_for_selector("#bpmn-canvas[data-ready='true']")
    page.click(".djs-element[data-element-id='Task_provider_action1']")
    panel = page.locator("#element-panel")
    assert role in panel.inner_text()
    assert clause_text in panel.inner_text()
    assert page.locator(".handbook-selected[data-element-id='Task_provider_action1']").count() == 1
    page.screenshot(path=str(screenshots / f"handbook-provider-{language}.png"))
    assert problems == []


def test_r10_appendix_1_shows_every_system_and_message(
    page: Any, live_server: Any, transactional_db: None, screenshots: Path
) -> None:
    problems = _watch(page)
    page.context.set_extra_http_headers({"Accept-Language": "ru"})
    page.goto(f"{live_server.url}/handbook/interaction/")
    page.wait_for_selector("#bpmn-canvas[data-ready='true']")
    assert page.locator(".djs-shape[data-element-id^='Participant_a1_']").count() == 7
    assert page.locator(".djs-connection[data-element-id^='Message_a1_']").count() == 17
    page.click("button[data-element='Task_a1_condition2']")
    assert "R9.6" in page.locator("#element-panel").inner_text()
    page.screenshot(path=str(screenshots / "handbook-interaction-ru.png"), full_page=True)
    assert problems == []


def test_r11_the_head_sees_the_running_process_on_the_diagram(
    page: Any, live_server: Any, transactional_db: None, screenshots: Path
) -> None:
    from tests.factories import ProviderFactory
    from tests.handbook.test_pages import _accepted_after, _staff

    provider = ProviderFactory()
    for minutes, late in ((10, False), (20, False), (45, True)):
        _accepted_after(provider, minutes, late=late)
    _staff(provider, "head", "head-e2e")
    problems = _watch(page)
    page.context.set_extra_http_headers({"Accept-Language": "ru"})
    page.goto(f"{live_server.url}/workstation/login/")
    page.fill("#id_username", "head-e2e")
    page.fill("#id_password", "x-Pass-12345")
    with page.expect_navigation():
        page.press("#id_password", "Enter")
    page.goto(f"{live_server.url}/handbook/provider/")
    page.wait_for_selector("#bpmn-canvas[data-ready='true']")
    badge = page.locator(".mining-badge[data-element='Task_provider_action1']")
    assert badge.count() == 1
    assert "33%" in badge.inner_text() and "mining-late" in (badge.get_attribute("class") or "")
    page.screenshot(path=str(screenshots / "handbook-mining-ru.png"), full_page=True)
    assert problems == []
