"""R10: Appendix 1 has a message for every step of the portal sequence, R9.1 to R9.12, and
every clause an element of the handbook cites is one the pages can show."""

from __future__ import annotations

from bekitu.handbook.clauses import CLAUSES
from bekitu.handbook.diagrams import DIAGRAMS


def test_r10_appendix_1_carries_every_step_from_r9_1_to_r9_12() -> None:
    interaction = DIAGRAMS["interaction"]
    cited = {c for m in interaction.message_flows for c in m.clauses}
    cited |= {c for p in interaction.pools for n in p.nodes for c in n.clauses}
    assert {f"R9.{n}" for n in range(1, 13)} <= cited
    # Each step is also a message between two systems, the portal's refusals included.
    messages = {c for m in interaction.message_flows for c in m.clauses}
    assert {f"R9.{n}" for n in range(1, 13)} <= messages


def test_every_cited_clause_has_its_text_in_three_languages() -> None:
    for diagram in DIAGRAMS.values():
        for pool in diagram.pools:
            for node in pool.nodes:
                for clause in node.clauses:
                    text = CLAUSES[clause]
                    assert text.kk and text.ru and text.en, clause
