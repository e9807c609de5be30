"""The running process on the diagram: the service's own step records, grouped by the
element of the Appendix 2 process that each step arrives at (`mapping.py`), with the median
and 90th percentile of their working minutes and their share of breaches."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from bekitu.core.vocabulary import Channel
from bekitu.handbook.diagrams import bpmn_path
from bekitu.handbook.equality import diagram_steps, read_process
from bekitu.handbook.mapping import MAPPING
from bekitu.handbook.model import Diagram
from bekitu.service.selectors import Scope
from bekitu.service.step_figures import step_statistics


@dataclass(frozen=True)
class ElementFigures:
    element: str
    count: int
    median_minutes: float
    p90_minutes: float
    breach_share: float

    def label(self) -> str:
        return _("n=%(count)s · median %(median)s min · p90 %(p90)s min · late %(late)s%%") % {
            "count": self.count,
            "median": f"{self.median_minutes:g}",
            "p90": f"{self.p90_minutes:g}",
            "late": f"{round(self.breach_share * 100):d}",
        }


def channels_of(diagram: Diagram) -> list[str]:
    """The channels whose procedure this diagram draws (none for Appendix 1)."""
    return [str(channel) for channel, m in MAPPING.items() if m.diagram == diagram.id]


def element_grouping(diagram: Diagram) -> Callable[[str, str, str], str | None]:
    """Which element a step (channel, from state, to state) arrives at on this diagram."""
    channels = channels_of(diagram)
    if not channels:
        return lambda channel, source, target: None
    mapped = MAPPING[Channel(channels[0])]
    process = read_process(bpmn_path(diagram).read_bytes(), mapped.process)
    steps, _seen, _problems = diagram_steps(process, mapped.states)
    element_of = {(s.source, s.target): s.element for s in steps}
    return lambda channel, source, target: (
        element_of.get((source, target)) if channel in channels else None
    )


def diagram_figures(
    diagram: Diagram,
    *,
    scope: Scope,
    since: dt.datetime,
    until: dt.datetime,
    provider_id: int | None = None,
) -> list[ElementFigures]:
    """Each element's figures over the period at the scope's providers, or at the one asked
    for (audited by the selector)."""
    stats = step_statistics(
        scope=scope,
        since=since,
        until=until,
        provider_id=provider_id,
        group_by=element_grouping(diagram),
    )
    return [
        ElementFigures(key, s.count, s.median or 0.0, s.p90 or 0.0, s.breach_share)
        for key, s in stats.items()
    ]
