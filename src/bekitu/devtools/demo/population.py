"""The demo population, generated chunk by chunk: addresses, persons, relations, attachments.

Only small state lives between chunks (the next IIN serial per birth date and sex, how full
each street is), so memory stays flat however many persons are asked for.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import operator
import random
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

from bekitu.core.iin import century_sex_digit
from bekitu.devtools.demo.households import (
    HouseholdMaker,
    Member,
    age_on,
    weighted_index,
    years_before,
)
from bekitu.devtools.demo.names import AFGHAN, KAZAKH, RUSSIAN, UZBEK
from bekitu.devtools.demo.plan import (
    POPULATION_TABLES,
    Ids,
    Plan,
    ProviderPlan,
    Rows,
    SettlementPlan,
    StreetPlan,
)

ADULT_AGE = 18
MOBILE_CODES = ("701", "702", "705", "707", "708", "747", "771", "775", "776", "777", "778")
# (status, share of households, citizenships with weights, ethnicity per citizenship)
STATUSES = (
    ("kandas", 0.025, {"CN": 4, "MN": 3, "UZ": 2, "TM": 1}),
    ("residence_permit", 0.012, {"RU": 6, "UZ": 3, "KG": 1}),
    ("temporary", 0.008, {"RU": 5, "UZ": 4, "KG": 1}),
    ("refugee", 0.001, {"AF": 1}),
)
ETHNICITY = {"RU": RUSSIAN, "UZ": UZBEK, "KG": KAZAKH, "AF": AFGHAN}
_CITIZENSHIPS = {
    status: (list(weights), list(itertools.accumulate(weights.values())))
    for status, _share, weights in STATUSES
}
REGISTER_START = dt.date(2011, 1, 1)  # attachments from before it were carried over


# The IIN's check digit (core.iin.check_digit) is a weighted sum mod 11 of its 11 digits, with
# a second set of weights when the first gives 10: the issuer adds the birth date's part, once
# per date and sex, to the serial's, from a table.
_WEIGHTS_1 = tuple(range(1, 12))
_WEIGHTS_2 = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
_SERIALS = [f"{serial:04d}" for serial in range(10_000)]
_SERIAL_SUMS = [
    (
        sum(int(d) * w for d, w in zip(text, _WEIGHTS_1[7:], strict=True)),
        sum(int(d) * w for d, w in zip(text, _WEIGHTS_2[7:], strict=True)),
    )
    for text in _SERIALS
]


class IinIssuer:
    """Issues unique IINs that encode each person's birth date and sex."""

    def __init__(self, lane: int = 0, lanes: int = 1) -> None:
        # Generators side by side each take every lanes-th serial: no IIN is issued twice.
        self.lane, self.lanes = lane, lanes
        # Per birth date and sex: the IIN's head, its two weighted sums, the next serial.
        self._days: dict[tuple[dt.date, str], list[Any]] = {}

    def issue(self, birth: dt.date, sex: str) -> str:
        """The next unused IIN for the birth date and sex (unusable serials are skipped)."""
        day = self._days.get((birth, sex))
        if day is None:
            # Serials start at a spread-out point per day, as real ones are not all small.
            serial = 1000 + birth.toordinal() * 37 % 4000 + 500 * (sex == "female") + self.lane
            day = self._days[(birth, sex)] = [*_head(birth, sex), serial]
        text, first, second, serial = day
        while serial <= 9999:
            by_first, by_second = _SERIAL_SUMS[serial]
            digit = (first + by_first) % 11
            if digit == 10:
                digit = (second + by_second) % 11
            if digit != 10:
                day[3] = serial + self.lanes
                return f"{text}{_SERIALS[serial]}{digit}"
            serial += self.lanes
        raise OverflowError("no IIN serial left for one birth date and sex")


def _head(birth: dt.date, sex: str) -> tuple[str, int, int]:
    """The IIN's first seven digits (birth date, century and sex) and their weighted sums."""
    # Made once per birth date and sex, so for most persons: digits by arithmetic, not by
    # formatting the date and reading the text back.
    year, month, day = birth.year % 100, birth.month, birth.day
    century = century_sex_digit(birth, "female" if sex == "female" else "male")
    text = f"{year:02d}{month:02d}{day:02d}{century}"
    digits = (year // 10, year % 10, month // 10, month % 10, day // 10, day % 10, century)
    first = sum(map(operator.mul, digits, _WEIGHTS_1))
    second = sum(map(operator.mul, digits, _WEIGHTS_2))
    return text, first, second


class Population:
    """Generates the persons of the demo oblast, a chunk at a time, from one random stream.

    Several generators may run side by side (`lane` of `lanes`), each with its own random
    stream and its own share of the ids (`Ids.lane`), of the IIN serials and of the dwellings
    of each street, so that together they make distinct persons and addresses."""

    def __init__(
        self,
        *,
        plan: Plan,
        rng: random.Random,
        as_of: dt.date,
        ids: Ids,
        tz: dt.tzinfo,
        lane: int = 0,
        lanes: int = 1,
    ) -> None:
        self.plan, self.rng, self.as_of, self.ids, self.tz = plan, rng, as_of, ids, tz
        self.lane, self.lanes = lane, lanes
        self.households = HouseholdMaker(rng, as_of)
        self.iins = IinIssuer(lane, lanes)
        self.stats: Counter[str] = Counter()
        self._towns = list(itertools.accumulate(s.weight for s in plan.settlements))
        self._streets = [
            list(itertools.accumulate(st.capacity for st in s.streets)) for s in plan.settlements
        ]
        self._filled: Counter[int] = Counter()
        self._moments: dict[tuple[dt.date, int], dt.datetime] = {}
        self._providers = {s.unit.code: plan.providers_in(s.unit.code) for s in plan.settlements}

    def chunks(self, total: int, size: int) -> Iterator[Rows]:
        """Rows for `total` persons, in chunks of whole households of about `size` persons.
        Only the very last household may be cut short, so the chunk size changes nothing in
        the rows."""
        made = 0
        while made < total:
            rows: Rows = {table: [] for table in POPULATION_TABLES}
            start = made
            while made - start < size and made < total:
                made += self._household(rows, total - made)
            yield rows

    def _household(self, rows: Rows, room: int) -> int:
        town = self._pick(self._towns)
        settlement = self.plan.settlements[town]
        status, citizenship, ethnicity = self._status(settlement)
        insured = status != "temporary" or self.rng.random() < 0.5
        members = self.households.make(ethnicity, foreign=status == "temporary")[:room]
        street = settlement.streets[self._pick(self._streets[town])]
        house, apartment = self._dwelling(street)
        address_id = self.ids.take("address")
        rows["address"].append((address_id, street.id, house, "", apartment))
        person_ids: list[int] = []
        for member in members:
            person_id = self.ids.take("person")
            person_ids.append(person_id)
            age = age_on(member.birth, self.as_of)
            died, left = self._fate(age, status)
            rows["person"].append(
                (person_id, self.iins.issue(member.birth, member.sex), member.surname,
                 member.given, member.patronymic, member.birth, member.sex, status,
                 citizenship, insured, address_id, died, left, self._phone(age, died))
            )  # fmt: skip
            self._relations(member, person_id, person_ids, rows)
            if insured:
                self._attachments(person_id, member, settlement, street, house, died, left, rows)
            else:
                self.stats["uninsured"] += 1
            self.stats[status] += 1
        self.stats["household"] += 1
        return len(members)

    def _pick(self, cumulative: Sequence[float]) -> int:
        """An index drawn in proportion to the weights whose running sums are given."""
        index = bisect.bisect_right(cumulative, self.rng.random() * cumulative[-1])
        return min(index, len(cumulative) - 1)

    def _status(self, settlement: SettlementPlan) -> tuple[str, str, str]:
        draw = self.rng.random()
        for status, share, _citizenships in STATUSES:
            if draw < share:
                countries, sums = _CITIZENSHIPS[status]
                country = countries[weighted_index(self.rng, sums)]
                # Kandas are ethnic Kazakhs, wherever they come from.
                return status, country, KAZAKH if status == "kandas" else ETHNICITY[country]
            draw -= share
        kazakh = self.rng.random() < settlement.spec.kazakh_share
        return "citizen", "KZ", KAZAKH if kazakh else RUSSIAN

    def _dwelling(self, street: StreetPlan) -> tuple[int, str]:
        """The next free flat or house of the street: distinct for every household."""
        number = self._filled[street.id] * self.lanes + self.lane
        self._filled[street.id] += 1
        per_house = max(street.flats, 1)
        # Within capacity the stride spreads households over every planned house; beyond it
        # the street is numbered on (the last service area of a street runs to house 9999).
        slot = number * street.stride % street.capacity if number < street.capacity else number
        house = slot // per_house + 1
        return house, str(slot % per_house + 1) if street.flats else ""

    def _fate(self, age: int, status: str) -> tuple[dt.date | None, dt.date | None]:
        """Whether a person of the age has died or left the country, and when (within recent
        years)."""
        risk = 0.0 if age < 45 else 0.01 if age < 60 else 0.03 if age < 70 else 0.08
        if self.rng.random() < risk:
            self.stats["deceased"] += 1
            return self.as_of - dt.timedelta(days=self.rng.randint(1, 1800)), None
        settled = age >= ADULT_AGE and status in ("citizen", "residence_permit")
        if settled and self.rng.random() < 0.004:
            self.stats["emigrated"] += 1
            return None, self.as_of - dt.timedelta(days=self.rng.randint(1, 1000))
        return None, None

    def _phone(self, age: int, died: dt.date | None) -> str:
        if died or age < 14 or self.rng.random() < 0.15:
            return ""
        return f"+7{self.rng.choice(MOBILE_CODES)}{self.rng.randint(0, 9_999_999):07d}"

    def _relations(self, member: Member, person_id: int, household: list[int], rows: Rows) -> None:
        for parent in member.parents:
            relation_id = self.ids.take("personrelation")
            rows["personrelation"].append(
                (relation_id, person_id, household[parent], "parent", member.birth, None, "")
            )
        for guardian in member.guardians:
            relation_id = self.ids.take("personrelation")
            since = member.guardian_since
            document = f"ҚО-{since:%Y}-{self.rng.randint(1, 99999):05d}" if since else ""
            rows["personrelation"].append(
                (relation_id, person_id, household[guardian], "guardian", since, None, document)
            )
            self.stats["guardianship"] += 1

    def _attachments(
        self,
        person_id: int,
        member: Member,
        settlement: SettlementPlan,
        street: StreetPlan,
        house: int,
        died: dt.date | None,
        left: dt.date | None,
        rows: Rows,
    ) -> None:
        end = died or left
        if end is None and self.rng.random() < 0.05:
            self.stats["unattached"] += 1
            return
        adult_since = years_before(member.birth, -ADULT_AGE)
        is_child = (end or self.as_of) < adult_since
        district = (street.child if is_child else street.adult).district_for(house)
        start = max(REGISTER_START + dt.timedelta(days=self.rng.randint(0, 1095)), member.birth)
        start = start if is_child else max(start, adult_since)
        if end is not None:
            if start < end:
                reason = "death" if died else "left_country"
                self._attachment(rows, person_id, district, start, "initial", end, reason)
            return
        chosen = self.as_of - dt.timedelta(days=self.rng.randint(30, 1460))
        if chosen > start and self.rng.random() < 0.15:
            if self.rng.random() < 0.2:
                self._earlier(rows, person_id, member, settlement, start, chosen)
            self._attachment(rows, person_id, district, chosen, "choice")
        else:
            self._attachment(rows, person_id, district, start, "initial")
        self.stats["attached"] += 1

    def _earlier(
        self,
        rows: Rows,
        person_id: int,
        member: Member,
        settlement: SettlementPlan,
        start: dt.date,
        until: dt.date,
    ) -> None:
        """A closed attachment before the current one, at a neighbouring provider if any."""
        providers = self._providers[settlement.unit.code]
        provider = self.rng.choice(providers)
        child = age_on(member.birth, start) < ADULT_AGE
        district = self.rng.choice(_districts(provider, child=child))
        self._attachment(rows, person_id, district, start, "initial", until, "transfer")
        self.stats["history"] += 1

    def _attachment(
        self,
        rows: Rows,
        person_id: int,
        district: int,
        start: dt.date,
        reason: str,
        end: dt.date | None = None,
        end_reason: str = "",
    ) -> None:
        source = "register" if reason == "initial" else self.rng.choice(("desk", "portal"))
        created = self._moments.get((start, 9)) or self._moment(start, 9)
        ended = (self._moments.get((end, 10)) or self._moment(end, 10)) if end else None
        rows["attachment"].append(
            (self.ids.take("attachment"), person_id, self.plan.district_provider[district],
             district, start, end, reason, end_reason, True, source, "", created, ended)
        )  # fmt: skip

    def _moment(self, day: dt.date, hour: int) -> dt.datetime:
        """The hour of the day in the service's time zone, made once per day and hour."""
        moment = dt.datetime.combine(day, dt.time(hour, 0), tzinfo=self.tz)
        self._moments[(day, hour)] = moment
        return moment


def _districts(provider: ProviderPlan, *, child: bool) -> Sequence[int]:
    return provider.child if child else provider.adult
