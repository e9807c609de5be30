"""Term and SLA: the term of an application (R5.3, R9.13), the 30 working minutes of each
action (R5.1, R5.2), the time left, and how near the deadline an application is.

Working time comes from `bekitu.core.calendar` and the provider's hours.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import timezone

from bekitu.core.calendar import (
    Term,
    add_working_time,
    service_term,
    working_time_between,
)
from bekitu.core.vocabulary import PROVIDER_CHANNELS, Channel
from bekitu.registry.selectors import provider_working_hours
from bekitu.service.statemachine import ACTION_DURATION, TIMED_ACTIONS, pending_action

if TYPE_CHECKING:
    from bekitu.registry.models import Provider
    from bekitu.service.models import Application

# The share of the term's working time after which an application is flagged as near.
NEAR_SHARE = 0.8


def term_for(*, provider: Provider, submitted_at: dt.datetime, channel: str) -> Term:
    """The term of an application submitted at a moment to a provider through a channel
    (R5.3 at the desk and by telephone, R9.13 through the portal)."""
    return service_term(submitted_at, provider_working_hours(provider), channel)


def action_due(*, application: Application, started_at: dt.datetime) -> dt.datetime | None:
    """When the action the application now waits for is due, or None when it waits for none.

    Actions 1 and 2 of the provider channel have 30 minutes of working time each (R5.1,
    R5.2); every other step is due by the deadline. Nothing is due after the deadline.
    """
    action = pending_action(application.channel, application.state)
    if action is None:
        return None
    if Channel(application.channel) in PROVIDER_CHANNELS and action in TIMED_ACTIONS:
        hours = provider_working_hours(application.provider)
        start = max(started_at, application.term_start)
        return min(add_working_time(start, ACTION_DURATION, hours), application.deadline)
    return application.deadline


def application_time_left(application: Application, now: dt.datetime | None = None) -> dt.timedelta:
    """Working time left until the deadline (negative once it has passed). A decided
    application keeps the time that was left when it was decided. Before the term starts
    the whole term is left: working time before its start does not count."""
    moment = application.decided_at or now or timezone.now()
    hours = provider_working_hours(application.provider)
    return working_time_between(max(moment, application.term_start), application.deadline, hours)


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
