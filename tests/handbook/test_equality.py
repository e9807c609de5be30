"""R11: each Appendix 2 process is the running procedure of its channel, no more, no less.

Every transition of `service.procedure` for the channel is a path of sequence flows
between the elements `handbook.mapping` names for its states, and every such path is a
transition. A change to either side that the other does not follow fails here.
"""

from __future__ import annotations

import copy

import pytest
from lxml import etree

from bekitu.core.vocabulary import Action, Channel, State
from bekitu.handbook.bpmnxml import BPMN
from bekitu.handbook.diagrams import DIAGRAMS, bpmn_path
from bekitu.handbook.equality import compare
from bekitu.handbook.mapping import MAPPING, PORTAL_MAP, PROVIDER_MAP
from bekitu.service.procedure import TRANSITIONS


def _xml(channel: Channel) -> bytes:
    return bpmn_path(DIAGRAMS[MAPPING[channel].diagram]).read_bytes()


@pytest.mark.parametrize("channel", list(Channel), ids=str)
def test_r11_the_diagram_of_each_channel_equals_its_state_machine(channel: Channel) -> None:
    mapping = MAPPING[channel]
    result = compare(_xml(channel), channel, mapping.states, mapping.process)
    assert result.equal, (result.only_in_code, result.only_in_diagram, result.problems)
    # Every transition of the code is there, each arriving at a mapped element.
    drawn = {(s.source, s.target) for s in result.steps}
    for source, actions in TRANSITIONS[channel].items():
        for target in actions.values():
            assert (str(source), str(target)) in drawn


def test_a_transition_added_to_the_code_only_fails() -> None:
    transitions = copy.deepcopy(TRANSITIONS[Channel.PORTAL])
    transitions[State.REGISTERED][Action.REFUSE] = State.REFUSED
    result = compare(
        _xml(Channel.PORTAL), Channel.PORTAL, PORTAL_MAP.states, PORTAL_MAP.process, transitions
    )
    assert not result.equal
    assert result.only_in_code == {("registered", "refused")}


def test_a_sequence_flow_added_to_the_diagram_only_fails() -> None:
    root = etree.fromstring(_xml(Channel.DESK))
    process = root.find(f"{{{BPMN}}}process")
    assert process is not None
    # Straight from the recipient's submission to action 2, skipping action 1 (R6).
    etree.SubElement(
        process,
        f"{{{BPMN}}}sequenceFlow",
        id="Flow_shortcut",
        sourceRef="Task_provider_apply",
        targetRef="Task_provider_action2",
    )
    result = compare(etree.tostring(root), Channel.DESK, PROVIDER_MAP.states, PROVIDER_MAP.process)
    assert not result.equal
    assert result.only_in_diagram == {("received", "talon_issued")}


def test_a_new_state_in_the_code_without_its_element_fails() -> None:
    # The portal's own statuses will come (the request sent through the gateway before it is
    # registered): until the mapping and the diagram follow, the suite fails.
    transitions: dict = copy.deepcopy(TRANSITIONS[Channel.PORTAL])
    transitions[State.SUBMITTED][Action.REGISTER] = "sent"
    transitions["sent"] = {Action.REGISTER: State.REGISTERED}
    result = compare(
        _xml(Channel.PORTAL), Channel.PORTAL, PORTAL_MAP.states, PORTAL_MAP.process, transitions
    )
    assert "state sent has no element in the mapping" in result.problems
    assert result.only_in_code == {("submitted", "sent"), ("sent", "registered")}
    assert result.only_in_diagram == {("submitted", "registered")}


def test_a_path_that_leaves_an_open_application_without_a_decision_fails() -> None:
    root = etree.fromstring(_xml(Channel.DESK))
    process = root.find(f"{{{BPMN}}}process")
    assert process is not None
    gateway = root.find(".//*[@id='Gateway_provider_grounds']")
    assert gateway is not None
    etree.SubElement(process, f"{{{BPMN}}}endEvent", id="End_lost", name="забыто")
    etree.SubElement(
        process,
        f"{{{BPMN}}}sequenceFlow",
        id="Flow_lost",
        sourceRef="Gateway_provider_grounds",
        targetRef="End_lost",
    )
    result = compare(etree.tostring(root), Channel.DESK, PROVIDER_MAP.states, PROVIDER_MAP.process)
    assert any("without a decision" in p for p in result.problems)


def test_a_mapped_element_missing_from_the_file_fails() -> None:
    states = {**PROVIDER_MAP.states, State.RECEIVED: ("Task_gone",)}
    result = compare(_xml(Channel.DESK), Channel.DESK, states, PROVIDER_MAP.process)
    assert any("Task_gone" in p for p in result.problems)
    assert ("(start)", "received") in result.only_in_code
