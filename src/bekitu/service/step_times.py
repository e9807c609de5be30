"""How long each step of the procedure took, in working minutes, and whether it was in time.

The recorded procedure steps (`ApplicationStep`) of the applications submitted in a period,
one `StepTime` each (with the whole term, and the step still waiting), for the service
report's figures and its list of breaches. A step's duration and the quantiles are those of
`step_statistics` (the handbook's process mining groups the same steps by when they were
recorded): working time from the previous step, or from the term's start if later.

A step is named by the state it leaves: action 1 (R5.1, R8.1) leaves `received`, action 2
(R5.2, R8.2) leaves `documents_accepted`, both by acceptance, talon or refusal; in the portal
channel registration (R9.9) leaves `submitted`, the check (R9.10) `registered`, the decision
(R9.11, R9.12) `checked`. The whole term (R5.3, R9.13) runs from the term's start to the
decision. A step starts when the one before it ended, or when the term starts if later;
working time counts only the provider's hours on Kazakhstan's working days.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from django.utils import timezone

from bekitu.core.calendar import WorkingHours, working_time_between
from bekitu.registry.selectors import provider_working_hours, providers_of
from bekitu.service import step_statistics
from bekitu.service.models import ApplicationStep
from bekitu.service.selectors import applications_submitted
from bekitu.service.statemachine import State

ACTION_1 = "action_1"
ACTION_2 = "action_2"
REGISTRATION = "registration"
CHECK = "check"
DECISION = "decision"
TERM = "term"
STEPS = (ACTION_1, ACTION_2, REGISTRATION, CHECK, DECISION, TERM)

_STEP_LEAVING: dict[str, str] = {
    State.RECEIVED: ACTION_1,
    State.DOCUMENTS_ACCEPTED: ACTION_2,
    State.SUBMITTED: REGISTRATION,
    State.REGISTERED: CHECK,
    State.CHECKED: DECISION,
}


@dataclass(frozen=True)
class StepTime:
    """One step of one application: when it started, when it was done (None: not yet), when
    it was due, its working minutes (up to `now` while not done), whether it is in time, and
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


@dataclass(frozen=True)
class DurationSummary:
    """The steps of one kind that were done: how many, how many in time, the median and
    90th percentile of their working minutes (None when there were none)."""

    count: int
    in_time: int
    median: float | None
    p90: float | None

    @property
    def share_in_time(self) -> float | None:
        return self.in_time / self.count if self.count else None


def summarize(minutes: Sequence[float], in_time: int) -> DurationSummary:
    """Count, steps in time, median and p90 of a list of working minutes: the quantiles of
    `step_statistics` (nearest rank, to a tenth of a minute), so the handbook's figures and
    the reports' cannot disagree."""
    if not minutes:
        return DurationSummary(0, 0, None, None)
    figures = step_statistics.summarize("", minutes, len(minutes) - in_time)
    return DurationSummary(len(minutes), in_time, figures.median_minutes, figures.p90_minutes)


def step_time_summary(times: Iterable[StepTime]) -> dict[str, DurationSummary]:
    """Per step (in the order of STEPS), the summary of the steps that were done."""
    done: dict[str, list[StepTime]] = defaultdict(list)
    for time in times:
        if time.done_at is not None:
            done[time.step].append(time)
    return {
        step: summarize([t.minutes for t in done[step]], sum(t.in_time for t in done[step]))
        for step in STEPS
        if step in done
    }


def _minutes(span: dt.timedelta) -> float:
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
    at: dt.datetime
    due_at: dt.datetime | None
    outcome: str


def step_times(
    *,
    first: dt.date,
    last: dt.date,
    provider_ids: Collection[int] | None = None,
    now: dt.datetime | None = None,
) -> list[StepTime]:
    """The steps of the applications submitted from `first` to `last` (days in the service's
    zone, both included) at the providers (all if None), with the pending step of each open
    application measured up to `now`. One query for the applications, one for the steps."""
    moment = now or timezone.now()
    applications = applications_submitted(first=first, last=last, provider_ids=provider_ids)
    fields = [f.name for f in _Application.__dataclass_fields__.values()]
    apps = [_Application(*row) for row in applications.order_by("pk").values_list(*fields)]
    steps: dict[int, list[_Step]] = defaultdict(list)
    rows = ApplicationStep.objects.filter(application__in=applications).order_by(
        "application_id", "at", "pk"
    )
    step_fields = ("application_id", "from_state", "at", "due_at", "outcome")
    for app_id, from_state, at, due_at, outcome in rows.values_list(*step_fields):
        steps[app_id].append(_Step(from_state, at, due_at, outcome))
    hours = {
        p.pk: provider_working_hours(p) for p in providers_of(ids={a.provider_id for a in apps})
    }
    times: list[StepTime] = []
    for app in apps:
        times.extend(_times_of(app, steps[app.pk], hours[app.provider_id], moment))
    return times


def _times_of(
    app: _Application, steps: list[_Step], hours: WorkingHours, now: dt.datetime
) -> list[StepTime]:
    def measure(
        step: str, start: dt.datetime, done: dt.datetime | None, due: dt.datetime, outcome: str = ""
    ) -> StepTime:
        start = max(start, app.term_start)
        end = done or max(now, start)
        late = _minutes(working_time_between(due, end, hours)) if end > due else 0.0
        return StepTime(
            application_id=app.pk,
            number=app.number,
            provider_id=app.provider_id,
            channel=app.channel,
            step=step,
            started_at=start,
            done_at=done,
            due_at=due,
            minutes=_minutes(working_time_between(start, end, hours)),
            in_time=end <= due,
            late_minutes=late,
            outcome=outcome,
        )

    times: list[StepTime] = []
    previous_at = steps[0].at if steps else app.term_start
    for step in steps[1:]:
        name = _STEP_LEAVING.get(step.from_state)
        if name is not None:
            times.append(
                measure(name, previous_at, step.at, step.due_at or app.deadline, step.outcome)
            )
        previous_at = step.at
    if app.decided_at is not None:
        times.append(measure(TERM, app.term_start, app.decided_at, app.deadline))
        return times
    pending = _STEP_LEAVING.get(app.state)
    if pending is not None:
        times.append(measure(pending, previous_at, None, app.action_due_at or app.deadline))
    times.append(measure(TERM, app.term_start, None, app.deadline))
    return times
