"""Reports: statistics and service-quality figures."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse

from tests.accessibility.registry import Visit, pages
from tests.accessibility.world import World


@pages("reports:index")
def _index(world: World) -> Iterator[Visit]:
    yield Visit("reports", reverse("reports:index"), user="head")
