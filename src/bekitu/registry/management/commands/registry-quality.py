"""`bekitu registry-quality`: the register's data-quality checks, as one JSON object."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bekitu.registry import quality


class Command(BaseCommand):
    help = (
        "Check the register: districts above their normative size, attachments of deceased "
        "or emigrated persons, at closed providers or without a district, and inhabited "
        "addresses no district covers. Exits 1 when anything is found."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--on", help="Day to check (YYYY-MM-DD); default today.")
        parser.add_argument("--kato-prefix", default="", help="Only this territory (KATO prefix).")
        parser.add_argument(
            "--tolerance", type=int, default=0, help="Percent above the norm still accepted."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            day = dt.date.fromisoformat(options["on"]) if options["on"] else None
        except ValueError as exc:
            raise CommandError(f"--on: {exc}") from exc
        prefix, tolerance = options["kato_prefix"], options["tolerance"]
        report = quality.quality_report(on=day, kato_prefix=prefix, tolerance_percent=tolerance)
        over = quality.districts_over_norm(
            on=report.on, kato_prefix=prefix, tolerance_percent=tolerance
        )
        result = {
            "on": report.on.isoformat(),
            "kato_prefix": prefix,
            "clean": report.clean,
            "counts": {
                "districts_over_norm": report.districts_over_norm,
                "attachments_of_departed": report.attachments_of_departed,
                "attachments_at_closed_providers": report.attachments_at_closed_providers,
                "attachments_without_district": report.attachments_without_district,
                "addresses_uncovered": report.addresses_uncovered,
            },
            "districts_over_norm": [
                {
                    "provider_bin": d.provider.bin,
                    "district": d.number,
                    "attached": d.attached,  # type: ignore[attr-defined]
                    "normative_size": d.normative_size,
                }
                for d in over[:100]
            ],
        }
        self.stdout.write(json.dumps(result, ensure_ascii=False))
        if not report.clean:
            raise SystemExit(1)
