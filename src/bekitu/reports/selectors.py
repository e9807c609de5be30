"""Reads of the reports' own settings: the edition of age bands in force on a day."""

from __future__ import annotations

import datetime as dt

from bekitu.reports.bands import DEFAULT_BANDS, BandEdition, edition_in_force, parse_bands
from bekitu.reports.models import AgeBandEdition

# The built-in edition holds until the first one kept in the database starts.
BUILT_IN = BandEdition(valid_from=dt.date(1900, 1, 1), bands=parse_bands(DEFAULT_BANDS))


def band_editions() -> list[BandEdition]:
    """Every edition of age bands, the built-in one first."""
    kept = [
        BandEdition(valid_from=e.valid_from, bands=parse_bands(e.bands))
        for e in AgeBandEdition.objects.order_by("valid_from")
    ]
    return [BUILT_IN, *kept]


def band_edition_on(day: dt.date) -> BandEdition:
    """The edition of age bands in force on the day."""
    return edition_in_force(band_editions(), day)
