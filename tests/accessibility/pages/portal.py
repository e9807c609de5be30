"""The citizen portal (its pages come with the portal's issue)."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse

from tests.accessibility.registry import Visit, pages
from tests.accessibility.world import World


@pages("portal:index")
def _index(world: World) -> Iterator[Visit]:
    yield Visit("portal", reverse("portal:index"))
