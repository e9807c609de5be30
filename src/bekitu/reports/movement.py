"""Report 2: the movement of the attached population in a period: attachments gained and lost
per provider and month, where they came from and went to, why, and the campaign's results.

A gain is an attachment that came into force on a day of the period; a loss one that ceased
to be in force on a day of the period (its exclusive end). So, for any provider, the persons
attached on the period's last day equal those attached on the eve of its first day plus the
gains minus the losses (tested as a law). A change of district within one provider is a
gain and a loss of that provider on the same day: the report counts it apart, as an internal
move, and leaves it out of both.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from bekitu.registry.selectors import (
    attachments_ended,
    attachments_in_force,
    attachments_started,
    providers_of,
)
from bekitu.reports.labels import GAIN_REASONS, end_reason_label, gain_reason_label
from bekitu.reports.tables import Column, ReportTables, Table
from bekitu.service.facts import policy_in_force
from bekitu.service.selectors import applications_submitted

GAIN, LOSS = "gain", "loss"
VOLUNTARY = "choice"  # the reason of a voluntary change of provider, the campaign's subject


@dataclass(frozen=True)
class Move:
    """Persons gained (or lost) by a provider in a month: from (or to) `other`, None for a
    first attachment (or an end without a new one), for a reason."""

    provider_id: int
    other_id: int | None
    reason: str
    month: dt.date
    count: int


@dataclass(frozen=True)
class Campaign:
    """The attachment campaign of a year under the rules then in force: applications for a
    voluntary change made to each provider in its window, and the attachments gained and lost
    on the day those changes take effect."""

    year: int
    opens: dt.date
    closes: dt.date
    effective: dt.date
    applications: dict[int, dict[str, int]]  # provider → state → count
    gained: dict[int, int]
    lost: dict[int, int]


@dataclass
class MovementReport:
    first: dt.date
    last: dt.date
    scope_ids: frozenset[int]
    names: dict[int, tuple[str, str]]  # provider id → (BIN, name), others included
    gains: list[Move]
    losses: list[Move]
    internal: dict[int, int]
    before: dict[int, int]  # attached on the eve of the first day
    after: dict[int, int]  # attached on the last day
    campaigns: list[Campaign] = field(default_factory=list)

    def gained(self, provider_id: int) -> int:
        return sum(m.count for m in self.gains if m.provider_id == provider_id)

    def lost(self, provider_id: int) -> int:
        return sum(m.count for m in self.losses if m.provider_id == provider_id)

    def flows(self) -> list[tuple[int | None, int | None, str, int]]:
        """(from, to, reason, persons): into providers in scope from anywhere, and out of them
        to providers outside the scope or to no attachment; a move between two providers in
        scope is counted once."""
        counts: dict[tuple[int | None, int | None, str], int] = defaultdict(int)
        for m in self.gains:
            counts[(m.other_id, m.provider_id, m.reason)] += m.count
        for m in self.losses:
            if m.other_id is None or m.other_id not in self.scope_ids:
                counts[(m.provider_id, m.other_id, m.reason)] += m.count
        return sorted(
            ((a, b, r, n) for (a, b, r), n in counts.items()), key=lambda f: (-f[3], str(f))
        )


def _month(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _gains(
    first: dt.date, last: dt.date, ids: frozenset[int] | None
) -> tuple[list[Move], dict[int, int]]:
    rows = (
        attachments_started(first=first, last=last, provider_ids=ids)
        .annotate(month=TruncMonth("valid_from"))
        .values("provider_id", "previous_provider_id", "reason", "month")
        .annotate(n=Count("pk"))
    )
    gains: list[Move] = []
    internal: dict[int, int] = defaultdict(int)
    for r in rows:
        if r["previous_provider_id"] == r["provider_id"]:
            internal[r["provider_id"]] += r["n"]  # a move between the provider's districts
            continue
        gains.append(
            Move(
                r["provider_id"], r["previous_provider_id"], r["reason"], _month(r["month"]), r["n"]
            )
        )
    return gains, dict(internal)


def _losses(first: dt.date, last: dt.date, ids: frozenset[int] | None) -> list[Move]:
    rows = (
        attachments_ended(first=first, last=last, provider_ids=ids)
        .annotate(month=TruncMonth("valid_to"))
        .values("provider_id", "next_provider_id", "next_reason", "end_reason", "month")
        .annotate(n=Count("pk"))
    )
    losses = []
    for r in rows:
        if r["next_provider_id"] == r["provider_id"]:
            continue  # the other half of an internal move, counted with the gains
        # Who moved on was lost for the reason of their new attachment; the others for the
        # reason their attachment ended (death, leaving the country, the provider closed).
        reason = r["next_reason"] or r["end_reason"]
        losses.append(
            Move(r["provider_id"], r["next_provider_id"], reason, _month(r["month"]), r["n"])
        )
    return losses


def movement(
    *, first: dt.date, last: dt.date, provider_ids: frozenset[int] | None
) -> MovementReport:
    """The movement from `first` to `last` (both included) at the providers (all if None)."""
    gains, internal = _gains(first, last, provider_ids)
    scope = provider_ids if provider_ids is not None else _all_ids()
    report = MovementReport(
        first,
        last,
        scope,
        {},
        gains,
        _losses(first, last, provider_ids),
        internal,
        before=_totals(first - dt.timedelta(days=1), provider_ids),
        after=_totals(last, provider_ids),
        campaigns=_campaigns(first, last, provider_ids),
    )
    report.names = _names(report)
    return report


def _all_ids() -> frozenset[int]:
    return frozenset(providers_of().values_list("pk", flat=True))


def _totals(day: dt.date, provider_ids: frozenset[int] | None) -> dict[int, int]:
    rows = (
        attachments_in_force(on=day, provider_ids=provider_ids)
        .values("provider_id")
        .annotate(n=Count("pk"))
    )
    return {r["provider_id"]: r["n"] for r in rows}


def _names(report: MovementReport) -> dict[int, tuple[str, str]]:
    ids = set(report.scope_ids) | {m.other_id for m in report.gains + report.losses if m.other_id}
    return {p.pk: (p.bin, p.name) for p in providers_of(ids=ids)}


def _campaigns(
    first: dt.date, last: dt.date, provider_ids: frozenset[int] | None
) -> list[Campaign]:
    campaigns = []
    for year in range(first.year, last.year + 1):
        policy = policy_in_force(dt.date(year, 12, 31))
        window = policy.campaign
        if window is None:
            continue
        opens, closes = dt.date(year, *window.opens), dt.date(year, *window.closes)
        if closes < first or opens > last:
            continue
        effective = policy.effective_date(decided_on=closes, voluntary_change=True)
        campaigns.append(_campaign(year, opens, closes, effective, provider_ids))
    return campaigns


def _campaign(
    year: int, opens: dt.date, closes: dt.date, effective: dt.date, ids: frozenset[int] | None
) -> Campaign:
    applications: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (
        applications_submitted(first=opens, last=closes, provider_ids=ids)
        .filter(reason=VOLUNTARY)
        .values("provider_id", "state")
        .annotate(n=Count("pk"))
    )
    for r in rows:
        applications[r["provider_id"]][r["state"]] = r["n"]
    # Under the rules with a campaign a voluntary change takes effect on one day; on other
    # rules it takes effect when decided, within the window.
    day_from, day_to = (effective, effective) if effective > closes else (opens, closes)
    gained: dict[int, int] = defaultdict(int)
    for m in _gains(day_from, day_to, ids)[0]:
        if m.reason == VOLUNTARY:
            gained[m.provider_id] += m.count
    lost: dict[int, int] = defaultdict(int)
    for m in _losses(day_from, day_to, ids):
        if m.reason == VOLUNTARY:  # the new attachment's reason: a voluntary change
            lost[m.provider_id] += m.count
    return Campaign(
        year,
        opens,
        closes,
        effective,
        dict(applications),
        gained=dict(gained),
        lost=dict(lost),
    )


# --- As tables -------------------------------------------------------------------------------


def _name(report: MovementReport, provider_id: int | None, none_label: str) -> tuple[str, str]:
    if provider_id is None:
        return "", none_label
    return report.names.get(provider_id, ("", str(provider_id)))


def reason_label(code: str) -> str:
    # A loss to another provider carries the new attachment's reason, so both lists apply.
    return gain_reason_label(code) if code in GAIN_REASONS else end_reason_label(code)


def movement_tables(report: MovementReport) -> ReportTables:
    """Balance per provider, gains and losses per month, flows, reasons, and the campaigns."""
    scope = sorted(report.scope_ids, key=lambda pid: report.names.get(pid, ("", ""))[1])
    tables = [
        _balance(report, scope),
        _months(report, scope),
        _flows(report),
        _reasons(report, scope),
        _campaign_table(report, scope),
    ]
    return ReportTables(
        kind="movement",
        title=_("Movement of the attached population"),
        params={"first": report.first.isoformat(), "last": report.last.isoformat()},
        tables=tables,
    )


def _provider_columns() -> list[Column]:
    return [Column("provider_bin", _("BIN")), Column("provider", _("Provider"))]


def _balance(report: MovementReport, scope: list[int]) -> Table:
    table = Table(
        "balance",
        _("Balance per provider"),
        [
            *_provider_columns(),
            Column("attached_before", _("Attached on the eve of the period"), "int"),
            Column("gained", _("Gained"), "int"),
            Column("lost", _("Lost"), "int"),
            Column("net", _("Net change"), "int"),
            Column("attached_after", _("Attached on the last day"), "int"),
            Column("internal", _("Moves between districts of the provider"), "int"),
        ],
    )
    for pid in scope:
        gained, lost = report.gained(pid), report.lost(pid)
        table.rows.append(
            [
                *report.names.get(pid, ("", "")),
                report.before.get(pid, 0),
                gained,
                lost,
                gained - lost,
                report.after.get(pid, 0),
                report.internal.get(pid, 0),
            ]
        )
    return table


def _months(report: MovementReport, scope: list[int]) -> Table:
    table = Table(
        "months",
        _("Gains and losses by month"),
        [
            *_provider_columns(),
            Column("month", _("Month")),
            Column("gained", _("Gained"), "int"),
            Column("lost", _("Lost"), "int"),
            Column("net", _("Net change"), "int"),
        ],
    )
    gained: dict[tuple[int, dt.date], int] = defaultdict(int)
    lost: dict[tuple[int, dt.date], int] = defaultdict(int)
    for m in report.gains:
        gained[(m.provider_id, m.month)] += m.count
    for m in report.losses:
        lost[(m.provider_id, m.month)] += m.count
    months = sorted({k[1] for k in gained} | {k[1] for k in lost})
    for pid in scope:
        for month in months:
            g, lo = gained.get((pid, month), 0), lost.get((pid, month), 0)
            if g or lo:
                table.rows.append([*report.names[pid], month.strftime("%Y-%m"), g, lo, g - lo])
    return table


def _flows(report: MovementReport) -> Table:
    table = Table(
        "flows",
        _("Flows between providers"),
        [
            Column("from_bin", _("From: BIN")),
            Column("from", _("From")),
            Column("to_bin", _("To: BIN")),
            Column("to", _("To")),
            Column("reason", _("Reason")),
            Column("reason_label", _("Reason (text)")),
            Column("count", _("Persons"), "int"),
        ],
    )
    for source, target, reason, n in report.flows():
        table.rows.append(
            [
                *_name(report, source, _("first attachment")),
                *_name(report, target, _("no new attachment")),
                reason,
                reason_label(reason),
                n,
            ]
        )
    return table


def _reasons(report: MovementReport, scope: list[int]) -> Table:
    table = Table(
        "reasons",
        _("Gains and losses by reason"),
        [
            *_provider_columns(),
            Column("direction", _("Direction")),
            Column("reason", _("Reason")),
            Column("reason_label", _("Reason (text)")),
            Column("count", _("Persons"), "int"),
        ],
    )
    counts: dict[tuple[int, str, str], int] = defaultdict(int)
    for direction, moves in ((GAIN, report.gains), (LOSS, report.losses)):
        for m in moves:
            counts[(m.provider_id, direction, m.reason)] += m.count
    labels = {GAIN: _("gained"), LOSS: _("lost")}
    for pid in scope:
        for (p, direction, reason), n in sorted(counts.items()):
            if p == pid:
                table.rows.append(
                    [*report.names[pid], labels[direction], reason, reason_label(reason), n]
                )
    return table


def _campaign_table(report: MovementReport, scope: list[int]) -> Table:
    table = Table(
        "campaign",
        _("The attachment campaign"),
        [
            Column("year", _("Year")),
            Column("effective", _("Changes take effect on"), "date"),
            *_provider_columns(),
            Column("applications", _("Applications for a change"), "int"),
            Column("talons", _("Talons issued"), "int"),
            Column("refused", _("Refused"), "int"),
            Column("open", _("Not yet decided"), "int"),
            Column("gained", _("Gained"), "int"),
            Column("lost", _("Lost"), "int"),
            Column("net", _("Net change"), "int"),
        ],
    )
    for c in report.campaigns:
        for pid in scope:
            states = c.applications.get(pid, {})
            issued, refused = states.get("talon_issued", 0), states.get("refused", 0)
            total = sum(states.values())
            gained, lost = c.gained.get(pid, 0), c.lost.get(pid, 0)
            table.rows.append(
                [
                    c.year,
                    c.effective,
                    *report.names[pid],
                    total,
                    issued,
                    refused,
                    total - issued - refused,
                    gained,
                    lost,
                    gained - lost,
                ]
            )
    return table
