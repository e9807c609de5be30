"""`bekitu audit verify`: walk the audit log's hash chain and name the first broken row."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bekitu.core.audit import ChainReport, audit_verify
from bekitu.core.models import AuditEntry

_PROBLEMS = {
    "content": "its content no longer matches its hash: it was edited after it was written",
    "prev_hash": "it does not chain to the row before it: a row was edited, inserted or removed",
    "missing": "it is missing: it was deleted",
}


def describe(report: ChainReport) -> str:
    """One sentence for people: the chain is intact, or which row breaks it and how."""
    if report.ok:
        return f"The audit chain is intact: {report.checked} rows checked."
    seq, chain = report.first_broken_seq, report.chain
    entry = (
        AuditEntry.objects.filter(chain=chain, seq=seq).first()
        if seq is not None and chain is not None
        else None
    )
    row = f"row {seq}" if entry is None else f"row {seq} ({entry.action} at {entry.at.isoformat()})"
    row = f"{row} of chain {chain}" if chain is not None else row
    problem = _PROBLEMS.get(report.problem or "", report.problem or "unknown problem")
    return (
        f"The audit chain is broken at {row}: {problem}. "
        f"{report.checked} rows before it are intact."
    )


class Command(BaseCommand):
    help = "Audit log tools. `verify`: check the hash chain; exit 1 and name the first broken row."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        verify = sub.add_parser("verify", help="Check the hash chain of the audit log.")
        verify.add_argument("--batch", type=int, default=5000, help="rows read per query")

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_verify(batch=options["batch"])
        line = {
            "ok": report.ok,
            "checked": report.checked,
            "chain": report.chain,
            "first_broken_seq": report.first_broken_seq,
            "problem": report.problem,
        }
        self.stdout.write(json.dumps(line))
        self.stdout.write(describe(report))
        if not report.ok:
            sys.exit(1)
