"""WCAG 2.1 A and AA on every page, in Kazakh, Russian and English (docs/accessibility.md).

axe-core (npm, installed at set-up) runs in Debian's chromium on the visits of the register
in tests/accessibility/pages/: in Kazakh each page in each state it can be in, as each user
who sees it; in Russian and English each page in its first state (`registry.visits_in`).
A test fails on any violation outside the allow-list (tests/accessibility/axe.py), on a page
whose `lang` is not the chosen language, on content the Content-Security-Policy blocked (a
style or script that never applied), and on an allow-list entry that matched nothing.
Findings also go to $BEKITU_SCREENSHOTS/a11y-<lang>-<part>.txt.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.test import Client, override_settings

from tests.accessibility import axe, registry
from tests.accessibility.registry import Visit
from tests.accessibility.world import World, build_world

pytestmark = pytest.mark.e2e


# The pages are checked in two parts per language, so that the e2e pass can spread six tests
# of about equal length over its workers: Django's admin (about half the visits) and the rest.
PARTS: dict[str, Callable[[str], bool]] = {
    "admin": lambda name: name.startswith("admin:"),
    "service": lambda name: not name.startswith("admin:"),
}


@dataclass(frozen=True)
class Planned:
    name: str
    visit: Visit


def _plan(test_pki: Any, part: str, lang: str) -> tuple[World, list[Planned], bool, dict[str, str]]:
    """Build the world, collect every visit of the part's pages made in the language (and
    whether that is all of them), log every user in (session cookies). Runs in a thread of its
    own: talons are signed with asyncio, which Playwright's loop forbids."""
    try:
        world = build_world(test_pki)
        registry.load()
        planned, every_visit = [], True
        for name, visits in sorted(registry.PAGES.items()):
            if not PARTS[part](name):
                continue
            found = list(visits(world))
            assert found, f"{name}: its entry in the accessibility check yields no visit"
            made = registry.visits_in(lang, found)
            planned.extend(Planned(name, visit) for visit in made)
            every_visit = every_visit and len(made) == len(found)
        cookies = {}
        for key, user in world.users.items():
            client = Client()
            client.force_login(user)
            cookies[key] = client.cookies[django_settings.SESSION_COOKIE_NAME].value
        return world, planned, every_visit, cookies
    finally:
        connections.close_all()


class Tabs:
    """One browser context per user (its session and the language cookie), one tab each,
    with axe-core loaded into every document before the page's own scripts."""

    def __init__(self, browser: Any, base: str, lang: str, sessions: dict[str, str]) -> None:
        self.browser, self.base, self.lang, self.sessions = browser, base, lang, sessions
        self.tabs: dict[str | None, Any] = {}
        self.blocked: list[str] = []
        self.statuses: list[int] = []
        self.source = axe.axe_source()

    def tab(self, user: str | None) -> Any:
        if user not in self.tabs:
            # Reduced motion: colours are measured as they end, not halfway through a transition.
            context = self.browser.new_context(
                viewport={"width": 1280, "height": 900}, reduced_motion="reduce"
            )
            context.set_default_timeout(15_000)
            cookies = [(django_settings.LANGUAGE_COOKIE_NAME, self.lang)]
            if user is not None:
                cookies.append((django_settings.SESSION_COOKIE_NAME, self.sessions[user]))
            context.add_cookies([{"name": n, "value": v, "url": self.base} for n, v in cookies])
            context.add_init_script(script=self.source)
            page = context.new_page()
            page.on("console", self._console)
            page.on("response", lambda r, page=page: self._response(page, r))
            self.tabs[user] = page
        return self.tabs[user]

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            self.blocked.append(message.text)

    def _response(self, page: Any, response: Any) -> None:
        if response.request.is_navigation_request() and response.frame == page.main_frame:
            self.statuses.append(response.status)

    def close(self) -> None:
        for page in self.tabs.values():
            page.context.close()


@contextmanager
def _settings(values: dict[str, Any]) -> Iterator[None]:
    if not values:
        yield
        return
    with override_settings(**values):
        yield


def _visit(tabs: Tabs, planned: Planned) -> tuple[list[axe.Finding], list[str]]:
    """Open one page in its state; the axe findings and what else is wrong with it."""
    visit, problems = planned.visit, []
    page = tabs.tab(visit.user)
    tabs.blocked.clear()
    tabs.statuses.clear()
    with _settings(visit.settings):
        if visit.path is not None:
            page.goto(tabs.base + visit.path)
        if visit.drive is not None:
            visit.drive(page, tabs.base)
    if visit.ready:
        page.wait_for_selector(visit.ready)
    status = tabs.statuses[-1] if tabs.statuses else None
    if status != visit.status:
        problems.append(f"answered {status}, expected {visit.status}")
    lang, expected = page.get_attribute("html", "lang"), visit.lang or tabs.lang
    if lang != expected:
        problems.append(f'<html lang="{lang}">, expected "{expected}"')
    problems += [f"blocked by the Content-Security-Policy: {text}" for text in tabs.blocked]
    return axe.check(page, planned.name, visit.label), problems


@pytest.mark.parametrize("part", list(PARTS))
@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_every_page_meets_wcag_21_aa(
    browser: Any,
    live_server: Any,
    transactional_db: None,
    eds_settings: Any,
    test_pki: Any,
    screenshots: Path,
    lang: str,
    part: str,
) -> None:
    eds_settings.TALON_VERIFY_RATE = ""  # the throttled visit sets its own rate
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=1) as pool:
        _world, plan, every_visit, sessions = pool.submit(_plan, test_pki, part, lang).result()
    timings = [f"{time.monotonic() - started:6.2f}s building the world"]
    tabs = Tabs(browser, live_server.url, lang, sessions)
    findings: list[axe.Finding] = []
    failures: list[str] = []
    try:
        for planned in plan:
            started = time.monotonic()
            found, problems = _visit(tabs, planned)
            timings.append(
                f"{time.monotonic() - started:6.2f}s {planned.name}: {planned.visit.label}"
            )
            findings += found
            failures += [f"[{planned.name}] {planned.visit.label}: {p}" for p in problems]
    finally:
        tabs.close()
    violations = [f for f in findings if axe.allowed_by(f) is None]
    used = {axe.allowed_by(f) for f in findings} - {None}
    # An entry's pages are all visited only where no visit was left out for the language.
    unused = [a for a in axe.ALLOWED if every_visit and PARTS[part](a.page) and a not in used]
    failures += [str(v) for v in violations]
    failures += [f"allow-list entry matched nothing: {a}" for a in unused]
    report = screenshots / f"a11y-{lang}-{part}.txt"
    summary = f"{len(plan)} visits of {len({p.name for p in plan})} pages ({part}) in {lang}"
    report.write_text("\n".join([summary, *failures, "", *timings]) + "\n", encoding="utf-8")
    assert not failures, f"{summary}: {len(failures)} problems\n" + "\n".join(failures)
