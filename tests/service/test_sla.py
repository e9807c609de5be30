"""Term and SLA: each application's term (R5.3), 30 working minutes per action (R5.1, R5.2)
recorded on the steps, the periodic scan that flags near (80%) and past deadlines, and the
working time left."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from freezegun import freeze_time

from bekitu.core.models import AuditEntry
from bekitu.service import services, tasks
from bekitu.service.models import Application
from bekitu.service.monitoring import application_sla_scan
from bekitu.service.selectors import application_time_left
from bekitu.service.term import sla_status
from tests.factories import PersonFactory, ProviderFactory, ServiceAreaFactory

pytestmark = pytest.mark.django_db

ALMATY = ZoneInfo("Asia/Almaty")
# A refusal's written ground where no check failed (the register cannot see a forgery).
FORGED = "The identity document presented has been altered."


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A moment in November 2026 in Almaty (25th: Wednesday, 26th: Thursday, 28th: Saturday)."""
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=ALMATY)


@pytest.fixture
def unsigned_provider(settings, tmp_path):
    """A provider without a signing key: its refusals are unsigned, so time can be frozen."""
    settings.EDS_PROVIDER_KEYS_DIR = tmp_path / "no-keys"
    return ProviderFactory()


@pytest.fixture
def person(unsigned_provider):
    area = ServiceAreaFactory(district__provider=unsigned_provider)
    return PersonFactory(birth_date=dt.date(1985, 3, 4), sex="male", address__street=area.street)


def received(person, provider, submitted: dt.datetime) -> Application:
    return services.application_create(
        channel="desk",
        recipient=person,
        provider=provider,
        reason="initial",
        submitted_at=submitted,
    )


def test_the_term_runs_one_working_day_and_action_1_has_30_minutes(person, unsigned_provider):
    app = received(person, unsigned_provider, at(25, 10))
    assert (app.term_start, app.deadline, app.action_due_at) == (
        at(25, 10),
        at(26, 10),
        at(25, 10, 30),
    )


def test_a_saturday_application_starts_its_term_on_monday_morning(person, unsigned_provider):
    app = received(person, unsigned_provider, at(28, 11))
    monday = dt.datetime(2026, 11, 30, 8, tzinfo=ALMATY)
    assert (app.term_start, app.action_due_at) == (monday, monday + dt.timedelta(minutes=30))


def test_a_late_action_is_recorded_as_breached_on_its_step(person, unsigned_provider):
    app = received(person, unsigned_provider, at(25, 10))
    with freeze_time(at(25, 10, 40)):
        app = services.application_accept_documents(
            application=app, documents=["identity_document"], by=None
        )
    step = app.steps.get(action="accept_documents")
    assert (step.due_at, step.breached) == (at(25, 10, 30), True)
    assert app.action_due_at == at(25, 11, 10)  # action 2: 30 working minutes from action 1
    with freeze_time(at(25, 11, 5)):
        app = services.application_refuse(
            application=app, reason_code="unreliable_data", by=None, comment=FORGED
        )
    refusal = app.steps.get(action="refuse")
    assert (refusal.due_at, refusal.breached) == (at(25, 11, 10), False)
    assert app.sla == "on_time" and app.action_due_at is None


def test_action_2_is_due_no_later_than_the_deadline(person, unsigned_provider):
    app = received(person, unsigned_provider, at(25, 10))
    with freeze_time(at(26, 9, 50)):
        app = services.application_accept_documents(
            application=app, documents=["identity_document"], by=None
        )
    assert app.action_due_at == app.deadline == at(26, 10)


def test_a_decision_after_the_deadline_breaches_the_term(person, unsigned_provider):
    app = received(person, unsigned_provider, at(25, 10))
    with freeze_time(at(26, 12)):
        app = services.application_refuse(
            application=app, reason_code="unreliable_data", by=None, comment=FORGED
        )
    assert app.sla == "breached"
    assert app.steps.get(action="refuse").breached


@pytest.mark.parametrize(
    ("now", "sla", "overdue"),
    [
        (at(25, 10, 20), "on_time", False),
        (at(25, 12), "on_time", True),
        (at(25, 19, 35), "on_time", True),  # 9 h 35 min of 12 h used
        (at(25, 19, 40), "near", True),  # 9 h 40 min: past 80 %
        (at(26, 9, 59), "near", True),
        (at(26, 10, 1), "breached", True),
    ],
)
def test_the_status_against_the_deadline(person, unsigned_provider, now, sla, overdue):
    app = received(person, unsigned_provider, at(25, 10))
    status = sla_status(app, now)
    assert (status.sla, status.action_overdue) == (sla, overdue)


def test_the_scan_flags_open_applications_and_audits_only_changes(person, unsigned_provider):
    near = received(person, unsigned_provider, at(25, 10))
    past = received(PersonFactory(), unsigned_provider, at(24, 9))
    decided = received(PersonFactory(), unsigned_provider, at(20, 9))
    with freeze_time(at(20, 10)):
        services.application_refuse(
            application=decided, reason_code="unreliable_data", by=None, comment=FORGED
        )
    report = application_sla_scan(now=at(25, 19, 45))
    assert (report.scanned, report.near, report.breached, report.actions_overdue) == (2, 1, 1, 2)
    near.refresh_from_db()
    past.refresh_from_db()
    assert (near.sla, near.action_overdue, past.sla) == ("near", True, "breached")
    assert near.sla_checked_at == at(25, 19, 45)
    flags = AuditEntry.objects.filter(action="service.application.sla_flag")
    assert flags.count() == 2
    application_sla_scan(now=at(25, 19, 50))
    assert flags.count() == 2


def test_time_left_is_working_time_and_negative_once_past(person, unsigned_provider):
    app = received(person, unsigned_provider, at(25, 10))
    assert application_time_left(app, at(25, 12)) == dt.timedelta(hours=10)
    assert application_time_left(app, at(26, 11)) == -dt.timedelta(hours=1)


def test_a_decided_application_keeps_the_time_it_had_left(person, unsigned_provider):
    app = received(person, unsigned_provider, at(25, 10))
    with freeze_time(at(25, 18)):
        app = services.application_refuse(
            application=app, reason_code="unreliable_data", by=None, comment=FORGED
        )
    assert application_time_left(app, at(30, 12)) == dt.timedelta(hours=4)


def test_the_periodic_task_runs_the_scan_and_is_scheduled(person, unsigned_provider):
    received(person, unsigned_provider, at(25, 10))
    result = tasks.sla_scan()
    assert result["scanned"] == 1
    entry = settings.CELERY_BEAT_SCHEDULE["service-sla-scan"]
    assert entry["task"] == tasks.sla_scan.name == "service.tasks.sla_scan"


def test_before_its_term_starts_a_portal_request_has_its_whole_term_left(person, unsigned_provider):
    # Friday 27 November 2026, 18:30: less than two hours before closing, so the portal's term
    # starts on Monday at 08:00 and ends on Tuesday at 08:00; Friday's last hours are not its.
    app = services.application_create(
        channel="portal",
        recipient=person,
        provider=unsigned_provider,
        reason="initial",
        submitted_at=at(27, 18, 30),
    )
    monday, tuesday = at(30, 8), dt.datetime(2026, 12, 1, 8, tzinfo=ALMATY)
    assert (app.term_start, app.deadline) == (monday, tuesday)
    whole = dt.timedelta(hours=12)
    assert application_time_left(app, at(27, 18, 30)) == whole
    assert sla_status(app, at(27, 19)).time_left == whole
    assert application_time_left(app, at(30, 10)) == whole - dt.timedelta(hours=2)


def test_at_the_desk_the_term_starts_at_submission_until_closing(person, unsigned_provider):
    app = received(person, unsigned_provider, at(27, 18))
    assert (app.term_start, app.deadline) == (at(27, 18), at(30, 18))
    assert application_time_left(app, at(27, 18)) == dt.timedelta(hours=12)


def test_a_decision_made_while_the_scan_runs_keeps_its_breach(
    person, unsigned_provider, monkeypatch
):
    """The scan reads the open applications, then flags each: a specialist who decides one
    after the scan read it (late, past the deadline) is not undone by the scan writing the
    flag it computed for the application still open."""
    from bekitu.service import monitoring

    app = received(person, unsigned_provider, at(25, 10))
    judged = monitoring.sla_status

    def decided_meanwhile(application, now):
        status = judged(application, now)
        with freeze_time(at(26, 10, 5)):
            services.application_refuse(
                application=application, reason_code="unreliable_data", by=None, comment=FORGED
            )
        return status

    monkeypatch.setattr(monitoring, "sla_status", decided_meanwhile)
    application_sla_scan(now=at(26, 9, 59))

    app.refresh_from_db()
    assert (app.state, app.sla) == ("refused", "breached")
