"""The selector behind process mining and the service-quality figures: each kind of step's
median and 90th percentile in working minutes (R5.1, R5.2, R5.3) and its breaches."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bekitu.core.models import AuditEntry
from bekitu.registry.models import Provider
from bekitu.service import services
from bekitu.service.models import Application, ApplicationStep
from bekitu.service.scope import Scope
from bekitu.service.step_statistics import percentile, step_statistics, summarize
from tests.factories import PersonFactory, ProviderFactory

ALMATY = ZoneInfo("Asia/Almaty")
TUESDAY = dt.datetime(2026, 2, 10, 10, 0, tzinfo=ALMATY)  # an ordinary working day


def test_the_90th_percentile_is_the_nearest_rank() -> None:
    assert percentile([30, 10, 20], 0.9) == 30
    assert percentile(list(range(1, 11)), 0.9) == 9
    assert percentile([5], 0.9) == 5
    with pytest.raises(ValueError):
        percentile([], 0.9)


@given(st.lists(st.floats(min_value=0, max_value=10_000), min_size=1, max_size=50))
def test_the_median_never_exceeds_the_90th_percentile(values: list[float]) -> None:
    figures = summarize("k", values, 0)
    assert min(values) - 0.1 <= figures.median_minutes <= figures.p90_minutes + 0.1
    assert figures.p90_minutes <= max(values) + 0.1


def _application(provider: Provider, submitted: dt.datetime) -> Application:
    return services.application_create(
        channel="desk",
        recipient=PersonFactory(),
        provider=provider,
        reason="initial",
        submitted_at=submitted,
    )


def _step(app: Application, source: str, target: str, at: dt.datetime, late: bool = False) -> None:
    ApplicationStep.objects.create(
        application=app,
        from_state=source,
        to_state=target,
        action="x",
        actor_label="t",
        at=at,
        breached=late,
    )


@pytest.mark.django_db
def test_each_step_takes_the_working_minutes_since_the_step_before_it() -> None:
    provider = ProviderFactory()  # open 08:00-20:00
    for n, (accept, issue) in enumerate([(10, 20), (20, 40), (30, 60)]):
        app = _application(provider, TUESDAY + dt.timedelta(hours=n))
        start = TUESDAY + dt.timedelta(hours=n)
        _step(app, "received", "documents_accepted", start + dt.timedelta(minutes=accept))
        done = start + dt.timedelta(minutes=accept + issue)
        _step(app, "documents_accepted", "talon_issued", done, late=issue > 30)
    # One accepted at 19:50 and issued at 08:20 the next morning: 30 working minutes.
    evening = _application(provider, TUESDAY.replace(hour=14))
    _step(evening, "received", "documents_accepted", TUESDAY.replace(hour=19, minute=50))
    _step(
        evening,
        "documents_accepted",
        "talon_issued",
        TUESDAY.replace(hour=8, minute=20) + dt.timedelta(days=1),
    )

    figures = {
        s.key: s
        for s in step_statistics(
            scope=Scope(provider=provider),
            since=TUESDAY - dt.timedelta(hours=2),
            until=TUESDAY + dt.timedelta(days=2),
        )
    }
    accept = figures["desk:received>documents_accepted"]
    # 10, 20 and 30 minutes, and 14:00 to 19:50 (350).
    assert (accept.count, accept.median_minutes, accept.p90_minutes) == (4, 25, 350)
    assert accept.breached == 0
    issue = figures["desk:documents_accepted>talon_issued"]
    assert (issue.count, issue.median_minutes, issue.p90_minutes) == (4, 35, 60)
    assert issue.breach_share == 0.5
    assert not any(key.endswith(">received") for key in figures)  # creation has no duration
    audit = AuditEntry.objects.get(action="service.step_statistics.read")
    assert audit.object_id == provider.bin and audit.subject_iin == ""


@pytest.mark.django_db
def test_only_the_period_and_the_providers_asked_for_count() -> None:
    mine, other = ProviderFactory(), ProviderFactory()
    for provider in (mine, other):
        app = _application(provider, TUESDAY)
        _step(app, "received", "documents_accepted", TUESDAY + dt.timedelta(minutes=15))
    later = _application(mine, TUESDAY + dt.timedelta(days=7))
    _step(later, "received", "documents_accepted", TUESDAY + dt.timedelta(days=7, minutes=45))
    figures = step_statistics(
        scope=Scope(provider=mine), since=TUESDAY, until=TUESDAY + dt.timedelta(days=1)
    )
    assert [(s.key, s.count, s.median_minutes) for s in figures] == [
        ("desk:received>documents_accepted", 1, 15)
    ]


@pytest.mark.django_db
def test_a_provider_outside_the_scope_reads_nothing() -> None:
    mine, other = ProviderFactory(), ProviderFactory()
    app = _application(other, TUESDAY)
    _step(app, "received", "documents_accepted", TUESDAY + dt.timedelta(minutes=15))
    figures = step_statistics(
        scope=Scope(provider=mine),
        provider_id=other.pk,
        since=TUESDAY,
        until=TUESDAY + dt.timedelta(days=1),
    )
    assert figures == []
