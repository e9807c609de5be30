"""The service report: applications by channel and outcome, refusals by reason, each step's
working minutes (median, p90, share in time), the weeks, and the breaches (R5.1-R5.3)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from freezegun import freeze_time
from lxml import html as lxml_html

from bekitu.reports import pages
from bekitu.reports.models import ReportRun
from bekitu.reports.quality import service_report, service_tables
from bekitu.service import services
from bekitu.service.models import Application
from bekitu.service.step_figures import step_times
from bekitu.service.term import step_time_summary
from tests.factories import PersonFactory
from tests.reports.conftest import day

pytestmark = pytest.mark.django_db
ALMATY = ZoneInfo("Asia/Almaty")


def at(d: int, hour: int, minute: int = 0) -> dt.datetime:
    """November 2026 in Almaty: the 25th is a Wednesday, the 26th a Thursday."""
    return dt.datetime(2026, 11, d, hour, minute, tzinfo=ALMATY)


@pytest.fixture
def applications(region, settings, tmp_path):
    """At A (opens 08:00-20:00): one on time, one late at every step, one still open."""
    settings.EDS_PROVIDER_KEYS_DIR = tmp_path / "no-keys"  # refusals unsigned: time can freeze
    quick, slow, waiting = (PersonFactory(birth_date=dt.date(1985, 3, 4)) for _ in range(3))

    def received(person, channel, when):
        return services.application_create(
            channel=channel, recipient=person, provider=region.a, reason="choice", submitted_at=when
        )

    def step(when, action, app, **kw):
        with freeze_time(when):
            return action(application=app, by=None, **kw)

    app = received(quick, "desk", at(25, 10))
    app = step(
        at(25, 10, 20), services.application_accept_documents, app, documents=["identity_document"]
    )
    step(
        at(25, 10, 40),
        services.application_refuse,
        app,
        reason_code="unreliable_data",
        comment="Altered.",
    )
    app = received(slow, "desk", at(25, 10))
    app = step(
        at(25, 10, 45), services.application_accept_documents, app, documents=["identity_document"]
    )
    step(
        at(26, 12),
        services.application_refuse,
        app,
        reason_code="unreliable_data",
        comment="Altered.",
    )
    received(waiting, "phone", at(25, 11))
    return region


def test_channels_outcomes_and_refusals(applications):
    r = applications
    report = service_report(
        first=day("2026-11-01"),
        last=day("2026-11-30"),
        provider_ids=frozenset({r.a.pk}),
        now=at(26, 12),
    )
    assert report.outcomes == {("desk", "refused"): 2, ("phone", "open"): 1}
    assert report.refusals == {"unreliable_data": 2}
    channels = {row["channel"]: row for row in service_tables(report).table("channels").as_dicts()}
    assert (channels["desk"]["received"], channels["desk"]["refused"]) == (2, 2)
    assert channels[""]["received"] == 3  # the total row


def test_working_minutes_per_step(applications):
    r = applications
    times = step_times(
        first=day("2026-11-25"), last=day("2026-11-25"), provider_ids=[r.a.pk], now=at(26, 12)
    )
    summary = step_time_summary(times)
    one, two, term = summary["action_1"], summary["action_2"], summary["term"]
    assert (one.count, one.in_time, one.median) == (2, 1, 32.5)  # 20 and 45 minutes
    # Action 2 of the slow one: 10:45 → 20:00 and 08:00 → 12:00 the next day: 795 minutes.
    assert (two.count, two.in_time, two.median) == (2, 1, (20 + 795) / 2)
    assert (term.count, term.in_time) == (2, 1)  # 40 minutes; 840 minutes, past the deadline
    assert term.p90 == 840.0  # the nearest rank of two


def test_breaches_name_the_step_and_how_late(applications):
    r = applications
    report = service_report(
        first=day("2026-11-25"),
        last=day("2026-11-25"),
        provider_ids=frozenset({r.a.pk}),
        now=at(26, 12),
    )
    late = {(t.number, t.step, t.done_at is None): t.late_minutes for t in report.breaches}
    slow, waiting = sorted({t.number for t in report.breaches})
    assert late == {
        (slow, "action_1", False): 15.0,  # due 10:30, done 10:45
        (slow, "action_2", False): 765.0,  # due 11:15, done the next day at 12:00
        (slow, "term", False): 120.0,  # due at 10:00 the next day
        (waiting, "action_1", True): 750.0,  # due 11:30, still waiting at 12:00 the next day
        (waiting, "term", True): 60.0,
    }


def test_a_region_wide_export_counts_breaches_per_provider(applications):
    r = applications
    report = service_report(
        first=day("2026-11-25"),
        last=day("2026-11-25"),
        provider_ids=frozenset({r.a.pk, r.b.pk}),
        now=at(26, 12),
    )
    listed = service_tables(report, with_list=True).table("breaches")
    counted = service_tables(report, with_list=False).table("breaches")
    assert "application" in [c.key for c in listed.columns] and len(listed.rows) == 5
    assert "application" not in [c.key for c in counted.columns]
    assert {(row["step"], row["count"]) for row in counted.as_dicts()} == {
        ("action_1", 2),
        ("action_2", 1),
        ("term", 2),
    }


def test_weeks_count_the_term(applications):
    r = applications
    report = service_report(
        first=day("2026-11-01"),
        last=day("2026-11-30"),
        provider_ids=frozenset({r.a.pk}),
        now=at(26, 12),
    )
    (week,) = report.weeks
    assert (week.monday, week.received, week.decided, week.decided_in_time) == (
        day("2026-11-23"),
        3,
        2,
        1,
    )


# --- The breach list: within the reader's scope, paged, sortable; aggregates region-wide --------

SERVICE_DAY = "/reports/service/?first=2026-11-25&last=2026-11-25"


def _breach_rows(content: bytes) -> list[list[str]]:
    tree = lxml_html.fromstring(content)
    return [
        [cell.text_content().strip() for cell in row.xpath("./th|./td")]
        for row in tree.xpath('//table[@id="breaches-table"]/tbody/tr')
    ]


def test_the_breach_list_is_paged_and_sorted_as_asked(applications, monkeypatch):
    monkeypatch.setattr(pages, "BREACHES_PER_PAGE", 2)
    client = applications.client("head")
    with freeze_time(at(26, 12)):
        first = client.get(SERVICE_DAY)
        second = client.get(f"{SERVICE_DAY}&breaches_page=2")
        last = client.get(f"{SERVICE_DAY}&breaches_page=3")
        late = client.get(f"{SERVICE_DAY}&breaches_sort=late")
        wrong = client.get(f"{SERVICE_DAY}&breaches_sort=nonsense&breaches_page=99")
    html = first.content.decode()
    assert "Breaches in all: 5." in html and "Page 1 of 3" in html
    tree = lxml_html.fromstring(first.content)
    (following,) = tree.xpath('//a[@id="breaches-next"]/@href')
    assert following.startswith("?first=2026-11-25&last=2026-11-25&breaches_sort=due&")
    assert following.endswith("breaches_page=2#breaches-heading")
    # By due time: the slow one's action 1 (due 10:30), then its action 2 (due 11:15).
    rows = [*_breach_rows(first.content), *_breach_rows(second.content)]
    rows += _breach_rows(last.content)
    assert len(rows) == 5 and len({tuple(r) for r in rows}) == 5
    assert [r[-1] for r in rows[:2]] == ["15.0", "765.0"]
    assert "Page 3 of 3" in last.content.decode() and len(_breach_rows(last.content)) == 1
    # Most late first: action 2 of the slow one, 765 working minutes.
    assert [r[-1] for r in _breach_rows(late.content)] == ["765.0", "750.0"]
    # An unknown order is the due time; a page past the end is the last one.
    assert _breach_rows(wrong.content) == _breach_rows(last.content)


def test_a_reader_lists_only_the_breaches_of_their_scope(applications):
    with freeze_time(at(26, 12)):
        other = applications.client("head_b").get(SERVICE_DAY)
        region = applications.client("regional").get(SERVICE_DAY)
        outside = applications.client("head_b").get(f"{SERVICE_DAY}&provider={applications.a.bin}")
    assert "Breaches in all: 0." in other.content.decode()
    assert len(_breach_rows(region.content)) == 5  # the region's page: within its scope
    assert {r[1] for r in _breach_rows(region.content)} == {applications.a.bin}
    assert outside.status_code == 200 and 'id="breaches-table"' not in outside.content.decode()


def test_region_wide_the_api_and_the_exports_count_breaches_and_name_no_application(
    applications, settings, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    from bekitu import celery_app

    monkeypatch.setattr(celery_app.conf, "CELERY_TASK_ALWAYS_EAGER", True)
    settings.REPORTS_DIR = tmp_path / "reports"
    numbers = set(Application.objects.values_list("number", flat=True))
    params = {"first": "2026-11-25", "last": "2026-11-25"}
    with freeze_time(at(26, 12)):
        regional = applications.api("regional").get("/api/v1/reports/service/", params)
        head = applications.api("head").get("/api/v1/reports/service/", params)
        files = {}
        for who in ("regional", "head"):
            for fmt in ("xlsx", "csv"):
                client = applications.client(who)
                with django_capture_on_commit_callbacks(execute=True):
                    asked = client.post(
                        "/reports/exports/",
                        {"kind": "service", "format": fmt, "table": "breaches", **params},
                    )
                run = ReportRun.objects.get(pk=asked["Location"].split("/")[-2])
                assert run.status == ReportRun.Status.DONE, run.error
                response = client.get(f"/reports/exports/{run.pk}/file")
                files[(who, fmt)] = b"".join(response.streaming_content)

    def table(body: dict, key: str) -> list[dict]:
        return next(t["rows"] for t in body["tables"] if t["key"] == key)

    counted = table(regional.json(), "breaches")
    assert {(r["provider_bin"], r["step"], r["count"]) for r in counted} == {
        (applications.a.bin, "action_1", 2),
        (applications.a.bin, "action_2", 1),
        (applications.a.bin, "term", 2),
    }
    assert {r["application"] for r in table(head.json(), "breaches")} == numbers - {
        a.number for a in Application.objects.filter(state="refused", decided_at__lt=at(25, 11))
    }
    regional_text = json.dumps(regional.json())
    assert not any(number in regional_text for number in numbers)
    # Re-read: the region's CSV and XLSX count per provider and name no application.
    rows = list(csv.DictReader(io.StringIO(files[("regional", "csv")].decode())))
    assert sum(int(r["count"]) for r in rows) == 5 and "application" not in rows[0]
    book = openpyxl.load_workbook(io.BytesIO(files[("regional", "xlsx")]), read_only=True)
    cells = {str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row}
    assert not cells & numbers
    assert {r["application"] for r in csv.DictReader(io.StringIO(files[("head", "csv")].decode()))}
    head_book = openpyxl.load_workbook(io.BytesIO(files[("head", "xlsx")]), read_only=True)
    head_cells = {
        str(c) for sheet in head_book for row in sheet.iter_rows(values_only=True) for c in row
    }
    assert len(head_cells & numbers) == 2
