"""Reports: the index, the four reports (a head and the regional administrator), an export's
page; the export's actions, status and file are not pages."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse

from bekitu.reports.models import ReportRun
from tests.accessibility.registry import Visit, not_a_page, pages
from tests.accessibility.world import World

KINDS = ("attached-population", "movement", "service", "district-load")


@pages("reports:index")
def _index(world: World) -> Iterator[Visit]:
    yield Visit("reports", reverse("reports:index"), user="head")


@pages("reports:report")
def _reports(world: World) -> Iterator[Visit]:
    for kind in KINDS:
        yield Visit(f"report {kind}, head", reverse("reports:report", args=[kind]), user="head")
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
