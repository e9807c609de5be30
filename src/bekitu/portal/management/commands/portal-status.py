"""`bekitu portal-status [NUMBER ...]`: ask the provider where portal requests stand now.

bekitu portal-status P-20260301-000042   that request, whatever its status or silence
bekitu portal-status                     one run of the beat's task: the silent requests

Each answer is applied as the provider's status message would have been (portal/reconcile.py);
printed as JSON, audited with the operator's command as the actor.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bekitu.core.audit import audit_context
from bekitu.core.errors import DomainError
from bekitu.portal.reconcile import request_reconcile, requests_reconcile


class Command(BaseCommand):
    help = "Ask the providers where portal requests stand and apply their answers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "numbers", nargs="*", help="request numbers (none: the silent requests, one batch)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with audit_context(actor="cli", channel="cli"):
            if not options["numbers"]:
                self.stdout.write(json.dumps(asdict(requests_reconcile())))
                return
            failed = False
            for number in options["numbers"]:
                try:
                    outcome = request_reconcile(number=number)
                except DomainError as exc:
                    self.stderr.write(f"{number}: {exc.code}: {exc.message}")
                    failed = True
                    continue
                self.stdout.write(json.dumps({"number": number, "outcome": outcome}))
        if failed:
            sys.exit(1)
