"""Households of the demo population: who lives together, their ages, sexes and names.

Ages follow a pyramid close to East Kazakhstan's (an older oblast: about a quarter of the
residents are children); children are born to mothers aged 19 to 42 and stay at home until
about 24. Members are listed parents first, so a household cut short keeps its links whole.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from bekitu.devtools.demo import names
from bekitu.devtools.demo.names import KAZAKH, Lineage

if TYPE_CHECKING:
    from _typeshed import SupportsLenAndGetItem

# (first age, last age, weight): adults by five-year band.
ADULT_AGES = (
    (18, 19, 2.6), (20, 24, 5.5), (25, 29, 6.5), (30, 34, 8.0), (35, 39, 8.0),
    (40, 44, 7.2), (45, 49, 6.6), (50, 54, 6.3), (55, 59, 6.8), (60, 64, 6.8),
    (65, 69, 6.5), (70, 74, 5.0), (75, 79, 3.0), (80, 84, 2.2), (85, 89, 1.1), (90, 99, 0.35),
)  # fmt: skip
KINDS = ("family", "single_parent", "extended", "couple", "single", "guardian")
CITIZEN_KINDS = (0.36, 0.07, 0.06, 0.21, 0.29, 0.01)
FOREIGN_KINDS = (0.35, 0.0, 0.0, 0.2, 0.45, 0.0)
CHILDREN = ((1, 2, 3, 4, 5), (0.38, 0.37, 0.18, 0.05, 0.02))
T = TypeVar("T")
UNDIVIDED_SURNAME_SINCE = 1995  # from about then some Kazakh children carry "…ұлы" surnames
# Running sums of the weights above: a draw is then one bisection, as random.choices makes it.
_KIND_SUMS = {
    False: list(itertools.accumulate(CITIZEN_KINDS)),
    True: list(itertools.accumulate(FOREIGN_KINDS)),
}
_CHILDREN_SUMS = list(itertools.accumulate(CHILDREN[1]))


@dataclass(slots=True)
class Member:
    sex: str
    birth: dt.date
    surname: str
    given: str
    patronymic: str
    parents: tuple[int, ...] = ()  # indices of earlier members of the household
    guardians: tuple[int, ...] = ()
    guardian_since: dt.date | None = None


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day `years` earlier (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def age_on(birth: dt.date, day: dt.date) -> int:
    """Full years of age on a day."""
    return day.year - birth.year - int((day.month, day.day) < (birth.month, birth.day))


class HouseholdMaker:
    """Makes the members of one household at a time, from one random stream."""

    def __init__(self, rng: random.Random, as_of: dt.date) -> None:
        self.rng, self.as_of = rng, as_of

    def make(self, ethnicity: str, *, foreign: bool) -> list[Member]:
        """The members of a new household of the ethnicity, parents first."""
        kind = KINDS[weighted_index(self.rng, _KIND_SUMS[foreign])]
        lineage = names.new_lineage(self.rng, ethnicity)
        if kind == "single":
            age = self.age(18, 99)
            sex = "female" if self.rng.random() < (0.62 if age >= 60 else 0.45) else "male"
            return [self.adult(lineage, sex, age)]
        if kind == "couple":
            # Couples without children at home are mostly those whose children have left.
            older = self.rng.random() < 0.75
            return self.couple(lineage, self.age(45, 95) if older else self.age(20, 44))
        if kind == "guardian":
            return self.guardian(lineage)
        return self.family(lineage, kind)

    def age(self, low: int, high: int) -> int:
        """An adult's age between low and high, following the pyramid."""
        bands, sums = _age_bands(low, high)
        first, last = bands[weighted_index(self.rng, sums)]
        return self.rng.randint(first, last)

    def birth(self, age: int) -> dt.date:
        """A birth date that makes the person `age` years old today."""
        anniversary = years_before(self.as_of, age)
        return anniversary - dt.timedelta(days=self.rng.randint(0, 364))

    def adult(self, lineage: Lineage, sex: str, age: int, *, father: str | None = None) -> Member:
        """An adult whose own father is not in the household (unless `father` is given)."""
        birth = self.birth(age)
        father = father or names.given_name(self.rng, lineage.ethnicity, "male")
        return self.named(lineage, sex, birth, father)

    def named(self, lineage: Lineage, sex: str, birth: dt.date, father: str) -> Member:
        """A member named after the lineage and their father's given name."""
        uly = birth.year >= UNDIVIDED_SURNAME_SINCE
        surname = names.surname(lineage, sex, father, uly_allowed=uly)
        kazakh_form = self.rng.random() < (0.75 if uly else 0.3)
        patronymic = (
            ""
            if lineage.style == "uly" and uly
            else names.patronymic(lineage.ethnicity, father, sex, kazakh_form=kazakh_form)
        )
        given = names.given_name(self.rng, lineage.ethnicity, sex)
        return Member(sex, birth, surname, given, patronymic)

    def wife(self, lineage: Lineage, age: int) -> Member:
        """A wife: Russian wives mostly take the husband's surname, Kazakh ones half of them."""
        keeps_own = self.rng.random() < (0.5 if lineage.ethnicity == KAZAKH else 0.1)
        own = names.new_lineage(self.rng, lineage.ethnicity) if keeps_own else lineage
        return self.adult(Lineage(own.ethnicity, own.surname, "ov"), "female", age)

    def couple(self, lineage: Lineage, age: int) -> list[Member]:
        """A husband and a wife of about the same age."""
        husband = self.adult(lineage, "male", age)
        return [husband, self.wife(lineage, max(18, min(99, age - self.rng.randint(-2, 6))))]

    def family(self, lineage: Lineage, kind: str) -> list[Member]:
        """Parents (or a mother alone) with children; `extended` adds a grandparent."""
        members: list[Member] = []
        father_age = self.age(22, 62)
        grandfather = None
        if kind == "extended":
            grand_age = min(95, father_age + self.rng.randint(22, 35))
            grand_sex = "female" if self.rng.random() < 0.7 else "male"
            grand = self.adult(lineage, grand_sex, grand_age)
            grandfather = grand.given if grand_sex == "male" else None
            members.append(grand)
        mother_age = max(19, father_age - self.rng.randint(-2, 6))
        if kind == "single_parent":
            members.append(self.wife(lineage, mother_age))
            father = names.given_name(self.rng, lineage.ethnicity, "male")
        else:
            dad = self.adult(lineage, "male", father_age, father=grandfather)
            dad.parents = (0,) if members else ()
            members += [dad, self.wife(lineage, mother_age)]
            father = dad.given
        parents = tuple(range(len(members) - (1 if kind == "single_parent" else 2), len(members)))
        members += self.children(lineage, father, mother_age, parents)
        return members

    def children(
        self, lineage: Lineage, father: str, mother_age: int, parents: tuple[int, ...]
    ) -> list[Member]:
        """Children born when the mother was 19 to 42, still at home up to about 24."""
        count = CHILDREN[0][weighted_index(self.rng, _CHILDREN_SUMS)]
        kids = []
        for _ in range(count):
            age = mother_age - self.rng.randint(19, max(19, min(42, mother_age)))
            if 0 <= age <= 24:
                kid = self.named(lineage, self.sex(), self.birth(age), father)
                kid.parents = parents
                kids.append(kid)
        return kids

    def guardian(self, lineage: Lineage) -> list[Member]:
        """Grandparents bringing up one or two grandchildren under their guardianship."""
        members = [self.adult(lineage, "female", self.age(50, 75))]
        if self.rng.random() < 0.5:
            members.insert(0, self.adult(lineage, "male", self.age(52, 78)))
        father = names.given_name(self.rng, lineage.ethnicity, "male")
        guardians = tuple(range(len(members)))
        for _ in range(self.rng.randint(1, 2)):
            kid = self.named(lineage, self.sex(), self.birth(self.rng.randint(1, 16)), father)
            span = (self.as_of - kid.birth).days
            kid.guardians = guardians
            kid.guardian_since = kid.birth + dt.timedelta(days=self.rng.randint(30, span))
            members.append(kid)
        return members

    def sex(self) -> str:
        """Boys are born slightly more often than girls."""
        return "male" if self.rng.random() < 0.512 else "female"


class DemoRandom(random.Random):
    """`random.Random` whose `randint` and `choice` draw the very same numbers with three
    fewer Python calls each (no `randrange` argument checks, and `_randbelow`'s draw of
    `n.bit_length()` random bits, again while the number is too big, written out in place):
    the generator draws about eight of them per person."""

    def randint(self, a: int, b: int) -> int:
        n = b - a + 1
        if n <= 0:
            raise ValueError(f"empty range for randint({a}, {b})")
        getrandbits, k = self.getrandbits, n.bit_length()
        r = getrandbits(k)
        while r >= n:
            r = getrandbits(k)
        return a + r

    def choice(self, seq: SupportsLenAndGetItem[T]) -> T:
        n = len(seq)
        if not n:
            raise IndexError("cannot choose from an empty sequence")
        getrandbits, k = self.getrandbits, n.bit_length()
        r = getrandbits(k)
        while r >= n:
            r = getrandbits(k)
        return seq[r]


def weighted_index(rng: random.Random, sums: Sequence[float]) -> int:
    """The index `rng.choices(range(len(sums)), cum_weights=sums)` draws, with the same one
    random number: weighted draws without building the running sums each time."""
    return bisect.bisect(sums, rng.random() * (sums[-1] + 0.0), 0, len(sums) - 1)


@functools.cache
def _age_bands(low: int, high: int) -> tuple[list[tuple[int, int]], list[float]]:
    """The pyramid's bands cut to [low, high] and the running sums of their weights."""
    bands = [
        (max(a, low), min(b, high), w * (min(b, high) - max(a, low) + 1) / (b - a + 1))
        for a, b, w in ADULT_AGES
        if a <= high and b >= low
    ]
    return [(a, b) for a, b, _w in bands], list(itertools.accumulate(w for _a, _b, w in bands))
