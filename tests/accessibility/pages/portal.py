"""The citizen portal: its start, registration (both ways, with errors), login (with a
refusal), login with EDS, and the cabinet."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.urls import reverse
from django.utils import timezone

from tests.accessibility.registry import Visit, not_a_page, pages
from tests.accessibility.world import World
from tests.factories import PersonFactory

not_a_page("portal:logout", "POST only: logs out and redirects to the portal's start")

MEMORY_SMS = {"SMS_SENDER": "bekitu.core.sms.MemorySmsSender"}


def _submit(page: Any, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def _citizen(world: World) -> str:
    """A registered citizen of the world, logged in as `citizen`."""
    from bekitu.core.models import User
    from bekitu.portal.models import Account

    if "citizen" not in world.users:
        person = PersonFactory()
        user = User.objects.create_user(person.iin, iin=person.iin, password="Zhasyl-Alma-2026")
        Account.objects.create(user=user, iin=person.iin, proof="eds", registered_at=timezone.now())
        world.users["citizen"] = user
    return "citizen"


@pages("portal:index")
def _index(world: World) -> Iterator[Visit]:
    yield Visit("portal: start", reverse("portal:index"))


@pages("portal:register")
def _register(world: World) -> Iterator[Visit]:
    url = reverse("portal:register")
    iin = PersonFactory().iin

    def bad_iin(page: Any, base: str) -> None:
        page.fill("#id_iin", "123456789012")
        _submit(page, "#register-next")

    def by(way: str) -> Any:
        def drive(page: Any, base: str) -> None:
            page.fill("#id_iin", iin)
            page.check(f"input[name=way][value={way}]")
            _submit(page, "#register-next")

        return drive

    def weak_password(page: Any, base: str) -> None:
        by("sms")(page, base)
        page.fill("#id_code", "000000")
        page.fill("#id_password1", "123")
        page.fill("#id_password2", "123")
        _submit(page, "#register-submit")

    yield Visit("portal: register", url)
    yield Visit("portal: register, a wrong IIN", url, drive=bad_iin)
    yield Visit("portal: register, sign with EDS", url, drive=by("eds"))
    yield Visit("portal: register, SMS code", url, drive=by("sms"), settings=MEMORY_SMS)
    yield Visit("portal: register, weak password", url, drive=weak_password, settings=MEMORY_SMS)


@pages("portal:login")
def _login(world: World) -> Iterator[Visit]:
    url = reverse("portal:login")
    _citizen(world)
    iin = world.users["citizen"].username

    def wrong_password(page: Any, base: str) -> None:
        page.fill("#id_iin", iin)
        page.fill("#id_password", "not the password")
        _submit(page, "#login-submit")

    yield Visit("portal: login", url)
    yield Visit("portal: login, wrong password", url, drive=wrong_password)


@pages("portal:login-eds")
def _login_eds(world: World) -> Iterator[Visit]:
    url = reverse("portal:login-eds")
    _citizen(world)
    iin = world.users["citizen"].username

    def to_sign(page: Any, base: str) -> None:
        page.fill("#id_iin", iin)
        _submit(page, "#login-eds-next")

    yield Visit("portal: login with EDS", url)
    yield Visit("portal: login with EDS, the document to sign", url, drive=to_sign)


@pages("portal:cabinet")
def _cabinet(world: World) -> Iterator[Visit]:
    yield Visit("portal: cabinet", reverse("portal:cabinet"), user=_citizen(world))
