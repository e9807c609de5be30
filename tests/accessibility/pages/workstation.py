"""The provider workstation: each role, each state of an application, the forms with their
errors, and the status messages left by an action."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

from django.urls import reverse
from django.utils import timezone

from bekitu.service.reattachment.plan import (
    reattachment_assign,
    reattachment_confirm,
    reattachment_plan,
)
from bekitu.service.reattachment.run import reattachment_run
from bekitu.workstation.services import set_password_link, staff_create
from tests.accessibility.registry import Visit, not_a_page, pages
from tests.accessibility.world import STATES, World
from tests.factories import (
    AttachmentFactory,
    DistrictFactory,
    PersonFactory,
    ProviderFactory,
    StreetFactory,
)

for _name in ("accept", "issue", "refuse", "scan-attach", "district-override"):
    not_a_page(
        f"workstation:{_name}",
        "POST only: acts, then redirects to the application's page with a status message "
        "(checked there)",
    )
not_a_page("workstation:logout", "POST only: logs out and redirects to the login page")
not_a_page("workstation:pdf", "the talon's or refusal's PDF")
not_a_page("workstation:scan-file", "a scan's file, downloaded")

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _submit(page: Any, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


@pages("workstation:login")
def _login(world: World) -> Iterator[Visit]:
    url = reverse("workstation:login")

    def wrong_password(page: Any, base: str) -> None:
        page.fill("#id_username", "specialist")
        page.fill("#id_password", "not the password")
        _submit(page, "#login-submit")

    yield Visit("login", url)
    yield Visit("login: wrong password", url, drive=wrong_password)


@pages("workstation:set-password")
def _set_password(world: World) -> Iterator[Visit]:
    profile = staff_create(
        username="new-specialist",
        password=None,
        provider_bin=world.desk.provider.bin,
        role="statistics_specialist",
    )
    url = set_password_link(profile.user)

    def too_short(page: Any, base: str) -> None:
        page.fill("#id_new_password1", "1234")
        page.fill("#id_new_password2", "1234")
        _submit(page, "#set-password-submit")

    yield Visit("set password (one-time link)", url)
    yield Visit("set password: refused by the validators", url, drive=too_short, status=400)


@pages("workstation:index")
def _queue(world: World) -> Iterator[Visit]:
    url = reverse("workstation:index")
    for who in ("specialist", "head", "regional"):
        yield Visit(f"queue, {who}", url, user=who)
    yield Visit("queue, empty", url, user="other_specialist")

    def find(page: Any, base: str) -> None:
        page.fill("#id_q", world.desk.person.surname)
        _submit(page, "#queue-search-submit")

    def decided_on_no_day(page: Any, base: str) -> None:
        page.select_option("#id_decided", "day")
        _submit(page, "#queue-search-submit")

    yield Visit("queue: found by name", url, user="specialist", drive=find)
    yield Visit("queue: decided today", f"{url}?decided=today&state=all", user="regional")
    yield Visit(
        "queue: a day is missing", url, user="specialist", drive=decided_on_no_day, status=400
    )
    yield Visit("not staff", url, user="nonstaff", status=403)


@pages("workstation:intake")
def _intake(world: World) -> Iterator[Visit]:
    url = reverse("workstation:intake")

    def bad_iin(page: Any, base: str) -> None:
        page.fill("#id_iin", "123")
        _submit(page, "#lookup-submit")

    yield Visit("intake: find the person", url, user="specialist")
    yield Visit("intake: a wrong IIN", url, user="specialist", drive=bad_iin, status=400)


def _to_intake_person(iin: str, then: Callable[[Any], None] | None = None) -> Any:
    def drive(page: Any, base: str) -> None:
        page.goto(base + reverse("workstation:intake"))
        page.fill("#id_iin", iin)
        _submit(page, "#lookup-submit")
        if then is not None:
            then(page)

    return drive


@pages("workstation:intake-person")
def _intake_person(world: World) -> Iterator[Visit]:
    iin = world.unattached.iin

    def representative_without_power(page: Any) -> None:
        page.check('input[name="applicant_role"][value="representative"]')
        _submit(page, "#intake-submit")

    yield Visit("intake: the person", None, user="specialist", drive=_to_intake_person(iin))
    yield Visit(
        "intake: a representative without a power of attorney",
        None,
        user="specialist",
        drive=_to_intake_person(iin, representative_without_power),
        status=400,
    )


@pages("workstation:application")
def _application(world: World) -> Iterator[Visit]:
    for state in STATES:
        url = reverse("workstation:application", args=[world.applications[state].number])
        for who in ("specialist", "head"):
            yield Visit(f"application {state}, {who}", url, user=who)
    url = reverse("workstation:application", args=[world.applications["talon_issued"].number])
    yield Visit("application talon_issued, regional", url, user="regional")
    yield from _after_actions(world)


def _after_actions(world: World) -> Iterator[Visit]:
    """The application's page with the status message an action leaves."""

    def attach_scan(page: Any, base: str) -> None:
        page.set_input_files(
            "#scan-file-identity_document",
            {"name": "passport.png", "mimeType": "image/png", "buffer": PNG},
        )
        _submit(page, "#scan-submit-identity_document")

    def accept_nothing(page: Any, base: str) -> None:
        boxes = page.locator('#accept-form input[name="documents"]')
        for i in range(boxes.count()):
            boxes.nth(i).uncheck()
        _submit(page, "#accept-submit")

    for label, drive in (("scan attached", attach_scan), ("documents missing", accept_nothing)):
        number = world.application("received").number
        url = reverse("workstation:application", args=[number])
        yield Visit(f"application: {label}", url, user="specialist", drive=drive)

    def override(reason: str) -> Callable[[Any, str], None]:
        def drive(page: Any, base: str) -> None:
            page.fill("#id_reason", reason)
            _submit(page, "#district-override-submit")

        return drive

    # The head admits a district above its size: the page then says who, when and why.
    number = world.application("received").number
    url = reverse("workstation:application", args=[number])
    yield Visit(
        "application: district admitted above its size",
        url,
        user="head",
        drive=override("The family's other children are there."),
    )


@pages("workstation:person")
def _person(world: World) -> Iterator[Visit]:
    attached = world.applications["talon_issued"].recipient_id
    unattached = world.applications["received"].recipient_id
    yield Visit("person with history", reverse("workstation:person", args=[attached]), "head")
    yield Visit(
        "person not attached", reverse("workstation:person", args=[unattached]), "specialist"
    )


@pages("workstation:population")
def _population(world: World) -> Iterator[Visit]:
    url = reverse("workstation:population")

    def search(query: str) -> Callable[[Any, str], None]:
        def drive(page: Any, base: str) -> None:
            page.fill("#id_q", query)
            _submit(page, "#search-submit")

        return drive

    yield Visit("population", url, user="specialist")
    yield Visit("population, regional", url, user="regional")
    yield Visit("population: found", url, user="specialist", drive=search(world.desk.person.iin))
    yield Visit("population: nobody", url, user="specialist", drive=search("Nobody-such"))


not_a_page(
    "workstation:reattachment-assign",
    "POST only: sends persons to a district, then redirects to the plan with a status message",
)
not_a_page(
    "workstation:reattachment-confirm",
    "POST only: confirms the plan, then redirects to it with a status message (checked there)",
)
not_a_page("workstation:reattachment-progress", "JSON: the plan's progress, polled by its page")


def _reattachment_plans(world: World) -> dict[str, str]:
    """Two closing providers of the region: one planned (a person no district serves, to
    decide by hand), one confirmed and carried out."""
    if "reattachments" in world.extra:
        return world.extra["reattachments"]  # type: ignore[no-any-return]
    desk = world.desk
    numbers = {}
    for state in ("planned", "done"):
        closing = ProviderFactory(locality=desk.provider.locality)
        district = DistrictFactory(provider=closing)
        served = PersonFactory(address__street=desk.person.address.street)
        unserved = PersonFactory(address__street=StreetFactory(locality=desk.provider.locality))
        for person in (served, unserved):
            AttachmentFactory(person=person, provider=closing, district=district)
        plan = reattachment_plan(
            provider=closing,
            kind="provider_closed",
            on=timezone.localdate() + dt.timedelta(days=7),
            kato_prefix=desk.provider.atu_code[:2],
            planned_by="staff:regional",
        )
        if state == "done":
            reattachment_assign(plan=plan, person_ids=[unserved.pk], district=desk.district)
            reattachment_confirm(plan=plan, confirmed_by="staff:regional")
            reattachment_run(plan_id=plan.pk)
        numbers[state] = plan.number
    world.extra["reattachments"] = numbers
    return numbers


@pages("workstation:reattachments")
def _reattachments(world: World) -> Iterator[Visit]:
    _reattachment_plans(world)
    url = reverse("workstation:reattachments")

    def empty_form(page: Any, base: str) -> None:
        _submit(page, "#plan-submit")

    yield Visit("re-attachment plans", url, user="regional")
    yield Visit("re-attachment: new plan with errors", url, user="regional", drive=empty_form)
    yield Visit("re-attachment, not regional", url, user="head", status=403)


@pages("workstation:reattachment")
def _reattachment(world: World) -> Iterator[Visit]:
    numbers = _reattachment_plans(world)
    planned = reverse("workstation:reattachment", args=[numbers["planned"]])

    def confirm_too_early(page: Any, base: str) -> None:
        _submit(page, "#confirm-submit")

    yield Visit("re-attachment planned", planned, user="regional")
    yield Visit(
        "re-attachment: confirmed too early", planned, user="regional", drive=confirm_too_early
    )
    done = reverse("workstation:reattachment", args=[numbers["done"]])
    yield Visit("re-attachment done", done, user="regional")
