"""The figures of the term for the reports and the handbook, from the steps the service recorded.

Two selections: `service_figures` and `step_times` (the applications submitted in a period, for
the reports' service figures) and `step_statistics` (the steps recorded in a period within a
caller's scope, for the handbook's process mining). Both measure a step as `service.term` does
(`measured_steps`) and summarize with `summarize` (the median, and the nearest-rank 90th
percentile, to a tenth of a minute).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Case, Count, F, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from bekitu.core.audit import audit_record
from bekitu.core.calendar import (
    WorkingHours,
    working_time_between,
)
from bekitu.registry.selectors import provider_working_hours, providers_of
from bekitu.service.models import Application, ApplicationStep
from bekitu.service.selectors import Scope, applications_submitted
from bekitu.service.term import (
    STEP_LEAVING,
    STEPS,
    TERM,
    DurationSummary,
    StepTime,
    measured_steps,
    summarize,
    working_minutes,
)

if TYPE_CHECKING:
    pass

# --- The reports: applications submitted in a period -------------------------------------------


def step_times(
    *,
    first: dt.date,
    last: dt.date,
    provider_ids: Collection[int] | None = None,
    now: dt.datetime | None = None,
) -> list[StepTime]:
    """The steps of the applications submitted from `first` to `last` (days in the service's
    zone, both included) at the providers (all if None), with each one's term and the step
    each open application is waiting for, measured up to `now`."""
    applications = applications_submitted(first=first, last=last, provider_ids=provider_ids)
    steps = ApplicationStep.objects.filter(application__in=applications)
    return list(measured_steps(applications, steps, now or timezone.now()))


@dataclass(frozen=True)
class WeekFigures:
    """The applications whose term started in the week from `monday`, and the summary of the
    terms decided (`term.count` decided, `term.in_time` decided in time)."""

    monday: dt.date
    received: int
    term: DurationSummary


@dataclass(frozen=True)
class ServiceFigures:
    """The service report's figures of the term: per step (in the order of STEPS) the summary
    of the steps done, the weeks, and the steps not in time."""

    steps: dict[str, DurationSummary]
    weeks: list[WeekFigures]
    breaches: list[StepTime]


def _late(deadline: str) -> Q:
    """A step done after its own due time, or after the term's deadline without one."""
    return Q(due_at__isnull=False, at__gt=F("due_at")) | Q(due_at__isnull=True, at__gt=F(deadline))


def service_figures(
    *,
    first: dt.date,
    last: dt.date,
    provider_ids: Collection[int] | None = None,
    now: dt.datetime | None = None,
) -> ServiceFigures:
    """What `step_time_summary(step_times(...))` and the weeks and breaches of the same steps
    come to, counted from the working minutes the service recorded with each step: the
    database adds up the terms and says which steps were late, and only the late steps, the
    open applications and steps recorded without their minutes are measured here."""
    moment = now or timezone.now()
    zone = timezone.get_current_timezone()
    applications = applications_submitted(first=first, last=last, provider_ids=provider_ids)
    unrecorded = set(  # steps recorded before the service kept their minutes (none, mostly)
        ApplicationStep.objects.filter(application__in=applications, minutes__isnull=True)
        .exclude(from_state="")
        .values_list("application_id", flat=True)
    )
    measured = applications.filter(Q(decided_at__isnull=True) | Q(pk__in=unrecorded))
    summed = applications.filter(decided_at__isnull=False).exclude(pk__in=unrecorded)

    minutes: dict[str, list[float]] = defaultdict(list)
    in_time: dict[str, int] = defaultdict(int)
    weeks: dict[dt.date, tuple[list[float], list[bool]]] = defaultdict(lambda: ([], []))
    breaches: list[StepTime] = []

    def monday(day: dt.date) -> dt.date:
        return day - dt.timedelta(days=day.weekday())

    # The steps of decided applications: their recorded minutes; the late ones in full.
    steps = ApplicationStep.objects.filter(application__in=summed, from_state__in=STEP_LEAVING)
    late = Case(When(_late("application__deadline"), then=True), default=False)
    for source, worked, was_late in steps.values_list("from_state", "minutes", late).iterator():
        minutes[STEP_LEAVING[source]].append(worked)
        in_time[STEP_LEAVING[source]] += not was_late
    breaches.extend(_late_steps(steps.filter(_late("application__deadline"))))

    # Their terms: the sum of their steps' minutes up to the decision.
    terms = summed.annotate(
        day=TruncDate("term_start", tzinfo=zone),
        worked=Coalesce(
            Sum("steps__minutes", filter=Q(steps__at__lte=F("decided_at"))), Value(0.0)
        ),
        late=Case(When(decided_at__gt=F("deadline"), then=True), default=False),
    )
    for day, worked, was_late in terms.values_list("day", "worked", "late").iterator():
        term = round(worked, 6)
        minutes[TERM].append(term)
        in_time[TERM] += not was_late
        weeks[monday(day)][0].append(term)
        weeks[monday(day)][1].append(not was_late)
    breaches.extend(_late_terms(terms.filter(late=True)))

    # Open applications, and any whose steps were recorded without their minutes.
    for time in measured_steps(
        measured, ApplicationStep.objects.filter(application__in=measured), moment
    ):
        if not time.step:
            continue
        if time.done_at is not None:
            minutes[time.step].append(time.minutes)
            in_time[time.step] += time.in_time
            if time.step == TERM:
                week = weeks[monday(timezone.localdate(time.started_at, zone))]
                week[0].append(time.minutes)
                week[1].append(time.in_time)
        if not time.in_time:
            breaches.append(time)

    received: dict[dt.date, int] = defaultdict(int)
    per_day = applications.annotate(day=TruncDate("term_start", tzinfo=zone))
    for day, n in per_day.values("day").annotate(n=Count("pk")).values_list("day", "n"):
        received[monday(day)] += n
    return ServiceFigures(
        steps={step: summarize(minutes[step], in_time[step]) for step in STEPS if minutes[step]},
        weeks=[
            WeekFigures(day, received[day], summarize(weeks[day][0], sum(weeks[day][1])))
            for day in sorted(received)
        ],
        breaches=breaches,
    )


def _hours(provider_ids: Iterable[int]) -> dict[int, WorkingHours]:
    return {p.pk: provider_working_hours(p) for p in providers_of(ids=set(provider_ids))}


def _late_steps(steps: QuerySet[ApplicationStep]) -> list[StepTime]:
    """The recorded steps, late, each with when it started and by how much it was late."""
    previous = ApplicationStep.objects.filter(
        Q(at__lt=OuterRef("at")) | Q(at=OuterRef("at"), pk__lt=OuterRef("pk")),
        application_id=OuterRef("application_id"),
    ).order_by("-at", "-pk")
    rows = list(
        steps.annotate(previous_at=Subquery(previous.values("at")[:1]))
        .order_by("application_id", "at", "pk")
        .values_list(
            "application_id",
            "application__number",
            "application__provider_id",
            "application__channel",
            "from_state",
            "to_state",
            "at",
            "due_at",
            "outcome",
            "minutes",
            "previous_at",
            "application__term_start",
            "application__deadline",
        )
    )
    hours = _hours(row[2] for row in rows)
    late = []
    for (
        app,
        number,
        provider,
        channel,
        source,
        target,
        at,
        due,
        outcome,
        worked,
        before,
        term_start,
        deadline,
    ) in rows:
        due = due or deadline
        late.append(
            StepTime(
                application_id=app,
                number=number,
                provider_id=provider,
                channel=channel,
                step=STEP_LEAVING[source],
                started_at=max(before or term_start, term_start),
                done_at=at,
                due_at=due,
                minutes=worked or 0.0,  # only steps with their minutes recorded come here
                in_time=False,
                late_minutes=working_minutes(working_time_between(due, at, hours[provider])),
                outcome=outcome,
                from_state=source,
                to_state=target,
            )
        )
    return late


def _late_terms(terms: QuerySet[Any]) -> list[StepTime]:
    """The terms decided after their deadline, with by how much."""
    rows = list(
        terms.order_by("pk").values_list(
            "pk",
            "number",
            "provider_id",
            "channel",
            "term_start",
            "decided_at",
            "deadline",
            "worked",
        )
    )
    hours = _hours(row[2] for row in rows)
    return [
        StepTime(
            application_id=pk,
            number=number,
            provider_id=provider,
            channel=channel,
            step=TERM,
            started_at=term_start,
            done_at=decided,
            due_at=deadline,
            minutes=round(worked, 6),
            in_time=False,
            late_minutes=working_minutes(working_time_between(deadline, decided, hours[provider])),
        )
        for pk, number, provider, channel, term_start, decided, deadline, worked in rows
    ]


# --- The handbook: steps recorded in a period, grouped -------------------------------------


Grouping = Callable[[str, str, str], "str | None"]


def by_kind(channel: str, from_state: str, to_state: str) -> str:
    """The default grouping: one group per channel and transition."""
    return f"{channel}:{from_state}>{to_state}"


def step_statistics(
    *,
    scope: Scope,
    since: dt.datetime,
    until: dt.datetime,
    provider_id: int | None = None,
    group_by: Grouping = by_kind,
) -> dict[str, DurationSummary]:
    """Per group, by key, the summary of the steps recorded in [since, until) at the
    providers of the scope (or at the one of them asked for: one outside the scope reads
    nothing); `group_by` names a step's group from (channel, from state, to state), or None to
    leave it out. Audited: one row naming the providers and the period (no person is shown)."""
    in_scope = scope.providers()
    if provider_id is not None:
        in_scope = in_scope.filter(pk=provider_id)
    providers = list(in_scope.order_by("bin"))
    recorded = ApplicationStep.objects.filter(
        application__provider__in=[p.pk for p in providers], at__gte=since, at__lt=until
    ).exclude(from_state="")
    minutes: dict[str, list[float]] = defaultdict(list)
    in_time: dict[str, int] = defaultdict(int)
    # Steps recorded with their minutes: the database says which were late.
    unrecorded = set(recorded.filter(minutes__isnull=True).values_list("application_id", flat=True))
    late = Case(When(_late("application__deadline"), then=True), default=False)
    rows = recorded.exclude(application_id__in=unrecorded).values_list(
        "application__channel", "from_state", "to_state", "minutes", late
    )
    for channel, source, target, worked, was_late in rows.iterator():
        key = group_by(channel, source, target)
        if key is not None:
            minutes[key].append(worked)
            in_time[key] += not was_late
    # Applications with steps recorded before the service kept their minutes: measured.
    applications = Application.objects.filter(pk__in=unrecorded)
    steps = ApplicationStep.objects.filter(application__in=applications, at__lt=until)
    for time in measured_steps(applications, steps, until, terms=False):
        if not time.recorded or time.done_at is None or time.done_at < since:
            continue
        key = group_by(time.channel, time.from_state, time.to_state)
        if key is not None:
            minutes[key].append(time.minutes)
            in_time[key] += time.in_time
    result = {key: summarize(minutes[key], in_time[key]) for key in sorted(minutes)}
    # One provider is named by its BIN; a region by its KATO prefix, its BINs in the data.
    bins = [p.bin for p in providers]
    audit_record(
        action="service.step_statistics.read",
        object_type="registry.provider",
        object_id=bins[0] if len(bins) == 1 else f"kato:{scope.kato_prefix}",
        data={
            "since": since.isoformat(),
            "until": until.isoformat(),
            "groups": len(result),
            "providers": bins,
        },
    )
    return result
