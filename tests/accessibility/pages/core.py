"""The start page, the API's documentation and the error pages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse

from tests.accessibility.registry import Visit, not_a_page, pages
from tests.accessibility.world import World

not_a_page("set_language", "POST only: sets the language and redirects back to the page")
not_a_page("api-schema", "the OpenAPI schema (YAML or JSON), shown by api-docs")
not_a_page("healthz", "JSON for load balancers: liveness")
not_a_page("readyz", "JSON for load balancers: readiness")
not_a_page("metrics", "Prometheus' text format for the monitoring")


@pages("start")
def _start(world: World) -> Iterator[Visit]:
    yield Visit("start page", reverse("start"))
    yield Visit("start page, logged in", reverse("start"), user="specialist")


@pages("api-docs")
def _api_docs(world: World) -> Iterator[Visit]:
    # Swagger UI draws the page from the schema with its script: wait for the operations. Its
    # controls and the schema are in English in every language, and the page says so.
    url = reverse("api-docs")

    def try_an_operation(page: Any, base: str) -> None:
        page.wait_for_selector(".opblock-summary-control")
        page.locator(".opblock-summary-control").first.click()
        page.locator(".try-out__btn").first.click()

    yield Visit("Swagger UI", url, ready=".opblock-tag", user="specialist", lang="en")
    yield Visit(
        "Swagger UI: an operation opened to try",
        url,
        user="specialist",
        drive=try_an_operation,
        ready=".btn.execute",
        lang="en",
    )


def _language(status: int) -> str | None:
    """The language the error page must say it is in: the chosen one when the project has its
    own (translated) page for the status; otherwise Django's built-in page, an English
    sentence that says lang="en"."""
    try:
        get_template(f"{status}.html")
    except TemplateDoesNotExist:
        return "en"
    return None


RAISE_URLCONF = {"ROOT_URLCONF": "tests.accessibility.urls_raising"}


@pages("error:400")
def _bad_request(world: World) -> Iterator[Visit]:
    yield Visit("400", "/__raise__/400/", status=400, settings=RAISE_URLCONF, lang=_language(400))


@pages("error:403")
def _forbidden(world: World) -> Iterator[Visit]:
    # The head of a provider may read, not take applications (R7).
    yield Visit(
        "403: the head at intake",
        reverse("workstation:intake"),
        user="head",
        status=403,
        lang=_language(403),
    )


@pages("error:404")
def _not_found(world: World) -> Iterator[Visit]:
    yield Visit("404", "/no-such-page/", status=404, lang=_language(404))
    yield Visit(
        "404: an application outside the scope",
        reverse("workstation:application", args=["NO-SUCH-1"]),
        user="specialist",
        status=404,
        lang=_language(404),
    )


@pages("error:429")
def _too_many_requests(world: World) -> Iterator[Visit]:
    # The public check of a talon is limited per client address.
    yield Visit(
        "429: too many checks of a talon",
        reverse("talons:verify", args=[world.talon_codes["current"]]),
        status=429,
        settings={"TALON_VERIFY_RATE": "0/min"},
        lang=_language(429),
    )


@pages("error:500")
def _server_error(world: World) -> Iterator[Visit]:
    yield Visit("500", "/__raise__/500/", status=500, settings=RAISE_URLCONF, lang=_language(500))
