"""The register of pages the accessibility check visits (docs/accessibility.md).

Every routed address of the site is either a page here, with the visits that bring it into
its meaningful states, or named in `not_a_page` with the reason it is not one (a POST-only
action that redirects, a PDF, a JSON API). `test_every_page_is_checked` walks the URL
resolver and fails on an address that is neither, so a new page is checked the day it lands.

A page module under `tests/accessibility/pages/` registers its visits:

    @pages("reports:index")
    def _reports(world: World) -> Iterator[Visit]:
        yield Visit("reports, head", reverse("reports:index"), user="head")

The function runs before the browser opens (in a thread without an event loop, so it may
create rows, sign talons, post forms through Django's client); it gets the shared `World`
(`tests/accessibility/world.py`) and may add what its page needs to the database.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.accessibility.world import World

# Error pages are not routed: they are keyed "error:<status>" (Django's handlers and every
# <status>.html template of the project).
ERROR_PREFIX = "error:"


@dataclass(frozen=True)
class Visit:
    """One page in one state, as one user sees it.

    - `path`: the address to open (`reverse(...)`), or None when `drive` opens the page;
    - `user`: a key of `World.users` ("specialist", "head", "regional", "admin", ...), or None
      for a visitor who is not logged in;
    - `status`: the HTTP status the page answers with;
    - `drive(page, base_url)`: brings the page into its state after it opened (posts a form
      with errors, leaves a status message) or opens it itself; the check runs after it;
    - `ready`: a CSS selector to wait for before the check (pages drawn by scripts);
    - `settings`: Django settings in force while this page is visited;
    - `lang`: the language the page must declare on <html>, where it is not the chosen one
      by design (say why next to the visit); None: the chosen language;
    - `languages`: the languages the visit is made in, where not all three (say why next to
      the visit); None: kk, ru and en.
    """

    label: str
    path: str | None
    user: str | None = None
    status: int = 200
    drive: Callable[[Any, str], None] | None = None
    ready: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    lang: str | None = None
    languages: tuple[str, ...] | None = None

    def made_in(self, language: str) -> bool:
        return self.languages is None or language in self.languages


# Each page is checked in every state in Kazakh, the original; in Russian and English in its
# first state, as its entry yields them. A page's states differ in content (a form with its
# errors, an application in another step), not in what the language changes: the words, and
# the `lang` the page declares, which each language's visit of each page still checks.
EVERY_STATE = "kk"


def visits_in(language: str, visits: list[Visit]) -> list[Visit]:
    """The visits of one page made in the language."""
    made = [visit for visit in visits if visit.made_in(language)]
    return made if language == EVERY_STATE else made[:1]


Pages = Callable[["World"], Iterable[Visit]]

PAGES: dict[str, Pages] = {}
NOT_PAGES: dict[str, str] = {}


def pages(*names: str) -> Callable[[Pages], Pages]:
    """Register the visits of one or more routed names (`app:name`, or `error:404`)."""

    def register(function: Pages) -> Pages:
        for name in names:
            if name in PAGES:
                raise ValueError(f"{name} has two entries in the accessibility check")
            PAGES[name] = function
        return function

    return register


def not_a_page(name: str, reason: str) -> None:
    """Record that a routed name (or an unnamed route, by its pattern) is not a page."""
    if not reason.strip():
        raise ValueError(f"{name}: say why it is not a page")
    NOT_PAGES[name] = reason


def load() -> None:
    """Import every page module, so their entries are registered."""
    from tests.accessibility import pages as package

    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{module.name}")
