"""`bekitu talons sign-pending [--bin BIN]`: sign the talons issued while their provider's key
was unavailable (R3.1); prints {"signed": n, "pending": m}; exit 1 while any stays pending."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bekitu.core.audit import audit_context
from bekitu.talons.services import talons_sign_pending


class Command(BaseCommand):
    help = (
        "Talon tools. `sign-pending`: sign talons issued while the provider's key was unavailable."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sign = sub.add_parser("sign-pending", help="Sign talons issued without the provider's key.")
        sign.add_argument("--bin", default=None, help="Only this provider's talons (12-digit BIN).")

    def handle(self, *args: Any, **options: Any) -> None:
        with audit_context(actor="cli", channel="cli"):
            signed, pending = talons_sign_pending(provider_bin=options["bin"])
        self.stdout.write(json.dumps({"signed": signed, "pending": pending}))
        if pending:
            sys.exit(1)
