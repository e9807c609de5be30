"""The shapes the demo generator passes between its steps: tables, ids and the address plan.

Pure Python (no Django): the reference builder fills a `Plan`, the population generator reads
it to place households on streets and find the district that covers each address.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from bekitu.devtools.demo.geography import Settlement, Unit

# Column order of every table the generator writes; the names are the models' attnames.
COLUMNS: dict[str, tuple[str, ...]] = {
    "locality": (
        "id", "kato", "kind", "name_kk", "name_ru", "name_en", "atu_code",
        "atu_name_kk", "atu_name_ru", "region_kk", "region_ru",
    ),
    "street": ("id", "locality_id", "name_kk", "name_ru", "name_en"),
    "provider": (
        "id", "bin", "name_kk", "name_ru", "name_en", "address", "phone", "locality_id",
        "atu_code", "licence_number", "licence_date", "is_active", "closed_on", "opens",
        "closes",
    ),
    "doctor": ("id", "provider_id", "full_name", "specialty"),
    "district": ("id", "provider_id", "number", "kind", "doctor_id", "normative_size"),
    "servicearea": ("id", "district_id", "street_id", "house_from", "house_to"),
    "address": ("id", "street_id", "house", "building", "apartment"),
    "person": (
        "id", "iin", "surname", "given_name", "patronymic", "birth_date", "sex", "status",
        "citizenship", "insured", "address_id", "death_date", "emigrated_on", "phone",
    ),
    "personrelation": (
        "id", "person_id", "relative_id", "kind", "valid_from", "valid_to", "document",
    ),
    "attachment": (
        "id", "person_id", "provider_id", "district_id", "valid_from", "valid_to", "reason",
        "end_reason", "home_visits", "source", "application_number", "created_at", "ended_at",
    ),
}  # fmt: skip
REFERENCE_TABLES = ("locality", "street", "provider", "doctor", "district", "servicearea")
POPULATION_TABLES = ("address", "person", "personrelation", "attachment")

Rows = dict[str, list[tuple[object, ...]]]


class Ids:
    """Hands out primary keys per table, from the first free one: the generator links rows
    by id without asking the database, which is what lets it stream with COPY."""

    def __init__(self, first: dict[str, int], step: int = 1) -> None:
        self._next = dict(first)
        self._step = step

    def take(self, table: str) -> int:
        """The next id of the table."""
        value = self._next[table]
        self._next[table] = value + self._step
        return value

    def lane(self, index: int, count: int) -> Ids:
        """The ids of one of `count` generators that run side by side: every count-th id
        from the next free one plus `index`, so that no two generators share one."""
        return Ids({table: value + index for table, value in self._next.items()}, step=count)


@dataclass
class Coverage:
    """Which district covers which houses of one street, for one kind of district."""

    upper: list[int] = field(default_factory=list)  # last house of each range, ascending
    districts: list[int] = field(default_factory=list)

    def district_for(self, house: int) -> int:
        """The district whose range holds the house (the last range runs to 9999)."""
        return self.districts[min(bisect.bisect_left(self.upper, house), len(self.upper) - 1)]


@dataclass
class StreetPlan:
    id: int
    flats: int  # apartments per house; 0 for private houses
    houses: int  # planned houses; more are numbered on if the street fills up
    stride: int  # coprime with capacity: spreads households over the houses
    adult: Coverage = field(default_factory=Coverage)
    child: Coverage = field(default_factory=Coverage)

    @property
    def capacity(self) -> int:
        return self.houses * max(self.flats, 1)


@dataclass
class SettlementPlan:
    locality_id: int
    spec: Settlement
    unit: Unit
    weight: float  # share of the oblast's population
    streets: list[StreetPlan]


@dataclass
class ProviderPlan:
    id: int
    unit_code: str
    adult: list[int] = field(default_factory=list)  # district ids
    child: list[int] = field(default_factory=list)


@dataclass
class Plan:
    settlements: list[SettlementPlan]
    providers: list[ProviderPlan]
    district_provider: dict[int, int]

    def providers_in(self, unit_code: str) -> list[ProviderPlan]:
        """The providers of one administrative-territorial unit."""
        return [p for p in self.providers if p.unit_code == unit_code]


def partition(weights: list[float], shares: list[float]) -> list[int]:
    """Split items, in order, into len(shares) contiguous non-empty parts of about the given
    shares of the total weight; returns each item's part. Needs len(weights) >= len(shares)."""
    total, share_total = sum(weights), sum(shares)
    bounds, running = [], 0.0
    for share in shares:
        running += share
        bounds.append(total * running / share_total)
    parts: list[int] = []
    part, in_part, cum = 0, 0, 0.0
    for i, weight in enumerate(weights):
        left_items, later_parts = len(weights) - i, len(shares) - part - 1
        if in_part and later_parts and (cum >= bounds[part] or left_items <= later_parts):
            part, in_part = part + 1, 0
        parts.append(part)
        in_part, cum = in_part + 1, cum + weight
    return parts
