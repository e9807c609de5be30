"""`bekitu registry import DIR|FILE [--dry-run] [--partial] [--report FILE]`: load a region's
register from files (docs/import.md), checked before anything is written."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bekitu.core.errors import DomainError
from bekitu.registry.importer import BATCH, ImportResult, run_import


class Command(BaseCommand):
    help = "The register of attached population. `import`: load a region from files."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        load = sub.add_parser(
            "import",
            help="Check and load persons, addresses, providers, districts, doctors, service "
            "areas and attachments from CSV or JSON Lines files (see docs/import.md).",
        )
        load.add_argument("source", type=Path, help="a directory of entity files, or one file")
        load.add_argument("--dry-run", action="store_true", help="check only; write nothing")
        load.add_argument(
            "--partial",
            action="store_true",
            help="take the rows that pass and leave out those with problems (default: refuse "
            "the whole import when any row has a problem)",
        )
        load.add_argument(
            "--report", type=Path, help="write the problems to this CSV file (file, line, field)"
        )
        load.add_argument("--batch", type=int, default=BATCH, help="rows per transaction")
        load.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        source: Path = options["source"]
        if not source.exists():
            raise CommandError(f"{source} does not exist")
        try:
            result = run_import(
                source,
                partial=options["partial"],
                dry_run=options["dry_run"],
                batch=max(1, options["batch"]),
                progress=not options["no_progress"],
            )
        except DomainError as error:
            raise CommandError(str(error.message)) from error
        if options["report"]:
            _write_report(options["report"], result)
        self.stdout.write(_summary(result, options["dry_run"], options["partial"]))
        if not result.check.ok and not options["partial"]:
            raise CommandError("refused: fix the problems above, or take the rest with --partial")


def _write_report(path: Path, result: ImportResult) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "line", "field", "code", "message"])
        writer.writerows(problem.as_row() for problem in result.check.problems)


def _summary(result: ImportResult, dry_run: bool, partial: bool) -> str:
    check = result.check
    lines = []
    for problem in check.problems[:50]:
        lines.append(
            "{}:{}: {}: {} ({})".format(*problem.as_row()[:3], *problem.as_row()[4:], problem.code)
        )
    if len(check.problems) > 50:
        lines.append(f"... and {len(check.problems) - 50} more problems")
    for source in check.files:
        label = source.label
        counts = result.counts.get(label, {})
        taken = ", ".join(f"{k} {v}" for k, v in counts.items())
        refused = len(check.refused.get(label, ()))
        lines.append(
            f"{label}: {check.rows.get(label, 0)} rows, {refused} refused"
            + (f"; {taken}" if taken else "")
        )
    if dry_run:
        verdict = "dry run: nothing written"
    elif not check.ok and not partial:
        verdict = f"refused: {len(check.problems)} problems, nothing written"
    else:
        resumed = " (resumed)" if result.resumed else ""
        run = result.run.pk if result.run else "-"
        verdict = f"imported{resumed} as run {run}"
    lines.append(verdict)
    return "\n".join(lines)
