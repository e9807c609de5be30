"""`bekitu iin check IIN [IIN ...]`: one JSON object per number; exit 1 if any is invalid."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bekitu.core.iin import validate_iin


class Command(BaseCommand):
    help = "IIN and BIN tools. `check`: validate numbers, print one JSON object per line."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        check = sub.add_parser("check", help="Check IINs or BINs: length, digits, check digit.")
        check.add_argument("numbers", nargs="+", metavar="IIN", help="12-digit IIN or BIN")

    def handle(self, *args: Any, **options: Any) -> None:
        results = [validate_iin(number) for number in options["numbers"]]
        for result in results:
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
        if not all(result.valid for result in results):
            sys.exit(1)
