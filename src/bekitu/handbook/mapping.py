"""Where the handbook's Appendix 2 processes meet the running procedure: for each channel,
the diagram that draws it and the element (or elements) standing for each state of
`bekitu.service.procedure`.

This is the one place to edit when the state machine changes. The equality test
(`tests/handbook/test_equality.py`) proves that every transition of a channel is a path of
sequence flows between the elements mapped here, and every such path a transition; a state
added to the code without its element here and on the diagram fails the suite.

An element stands for a state when finishing it puts the application in that state (the
step recorded as `ApplicationStep.to_state`): the recipient's submission is `received`,
action 1 is `documents_accepted`, condition 3 is `checked`. Gateways and steps that do not
change the state (the portal's EDS check, the gateway's transport) lie between.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bekitu.core.vocabulary import Channel, State


@dataclass(frozen=True)
class ChannelMap:
    diagram: str  # a key of bekitu.handbook.diagrams.DIAGRAMS
    process: str  # the process's id in that file
    states: Mapping[State, tuple[str, ...]]


PROVIDER_MAP = ChannelMap(
    diagram="provider",
    process="Process_provider",
    states={
        State.RECEIVED: ("Task_provider_apply",),  # R4
        State.DOCUMENTS_ACCEPTED: ("Task_provider_action1",),  # action 1, R5.1, R8.1
        State.TALON_ISSUED: ("Task_provider_action2",),  # action 2, R5.2, R8.2
        State.REFUSED: ("Task_provider_refuse",),  # R4-1
    },
)

PORTAL_MAP = ChannelMap(
    diagram="portal",
    process="Process_portal",
    states={
        State.SUBMITTED: ("Task_portal_request",),  # process 3 ends in the signed request, R9.5
        State.REGISTERED: ("Task_portal_register",),  # process 6, R9.9
        State.CHECKED: ("Gateway_portal_condition3",),  # condition 3, R9.10
        State.TALON_ISSUED: ("Task_portal_talon",),  # process 8, R9.12
        State.REFUSED: ("Task_portal_eds_refusal", "Task_portal_refuse"),  # R9.7, R9.11
    },
)

MAPPING: dict[Channel, ChannelMap] = {
    Channel.DESK: PROVIDER_MAP,
    Channel.PHONE: PROVIDER_MAP,
    Channel.PORTAL: PORTAL_MAP,
}
