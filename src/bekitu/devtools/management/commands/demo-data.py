"""`bekitu demo-data --persons N --seed S [--if-empty]`: load a generated oblast."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bekitu.core.errors import DomainError
from bekitu.devtools.demo import LoadSummary, load_blocker, load_demo_data


class Command(BaseCommand):
    help = (
        "Generate and load a plausible East Kazakhstan oblast: settlements, streets, providers, "
        "districts, doctors, service areas and N persons with families and attachments. The "
        "same --persons, --seed and --as-of always give the same data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--persons", type=int, default=settings.DEMO_PERSONS, help="persons to generate"
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--as-of",
            type=dt.date.fromisoformat,
            default=None,
            help="the day the data describes, YYYY-MM-DD (default: today)",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing when the register already holds persons or the demo localities",
        )
        parser.add_argument("--chunk", type=int, default=20_000, help="persons per batch")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["persons"] < 0:
            raise CommandError("--persons must not be negative")
        blocker = load_blocker() if options["if_empty"] else None
        if blocker is not None:
            self.stdout.write(f"{blocker.message} Nothing loaded.")
            return
        try:
            summary = load_demo_data(
                persons=options["persons"],
                seed=options["seed"],
                as_of=options["as_of"],
                chunk=max(1, options["chunk"]),
                progress=not options["no_progress"],
            )
        except DomainError as error:
            raise CommandError(str(error.message)) from error
        self.stdout.write(_summary_text(summary))


def _summary_text(summary: LoadSummary) -> str:
    lines = [
        f"Loaded {summary.persons} persons (seed {summary.seed}, as of {summary.as_of}) "
        f"in {summary.seconds:.1f} s ({summary.persons_per_second:,.0f} persons/s).",
        "Rows: " + ", ".join(f"{table} {count}" for table, count in summary.rows.items()),
        "Figures: " + ", ".join(f"{k} {v}" for k, v in sorted(summary.figures.items())),
    ]
    return "\n".join(lines)
