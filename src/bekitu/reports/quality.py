"""Report 3: the service: applications by channel and outcome, refusals by reason, and the
term: for each step the share done in time, the median and 90th percentile in working minutes
(from `service.term`, the one definition the handbook's process mining shares), a trend
by week, and the breaches. Applications count in the period they were submitted in.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bekitu.registry.selectors import providers_of
from bekitu.reports.labels import CHANNELS, channel_label, refusal_label
from bekitu.reports.tables import Column, ReportTables, Table
from bekitu.service.selectors import applications_submitted
from bekitu.service.step_figures import service_figures
from bekitu.service.term import STEPS, DurationSummary, StepTime

OUTCOMES = ("talon_issued", "refused", "open")
STEP_LABELS = {
    "action_1": gettext_lazy("Action 1: accept the documents (30 working minutes)"),
    "action_2": gettext_lazy("Action 2: talon or refusal (30 working minutes)"),
    "registration": gettext_lazy("Portal: registration at the provider"),
    "check": gettext_lazy("Portal: check of the request"),
    "decision": gettext_lazy("Portal: talon or refusal"),
    "term": gettext_lazy("The whole term (one working day)"),
}


@dataclass(frozen=True)
class Week:
    monday: dt.date
    received: int
    decided: int
    decided_in_time: int
    term: DurationSummary

    @property
    def share_in_time(self) -> float | None:
        return self.decided_in_time / self.decided if self.decided else None


@dataclass
class ServiceReport:
    first: dt.date
    last: dt.date
    regional: bool
    names: dict[int, tuple[str, str]]
    outcomes: dict[tuple[str, str], int]  # (channel, outcome) → applications
    refusals: dict[str, int]
    steps: dict[str, DurationSummary]
    weeks: list[Week]
    breaches: list[StepTime]

    @property
    def received(self) -> int:
        return sum(self.outcomes.values())


def _outcome(state: str) -> str:
    return state if state in ("talon_issued", "refused") else "open"


def service_report(
    *,
    first: dt.date,
    last: dt.date,
    provider_ids: frozenset[int] | None,
    regional: bool = False,
    now: dt.datetime | None = None,
) -> ServiceReport:
    """The service's figures for applications submitted from `first` to `last`."""
    applications = applications_submitted(first=first, last=last, provider_ids=provider_ids)
    outcomes: dict[tuple[str, str], int] = defaultdict(int)
    for row in applications.values("channel", "state").annotate(n=Count("pk")):
        outcomes[(row["channel"], _outcome(row["state"]))] += row["n"]
    refusals = {
        r["refusal_code"]: r["n"]
        for r in applications.filter(state="refused").values("refusal_code").annotate(n=Count("pk"))
    }
    figures = service_figures(first=first, last=last, provider_ids=provider_ids, now=now)
    breaches = sorted(figures.breaches, key=lambda t: (t.due_at, t.number, STEPS.index(t.step)))
    ids = {t.provider_id for t in breaches} | set(provider_ids or ())
    return ServiceReport(
        first,
        last,
        regional,
        names={p.pk: (p.bin, p.name) for p in providers_of(ids=ids)},
        outcomes=dict(outcomes),
        refusals=refusals,
        steps=figures.steps,
        weeks=[
            Week(w.monday, w.received, w.term.count, w.term.in_time, w.term) for w in figures.weeks
        ],
        breaches=breaches,
    )


# --- As tables -------------------------------------------------------------------------------


def service_tables(report: ServiceReport, *, with_list: bool = True) -> ReportTables:
    """Channels and outcomes, refusals, steps, weeks, and the breaches: listed one by one
    when `with_list` (a reader's page, a provider's export), else counted per provider (a
    region-wide export holds aggregates only)."""
    tables = [_channels(report), _refusals(report), _steps(report), _weeks_table(report)]
    tables.append(breach_list(report) if with_list else _breach_counts(report))
    return ReportTables(
        kind="service",
        title=_("The service: channels, outcomes and the term"),
        params={"first": report.first.isoformat(), "last": report.last.isoformat()},
        tables=tables,
    )


def _channels(report: ServiceReport) -> Table:
    table = Table(
        "channels",
        _("Applications by channel and outcome"),
        [
            Column("channel", _("Channel")),
            Column("channel_label", _("Channel (text)")),
            Column("received", _("Received"), "int"),
            Column("talon_issued", _("Talons issued"), "int"),
            Column("refused", _("Refused"), "int"),
            Column("open", _("Not yet decided"), "int"),
        ],
    )
    for channel in CHANNELS:
        counts = [report.outcomes.get((channel, o), 0) for o in OUTCOMES]
        table.rows.append([channel, channel_label(channel), sum(counts), *counts])
    totals = [sum(report.outcomes.get((c, o), 0) for c in CHANNELS) for o in OUTCOMES]
    table.rows.append(["", _("Total"), sum(totals), *totals])
    return table


def _refusals(report: ServiceReport) -> Table:
    table = Table(
        "refusals",
        _("Refusals by reason"),
        [
            Column("reason", _("Reason")),
            Column("reason_label", _("Reason (text)")),
            Column("count", _("Refusals"), "int"),
        ],
    )
    for code, n in sorted(report.refusals.items(), key=lambda item: (-item[1], item[0])):
        table.rows.append([code, refusal_label(code), n])
    return table


def _steps(report: ServiceReport) -> Table:
    table = Table(
        "steps",
        _("The term, step by step (working minutes)"),
        [
            Column("step", _("Step")),
            Column("step_label", _("Step (text)")),
            Column("done", _("Done"), "int"),
            Column("in_time", _("Done in time"), "int"),
            Column("share_in_time", _("Share in time"), "share"),
            Column("median", _("Median"), "minutes"),
            Column("p90", _("90th percentile"), "minutes"),
        ],
    )
    for step in STEPS:
        s = report.steps.get(step)
        if s is not None:
            table.rows.append(
                [step, str(STEP_LABELS[step]), s.count, s.in_time, s.share_in_time, s.median, s.p90]
            )
    return table


def _weeks_table(report: ServiceReport) -> Table:
    table = Table(
        "weeks",
        _("The term by week"),
        [
            Column("week", _("Week from"), "date"),
            Column("received", _("Received"), "int"),
            Column("decided", _("Decided"), "int"),
            Column("in_time", _("Decided in time"), "int"),
            Column("share_in_time", _("Share in time"), "share"),
            Column("median", _("Median term"), "minutes"),
            Column("p90", _("90th percentile of the term"), "minutes"),
        ],
    )
    for w in report.weeks:
        table.rows.append(
            [
                w.monday,
                w.received,
                w.decided,
                w.decided_in_time,
                w.share_in_time,
                w.term.median,
                w.term.p90,
            ]
        )
    return table


BREACH_SORTS: dict[str, Any] = {
    "due": gettext_lazy("Due time, earliest first"),
    "late": gettext_lazy("Most late first"),
    "provider": gettext_lazy("Provider"),
    "step": gettext_lazy("Step"),
    "application": gettext_lazy("Application number"),
}


def sorted_breaches(report: ServiceReport, sort: str) -> list[StepTime]:
    """The breaches in the order asked for (`BREACH_SORTS`; by due time otherwise)."""

    def due(t: StepTime) -> tuple[Any, ...]:
        return (t.due_at, t.number, STEPS.index(t.step))

    keys: dict[str, Callable[[StepTime], tuple[Any, ...]]] = {
        "late": lambda t: (-t.late_minutes, *due(t)),
        "provider": lambda t: (report.names.get(t.provider_id, ("", ""))[1], *due(t)),
        "step": lambda t: (STEPS.index(t.step), *due(t)),
        "application": lambda t: (t.number, STEPS.index(t.step)),
    }
    return sorted(report.breaches, key=keys.get(sort, due))


def breach_list(report: ServiceReport, breaches: list[StepTime] | None = None) -> Table:
    """The breaches one by one (all of them, or those given: a page of the list)."""
    return _breach_list(report, report.breaches if breaches is None else breaches)


def _breach_list(report: ServiceReport, breaches: list[StepTime]) -> Table:
    table = Table(
        "breaches",
        _("Breaches of the term"),
        [
            Column("application", _("Application")),
            Column("provider_bin", _("BIN")),
            Column("provider", _("Provider")),
            Column("channel", _("Channel")),
            Column("step", _("Step")),
            Column("due_at", _("Due"), "datetime"),
            Column("done_at", _("Done"), "datetime"),
            Column("late_minutes", _("Late by (working minutes)"), "minutes"),
        ],
    )
    for t in breaches:
        table.rows.append(
            [
                t.number,
                *report.names.get(t.provider_id, ("", "")),
                channel_label(t.channel),
                str(STEP_LABELS[t.step]),
                t.due_at,
                t.done_at,
                t.late_minutes,
            ]
        )
    return table


def _breach_counts(report: ServiceReport) -> Table:
    table = Table(
        "breaches",
        _("Breaches of the term by provider"),
        [
            Column("provider_bin", _("BIN")),
            Column("provider", _("Provider")),
            Column("step", _("Step")),
            Column("step_label", _("Step (text)")),
            Column("count", _("Breaches"), "int"),
        ],
    )
    counts: dict[tuple[int, str], int] = defaultdict(int)
    for t in report.breaches:
        counts[(t.provider_id, t.step)] += 1
    for (pid, step), n in sorted(
        counts.items(), key=lambda i: (report.names[i[0][0]][1], STEPS.index(i[0][1]))
    ):
        table.rows.append([*report.names[pid], step, str(STEP_LABELS[step]), n])
    return table
