"""`bekitu report <report> ...`: a report as CSV, JSON or XLSX, for every provider or one.

    bekitu report attached-population --as-of YYYY-MM-DD [--provider BIN] [--by district]
    bekitu report movement --from YYYY-MM-DD --to YYYY-MM-DD [--provider BIN] [--table months]
    bekitu report service --from YYYY-MM-DD --to YYYY-MM-DD [--provider BIN] [--table steps]
    bekitu report district-load --as-of YYYY-MM-DD [--provider BIN]
    each with [--format csv|json|xlsx] [--output FILE]

CSV holds one table (attached-population: `provider_bin,sex,age_band,count`, one row per
non-empty cell); JSON and XLSX hold them all. The command is an operator's: it sees every
provider, and its read is audited (actor "cli").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from bekitu.core.audit import audit_context, audit_record
from bekitu.reports.catalog import KINDS, make_report, report_form
from bekitu.reports.exports import csv_text, json_text, write_xlsx
from bekitu.reports.services import MAIN_TABLE

OPTIONS = {
    "attached-population": ("as_of", "by"),
    "movement": ("first", "last"),
    "service": ("first", "last"),
    "district-load": ("as_of",),
}


class Command(BaseCommand):
    help = "Reports of the attached population and the service, as CSV, JSON or XLSX."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="report", required=True)
        for kind, options in OPTIONS.items():
            p = sub.add_parser(kind, help=str(KINDS[kind].summary))
            if "as_of" in options:
                p.add_argument(
                    "--as-of",
                    dest="as_of",
                    required=True,
                    metavar="YYYY-MM-DD",
                    help="the day the figures are counted on",
                )
            if "first" in options:
                p.add_argument(
                    "--from",
                    dest="first",
                    required=True,
                    metavar="YYYY-MM-DD",
                    help="first day of the period",
                )
                p.add_argument(
                    "--to",
                    dest="last",
                    required=True,
                    metavar="YYYY-MM-DD",
                    help="last day of the period (included)",
                )
            if "by" in options:
                p.add_argument(
                    "--by",
                    choices=["provider", "district", "doctor"],
                    default="provider",
                    help="how JSON and XLSX group the places",
                )
            p.add_argument(
                "--provider", metavar="BIN", default="", help="one provider (default: all)"
            )
            p.add_argument("--format", choices=["csv", "json", "xlsx"], default="csv")
            p.add_argument(
                "--table", default="", help=f"the table CSV holds (default: {MAIN_TABLE[kind]})"
            )
            p.add_argument(
                "--output", metavar="FILE", default="", help="write here (default: standard output)"
            )

    def handle(self, *args: Any, **options: Any) -> None:
        kind, fmt, output = options["report"], options["format"], options["output"]
        if fmt == "xlsx" and not output:
            raise CommandError("XLSX is a binary file: name it with --output FILE.")
        data = {name: options[name] for name in OPTIONS[kind]}
        data["provider"] = options["provider"]
        form = report_form(kind, data, None)
        if not form.is_valid():
            problems = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in form.errors.items())
            raise CommandError(_unknown_provider(options["provider"], form) or problems)
        params = form.params()
        with audit_context(actor="cli", channel="cli"):
            # Every provider: aggregates only, as region-wide exports; one: its list too.
            made = make_report(
                kind, params, None, regional=True, aggregates_only=not params.get("provider")
            )
            audit_record(
                action="reports.report.read",
                object_type="reports.report",
                object_id=kind,
                data={"params": params, "format": fmt},
            )
        self._write(made.tables, fmt, options["table"] or MAIN_TABLE[kind], output)

    def _write(self, report: Any, fmt: str, table: str, output: str) -> None:
        if fmt == "xlsx":
            about = {
                "report": report.title,
                "made at": timezone.localtime().isoformat(timespec="seconds"),
                **report.params,
            }
            write_xlsx(report, output, about=about)
            return
        try:
            text = csv_text(report.table(table)) if fmt == "csv" else json_text(report) + "\n"
        except KeyError:
            keys = ", ".join(t.key for t in report.tables)
            raise CommandError(f"No table {table!r} in this report; its tables: {keys}.") from None
        if output:
            Path(output).write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="")


def _unknown_provider(bin_: str, form: Any) -> str:
    if bin_ and "provider" in form.errors:
        return f"No provider with BIN {bin_}."
    return ""
