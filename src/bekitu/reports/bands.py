"""Age bands of the attached population, as effective-dated editions. No Django here.

Per-capita funding of primary care is paid on the attached population by sex and age group,
and the groups change now and then; an edition of bands therefore applies from a date, and a
report as of day D uses the edition in force on D (`reports.selectors.band_edition_on`).

Age is counted in completed years on D (a person born on 29 February turns one on 1 March of
a common year). A band is `lo-hi` (both included), `n` (one year of age) or `n+` (n and
older); an edition's bands start at 0, follow each other without a gap and end open.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

__all__ = [
    "DEFAULT_BANDS",
    "Band",
    "BandEdition",
    "InvalidBands",
    "age_on",
    "edition_in_force",
    "parse_bands",
    "years_before",
]

# The funding groups of the issue that introduced the reports; an edition in the database
# replaces them from its date (docs/reports.md).
DEFAULT_BANDS = "0,1-4,5-14,15-17,18-29,30-39,40-49,50-59,60-69,70+"

_BAND = re.compile(r"^(\d{1,3})(?:-(\d{1,3})|(\+))?$")


class InvalidBands(ValueError):
    """The text does not describe bands from 0 upwards, without gaps, ending open."""


@dataclass(frozen=True)
class Band:
    """Ages from `lo` to `hi` completed years, both included; `hi` None: and older."""

    lo: int
    hi: int | None

    @property
    def label(self) -> str:
        if self.hi is None:
            return f"{self.lo}+"
        return str(self.lo) if self.lo == self.hi else f"{self.lo}-{self.hi}"

    def holds(self, age: int) -> bool:
        return self.lo <= age and (self.hi is None or age <= self.hi)


@dataclass(frozen=True)
class BandEdition:
    """The bands in force from a day on (until the next edition's day)."""

    valid_from: dt.date
    bands: tuple[Band, ...]

    @property
    def labels(self) -> list[str]:
        return [band.label for band in self.bands]

    @property
    def text(self) -> str:
        return ",".join(self.labels)

    def band_of(self, age: int) -> Band:
        """The band that holds an age (ages below 0 are not ages: ValueError)."""
        if age < 0:
            raise ValueError("age must not be negative")
        for band in self.bands:
            if band.holds(age):
                return band
        raise AssertionError("an edition's bands cover every age")  # parse_bands ensures it

    def birth_cutoffs(self, day: dt.date) -> list[tuple[dt.date, Band]]:
        """For each band but the last, the earliest birth date whose age on `day` is still
        inside the band or a younger one: a person is in the first band whose cutoff is
        before their birth date, or in the last band. Ages become date comparisons, which
        every database can make on an index-friendly column."""
        return [
            (years_before(day, band.hi + 1), band) for band in self.bands if band.hi is not None
        ]


def parse_bands(text: str) -> tuple[Band, ...]:
    """Bands from their text, e.g. "0,1-4,5-14,15-17,18-29,30-39,40-49,50-59,60-69,70+"."""
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        raise InvalidBands("no bands")
    bands: list[Band] = []
    for item in items:
        match = _BAND.match(item)
        if match is None:
            raise InvalidBands(f"not a band: {item!r}")
        lo = int(match.group(1))
        hi = None if match.group(3) else int(match.group(2) or lo)
        if hi is not None and hi < lo:
            raise InvalidBands(f"band {item!r} ends before it starts")
        expected = 0 if not bands else (bands[-1].hi or 0) + 1
        if bands and bands[-1].hi is None:
            raise InvalidBands(f"band {item!r} follows the open band")
        if lo != expected:
            raise InvalidBands(f"band {item!r} should start at {expected}")
        bands.append(Band(lo, hi))
    if bands[-1].hi is not None:
        raise InvalidBands("the last band must be open, e.g. 70+")
    return tuple(bands)


def edition_in_force(editions: list[BandEdition], day: dt.date) -> BandEdition:
    """The edition with the latest start on or before the day; the earliest if none has
    started (a report before the first edition uses it rather than nothing)."""
    if not editions:
        raise ValueError("no band editions")
    started = [e for e in editions if e.valid_from <= day]
    if started:
        return max(started, key=lambda e: e.valid_from)
    return min(editions, key=lambda e: e.valid_from)


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day `years` years earlier; 29 February becomes the 28th in a common year."""
    year = day.year - years
    return dt.date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Completed years of age on the day."""
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - int(before_birthday)
