"""Where a re-attached person goes: the district that serves their address (no database).

Laws (tests/service/test_reattachment_rules.py): a proposed district covers the person's
house and is of a kind for their age; a person is left for a decision by hand only when no
such district exists; among fitting districts one still under its normative size comes
first, then one of the person's present kind, then the least loaded against its normative
size, counting those already proposed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from bekitu.service.rules import district_kinds


@dataclass(frozen=True)
class Area:
    """Houses `house_from`..`house_to` of a street, served by a district of a provider."""

    street_id: int
    house_from: int
    house_to: int
    district_id: int
    provider_id: int
    kind: str
    normative_size: int


@dataclass(frozen=True)
class Resident:
    """A person to re-attach: where they live (None when unknown), their age and the kind
    of district they are attached to now (None when none)."""

    key: int
    street_id: int | None
    house: int | None
    age: int
    kind: str | None = None


@dataclass(frozen=True)
class Target:
    provider_id: int
    district_id: int


def _covering(areas: dict[int, list[Area]], resident: Resident) -> list[Area]:
    if resident.street_id is None or resident.house is None:
        return []
    house = resident.house
    kinds = district_kinds(resident.age)
    found = {
        a.district_id: a
        for a in areas.get(resident.street_id, ())
        if a.house_from <= house <= a.house_to and a.kind in kinds
    }
    return list(found.values())


def targets_propose(
    residents: Iterable[Resident], areas: Iterable[Area], loads: dict[int, int]
) -> dict[int, Target | None]:
    """The district proposed for each resident (by key), None where no district of a kind for
    their age serves their address. `loads`: persons attached to each district now."""
    by_street: dict[int, list[Area]] = defaultdict(list)
    for area in areas:
        by_street[area.street_id].append(area)
    load = dict(loads)
    proposed: dict[int, Target | None] = {}
    for resident in residents:
        fitting = _covering(by_street, resident)
        if not fitting:
            proposed[resident.key] = None
            continue
        best = min(
            fitting,
            key=lambda a: (
                load.get(a.district_id, 0) >= a.normative_size,
                a.kind != resident.kind,
                load.get(a.district_id, 0) / max(a.normative_size, 1),
                a.district_id,
            ),
        )
        load[best.district_id] = load.get(best.district_id, 0) + 1
        proposed[resident.key] = Target(best.provider_id, best.district_id)
    return proposed
