"""No page escapes the accessibility check: every routed address and every error page has an
entry in tests/accessibility/pages/ (or is named there as not a page, with the reason).
Runs without a browser, in the ordinary pass, so a new page fails here the day it lands."""

from __future__ import annotations

from tests.accessibility import registry
from tests.accessibility.routes import error_pages, routes


def test_every_routed_page_and_error_page_has_an_entry_in_the_check() -> None:
    registry.load()
    pages = {r.key for r in routes() if r.kind == "page"} | set(error_pages())
    missing = sorted(pages - set(registry.PAGES) - set(registry.NOT_PAGES))
    assert not missing, (
        "pages the accessibility check does not visit: "
        + ", ".join(missing)
        + ". Add their visits in tests/accessibility/pages/<app>.py (docs/accessibility.md)."
    )


def test_every_entry_of_the_check_names_a_page_that_exists() -> None:
    registry.load()
    known = {r.key for r in routes()} | set(error_pages())
    stale = sorted((set(registry.PAGES) | set(registry.NOT_PAGES)) - known)
    assert not stale, f"entries for addresses the site no longer has: {', '.join(stale)}"


def test_apis_and_redirects_are_told_apart_from_pages() -> None:
    kinds = {r.key: r.kind for r in routes()}
    assert kinds["api-docs"] == "page"  # Swagger UI renders a template
    assert kinds["api-schema"] == "api"
    assert kinds["workstation-api:applications"] == "api"
    assert kinds["workstation:application"] == "page"
    assert "redirect" in kinds.values()
