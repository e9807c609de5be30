"""The business-process handbook (Appendices 1 and 2)."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse

from tests.accessibility.registry import Visit, pages
from tests.accessibility.world import World


@pages("handbook:index")
def _index(world: World) -> Iterator[Visit]:
    yield Visit("handbook", reverse("handbook:index"))
