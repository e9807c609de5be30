"""Reports: the index, the four reports (a head and the regional administrator), an export's
page; the export's actions, status and file are not pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.urls import reverse
from django.utils import timezone

from bekitu.reports.models import ReportRun
from bekitu.service import services
from tests.accessibility.registry import Visit, not_a_page, pages
from tests.accessibility.world import World
from tests.factories import PersonFactory

KINDS = ("attached-population", "movement", "service", "district-load")


@pages("reports:index")
def _index(world: World) -> Iterator[Visit]:
    yield Visit("reports", reverse("reports:index"), user="head")


def _waiting_too_long(world: World) -> dt.date:
    """Three applications at the head's provider, left waiting for action 1 since a fortnight
    ago: six breaches (the action and the term), so that the breach list has its order and
    its pages. The day they were received."""
    received = timezone.localdate() - dt.timedelta(days=14)
    for n in range(3):
        services.application_create(
            channel="desk",
            recipient=PersonFactory(address__street=world.desk.person.address.street),
            provider=world.desk.provider,
            reason="choice",
            submitted_at=dt.datetime.combine(
                received, dt.time(10, 10 * n), timezone.get_current_timezone()
            ),
        )
    return received


@pages("reports:report")
def _reports(world: World) -> Iterator[Visit]:
    for kind in KINDS:
        yield Visit(f"report {kind}, head", reverse("reports:report", args=[kind]), user="head")
    received = _waiting_too_long(world)
    yield Visit(
        "the service's breaches, sorted by lateness, two to a page",
        reverse("reports:report", args=["service"])
        + f"?first={received}&last={received}&breaches_sort=late&breaches_page=2",
        user="head",
        settings={"REPORTS_BREACHES_PER_PAGE": 2},
    )
    yield Visit(
        "population by district, region",
        reverse("reports:report", args=["attached-population"]) + "?by=district",
        user="regional",
    )


@pages("reports:export")
def _export(world: World) -> Iterator[Visit]:
    run = ReportRun.objects.create(
        kind="attached-population",
        format="xlsx",
        params={"as_of": "2026-11-20"},
        requested_by=world.users["head"],
        actor="staff:head",
    )
    yield Visit("an export being prepared", reverse("reports:export", args=[run.pk]), user="head")


not_a_page("reports:export-create", "POST only: queues an export and redirects to its page")
not_a_page("reports:export-status", "JSON: the export's status for the page's script")
not_a_page("reports:export-file", "the export's CSV or XLSX file")
