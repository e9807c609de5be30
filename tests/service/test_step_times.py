"""One definition of a step's working minutes for the handbook's process mining and the
reports' service figures: each step's duration and due time (R5.1, R5.2, R5.3), the median
and nearest-rank 90th percentile, the handbook's grouping by transition and the reports' named
steps."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bekitu.core.calendar import WorkingHours, add_working_time, working_time_between
from bekitu.core.models import AuditEntry
from bekitu.registry.models import Provider
from bekitu.service import services
from bekitu.service.models import Application, ApplicationStep
from bekitu.service.selectors import Scope
from bekitu.service.step_figures import service_figures, step_statistics, step_times
from bekitu.service.term import (
    TERM,
    StepTime,
    _Application,
    _Step,
    _times_of,
    percentile,
    step_minutes,
    step_time_summary,
    summarize,
)
from tests.factories import LocalityFactory, PersonFactory, ProviderFactory

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
    figures = summarize(values, len(values))
    assert figures.median is not None and figures.p90 is not None
    assert min(values) - 0.1 <= figures.median <= figures.p90 + 0.1
    assert figures.p90 <= max(values) + 0.1


def test_a_summary_counts_and_shares() -> None:
    summary = summarize([10.0, 20.0, 30.0, 100.0], in_time=3)
    assert (summary.count, summary.in_time, summary.median, summary.p90) == (4, 3, 25.0, 100.0)
    assert (summary.share_in_time, summary.breached, summary.breach_share) == (0.75, 1, 0.25)
    empty = summarize([], in_time=0)
    assert (empty.count, empty.median, empty.p90, empty.share_in_time) == (0, None, None, None)


def _application(provider: Provider, submitted: dt.datetime) -> Application:
    made = services.application_create(
        channel="desk",
        recipient=PersonFactory(),
        provider=provider,
        reason="initial",
        submitted_at=submitted,
    )
    # Read back: these tests write steps themselves, not through the instance that keeps
    # its latest step's time (`procedure.step_record`).
    return Application.objects.get(pk=made.pk)


def _step(
    app: Application, source: str, target: str, at: dt.datetime, due: dt.datetime | None = None
) -> None:
    ApplicationStep.objects.create(
        application=app,
        from_state=source,
        to_state=target,
        action="x",
        actor_label="t",
        at=at,
        due_at=due,
        breached=due is not None and at > due,
    )


@pytest.mark.django_db
def test_each_step_takes_the_working_minutes_since_the_step_before_it() -> None:
    provider = ProviderFactory()  # open 08:00-20:00
    for n, (accept, issue) in enumerate([(10, 20), (20, 40), (30, 60)]):
        app = _application(provider, TUESDAY + dt.timedelta(hours=n))
        start = TUESDAY + dt.timedelta(hours=n)
        _step(app, "received", "documents_accepted", start + dt.timedelta(minutes=accept))
        accepted = start + dt.timedelta(minutes=accept)
        due = accepted + dt.timedelta(minutes=30)
        _step(
            app, "documents_accepted", "talon_issued", accepted + dt.timedelta(minutes=issue), due
        )
    # One accepted at 19:50 and issued at 08:20 the next morning: 30 working minutes.
    evening = _application(provider, TUESDAY.replace(hour=14))
    _step(evening, "received", "documents_accepted", TUESDAY.replace(hour=19, minute=50))
    _step(
        evening,
        "documents_accepted",
        "talon_issued",
        TUESDAY.replace(hour=8, minute=20) + dt.timedelta(days=1),
    )

    figures = step_statistics(
        scope=Scope(provider=provider),
        since=TUESDAY - dt.timedelta(hours=2),
        until=TUESDAY + dt.timedelta(days=2),
    )
    accept = figures["desk:received>documents_accepted"]
    # 10, 20 and 30 minutes, and 14:00 to 19:50 (350).
    assert (accept.count, accept.median, accept.p90) == (4, 25, 350)
    assert accept.breached == 0  # no due time of its own: the term's deadline
    issue = figures["desk:documents_accepted>talon_issued"]
    assert (issue.count, issue.median, issue.p90) == (4, 35, 60)
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
    assert [(key, s.count, s.median) for key, s in figures.items()] == [
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
    assert figures == {}


@pytest.mark.django_db
def test_the_handbook_and_the_reports_see_the_same_minutes() -> None:
    provider = ProviderFactory()
    for n, (accept, issue) in enumerate([(10, 20), (50, 40), (30, 5)]):
        start = TUESDAY + dt.timedelta(hours=n)
        app = _application(provider, start)
        accepted = start + dt.timedelta(minutes=accept)
        _step(app, "received", "documents_accepted", accepted, start + dt.timedelta(minutes=30))
        issued = accepted + dt.timedelta(minutes=issue)
        _step(
            app, "documents_accepted", "talon_issued", issued, accepted + dt.timedelta(minutes=30)
        )
        Application.objects.filter(pk=app.pk).update(state="talon_issued", decided_at=issued)
    handbook = step_statistics(
        scope=Scope(provider=provider), since=TUESDAY, until=TUESDAY + dt.timedelta(days=1)
    )
    reports = step_time_summary(
        step_times(
            first=TUESDAY.date(),
            last=TUESDAY.date(),
            provider_ids=[provider.pk],
            now=TUESDAY + dt.timedelta(days=1),
        )
    )
    for kind, step in (
        ("received>documents_accepted", "action_1"),
        ("documents_accepted>talon_issued", "action_2"),
    ):
        assert handbook[f"desk:{kind}"] == reports[step]
    assert (reports["action_1"].count, reports["action_1"].in_time) == (3, 2)
    assert (reports["action_2"].median, reports["action_2"].breached) == (20, 1)


HOURS = WorkingHours()
MONDAY = dt.datetime(2026, 2, 9, 7, 0, tzinfo=ALMATY)


@settings(deadline=None, max_examples=60)
@given(
    submitted=st.integers(0, 5 * 24 * 60),
    gaps=st.lists(st.integers(0, 3 * 24 * 60), min_size=1, max_size=4),
    decided=st.booleans(),
)
def test_the_steps_of_an_application_add_up_to_its_term(
    submitted: int, gaps: list[int], decided: bool
) -> None:
    """Over generated histories: a step starts where the one before it ended, so the working
    minutes of the steps add up to the term's; a step is late exactly when it ends after its
    due time, by the working minutes between the two."""
    start = MONDAY + dt.timedelta(minutes=submitted)
    term_start = add_working_time(start, dt.timedelta(0), HOURS)
    deadline = add_working_time(term_start, dt.timedelta(hours=12), HOURS)
    moments = [start]
    for gap in gaps:
        moments.append(moments[-1] + dt.timedelta(minutes=gap))
    states = ["received", "documents_accepted", "x", "y", "z"][: len(moments)]
    steps = [
        _Step(
            states[i - 1] if i else "",
            states[i],
            at,
            at - dt.timedelta(minutes=30) if i else None,
            "",
        )
        for i, at in enumerate(moments)
    ]
    app = _Application(
        1,
        "A-1",
        "desk",
        states[-1],
        1,
        term_start,
        deadline,
        moments[-1] if decided else None,
        None,
    )
    now = moments[-1] + dt.timedelta(days=2)
    times = list(_times_of(app, steps, HOURS, now))
    recorded = [t for t in times if t.recorded]
    assert len(recorded) == len(gaps)
    (term,) = [t for t in times if t.step == TERM]
    if decided:
        assert sum(t.minutes for t in recorded) == pytest.approx(term.minutes, abs=1e-6)
    for t in times:
        assert t.due_at is not None
        end = t.done_at or now
        assert t.in_time == (end <= t.due_at)
        late = working_time_between(t.due_at, end, HOURS).total_seconds() / 60
        assert t.late_minutes == (0 if t.in_time else pytest.approx(late))


history = st.lists(
    st.tuples(
        st.integers(0, 4 * 24 * 60),  # submitted, minutes after Monday 07:00
        st.lists(st.integers(0, 2 * 24 * 60), min_size=0, max_size=2),  # gaps between steps
        st.lists(st.one_of(st.none(), st.integers(0, 90)), min_size=2, max_size=2),  # due after
        st.booleans(),  # the service recorded the minutes with the steps
    ),
    min_size=1,
    max_size=6,
)


@pytest.mark.django_db
@settings(deadline=None, max_examples=25)
@given(history)
def test_the_recorded_minutes_give_the_figures_that_measuring_gives(
    applications: list[tuple[int, list[int], list[int | None], bool]],
) -> None:
    """Over generated histories: the service report's figures counted from the minutes
    recorded with the steps (`service_figures`) equal those measured step by step, and the
    handbook's figures of the same transitions equal them too."""
    provider = ProviderFactory()
    chain = ["received", "documents_accepted", "talon_issued"]
    for submitted, gaps, dues, recorded in applications:
        at = MONDAY + dt.timedelta(minutes=submitted)
        app = _application(provider, at)
        for n, gap in enumerate(gaps):
            at += dt.timedelta(minutes=gap)
            due = (
                None
                if dues[n] is None
                else at - dt.timedelta(minutes=gap) + dt.timedelta(minutes=dues[n])
            )
            ApplicationStep.objects.create(
                application=app,
                from_state=chain[n],
                to_state=chain[n + 1],
                action="x",
                actor_label="t",
                at=at,
                due_at=due,
                minutes=step_minutes(app, at) if recorded else None,
            )
        decided = len(gaps) == 2
        Application.objects.filter(pk=app.pk).update(
            state=chain[len(gaps)], decided_at=at if decided else None
        )
    first, last = MONDAY.date(), MONDAY.date() + dt.timedelta(days=4)
    now = MONDAY + dt.timedelta(days=9)
    times = [
        t for t in step_times(first=first, last=last, provider_ids=[provider.pk], now=now) if t.step
    ]
    figures = service_figures(first=first, last=last, provider_ids=[provider.pk], now=now)
    assert figures.steps == step_time_summary(times)
    # The handbook's figures of the same steps, from the same recorded minutes.
    handbook = step_statistics(scope=Scope(provider=provider), since=MONDAY, until=now)
    for kind, step in (
        ("received>documents_accepted", "action_1"),
        ("documents_accepted>talon_issued", "action_2"),
    ):
        assert handbook.get(f"desk:{kind}") == figures.steps.get(step)

    def breach(t: StepTime) -> tuple[int, str, bool, float]:
        return (t.application_id, t.step, t.done_at is None, round(t.late_minutes, 6))

    assert sorted(map(breach, figures.breaches)) == sorted(
        breach(t) for t in times if not t.in_time
    )
    terms = [t for t in times if t.step == TERM]
    assert sum(w.received for w in figures.weeks) == len(terms) == len(applications)
    assert sum(w.term.count for w in figures.weeks) == sum(t.done_at is not None for t in terms)


@pytest.mark.django_db
def test_a_region_reads_every_provider_and_its_audit_row_names_the_region() -> None:
    here = LocalityFactory(atu_code="631010000")
    providers = [ProviderFactory(locality=here) for _ in range(7)]
    for provider in providers:
        app = _application(provider, TUESDAY)
        _step(app, "received", "documents_accepted", TUESDAY + dt.timedelta(minutes=15))
    region = Scope(provider=providers[0], kato_prefix="63")
    figures = step_statistics(scope=region, since=TUESDAY, until=TUESDAY + dt.timedelta(days=1))
    assert figures["desk:received>documents_accepted"].count == 7
    audit = AuditEntry.objects.get(action="service.step_statistics.read")
    assert audit.object_id == "kato:63"  # seven BINs would not fit the audit row's object id
    assert sorted(audit.data["providers"]) == sorted(p.bin for p in providers)
