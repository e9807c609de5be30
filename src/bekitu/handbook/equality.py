"""The proof that an Appendix 2 process draws the running procedure, no more and no less.

The process is read from its BPMN file. From a start event, or from an element mapped to a
state, every path of sequence flows is followed through unmapped elements (gateways, steps
that do not change the state) until it meets a mapped element or an end event. A path from
state A to state B is a transition A → B; a path from a start event to state S is the
application's creation in S. The two sets of transitions, the diagram's and the state
machine's, must be equal; besides, an application once created must not be able to leave
the process except through a decision, and every flow must lie on some path.

Pure: reads XML with lxml, imports nothing from Django.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from lxml import etree

from bekitu.core.vocabulary import TERMINAL_STATES, Action, Channel, State
from bekitu.service.procedure import INITIAL, TRANSITIONS

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
START = "(start)"  # where a path from a start event begins: before the application exists
END = "(end)"

Transitions = Mapping[State, Mapping[Action, State]]


@dataclass(frozen=True)
class Process:
    """The flow nodes (id → BPMN tag) and sequence flows (id → (source, target))."""

    nodes: dict[str, str]
    flows: dict[str, tuple[str, str]]

    def outgoing(self, node: str) -> list[tuple[str, str]]:
        return [(fid, target) for fid, (source, target) in self.flows.items() if source == node]


def read_process(xml: bytes, process_id: str) -> Process:
    """The process with this id in a BPMN file."""
    root = etree.fromstring(xml)
    process = root.find(f"{{{BPMN}}}process[@id='{process_id}']")
    if process is None:
        raise ValueError(f"no process {process_id} in the file")
    nodes: dict[str, str] = {}
    flows: dict[str, tuple[str, str]] = {}
    for child in process:
        if not isinstance(child.tag, str):
            continue
        tag = etree.QName(child).localname
        if tag == "sequenceFlow":
            flows[child.get("id", "")] = (child.get("sourceRef", ""), child.get("targetRef", ""))
        elif tag not in {"documentation", "extensionElements", "laneSet", "textAnnotation"}:
            nodes[child.get("id", "")] = tag
    return Process(nodes, flows)


@dataclass(frozen=True)
class Step:
    """A path of the diagram: from a state (or the creation) to a state (or an end)."""

    source: str
    target: str
    element: str  # the element the path arrives at


@dataclass
class Comparison:
    only_in_code: set[tuple[str, str]] = field(default_factory=set)
    only_in_diagram: set[tuple[str, str]] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)

    @property
    def equal(self) -> bool:
        return not (self.only_in_code or self.only_in_diagram or self.problems)


def code_transitions(
    channel: Channel, transitions: Transitions | None = None
) -> set[tuple[str, str]]:
    """The state machine's transitions of a channel as (from, to), creation included."""
    flow = TRANSITIONS[channel] if transitions is None else transitions
    pairs = {(START, str(INITIAL[channel][1]))}
    pairs |= {(str(s), str(t)) for s, actions in flow.items() for t in actions.values()}
    return pairs


def _walk(
    process: Process, origin: str, mapped: dict[str, str], seen: set[str]
) -> list[tuple[str, str]]:
    """The mapped elements or end events that paths from `origin` reach first."""
    found: list[tuple[str, str]] = []
    stack, visited = [origin], set()
    while stack:
        node = stack.pop()
        for fid, target in process.outgoing(node):
            seen.add(fid)
            if target in mapped or process.nodes.get(target) == "endEvent":
                found.append((target, mapped.get(target, END)))
            elif target not in visited:
                visited.add(target)
                stack.append(target)
    return found


def diagram_steps(
    process: Process, states: Mapping[State, tuple[str, ...]]
) -> tuple[list[Step], set[str], list[str]]:
    """Every path between states in the diagram, the flows they cover, and what is wrong."""
    problems: list[str] = []
    mapped = {element: str(state) for state, elements in states.items() for element in elements}
    for element in mapped:
        if element not in process.nodes:
            problems.append(f"mapped element {element} is not in the process")
    origins = [(n, START) for n, tag in process.nodes.items() if tag == "startEvent"]
    origins += [(element, state) for element, state in mapped.items() if element in process.nodes]
    seen: set[str] = set()
    steps = [
        Step(state, target_state, element)
        for origin, state in origins
        for element, target_state in _walk(process, origin, mapped, seen)
    ]
    return steps, seen, problems


def compare(
    xml: bytes,
    channel: Channel,
    states: Mapping[State, tuple[str, ...]],
    process_id: str,
    transitions: Transitions | None = None,
) -> Comparison:
    """The diagram's transitions against the state machine's, for one channel."""
    process = read_process(xml, process_id)
    steps, seen, problems = diagram_steps(process, states)
    code = code_transitions(channel, transitions)
    drawn = {(s.source, s.target) for s in steps if s.target != END}
    code_states = {s for pair in code for s in pair} - {START}
    mapped_states = {str(s) for s in states}
    for state in sorted(code_states - mapped_states):
        problems.append(f"state {state} has no element in the mapping")
    for state in sorted(mapped_states - code_states):
        problems.append(f"the mapping names state {state}, which the channel never reaches")
    terminal = {str(s) for s in TERMINAL_STATES}
    for step in steps:
        if step.target == END and step.source not in {START, *terminal}:
            problems.append(f"from {step.source} a path ends at {step.element} without a decision")
    for fid in sorted(set(process.flows) - seen):
        problems.append(f"sequence flow {fid} lies on no path from a start or a state")
    return Comparison(code - drawn, drawn - code, problems, steps)
