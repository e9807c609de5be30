"""The term of an application and the time its steps take, in working minutes.

The term (R5.3 at the desk and by telephone, R9.13 through the portal) runs from submission for
one working day of the provider (`term_for`); `sla_status` says how near its deadline an open
application is. The 30 working minutes of actions 1 and 2 (R5.1, R5.2) are the due times of the
procedure's steps (`service.procedure`, `action_due`). Working time comes from
`bekitu.core.calendar` and the provider's hours.

How long each step of the procedure took, in working minutes, and whether it was in time:
the one definition behind the handbook's process mining and the reports' service figures.

A step's duration is the working time (the provider's hours on Kazakhstan's working days,
`core.calendar`) from the previous step of the same application, or from the start of the
term if that is later, to the step itself; the step that creates an application has none.
A step is in time when it was recorded by its due time: its own (R5.1, R5.2: 30 working
minutes for actions 1 and 2), else the term's deadline (R5.3, R9.13).

The reports name a step by the state it leaves: action 1 (R5.1, R8.1) leaves `received`,
action 2 (R5.2, R8.2) leaves `documents_accepted`, both by acceptance, talon or refusal; in
the portal channel registration (R9.9) leaves `submitted`, the check (R9.10) `registered`,
the decision (R9.11, R9.12) `checked`. The whole term runs from the term's start to the
decision; an open application's waiting step and term are measured up to now. The handbook
groups the same recorded steps by channel and transition, or by the diagram's element.

The reports' and the handbook's selections of these times are `service.step_figures`; both
measure through `measured_steps` and summarize with `summarize` (the median, and the
nearest-rank 90th percentile, to a tenth of a minute).
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from bekitu.core.calendar import (
    Term,
    WorkingHours,
    service_term,
    working_time_between,
)
from bekitu.core.vocabulary import State
from bekitu.registry.selectors import provider_working_hours, providers_of
from bekitu.service.models import Application, ApplicationStep

if TYPE_CHECKING:
    from bekitu.registry.models import Provider

# The share of the term's working time after which an application is flagged as near.
NEAR_SHARE = 0.8


def term_for(*, provider: Provider, submitted_at: dt.datetime, channel: str) -> Term:
    """The term of an application submitted at a moment to a provider through a channel
    (R5.3 at the desk and by telephone, R9.13 through the portal)."""
    return service_term(submitted_at, provider_working_hours(provider), channel)


@dataclass(frozen=True)
class SlaStatus:
    sla: str  # on_time, near, breached
    action_overdue: bool
    time_left: dt.timedelta
    used_share: float


def sla_status(application: Application, now: dt.datetime) -> SlaStatus:
    """Where an application stands against its deadline and its pending action's due time."""
    hours = provider_working_hours(application.provider)
    total = working_time_between(application.term_start, application.deadline, hours)
    used = working_time_between(application.term_start, now, hours)
    share = used / total if total > dt.timedelta(0) else 1.0
    if now > application.deadline:
        sla = "breached"
    elif share >= NEAR_SHARE:
        sla = "near"
    else:
        sla = "on_time"
    due = application.action_due_at
    return SlaStatus(
        sla=sla,
        action_overdue=due is not None and now > due,
        time_left=working_time_between(
            max(now, application.term_start), application.deadline, hours
        ),
        used_share=max(share, 0.0),
    )


# How long each step took.

ACTION_1 = "action_1"
ACTION_2 = "action_2"
REGISTRATION = "registration"
CHECK = "check"
DECISION = "decision"
TERM = "term"
STEPS = (ACTION_1, ACTION_2, REGISTRATION, CHECK, DECISION, TERM)

STEP_LEAVING: dict[str, str] = {
    State.RECEIVED: ACTION_1,
    State.DOCUMENTS_ACCEPTED: ACTION_2,
    State.SUBMITTED: REGISTRATION,
    State.REGISTERED: CHECK,
    State.CHECKED: DECISION,
}


# --- Summaries -------------------------------------------------------------------------------


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with at least `share` of the values
    at or below it (p90 of ten values is the ninth)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class DurationSummary:
    """Steps of one kind that were done: how many, how many in time, the median and 90th
    percentile of their working minutes (None when there were none)."""

    count: int
    in_time: int
    median: float | None
    p90: float | None

    @property
    def share_in_time(self) -> float | None:
        return self.in_time / self.count if self.count else None

    @property
    def breached(self) -> int:
        return self.count - self.in_time

    @property
    def breach_share(self) -> float:
        return self.breached / self.count if self.count else 0.0


def summarize(minutes: Sequence[float], in_time: int) -> DurationSummary:
    """Count, steps in time, median and p90 of a list of working minutes."""
    if not minutes:
        return DurationSummary(0, 0, None, None)
    return DurationSummary(
        count=len(minutes),
        in_time=in_time,
        median=round(statistics.median(minutes), 1),
        p90=round(percentile(minutes, 0.9), 1),
    )


# --- One step of one application ----------------------------------------------------------


@dataclass(frozen=True)
class StepTime:
    """One step of one application: the transition it records (`from_state` → `to_state`;
    none for the term; no `to_state` while waiting), its name in the reports (`step`, "" for
    a transition they do not name), when it started, when it was done (None: not yet), when
    it was due, its working minutes (up to now while not done), whether it is in time, and
    by how many working minutes it is late (0 when in time)."""

    application_id: int
    number: str
    provider_id: int
    channel: str
    step: str
    started_at: dt.datetime
    done_at: dt.datetime | None
    due_at: dt.datetime | None
    minutes: float
    in_time: bool
    late_minutes: float = 0.0
    outcome: str = ""
    from_state: str = ""
    to_state: str = ""

    @property
    def recorded(self) -> bool:
        """A transition recorded as an ApplicationStep (not the term, not a waiting step)."""
        return bool(self.from_state and self.to_state)


def step_time_summary(times: Iterable[StepTime]) -> dict[str, DurationSummary]:
    """Per step (in the order of STEPS), the summary of the steps that were done."""
    done: dict[str, list[StepTime]] = defaultdict(list)
    for time in times:
        if time.done_at is not None and time.step:
            done[time.step].append(time)
    return {
        step: summarize([t.minutes for t in done[step]], sum(t.in_time for t in done[step]))
        for step in STEPS
        if step in done
    }


# --- Measuring ---------------------------------------------------------------------------------


def working_minutes(span: dt.timedelta) -> float:
    return max(span.total_seconds(), 0.0) / 60.0


@dataclass(frozen=True)
class _Application:
    pk: int
    number: str
    channel: str
    state: str
    provider_id: int
    term_start: dt.datetime
    deadline: dt.datetime
    decided_at: dt.datetime | None
    action_due_at: dt.datetime | None


@dataclass(frozen=True)
class _Step:
    from_state: str
    to_state: str
    at: dt.datetime
    due_at: dt.datetime | None
    outcome: str
    minutes: float | None = None


_APPLICATION_FIELDS = [f for f in _Application.__dataclass_fields__]
_STEP_FIELDS = ["application_id", *_Step.__dataclass_fields__]


def measured_steps(
    applications: QuerySet[Application],
    steps: QuerySet[ApplicationStep],
    now: dt.datetime,
    *,
    terms: bool = True,
) -> Iterator[StepTime]:
    """Every step of the applications (the steps given, in order), and unless `terms` is
    False their terms and the step each open one is waiting for. One query for the
    applications, one for the steps."""
    apps = [
        _Application(*row) for row in applications.order_by("pk").values_list(*_APPLICATION_FIELDS)
    ]
    by_app: dict[int, list[_Step]] = defaultdict(list)
    for app_id, *row in steps.order_by("application_id", "at", "pk").values_list(*_STEP_FIELDS):
        by_app[app_id].append(_Step(*row))
    ids = {a.provider_id for a in apps}
    hours = {p.pk: provider_working_hours(p) for p in providers_of(ids=ids)}
    for app in apps:
        yield from _times_of(app, by_app[app.pk], hours[app.provider_id], now, terms=terms)


def _times_of(
    app: _Application,
    steps: list[_Step],
    hours: WorkingHours,
    now: dt.datetime,
    *,
    terms: bool = True,
) -> Iterator[StepTime]:
    def measure(
        name: str,
        start: dt.datetime,
        done: dt.datetime | None,
        due: dt.datetime,
        step: _Step | None = None,
        waiting: str = "",
    ) -> StepTime:
        start = max(start, app.term_start)
        end = done or max(now, start)
        late = working_minutes(working_time_between(due, end, hours)) if end > due else 0.0
        if step is not None and step.minutes is not None:
            minutes = step.minutes  # recorded with the step, by `step_minutes`
        else:
            minutes = (
                working_minutes(working_time_between(start, end, hours)) if end > start else 0.0
            )
        return StepTime(
            application_id=app.pk,
            number=app.number,
            provider_id=app.provider_id,
            channel=app.channel,
            step=name,
            started_at=start,
            done_at=done,
            due_at=due,
            minutes=minutes,
            in_time=end <= due,
            late_minutes=late,
            outcome=step.outcome if step else "",
            from_state=step.from_state if step else waiting,
            to_state=step.to_state if step else "",
        )

    previous_at = steps[0].at if steps else app.term_start
    for step in steps[1:]:
        name = STEP_LEAVING.get(step.from_state, "")
        yield measure(name, previous_at, step.at, step.due_at or app.deadline, step)
        previous_at = step.at
    if not terms:
        return
    if app.decided_at is not None:
        yield measure(TERM, app.term_start, app.decided_at, app.deadline)
        return
    pending = STEP_LEAVING.get(app.state)
    if pending is not None:
        due = app.action_due_at or app.deadline
        yield measure(pending, previous_at, None, due, waiting=app.state)
    yield measure(TERM, app.term_start, None, app.deadline)


def previous_step_at(application: Application) -> dt.datetime | None:
    """The time of the application's latest step: the one `procedure.step_record` keeps on
    the locked instance it records steps through (`Application.last_step_at`), else read."""
    if application.last_step_at is not None:
        return application.last_step_at
    return (
        ApplicationStep.objects.filter(application=application)
        .order_by("-at", "-pk")
        .values_list("at", flat=True)
        .first()
    )


def step_minutes(
    application: Application, at: dt.datetime, previous: dt.datetime | None = None
) -> float | None:
    """The working minutes of the step the application takes at `at`: since its previous step
    (at `previous`, read when not given), or since the term started if later (None for the
    step that creates it). The service records them with each step, so that reports add them
    up instead of measuring again."""
    if previous is None:
        previous = previous_step_at(application)
    if previous is None:
        return None
    start = max(previous, application.term_start)
    hours = provider_working_hours(application.provider)
    return working_minutes(working_time_between(start, at, hours)) if at > start else 0.0
