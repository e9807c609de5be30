"""A report as tables: what the pages show, the API returns and the exports write.

A column has a stable key (the CSV header, the API's field) and a label in the reader's
language (the XLSX header, the page). Cells are plain values: str, int, float, date or None.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

Cell = str | int | float | dt.date | dt.datetime | None


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"  # text, int, share (0..1), minutes, date, datetime


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list[Cell]] = field(default_factory=list)

    def as_dicts(self) -> list[dict[str, Cell]]:
        """The rows keyed by column key (the API's and JSON export's shape)."""
        keys = [c.key for c in self.columns]
        return [dict(zip(keys, row, strict=True)) for row in self.rows]


@dataclass
class ReportTables:
    """A whole report: its kind, title, the parameters it was made with, and its tables."""

    kind: str
    title: str
    params: dict[str, str]
    tables: list[Table]

    def table(self, key: str) -> Table:
        for table in self.tables:
            if table.key == key:
                return table
        raise KeyError(key)
