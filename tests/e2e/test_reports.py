"""The reports in a real browser, in Kazakh and in Russian: a regional administrator logs in,
reads the four reports with their charts (each with its table), and exports the population as
XLSX, made by the background task and downloaded. Screenshots go to /tmp/bekitu-screenshots
(BEKITU_SCREENSHOTS): reports-<lang>-<n>-<report>.png."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from freezegun import freeze_time

from bekitu import celery_app
from bekitu.registry.selectors import today
from bekitu.registry.services import attachment_transfer
from bekitu.service import services
from tests.factories import AddressFactory, AttachmentFactory, PersonFactory
from tests.reports.conftest import PASSWORD, Region, build_region

pytestmark = pytest.mark.e2e
ALMATY = ZoneInfo("Asia/Almaty")


@pytest.fixture
def region(transactional_db: None) -> Region:
    return build_region()


@pytest.fixture
def figures(region: Region, settings: Any, tmp_path: Path, monkeypatch: Any) -> Region:
    """Sixty persons of every age at A and B, moves between them this year, and a few
    applications at A, some on time and some late."""
    settings.EDS_PROVIDER_KEYS_DIR = tmp_path / "no-keys"
    settings.REPORTS_DIR = tmp_path / "reports"
    monkeypatch.setattr(celery_app.conf, "CELERY_TASK_ALWAYS_EAGER", True)
    home = AddressFactory()
    day = today()
    for i in range(60):
        born = day - dt.timedelta(days=int(365.25 * ((i * 37) % 88)) + i)
        person = PersonFactory(birth_date=born, sex="female" if i % 3 else "male", address=home)
        provider, district = (region.a, region.a_gp) if i % 4 else (region.b, region.b_gp)
        AttachmentFactory(
            person=person, provider=provider, district=district, valid_from=dt.date(2020, 1, 1)
        )
        if i % 7 == 0:
            target = region.b_gp if provider == region.a else region.a_gp
            attachment_transfer(
                person=person,
                provider=target.provider,
                district=target,
                valid_from=day - dt.timedelta(days=30 + i),
                reason="choice",
                source="desk",
            )
    monday = day - dt.timedelta(days=day.weekday() + 7)
    for i in range(6):
        start = dt.datetime.combine(monday + dt.timedelta(days=i % 5), dt.time(10), ALMATY)
        app = services.application_create(
            channel="desk",
            recipient=PersonFactory(birth_date=dt.date(1985, 1, 1), address=home),
            provider=region.a,
            reason="choice",
            submitted_at=start,
        )
        with freeze_time(start + dt.timedelta(minutes=15 + 10 * i)):
            app = services.application_accept_documents(
                application=app, by=None, documents=["identity_document"]
            )
        with freeze_time(start + dt.timedelta(minutes=40 + 15 * i)):
            services.application_refuse(
                application=app, reason_code="unreliable_data", by=None, comment="Altered."
            )
    return region


def _switch_language(page: Any, lang: str) -> None:
    with page.expect_navigation():
        page.click(f'form.lang button[value="{lang}"]')
    assert page.get_attribute("html", "lang") == lang


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_reports_in_the_browser(
    page: Any, live_server: Any, figures: Region, screenshots: Path, lang: str, tmp_path: Path
) -> None:
    shot = lambda n, name: page.screenshot(  # noqa: E731
        path=str(screenshots / f"reports-{lang}-{n}-{name}.png"), full_page=True
    )
    page.goto(f"{live_server.url}/workstation/login/?next=/reports/")
    _switch_language(page, lang)
    page.fill("#id_username", "regional")
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_selector("#page-reports")
    shot(1, "index")

    page.click("#report-attached-population")
    page.wait_for_selector("#page-attached-population")
    assert page.is_visible("#pyramid-chart")
    assert page.locator("#pyramid-chart rect").count() == 20  # ten bands, two sexes
    assert page.locator("#pyramid-table tbody tr").count() == 11  # ten bands and the total
    assert page.text_content("#pyramid-chart-title")
    shot(2, "population")

    first = (today() - dt.timedelta(days=120)).isoformat()
    page.goto(f"{live_server.url}/reports/movement/?first={first}")
    assert page.is_visible("#flows-chart") and page.locator("#flows-chart path").count() >= 2
    assert page.locator("#flows-table tbody tr").count() >= 2
    shot(3, "movement")

    page.goto(f"{live_server.url}/reports/service/?first={first}")
    assert page.is_visible("#trend-chart")
    assert page.locator("#steps-table tbody tr").count() == 3  # action 1, action 2, the term
    assert page.locator("#breaches-table tbody tr").count() >= 1
    shot(4, "service")
    page.select_option("#breaches-sort-by", "late")  # most late first
    with page.expect_navigation():
        page.click("#breaches-sort-apply")
    assert "breaches_sort=late" in page.url and f"first={first}" in page.url
    cells = page.locator("#breaches-table tbody tr td:last-child").all_text_contents()
    late = [
        float("".join(c for c in text if c.isdigit() or c == ",").replace(",", "."))
        for text in cells
    ]
    assert len(late) >= 2 and late == sorted(late, reverse=True)

    page.goto(f"{live_server.url}/reports/district-load/")
    assert page.is_visible("#load-chart")
    shot(5, "load")

    page.goto(f"{live_server.url}/reports/attached-population/")
    page.click("#export-xlsx")
    page.wait_for_selector("#page-export")
    page.wait_for_selector("#export-file", state="visible")
    shot(6, "export")
    with page.expect_download() as download:
        page.click("#export-file")
    saved = tmp_path / "population.xlsx"
    download.value.save_as(saved)
    book = openpyxl.load_workbook(saved, read_only=True)
    pyramid = list(book[book.sheetnames[0]].iter_rows(values_only=True))
    assert pyramid[-1][-1] == 60  # everyone, counted in the file as on the page
