"""What the handbook's pages and printed handbook say of each element, in one language:
its name, the role that performs it, the clauses it carries out (with their text), its
duration, and for a procedure its input and output (R11)."""

from __future__ import annotations

from dataclasses import dataclass

from bekitu.handbook.clauses import CLAUSES
from bekitu.handbook.model import Diagram, Node


@dataclass(frozen=True)
class ElementInfo:
    id: str
    kind: str
    name: str
    role: str
    clauses: list[dict[str, str]]
    duration: str
    input: str
    output: str

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "role": self.role,
            "clauses": self.clauses,
            "duration": self.duration,
            "input": self.input,
            "output": self.output,
        }


def _clauses(ids: tuple[str, ...], language: str) -> list[dict[str, str]]:
    return [{"id": c, "text": CLAUSES[c].get(language)} for c in ids if c in CLAUSES]


def _roles(diagram: Diagram, language: str) -> dict[str, str]:
    """The role of each node: its lane's name, or its pool's where the pool has no lanes."""
    roles: dict[str, str] = {}
    for pool in diagram.pools:
        lanes = {lane.id: lane.name.get(language) for lane in pool.lanes}
        for node in pool.nodes:
            roles[node.id] = lanes.get(node.lane, pool.name.get(language))
    return roles


def _node_info(node: Node, role: str, language: str) -> ElementInfo:
    procedure = node.procedure
    return ElementInfo(
        id=node.id,
        kind=node.kind,
        name=node.name.get(language),
        role=role,
        clauses=_clauses(node.clauses, language),
        duration=node.duration.get(language) if node.duration else "",
        input=procedure.input.get(language) if procedure else "",
        output=procedure.output.get(language) if procedure else "",
    )


def elements(diagram: Diagram, language: str) -> list[ElementInfo]:
    """Every named flow node and message of the diagram, in drawing order."""
    roles = _roles(diagram, language)
    out = [
        _node_info(node, roles[node.id], language)
        for pool in diagram.pools
        for node in sorted(pool.nodes, key=lambda n: (n.col, n.row))
        if node.name.ru
    ]
    pools = {pool.id: pool.name.get(language) for pool in diagram.pools}
    for pool in diagram.pools:
        for node in pool.nodes:
            pools[node.id] = pool.name.get(language)
    for message in diagram.message_flows:
        out.append(
            ElementInfo(
                id=message.id,
                kind="messageFlow",
                name=message.name.get(language),
                role=f"{pools[message.source]} → {pools[message.target]}",
                clauses=_clauses(message.clauses, language),
                duration="",
                input="",
                output="",
            )
        )
    return out


def procedures(diagram: Diagram, language: str) -> list[ElementInfo]:
    """The procedures (tasks) of the diagram, for the printed handbook."""
    return [e for e in elements(diagram, language) if e.kind.endswith("ask")]
