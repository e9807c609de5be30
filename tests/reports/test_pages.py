"""The report pages: who may read them, what each shows within the reader's scope, the audit
of every read, the pages in Kazakh and Russian, and exports made in the background."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from bekitu import celery_app
from bekitu.core.models import AuditEntry
from bekitu.reports.models import ReportRun
from tests.factories import AttachmentFactory
from tests.reports.conftest import day

pytestmark = pytest.mark.django_db
KINDS = ("attached-population", "movement", "service", "district-load")


@pytest.fixture
def populated(region):
    for _ in range(3):
        AttachmentFactory(provider=region.a, district=region.a_gp, valid_from=day("2025-01-01"))
    AttachmentFactory(provider=region.b, district=region.b_gp, valid_from=day("2025-01-01"))
    AttachmentFactory(provider=region.outside, district=region.far, valid_from=day("2025-01-01"))
    return region


@pytest.fixture
def eager(monkeypatch, settings, tmp_path):
    """Background tasks run at once in the test, and their files go to a temporary folder."""
    monkeypatch.setattr(celery_app.conf, "CELERY_TASK_ALWAYS_EAGER", True)
    settings.REPORTS_DIR = tmp_path / "reports"


def test_anonymous_readers_are_sent_to_log_in(client):
    response = client.get("/reports/")
    assert response.status_code == 302 and "/workstation/login/" in response["Location"]


def test_a_specialist_is_not_a_reader(region):
    response = region.client("specialist").get("/reports/attached-population/")
    assert response.status_code == 403
    assert b"head of a provider and the regional administrator" in response.content


@pytest.mark.parametrize("kind", KINDS)
def test_every_report_page_answers_and_audits_the_read(populated, kind):
    response = populated.client("head").get(f"/reports/{kind}/")
    assert response.status_code == 200
    entry = AuditEntry.objects.filter(action="reports.report.read").latest("at")
    assert (entry.actor, entry.object_id, entry.data["providers"]) == (
        "staff:head",
        kind,
        [populated.a.pk],
    )


def test_the_age_bands_are_shown_as_a_list_to_read(populated):
    """The bands' setting is "0,1-4,5-14,…"; a reader sees "0, 1-4, 5-14, …"."""
    client = populated.client("head")
    for path in ("/reports/", "/reports/attached-population/"):
        page = client.get(path).content.decode()
        assert "0, 1-4, 5-14, 15-17" in page and "0,1-4" not in page


def test_a_head_sees_their_provider_only(populated):
    r = populated
    page = r.client("head").get("/reports/attached-population/?as_of=2026-06-01")
    assert b"<strong>3</strong>" in page.content and r.b.bin.encode() not in page.content
    other = r.client("head").get(f"/reports/attached-population/?provider={r.b.bin}")
    assert other.status_code == 200 and b'role="alert"' in other.content
    assert b"<strong>" not in other.content  # no figures for a provider outside the scope


def test_the_regional_administrator_sees_the_region(populated):
    r = populated
    page = r.client("regional").get("/reports/attached-population/?as_of=2026-06-01&by=district")
    assert b"<strong>4</strong>" in page.content  # A and B, not the provider outside the region
    assert r.outside.bin.encode() not in page.content
    assert b'id="pyramid-chart"' in page.content and b"<title" in page.content


def test_bad_dates_are_explained_in_the_readers_language(populated):
    page = populated.client("head", "ru").get("/reports/movement/?first=2026-05-01&last=2026-01-01")
    assert "Период начинается позже, чем заканчивается.".encode() in page.content


@pytest.mark.parametrize(
    ("language", "heading"), [("kk", "Бекітілген халық"), ("ru", "Прикреплённое население")]
)
def test_pages_in_kazakh_and_russian(populated, language, heading):
    page = populated.client("head", language).get("/reports/attached-population/")
    assert f'lang="{language}"'.encode() in page.content and heading.encode() in page.content


def test_an_export_is_made_in_the_background_and_downloaded(
    populated, eager, django_capture_on_commit_callbacks
):
    client = populated.client("head")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/reports/exports/",
            {
                "kind": "attached-population",
                "format": "csv",
                "as_of": "2026-06-01",
                "table": "cells",
            },
        )
    run = ReportRun.objects.get()
    assert response["Location"] == f"/reports/exports/{run.pk}/"
    assert client.get(f"/reports/exports/{run.pk}/status").json()["status"] == "done"
    download = client.get(f"/reports/exports/{run.pk}/file")
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode())))
    assert rows[0] == ["provider_bin", "sex", "age_band", "count"]
    assert sum(int(row[3]) for row in rows[1:]) == 3
    assert download["Cache-Control"] == "private, no-store"
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"reports.export.request", "reports.export.made", "reports.export.download"} <= actions


def test_a_region_wide_export_holds_aggregates_only(
    populated, eager, django_capture_on_commit_callbacks
):
    client = populated.client("regional")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/reports/exports/",
            {"kind": "service", "format": "xlsx", "first": "2026-01-01", "last": "2026-06-01"},
        )
    run = ReportRun.objects.get()
    download = client.get(f"/reports/exports/{run.pk}/file")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)), read_only=True)
    breaches = book[next(n for n in book.sheetnames if n.startswith("Breaches"))]
    assert "Application" not in next(breaches.iter_rows(values_only=True))


def test_another_readers_export_does_not_exist_for_you(
    populated, eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        populated.client("head").post(
            "/reports/exports/", {"kind": "district-load", "format": "xlsx"}
        )
    run = ReportRun.objects.get()
    assert populated.client("head_b").get(f"/reports/exports/{run.pk}/file").status_code == 404
    assert populated.client("head_b").get(f"/reports/exports/{run.pk}/").status_code == 404


@pytest.mark.parametrize("path", ["/reports/", *(f"/reports/{kind}/" for kind in KINDS)])
def test_each_report_page_names_itself_once_in_its_title(populated, path):
    page = populated.client("head").get(path).content.decode()
    title = page.split("<title>", 1)[1].split("</title>", 1)[0]
    parts = [part.strip() for part in title.split("·")]
    assert len(parts) == len(set(parts)) and parts[-1] == "Bekitu", title
