"""The procedure's state machine (R5, R8, R9.8-R9.12): every allowed and every forbidden
transition, without a database."""

from __future__ import annotations

import itertools

import pytest

from bekitu.core.vocabulary import TERMINAL_STATES as TERMINAL
from bekitu.core.vocabulary import Action, Channel, State
from bekitu.service.procedure import (
    INITIAL,
    TransitionNotAllowed,
    allowed_actions,
    is_open,
    pending_action,
    transition,
)

PROVIDER_ALLOWED = {
    (State.RECEIVED, Action.ACCEPT_DOCUMENTS): State.DOCUMENTS_ACCEPTED,
    (State.RECEIVED, Action.REFUSE): State.REFUSED,
    (State.DOCUMENTS_ACCEPTED, Action.ISSUE_TALON): State.TALON_ISSUED,
    (State.DOCUMENTS_ACCEPTED, Action.REFUSE): State.REFUSED,
}
PORTAL_ALLOWED = {
    (State.SUBMITTED, Action.REGISTER): State.REGISTERED,
    (State.SUBMITTED, Action.REFUSE): State.REFUSED,  # R9.7: EDS not confirmed
    (State.REGISTERED, Action.CHECK): State.CHECKED,
    (State.CHECKED, Action.ISSUE_TALON): State.TALON_ISSUED,
    (State.CHECKED, Action.REFUSE): State.REFUSED,
}
ALLOWED = {
    Channel.DESK: PROVIDER_ALLOWED,
    Channel.PHONE: PROVIDER_ALLOWED,
    Channel.PORTAL: PORTAL_ALLOWED,
}
EVERY_MOVE = list(itertools.product(Channel, State, Action))


@pytest.mark.parametrize(
    ("channel", "state", "action"),
    [(c, s, a) for c, s, a in EVERY_MOVE if (s, a) in ALLOWED[c]],
)
def test_an_allowed_transition_reaches_its_target(channel, state, action) -> None:
    move = transition(channel, state, action)
    assert (move.source, move.action, move.target) == (
        state,
        action,
        ALLOWED[channel][(state, action)],
    )
    assert action in allowed_actions(channel, state)


@pytest.mark.parametrize(
    ("channel", "state", "action"),
    [(c, s, a) for c, s, a in EVERY_MOVE if (s, a) not in ALLOWED[c]],
)
def test_a_forbidden_transition_raises(channel, state, action) -> None:
    with pytest.raises(TransitionNotAllowed) as error:
        transition(channel, state, action)
    assert (error.value.channel, error.value.state, error.value.action) == (channel, state, action)
    assert action not in allowed_actions(channel, state)


def test_an_unknown_action_is_not_allowed() -> None:
    with pytest.raises(TransitionNotAllowed):
        transition("desk", "received", "teleport")


@pytest.mark.parametrize("channel", list(Channel))
def test_nothing_leaves_a_decided_application(channel) -> None:
    for state in TERMINAL:
        assert allowed_actions(channel, state) == frozenset()
        assert not is_open(state)
        assert pending_action(channel, state) is None


def test_desk_and_phone_start_received_and_the_portal_submitted() -> None:
    assert INITIAL[Channel.DESK] == (Action.RECEIVE, State.RECEIVED)
    assert INITIAL[Channel.PHONE] == (Action.RECEIVE, State.RECEIVED)
    assert INITIAL[Channel.PORTAL] == (Action.SUBMIT, State.SUBMITTED)


def test_the_pending_action_is_the_next_step_of_the_procedure_not_a_refusal() -> None:
    assert pending_action("desk", "received") == Action.ACCEPT_DOCUMENTS
    assert pending_action("phone", "documents_accepted") == Action.ISSUE_TALON
    assert pending_action("portal", "submitted") == Action.REGISTER
    assert pending_action("portal", "registered") == Action.CHECK
    assert pending_action("portal", "checked") == Action.ISSUE_TALON


@pytest.mark.parametrize("channel", list(Channel))
def test_every_path_from_the_start_ends_in_a_decision(channel) -> None:
    _action, start = INITIAL[channel]
    frontier, seen = [start], set()
    while frontier:
        state = frontier.pop()
        seen.add(state)
        actions = allowed_actions(channel, state)
        assert actions or state in TERMINAL, f"{state} is a dead end"
        frontier.extend(transition(channel, state, a).target for a in actions)
    assert seen >= TERMINAL
