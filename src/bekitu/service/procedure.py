"""The plumbing of the procedure shared by the services: application numbers, row locks,
and the recording of each transition as an ApplicationStep with its due time and an audit row.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from bekitu.core.audit import audit_record
from bekitu.core.errors import DomainError
from bekitu.core.vocabulary import Action, Channel, State
from bekitu.service.models import Application, ApplicationCounter, ApplicationStep
from bekitu.service.portal_status import status_send
from bekitu.service.sla import action_due
from bekitu.service.statemachine import TransitionNotAllowed, allowed_actions, transition
from bekitu.service.step_times import step_minutes

if TYPE_CHECKING:
    from bekitu.core.models import User

log = logging.getLogger("bekitu.service")


def audit_application(application: Application, verb: str, **data: object) -> None:
    """An audit row `service.application.<verb>` about the application's recipient."""
    audit_record(
        action=f"service.application.{verb}",
        object_type="service.application",
        object_id=application.number,
        subject_iin=application.recipient.iin,
        data={"state": application.state, **data},
    )


def actor_label(by: User | None, channel: str, action: str = "", source: str = "") -> str:
    """Who took a step: the staff member's user name; else the portal for what it does
    itself (sending the request, R9.8; refusing an unconfirmed EDS, R9.7); else the system."""
    if by is not None:
        return by.get_username()
    portal_own = action == Action.SUBMIT or (action == Action.REFUSE and source == State.SUBMITTED)
    return "portal" if channel == Channel.PORTAL and portal_own else "system"


def next_number(year: int) -> str:
    """The next readable application number of the year, e.g. A-2026-000123."""
    counter, _created = ApplicationCounter.objects.select_for_update().get_or_create(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"A-{year}-{counter.last:06d}"


def lock(application: Application) -> Application:
    """The application's row, locked for the rest of the transaction, with its parties."""
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related(
            "recipient", "recipient__address__street__locality", "provider", "applicant"
        )
        .get(pk=application.pk)
    )


def _not_allowed() -> DomainError:
    return DomainError(
        _("This action is not allowed in the application's present state."),
        code="transition_not_allowed",
    )


def require_action(application: Application, action: Action) -> None:
    """DomainError "transition_not_allowed" unless the action may be taken now."""
    if action not in allowed_actions(application.channel, application.state):
        raise _not_allowed()


def require_open(application: Application) -> None:
    """DomainError "application_closed" once the application has been decided."""
    if not application.is_open:
        raise DomainError(_("The application has already been decided."), code="application_closed")


def step_first(
    application: Application, action: str, *, by: User | None, at: dt.datetime
) -> ApplicationStep:
    """Record the step that brought the application in (received, or submitted, R9.8)."""
    return ApplicationStep.objects.create(
        application=application,
        to_state=application.state,
        action=action,
        actor=by,
        actor_label=actor_label(by, application.channel, action),
        at=at,
        outcome="received",
    )


def step_record(
    application: Application,
    action: str,
    *,
    by: User | None,
    at: dt.datetime,
    outcome: str = "",
    comment: str = "",
) -> ApplicationStep:
    """Move the application along one allowed transition and record the step: its due time
    (the pending action's) and whether it was done late; then set the next action's due time."""
    try:
        move = transition(application.channel, application.state, action)
    except TransitionNotAllowed as exc:
        raise _not_allowed() from exc
    due = application.action_due_at
    minutes = step_minutes(application, at)
    step = ApplicationStep.objects.create(
        application=application,
        from_state=move.source,
        to_state=move.target,
        action=move.action,
        actor=by,
        actor_label=actor_label(by, application.channel, move.action, move.source),
        at=at,
        outcome=outcome,
        comment=comment,
        due_at=due,
        breached=due is not None and at > due,
        minutes=minutes,
    )
    application.state = move.target
    application.action_due_at = action_due(application=application, started_at=at)
    application.action_overdue = False
    application.save(update_fields=["state", "action_due_at", "action_overdue"])
    audit_application(application, move.action, step=step.pk, outcome=outcome, late=step.breached)
    fields = {"application": application.number, "action": str(move.action), "late": step.breached}
    log.info("application.step", extra={"fields": fields})
    if application.channel == Channel.PORTAL:
        # The portal hears of the change in its transaction (R9.9-R9.12).
        status_send(application, at=at)
    return step
