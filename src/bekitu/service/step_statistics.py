"""How long each step of the procedure really took: the selector behind the process mining
on the handbook's diagrams and the service-quality figures of reports.

A step's duration is the working time (the provider's hours, `core.calendar`) from the
previous step of the same application, or from the start of the term if that is later, to
the step itself; a step counts as breached when it was recorded after its due time (R5.1,
R5.2: 30 working minutes for actions 1 and 2; R5.3, R9.13: the term for the rest).
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bekitu.core.audit import audit_record
from bekitu.core.calendar import working_time_between
from bekitu.registry.selectors import provider_working_hours, providers_by_pk
from bekitu.service.models import ApplicationStep
from bekitu.service.scope import Scope

_ZERO = dt.timedelta(0)


@dataclass(frozen=True)
class StepStatistics:
    """One group of steps over a period: by default one kind of step, keyed
    "channel:from_state>to_state"."""

    key: str
    count: int
    median_minutes: float
    p90_minutes: float
    breached: int

    @property
    def breach_share(self) -> float:
        return self.breached / self.count if self.count else 0.0


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with at least `share` of the values
    at or below it (p90 of ten values is the ninth)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def summarize(key: str, minutes: Sequence[float], breached: int) -> StepStatistics:
    """The figures of one group of steps from their durations in working minutes."""
    return StepStatistics(
        key=key,
        count=len(minutes),
        median_minutes=round(statistics.median(minutes), 1),
        p90_minutes=round(percentile(minutes, 0.9), 1),
        breached=breached,
    )


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
) -> list[StepStatistics]:
    """Median and 90th percentile of each group's working minutes, and how many steps were
    late, for the steps recorded in [since, until) at the providers of the scope (or at the one
    of them asked for: one outside the scope reads nothing); `group_by` names a step's group
    from (channel, from state, to state), or None to leave it out. The step that creates an
    application has no duration and is left out. Audited: one row naming the providers and
    the period (no person is shown)."""
    in_scope = scope.providers()
    if provider_id is not None:
        in_scope = in_scope.filter(pk=provider_id)
    provider_ids = list(in_scope.values_list("pk", flat=True))
    in_period = ApplicationStep.objects.filter(
        application__provider_id__in=provider_ids, at__gte=since, at__lt=until
    ).values("application_id")
    rows = (
        ApplicationStep.objects.filter(application_id__in=in_period, at__lt=until)
        .order_by("application_id", "at", "id")
        .values_list(
            "application_id",
            "from_state",
            "to_state",
            "at",
            "breached",
            "application__channel",
            "application__term_start",
            "application__provider_id",
        )
    )
    providers = providers_by_pk(pks=provider_ids)
    hours = {p.pk: provider_working_hours(p) for p in providers}
    minutes: dict[str, list[float]] = defaultdict(list)
    late: dict[str, int] = defaultdict(int)
    previous: tuple[int, dt.datetime] | None = None
    for app_id, source, target, at, breached, channel, term_start, provider_id in rows.iterator():
        started = previous[1] if previous and previous[0] == app_id else None
        previous = (app_id, at)
        key = group_by(channel, source, target) if source else None
        if key is None or started is None or at < since:
            continue
        start = max(started, term_start)
        worked = working_time_between(start, at, hours[provider_id]) if at > start else _ZERO
        minutes[key].append(max(worked.total_seconds() / 60, 0.0))
        late[key] += int(breached)
    result = [summarize(key, values, late[key]) for key, values in sorted(minutes.items())]
    audit_record(
        action="service.step_statistics.read",
        object_type="registry.provider",
        object_id=",".join(p.bin for p in providers)[:200],
        data={"since": since.isoformat(), "until": until.isoformat(), "groups": len(result)},
    )
    return result
