"""`bekitu audit verify`: walk the audit log's hash chain and name the first broken row;
`bekitu audit anchor`: print the chains' heads, to be kept outside the database."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bekitu.core.audit import ChainReport, anchor_check, audit_anchor, audit_verify
from bekitu.core.models import AuditEntry

_PROBLEMS = {
    "content": "its content no longer matches its hash: it was edited after it was written",
    "prev_hash": "it does not chain to the row before it: a row was edited, inserted or removed",
    "rehashed": "it was edited and its hash recomputed: the next row still points at its old hash",
    "missing": "it is missing: it was deleted",
    "anchor": "it is not the row the anchor recorded: the chain was rewritten after the anchor",
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
    help = (
        "Audit log tools. `verify`: check the hash chain (and an anchor); exit 1 and name the "
        "first broken row. `anchor`: print the chains' heads to keep outside the database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        verify = sub.add_parser("verify", help="Check the hash chain of the audit log.")
        verify.add_argument("--batch", type=int, default=5000, help="rows read per query")
        verify.add_argument(
            "--anchor", help="a file `bekitu audit anchor` wrote earlier: its heads must remain"
        )
        sub.add_parser("anchor", help="Print the chains' heads as JSON, to keep elsewhere.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "anchor":
            self.stdout.write(json.dumps(audit_anchor()))
            return
        report = audit_verify(batch=options["batch"])
        if report.ok and options.get("anchor"):
            with open(options["anchor"], encoding="utf-8") as source:
                anchored = anchor_check(json.load(source))
            report = report if anchored.ok else replace(anchored, checked=report.checked)
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
