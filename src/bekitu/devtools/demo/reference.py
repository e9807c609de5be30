"""Reference data of the demo oblast: localities, streets, providers, doctors, districts and
the service areas that cover every house, with the plan the population generator follows.

Districts are sized for the oblast's real population (or for the persons asked, when more),
with normative sizes per kind, so the reference data looks the same for any small demo.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable

from bekitu.core.iin import make_bin
from bekitu.devtools.demo import names
from bekitu.devtools.demo.geography import (
    REGION_KK,
    REGION_POPULATION,
    REGION_RU,
    UNITS,
    ProviderSpec,
    Settlement,
    Unit,
)
from bekitu.devtools.demo.plan import (
    Coverage,
    Ids,
    Plan,
    ProviderPlan,
    Rows,
    SettlementPlan,
    StreetPlan,
    partition,
)
from bekitu.devtools.demo.streets import street_names

PERSONS_PER_HOUSEHOLD = 2.85
CHILD_SHARE = 0.27  # of the population under 18
# Persons per district of each kind: the figures district staffing is planned by.
NORMATIVE_SIZE = {"gp": 1700, "therapist": 2200, "paediatric": 900}
SPECIALTY = {"gp": "gp", "therapist": "therapist", "paediatric": "paediatrician"}
LAST_HOUSE = 9999


def build_reference(*, persons: int, rng: random.Random, ids: Ids) -> tuple[Plan, Rows]:
    """The reference rows and the plan for `persons` residents."""
    scale = max(persons, REGION_POPULATION)
    rows: Rows = {t: [] for t in ("locality", "street", "provider", "doctor", "district")}
    rows["servicearea"] = []
    plan = Plan(settlements=[], providers=[], district_provider={})
    for unit in UNITS:
        settlements = [
            _settlement(unit, spec, scale=scale, rng=rng, ids=ids, rows=rows)
            for spec in unit.settlements
        ]
        plan.settlements.extend(settlements)
        _providers(unit, settlements, scale=scale, rng=rng, ids=ids, rows=rows, plan=plan)
    return plan, rows


def _settlement(
    unit: Unit, spec: Settlement, *, scale: int, rng: random.Random, ids: Ids, rows: Rows
) -> SettlementPlan:
    locality_id = ids.take("locality")
    rows["locality"].append(
        (locality_id, spec.kato, spec.kind, spec.name_kk, spec.name_ru, spec.name_en,
         unit.code, unit.name_kk, unit.name_ru, REGION_KK, REGION_RU)
    )  # fmt: skip
    households = scale * unit.share * spec.share / PERSONS_PER_HOUSEHOLD
    count = spec.streets if spec.kind != "village" else max(spec.streets, round(households / 120))
    chosen = street_names(count, urban=spec.kind != "village", rng=rng)
    lengths = [rng.uniform(0.5, 1.5) for _ in chosen]
    flats = [spec.flats if rng.random() < spec.block_streets else 0 for _ in chosen]
    # Houses per unit of street length, so that the planned houses hold 1.25 x the households.
    per_length = (
        1.25 * households / sum(ln * (f or 5) for ln, f in zip(lengths, flats, strict=True))
    )
    streets = []
    for (kk, ru, en), length, flat in zip(chosen, lengths, flats, strict=True):
        street_id = ids.take("street")
        rows["street"].append((street_id, locality_id, kk, ru, en))
        houses = max(1, math.ceil(length * per_length * (1 if flat else 5)))
        streets.append(StreetPlan(street_id, flat, houses, _stride(houses * max(flat, 1))))
    weight = unit.share * spec.share
    return SettlementPlan(locality_id, spec, unit, weight, streets)


def _stride(capacity: int) -> int:
    """A step coprime with the capacity near its golden section: slot = n * step mod capacity
    visits every slot once, spread over the whole street."""
    step = max(1, round(capacity * 0.618)) | 1
    while math.gcd(step, capacity) != 1:
        step += 1
    return step


def _street_persons(settlement: SettlementPlan, scale: int) -> list[float]:
    total = sum(s.capacity for s in settlement.streets)
    people = scale * settlement.weight
    return [people * s.capacity / total for s in settlement.streets]


def _providers(
    unit: Unit,
    settlements: list[SettlementPlan],
    *,
    scale: int,
    rng: random.Random,
    ids: Ids,
    rows: Rows,
    plan: Plan,
) -> None:
    streets = [s for settlement in settlements for s in settlement.streets]
    persons = [p for settlement in settlements for p in _street_persons(settlement, scale)]
    owner = partition(persons, [p.weight for p in unit.providers])
    kazakh_share = sum(s.spec.kazakh_share * s.spec.share for s in settlements)
    seat_streets = {s.id for s in settlements[0].streets}
    for index, spec in enumerate(unit.providers):
        mine = [i for i, o in enumerate(owner) if o == index]
        my_streets, weights = [streets[i] for i in mine], [persons[i] for i in mine]
        at = rng.choice([s for s in my_streets if s.id in seat_streets] or my_streets)
        provider = _provider(unit, spec, settlements[0], at, rng=rng, ids=ids, rows=rows)
        plan.providers.append(provider)
        context = _Districts(provider, rng, ids, rows, plan, kazakh_share)
        population = sum(weights)
        provider.adult = context.create(_adult_kinds(spec, population * (1 - CHILD_SHARE)))
        provider.child = context.create(
            ["paediatric"] * _count(population * CHILD_SHARE, "paediatric")
        )
        context.cover(my_streets, weights, provider.adult, lambda s: s.adult)
        context.cover(my_streets, weights, provider.child, lambda s: s.child)


def _count(persons: float, kind: str) -> int:
    return max(1, round(persons / NORMATIVE_SIZE[kind]))


def _adult_kinds(spec: ProviderSpec, adults: float) -> list[str]:
    """Urban providers: mostly therapists' districts, every fourth a GP's; rural: GPs only."""
    if not spec.urban:
        return ["gp"] * _count(adults, "gp")
    mean_size = 0.75 * NORMATIVE_SIZE["therapist"] + 0.25 * NORMATIVE_SIZE["gp"]
    count = max(1, round(adults / mean_size))
    return ["gp" if n % 4 == 3 else "therapist" for n in range(count)]


def _provider(
    unit: Unit,
    spec: ProviderSpec,
    seat: SettlementPlan,
    at: StreetPlan,
    *,
    rng: random.Random,
    ids: Ids,
    rows: Rows,
) -> ProviderPlan:
    provider_id = ids.take("provider")
    street_name = next(r[2] for r in reversed(rows["street"]) if r[0] == at.id)
    prefix = "а." if seat.spec.kind == "village" else "қ."
    address = f"{seat.spec.name_kk} {prefix}, {street_name}, {rng.randint(1, at.houses)}"
    licence = f"KZ{rng.randint(10, 99)}LAA{rng.randint(1000, 99999):08d}"
    licence_date = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randint(0, 2500))
    rows["provider"].append(
        (provider_id, _bin(rng, rows), spec.name_kk, spec.name_ru, spec.name_en, address,
         _phone(unit.phone_code, rng), seat.locality_id, unit.code, licence, licence_date,
         True, None, spec.hours[0], spec.hours[1])
    )  # fmt: skip
    return ProviderPlan(provider_id, unit.code)


def _bin(rng: random.Random, rows: Rows) -> str:
    """A valid BIN of a legal entity registered 1999-2015, not used by another provider."""
    taken = {r[1] for r in rows["provider"]}
    registered = dt.date(1999, 1, 1) + dt.timedelta(days=rng.randint(0, 6000))
    serial = rng.randint(1000, 90000)
    while True:
        bin_ = make_bin(registered, 4, serial)
        if bin_ is not None and bin_ not in taken:
            return bin_
        serial += 1


def _phone(code: str, rng: random.Random) -> str:
    """A landline: +7, the area code, and the local number (10 digits after +7 in all)."""
    local = f"{rng.randint(0, 10 ** (10 - len(code)) - 1):0{10 - len(code)}d}"
    return f"+7 {code} {local[:-4]}-{local[-4:-2]}-{local[-2:]}"


class _Districts:
    """Creates one provider's districts, their doctors and their service areas."""

    def __init__(
        self,
        provider: ProviderPlan,
        rng: random.Random,
        ids: Ids,
        rows: Rows,
        plan: Plan,
        kazakh_share: float,
    ) -> None:
        self.provider, self.rng, self.ids, self.rows, self.plan = provider, rng, ids, rows, plan
        self.kazakh_share = kazakh_share
        self.number = 0

    def create(self, kinds: list[str]) -> list[int]:
        """New districts of the given kinds, numbered on, each with its doctor."""
        created = []
        for kind in kinds:
            self.number += 1
            doctor_id, district_id = self.ids.take("doctor"), self.ids.take("district")
            name = names.doctor_name(self.rng, self.kazakh_share)
            self.rows["doctor"].append((doctor_id, self.provider.id, name, SPECIALTY[kind]))
            self.rows["district"].append(
                (district_id, self.provider.id, self.number, kind, doctor_id, NORMATIVE_SIZE[kind])
            )
            self.plan.district_provider[district_id] = self.provider.id
            created.append(district_id)
        return created

    def cover(
        self,
        streets: list[StreetPlan],
        persons: list[float],
        districts: list[int],
        coverage: Callable[[StreetPlan], Coverage],
    ) -> None:
        """Cut the streets into house ranges (the last of each street running to 9999) and give
        each district a contiguous run of them with about the same number of residents."""
        pieces = math.ceil(len(districts) / len(streets))
        segments = []
        for street, people in zip(streets, persons, strict=True):
            span = max(street.houses, pieces)
            for j in range(pieces):
                low = 1 + j * span // pieces
                high = (j + 1) * span // pieces if j < pieces - 1 else LAST_HOUSE
                segments.append((street, low, high, people / pieces))
        owner = partition([s[3] for s in segments], [1.0] * len(districts))
        for (street, low, high, _), index in zip(segments, owner, strict=True):
            district_id = districts[index]
            area_id = self.ids.take("servicearea")
            self.rows["servicearea"].append((area_id, district_id, street.id, low, high))
            coverage(street).upper.append(high)
            coverage(street).districts.append(district_id)
