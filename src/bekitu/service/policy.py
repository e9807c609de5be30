"""The attachment rules as effective-dated editions (DESIGN.md, "Rules"). No Django here.

The rules on how often a person may change provider, when, and with what effect changed over
the years; each edition holds them as data, and the edition in force on the application's
date applies (a setting may pin one). docs/policy.md describes the editions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class Effect(StrEnum):
    IMMEDIATE = "immediate"  # the new attachment starts on the day of the decision
    NEXT_JANUARY = "next_january"  # a voluntary change starts on 1 January of the next year


@dataclass(frozen=True)
class Window:
    """A yearly window from (month, day) to (month, day), both days included."""

    opens: tuple[int, int]
    closes: tuple[int, int]

    def contains(self, day: dt.date) -> bool:
        """True when the day falls inside the window of its year."""
        return self.opens <= (day.month, day.day) <= self.closes


@dataclass(frozen=True)
class Policy:
    edition: str
    in_force_from: dt.date
    # Voluntary changes (reason "choice") allowed in any 12 months (365 days).
    max_voluntary_changes: int
    # Where the policy has an attachment campaign, voluntary changes only inside it.
    campaign: Window | None
    voluntary_effect: Effect
    # Statuses that give the right to attachment without conditions.
    eligible_statuses: frozenset[str]
    # Statuses that give the right only with compulsory social health insurance.
    insured_statuses: frozenset[str]

    def effective_date(self, *, decided_on: dt.date, voluntary_change: bool) -> dt.date:
        """The day the new attachment takes effect."""
        if voluntary_change and self.voluntary_effect is Effect.NEXT_JANUARY:
            return dt.date(decided_on.year + 1, 1, 1)
        return decided_on


_RESIDENTS = frozenset({"citizen", "kandas", "refugee", "residence_permit"})

EDITION_2015 = Policy(
    edition="2015",
    in_force_from=dt.date(2015, 11, 24),
    max_voluntary_changes=1,
    campaign=None,
    voluntary_effect=Effect.IMMEDIATE,
    eligible_statuses=_RESIDENTS,
    # Before compulsory social health insurance (2020) temporary residents had no right.
    insured_statuses=frozenset(),
)

EDITION_2020 = Policy(
    edition="2020",
    in_force_from=dt.date(2020, 1, 1),
    max_voluntary_changes=2,
    campaign=Window(opens=(9, 15), closes=(11, 15)),
    voluntary_effect=Effect.NEXT_JANUARY,
    eligible_statuses=_RESIDENTS,
    insured_statuses=frozenset({"temporary"}),
)

EDITIONS: tuple[Policy, ...] = (EDITION_2015, EDITION_2020)


class UnknownEdition(ValueError):
    """The configured policy edition does not exist."""


def policy_get(edition: str) -> Policy:
    """The edition by its name."""
    for policy in EDITIONS:
        if policy.edition == edition:
            return policy
    raise UnknownEdition(edition)


def policy_for(on: dt.date, override: str = "") -> Policy:
    """The edition in force on a day (the earliest one before any), unless one is pinned."""
    if override:
        return policy_get(override)
    in_force = [p for p in EDITIONS if p.in_force_from <= on]
    return max(in_force, key=lambda p: p.in_force_from) if in_force else EDITIONS[0]
