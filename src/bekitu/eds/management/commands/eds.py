"""`bekitu eds <sub-command>`: verification, the test PKI, CRLs, OCSP and NCALayer tools."""

from __future__ import annotations

import importlib
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bekitu.eds.cli import SUBCOMMANDS


class Command(BaseCommand):
    help = "EDS tools: " + ", ".join(sorted(SUBCOMMANDS))

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, parser_class=ArgumentParser)
        for name, module_name in sorted(SUBCOMMANDS.items()):
            module = importlib.import_module(module_name)
            module.add_arguments(sub.add_parser(name, help=module.HELP))

    def handle(self, *args: Any, **options: Any) -> None:
        module = importlib.import_module(SUBCOMMANDS[options["subcommand"]])
        code = module.run(options, self.stdout)
        if code:
            sys.exit(code)
