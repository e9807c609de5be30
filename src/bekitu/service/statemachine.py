"""The procedure of the service as an explicit state machine (Appendix 2). No database here:
its terms (channels, states, actions) are those of `bekitu.core.vocabulary`.

Provider channel (desk, phone; R5, R8): received → documents_accepted (action 1, R5.1, R8.1)
→ talon_issued (action 2, R5.2, R8.2), or → refused from either open state.

Portal channel (R9.8-R9.12): submitted (signed request sent through the gateway, R9.8) →
registered at the provider's workstation (R9.9) → checked (condition 3, R9.10) →
talon_issued (R9.12) or refused (R9.11). A request whose EDS cannot be confirmed is refused
while still submitted (R9.7).

Only the transitions listed in `TRANSITIONS` can happen; `transition()` raises otherwise.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bekitu.core.vocabulary import TERMINAL_STATES, Action, Channel, State

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
