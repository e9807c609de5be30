"""Age bands (no database): the text of an edition, the edition in force on a day, and the
law that turns ages into birth-date cutoffs (what the database compares)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bekitu.reports.bands import (
    DEFAULT_BANDS,
    Band,
    BandEdition,
    InvalidBands,
    age_on,
    edition_in_force,
    parse_bands,
    years_before,
)

DEFAULT = BandEdition(dt.date(1900, 1, 1), parse_bands(DEFAULT_BANDS))


def test_the_default_bands_are_the_funding_groups():
    assert DEFAULT.labels == [
        "0",
        "1-4",
        "5-14",
        "15-17",
        "18-29",
        "30-39",
        "40-49",
        "50-59",
        "60-69",
        "70+",
    ]
    assert DEFAULT.text == DEFAULT_BANDS


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "no bands"),
        ("1-4,5+", "should start at 0"),
        ("0,2-4,5+", "should start at 1"),
        ("0,1-4,5-14", "last band must be open"),
        ("0,4-1,5+", "ends before it starts"),
        ("0,1+,5+", "follows the open band"),
        ("0,1-4,five+", "not a band"),
    ],
)
def test_bad_bands_are_refused_with_the_reason(text, problem):
    with pytest.raises(InvalidBands, match=problem):
        parse_bands(text)


def test_a_single_year_band_and_spaces_are_accepted():
    assert parse_bands(" 0 , 1 ,2-17, 18+") == (Band(0, 0), Band(1, 1), Band(2, 17), Band(18, None))


def test_the_edition_in_force_is_the_latest_started():
    old = BandEdition(dt.date(2015, 1, 1), parse_bands("0,1-17,18+"))
    new = BandEdition(dt.date(2027, 1, 1), parse_bands("0,1-4,5-17,18-64,65+"))
    editions = [new, old]
    assert edition_in_force(editions, dt.date(2026, 12, 31)) is old
    assert edition_in_force(editions, dt.date(2027, 1, 1)) is new
    assert edition_in_force(editions, dt.date(2010, 1, 1)) is old  # before any: the earliest


def test_age_in_completed_years_and_the_leap_day():
    born = dt.date(2020, 2, 29)
    assert age_on(born, dt.date(2021, 2, 28)) == 0
    assert age_on(born, dt.date(2021, 3, 1)) == 1
    assert age_on(born, dt.date(2024, 2, 29)) == 4
    assert years_before(dt.date(2024, 2, 29), 1) == dt.date(2023, 2, 28)


def _band_by_cutoffs(edition: BandEdition, birth: dt.date, day: dt.date) -> str:
    # What the database does: the first band whose cutoff lies before the birth date.
    for cutoff, band in edition.birth_cutoffs(day):
        if birth > cutoff:
            return band.label
    return edition.bands[-1].label


dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))


@settings(deadline=None)
@given(birth=dates, day=dates)
def test_cutoffs_put_everyone_in_the_band_of_their_age(birth, day):
    if birth > day:
        return
    assert _band_by_cutoffs(DEFAULT, birth, day) == DEFAULT.band_of(age_on(birth, day)).label


@settings(deadline=None)
@given(
    day=dates,
    birth=dates,
    widths=st.lists(st.integers(min_value=1, max_value=30), min_size=1, max_size=8),
)
def test_the_law_holds_for_any_edition(day, birth, widths):
    bounds, lo = [], 0
    for width in widths:
        bounds.append(f"{lo}-{lo + width - 1}")
        lo += width
    edition = BandEdition(dt.date(1900, 1, 1), parse_bands(",".join([*bounds, f"{lo}+"])))
    if birth <= day:
        assert _band_by_cutoffs(edition, birth, day) == edition.band_of(age_on(birth, day)).label
