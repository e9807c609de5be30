"""The public check of a talon (the QR code leads there)."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse

from bekitu.talons.models import Refusal
from tests.accessibility.registry import Visit, not_a_page, pages
from tests.accessibility.world import World

not_a_page("talons:api-verify", "JSON API of the check")


@pages("talons:verify-form")
def _form(world: World) -> Iterator[Visit]:
    url = reverse("talons:verify-form")
    yield Visit("check: the form", url)
    yield Visit("check: a code too short", f"{url}?code=ABC")


@pages("talons:verify")
def _verdict(world: World) -> Iterator[Visit]:
    def at(code: str) -> str:
        return reverse("talons:verify", args=[code])

    yield Visit("check: authentic, current", at(world.talon_codes["current"]))
    yield Visit("check: superseded", at(world.talon_codes["superseded"]))
    yield Visit("check: no such talon", at("ABCDEFGHJK"), status=404)
    refused = Refusal.objects.get(number=world.applications["refused"].refusal_number)
    yield Visit("check: a refusal's own code", at(refused.code))
    yield Visit(
        "check: too many checks",
        at(world.talon_codes["current"]),
        status=429,
        settings={"TALON_VERIFY_RATE": "0/min"},
    )
