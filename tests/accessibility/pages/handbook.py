"""The business-process handbook (Appendices 1 and 2): the list, each diagram in the viewer
(with an element chosen), and the running process as a head sees it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.urls import reverse

from bekitu.handbook.diagrams import DIAGRAMS
from bekitu.handbook.mining import channels_of
from tests.accessibility.registry import Visit, not_a_page, pages
from tests.accessibility.world import World

not_a_page("handbook:pdf", "the printable handbook, a PDF")
not_a_page("handbook:source", "a diagram's BPMN XML, read by the viewer")
not_a_page("handbook:download", "a BPMN file, downloaded")

# bpmn-js draws the diagram into the canvas with its script.
DRAWN = "#bpmn-canvas svg"


@pages("handbook:index")
def _index(world: World) -> Iterator[Visit]:
    yield Visit("handbook", reverse("handbook:index"))


def _choose_an_element(page: Any, base: str) -> None:
    page.wait_for_selector(DRAWN)
    page.locator("button[data-element]").first.press("Enter")


@pages("handbook:diagram")
def _diagram(world: World) -> Iterator[Visit]:
    for diagram in DIAGRAMS.values():
        url = reverse("handbook:diagram", args=[diagram.id])
        yield Visit(f"diagram {diagram.id}", url, ready=DRAWN)
        if channels_of(diagram):
            yield Visit(
                f"diagram {diagram.id}, head: the running process", url, "head", ready=DRAWN
            )
    diagram = next(d for d in DIAGRAMS.values() if channels_of(d))
    url = reverse("handbook:diagram", args=[diagram.id])
    yield Visit(f"diagram {diagram.id}: an element chosen", url, drive=_choose_an_element)
    yield Visit(
        f"diagram {diagram.id}, head: a period that ends before it starts",
        f"{url}?since=2026-03-02&until=2026-03-01",
        "head",
        ready=DRAWN,
    )
