"""The procedure of the service (Appendix 2): its states and the transitions between them, when
each step is due, and the recording of each transition as an ApplicationStep with an audit row.

Provider channel (desk, phone; R5, R8): received → documents_accepted (action 1, R5.1, R8.1)
→ talon_issued (action 2, R5.2, R8.2), or → refused from either open state.

Portal channel (R9.8-R9.12): submitted (signed request sent through the gateway, R9.8) →
registered at the provider's workstation (R9.9) → checked (condition 3, R9.10) →
talon_issued (R9.12) or refused (R9.11). A request whose EDS cannot be confirmed is refused
while still submitted (R9.7).

Only the transitions listed in `TRANSITIONS` can happen; `transition()` raises otherwise. The
state machine itself needs no database (its terms, channels, states and actions, are those of
`bekitu.core.vocabulary`); the plumbing below it (application numbers, row locks, recording a
step) does.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from bekitu.core.audit import audit_record
from bekitu.core.calendar import add_working_time
from bekitu.core.errors import DomainError
from bekitu.core.vocabulary import PROVIDER_CHANNELS, TERMINAL_STATES, Action, Channel, State
from bekitu.registry.selectors import provider_working_hours
from bekitu.service.models import Application, ApplicationCounter, ApplicationStep
from bekitu.service.portal_status import status_send
from bekitu.service.term import previous_step_at, step_minutes

if TYPE_CHECKING:
    from bekitu.core.models import User

log = logging.getLogger("bekitu.service")

# The state an application of a channel starts in, and the action that creates it.
INITIAL: dict[Channel, tuple[Action, State]] = {
    Channel.DESK: (Action.RECEIVE, State.RECEIVED),
    Channel.PHONE: (Action.RECEIVE, State.RECEIVED),
    Channel.PORTAL: (Action.SUBMIT, State.SUBMITTED),
}

_PROVIDER_FLOW: dict[State, dict[Action, State]] = {
    State.RECEIVED: {
        Action.ACCEPT_DOCUMENTS: State.DOCUMENTS_ACCEPTED,
        Action.REFUSE: State.REFUSED,
    },
    State.DOCUMENTS_ACCEPTED: {
        Action.ISSUE_TALON: State.TALON_ISSUED,
        Action.REFUSE: State.REFUSED,
    },
}
_PORTAL_FLOW: dict[State, dict[Action, State]] = {
    State.SUBMITTED: {Action.REGISTER: State.REGISTERED, Action.REFUSE: State.REFUSED},
    State.REGISTERED: {Action.CHECK: State.CHECKED},
    State.CHECKED: {Action.ISSUE_TALON: State.TALON_ISSUED, Action.REFUSE: State.REFUSED},
}

TRANSITIONS: dict[Channel, dict[State, dict[Action, State]]] = {
    Channel.DESK: _PROVIDER_FLOW,
    Channel.PHONE: _PROVIDER_FLOW,
    Channel.PORTAL: _PORTAL_FLOW,
}

# Actions with a duration of their own: 30 minutes of working time each (R5.1, R5.2).
TIMED_ACTIONS = frozenset({Action.ACCEPT_DOCUMENTS, Action.ISSUE_TALON})
ACTION_DURATION = dt.timedelta(minutes=30)


class TransitionNotAllowed(Exception):
    """The action is not allowed from the application's state in its channel."""

    def __init__(self, channel: str, state: str, action: str) -> None:
        super().__init__(f"{action} is not allowed from {state} ({channel})")
        self.channel, self.state, self.action = channel, state, action


@dataclass(frozen=True)
class Transition:
    source: State
    action: Action
    target: State


def allowed_actions(channel: str, state: str) -> frozenset[Action]:
    """The actions that may be taken now."""
    return frozenset(TRANSITIONS[Channel(channel)].get(State(state), {}))


def transition(channel: str, state: str, action: str) -> Transition:
    """The transition the action makes from the state, or TransitionNotAllowed."""
    flow = TRANSITIONS[Channel(channel)]
    try:
        target = flow[State(state)][Action(action)]
    except (KeyError, ValueError):
        raise TransitionNotAllowed(channel, state, action) from None
    return Transition(State(state), Action(action), target)


def is_open(state: str) -> bool:
    """True while the application waits for a decision."""
    return State(state) not in TERMINAL_STATES


def pending_action(channel: str, state: str) -> Action | None:
    """The next action of the procedure the application waits for (not a refusal)."""
    forward = [a for a in TRANSITIONS[Channel(channel)].get(State(state), {}) if a != Action.REFUSE]
    return forward[0] if forward else None


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


# The recording of each step: numbers, locks, the step rows and their audit.


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
    """The next readable application number of the year, e.g. A-2026-000123.

    On PostgreSQL the number comes from a sequence of the year, which holds no lock: every
    application of the country is numbered, and its transaction (intake, or a portal request's
    registration, checks and decision) goes on beside the others'. A number taken by a
    transaction that is then rolled back is not reused: numbers may have gaps (a talon's may
    not, `talons.services`). Elsewhere (SQLite, whose writers take turns anyway) a counter row
    of the year is locked for the rest of the transaction."""
    if transaction.get_connection().vendor == "postgresql":
        return f"A-{year}-{_sequence_next(year):06d}"
    counter, _created = ApplicationCounter.objects.select_for_update().get_or_create(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"A-{year}-{counter.last:06d}"


def _sequence_next(year: int) -> int:
    """The next value of the year's sequence, made on the year's first application (after the
    counter's last number, where the counter numbered that year before). Until the transaction
    that made it commits, another one that needs it waits: once a year."""
    name = f"bekitu_application_number_{year}"
    with transaction.get_connection().cursor() as cursor:
        cursor.execute("SELECT nextval(to_regclass(%s))", [name])
        value = cursor.fetchone()[0]
        if value is None:
            last = ApplicationCounter.objects.filter(year=year).values_list("last", flat=True)
            start = (last.first() or 0) + 1
            try:
                with transaction.atomic():
                    cursor.execute(f'CREATE SEQUENCE IF NOT EXISTS "{name}" START WITH {start}')
            except IntegrityError:  # made meanwhile by a transaction that has committed since
                pass
            cursor.execute("SELECT nextval(to_regclass(%s))", [name])
            value = cursor.fetchone()[0]
    return int(value)


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
    step = ApplicationStep.objects.create(
        application=application,
        to_state=application.state,
        action=action,
        actor=by,
        actor_label=actor_label(by, application.channel, action),
        at=at,
        outcome="received",
    )
    # Its only step: the next one recorded through this instance (intake's, or a portal
    # request's registration in the same transaction) need not read it back.
    application.last_step_at = at
    return step


# The applications whose steps `saved_once` saves at its end: the instance and its fields.
_unsaved: contextvars.ContextVar[dict[int, tuple[Application, set[str]]] | None] = (
    contextvars.ContextVar("bekitu_application_unsaved", default=None)
)


@contextmanager
def saved_once(application: Application) -> Iterator[None]:
    """Steps recorded on `application` in the block save its fields once, when the block
    ends without an error, instead of at each step: an application registered, checked and
    decided in one transaction (a portal request decided on receipt) is updated once. Each
    step's row, audit row and status are recorded at the step, as always. For a block that
    passes the application on from step to step and reads nothing of its row back; an error
    leaves it unsaved (the caller's transaction is rolled back). A nested block's application
    is saved with the outermost block's."""
    held = _unsaved.get()
    if held is not None:
        held.setdefault(application.pk, (application, set()))
        yield
        return
    unsaved: dict[int, tuple[Application, set[str]]] = {application.pk: (application, set())}
    token = _unsaved.set(unsaved)
    try:
        yield
    finally:
        _unsaved.reset(token)
    for instance, fields in unsaved.values():
        if fields:
            instance.save(update_fields=sorted(fields))


def _save_step(application: Application, fields: list[str]) -> None:
    unsaved = _unsaved.get()
    if unsaved is not None and application.pk in unsaved:
        unsaved[application.pk] = (application, unsaved[application.pk][1] | set(fields))
        return
    application.save(update_fields=fields)


def step_record(
    application: Application,
    action: str,
    *,
    by: User | None,
    at: dt.datetime,
    outcome: str = "",
    comment: str = "",
    changed: Sequence[str] = (),
) -> ApplicationStep:
    """Move the application along one allowed transition and record the step: its due time
    (the pending action's) and whether it was done late; then set the next action's due time.
    `changed`: fields of the application the caller has set for this step, saved in the same
    update as the new state."""
    try:
        move = transition(application.channel, application.state, action)
    except TransitionNotAllowed as exc:
        raise _not_allowed() from exc
    due = application.action_due_at
    previous = previous_step_at(application)
    minutes = step_minutes(application, at, previous)
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
    # The next step recorded through this instance (the locked row) knows the latest step's
    # time without reading it again.
    application.last_step_at = at if previous is None or at > previous else previous
    application.state = move.target
    application.action_due_at = action_due(application=application, started_at=at)
    application.action_overdue = False
    _save_step(application, ["state", "action_due_at", "action_overdue", *changed])
    audit_application(application, move.action, step=step.pk, outcome=outcome, late=step.breached)
    fields = {"application": application.number, "action": str(move.action), "late": step.breached}
    log.info("application.step", extra={"fields": fields})
    if application.channel == Channel.PORTAL:
        # The portal hears of the change in its transaction (R9.9-R9.12).
        status_send(application, at=at)
    return step
