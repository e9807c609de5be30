"""Generated attachment histories and the counts made from them without the database.

A history is what the register may hold for one person: periods [valid_from, valid_to) one
after another, to one provider or another, to a district or none, ended by a transfer (the
next starts that day), by an end (death, leaving the country: a gap, perhaps a return), or
open; now and then a period replaced before it started, [d, d), which never held.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from hypothesis import strategies as st

from bekitu.registry.models import Address, Attachment, District, Person, Provider
from bekitu.reports.bands import BandEdition, age_on
from tests.factories import AddressFactory, DistrictFactory, PersonFactory, ProviderFactory

EPOCH = dt.date(2018, 1, 1)
SPAN = 3000  # days after EPOCH that periods and report days fall in


@dataclass(frozen=True)
class Period:
    provider: int  # index into the world's providers
    district: int | None  # index into that provider's districts
    start: int  # days after EPOCH
    end: int | None  # exclusive; None: open
    reason: str
    end_reason: str


@dataclass(frozen=True)
class History:
    birth: dt.date
    sex: str
    periods: tuple[Period, ...]

    def provider_on(self, day: int) -> int | None:
        """The provider the person is attached to on the day, by the rule (None: none)."""
        for p in self.periods:
            if p.start <= day and (p.end is None or day < p.end) and p.end != p.start:
                return p.provider
        return None


@st.composite
def histories(draw: st.DrawFn, providers: int = 3) -> History:
    birth = EPOCH + dt.timedelta(days=draw(st.integers(-30000, SPAN - 1)))
    sex = draw(st.sampled_from(["male", "female"]))
    day = max(draw(st.integers(0, SPAN // 2)), (birth - EPOCH).days)
    periods: list[Period] = []
    for _ in range(draw(st.integers(0, 5))):
        if day >= SPAN:
            break
        provider = draw(st.integers(0, providers - 1))
        district = draw(st.one_of(st.none(), st.integers(0, 1)))
        reason = draw(
            st.sampled_from(["initial", "choice", "change_of_residence", "newborn", "arrival"])
        )
        if draw(st.integers(0, 9)) == 0:  # replaced before it started: [d, d)
            periods.append(Period(provider, district, day, day, reason, "transfer"))
            continue
        length = draw(st.integers(1, 700))
        how = draw(st.sampled_from(["transfer", "transfer", "gap", "open"]))
        if how == "open":
            periods.append(Period(provider, district, day, None, reason, ""))
            break
        end = day + length
        periods.append(
            Period(
                provider,
                district,
                day,
                end,
                reason,
                "transfer" if how == "transfer" else "left_country",
            )
        )
        day = end if how == "transfer" else end + draw(st.integers(1, 300))
    return History(birth, sex, tuple(periods))


@dataclass
class World:
    providers: list[Provider]
    districts: list[list[District]]
    address: Address


def world(n_providers: int = 3) -> World:
    providers = [ProviderFactory() for _ in range(n_providers)]
    districts = [[DistrictFactory(provider=p), DistrictFactory(provider=p)] for p in providers]
    return World(providers, districts, AddressFactory())


def store(w: World, stories: list[History]) -> list[Person]:
    """Write the histories as register rows (the rows the services would leave)."""
    persons, rows = [], []
    for story in stories:
        person = PersonFactory(birth_date=story.birth, sex=story.sex, address=w.address)
        persons.append(person)
        for p in story.periods:
            rows.append(
                Attachment(
                    person=person,
                    provider=w.providers[p.provider],
                    district=w.districts[p.provider][p.district]
                    if p.district is not None
                    else None,
                    valid_from=EPOCH + dt.timedelta(days=p.start),
                    valid_to=EPOCH + dt.timedelta(days=p.end) if p.end is not None else None,
                    reason=p.reason,
                    end_reason=p.end_reason,
                    source="register",
                )
            )
    Attachment.objects.bulk_create(rows)
    return persons


def counted_cells(
    w: World, stories: list[History], day: int, edition: BandEdition
) -> dict[tuple[int, str, str], int]:
    """(provider id, sex, band) → persons attached on the day, counted by the rule."""
    on = EPOCH + dt.timedelta(days=day)
    cells: dict[tuple[int, str, str], int] = {}
    for story in stories:
        provider = story.provider_on(day)
        if provider is None:
            continue
        band = edition.band_of(age_on(story.birth, on)).label
        key = (w.providers[provider].pk, story.sex, band)
        cells[key] = cells.get(key, 0) + 1
    return cells


def counted_totals(w: World, stories: list[History], day: int) -> dict[int, int]:
    """Provider id → persons attached on the day, counted by the rule."""
    totals: dict[int, int] = {p.pk: 0 for p in w.providers}
    for story in stories:
        provider = story.provider_on(day)
        if provider is not None:
            totals[w.providers[provider].pk] += 1
    return totals
