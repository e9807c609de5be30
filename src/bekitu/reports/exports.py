"""Reports as files: CSV (one table, machine-readable), XLSX (every table, one sheet each, with
the readers' headers) through XlsxWriter, and JSON.

CSV: UTF-8 without a byte-order mark, comma-separated, a header of column keys (stable in
every language), dates as ISO 8601, decimals with a point, empty cells for nothing. XLSX:
the first row of each sheet holds the column labels in the reader's language, numbers are
numbers and dates are dates, and a last sheet says what the file is.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from typing import IO, Any

import xlsxwriter
from django.utils import timezone
from django.utils.translation import gettext as _

from bekitu.reports.tables import Cell, Column, ReportTables, Table

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


def _plain(value: Cell, column: Column) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.4f}" if column.kind == "share" else f"{value:.1f}"
    return str(value)


def write_csv(table: Table, stream: IO[str]) -> int:
    """Write one table as CSV; returns the rows written (header excluded)."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow([c.key for c in table.columns])
    for row in table.rows:
        writer.writerow([_plain(v, c) for v, c in zip(row, table.columns, strict=True)])
    return len(table.rows)


def csv_text(table: Table) -> str:
    stream = io.StringIO()
    write_csv(table, stream)
    return stream.getvalue()


def _json_value(value: Cell) -> Any:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def report_json(report: ReportTables) -> dict[str, Any]:
    """The report as JSON: kind, title, parameters and every table's rows keyed by column."""
    return {
        "report": report.kind,
        "title": report.title,
        "params": report.params,
        "tables": [
            {
                "key": t.key,
                "title": t.title,
                "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in t.columns],
                "rows": [{k: _json_value(v) for k, v in row.items()} for row in t.as_dicts()],
            }
            for t in report.tables
        ],
    }


def json_text(report: ReportTables) -> str:
    return json.dumps(report_json(report), ensure_ascii=False, indent=1)


_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(title: str, taken: set[str]) -> str:
    # Excel allows 31 characters and none of []:*?/\ in a sheet's name, unique in the book.
    base = _SHEET_FORBIDDEN.sub(" ", title).strip()[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def write_xlsx(report: ReportTables, target: str | IO[bytes], *, about: dict[str, str]) -> int:
    """Write every table of the report on a sheet of its own, and an "about" sheet; returns
    the data rows written. `constant_memory` streams rows, so a long list costs no memory."""
    book = xlsxwriter.Workbook(target, {"constant_memory": True, "remove_timezone": True})
    formats = {
        "header": book.add_format({"bold": True, "text_wrap": True, "valign": "top"}),
        "share": book.add_format({"num_format": "0.0%"}),
        "minutes": book.add_format({"num_format": "0.0"}),
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
        "datetime": book.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
    }
    taken: set[str] = set()
    written = 0
    for table in report.tables:
        sheet = book.add_worksheet(_sheet_name(table.title, taken))
        written += _write_sheet(sheet, table, formats)
    about_sheet = book.add_worksheet(_sheet_name(_("About this file"), taken))
    for i, (label, value) in enumerate(about.items()):
        about_sheet.write_string(i, 0, label, formats["header"])
        about_sheet.write_string(i, 1, value)
    about_sheet.set_column(0, 0, 28)
    about_sheet.set_column(1, 1, 60)
    book.close()
    return written


def _write_sheet(sheet: Any, table: Table, formats: dict[str, Any]) -> int:
    for col, column in enumerate(table.columns):
        sheet.write_string(0, col, column.label, formats["header"])
        sheet.set_column(col, col, 12 if column.kind != "text" else 24)
    sheet.freeze_panes(1, 0)
    for r, row in enumerate(table.rows, start=1):
        for col, (value, column) in enumerate(zip(row, table.columns, strict=True)):
            _write_cell(sheet, r, col, value, column, formats)
    return len(table.rows)


def _write_cell(
    sheet: Any, r: int, c: int, value: Cell, column: Column, formats: dict[str, Any]
) -> None:
    if value is None or value == "":
        sheet.write_blank(r, c, None)
    elif isinstance(value, dt.datetime):
        sheet.write_datetime(r, c, timezone.localtime(value), formats["datetime"])
    elif isinstance(value, dt.date):
        sheet.write_datetime(r, c, value, formats["date"])
    elif isinstance(value, bool | str):
        sheet.write_string(r, c, str(value))
    else:
        sheet.write_number(r, c, value, formats.get(column.kind))
