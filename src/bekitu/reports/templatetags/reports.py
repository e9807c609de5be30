"""Template filters of the report pages: a cell shown as its column's kind says."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import formats, timezone

from bekitu.reports.tables import Cell, Column

register = template.Library()


@register.filter
def cell(value: Cell, kind: str) -> str:
    """A table cell for people: numbers grouped, shares as percent, minutes to a tenth,
    dates and times in the page's language; a dash for nothing."""
    if value is None or value == "":
        return "—"
    if isinstance(value, dt.datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, dt.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if kind == "share" and isinstance(value, int | float):
        return formats.number_format(100 * value, 1, use_l10n=True) + " %"
    if kind == "minutes" and isinstance(value, int | float):
        return formats.number_format(value, 1, use_l10n=True)
    if kind == "int" and isinstance(value, int):
        return formats.number_format(value, 0, use_l10n=True, force_grouping=True)
    return str(value)


@register.filter
def numeric(kind: str) -> bool:
    """True for the kinds of column that hold numbers (aligned to the right)."""
    return kind in ("int", "share", "minutes")


@register.filter
def with_columns(row: list[Cell], columns: list[Column]) -> list[tuple[Cell, Column]]:
    """The row's cells, each with its column."""
    return list(zip(row, columns, strict=True))
