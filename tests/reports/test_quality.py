"""The service report: applications by channel and outcome, refusals by reason, each step's
working minutes (median, p90, share in time), the weeks, and the breaches (R5.1-R5.3)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from bekitu.reports.quality import service_report, service_tables
from bekitu.service import services
from bekitu.service.step_times import step_time_summary, step_times
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
