"""`bekitu gateway <sub-command>`: run the relay and the receiver, see and operate the queues.

bekitu gateway run [--wait 0.5]        relay, receive and retry until stopped (SIGTERM)
bekitu gateway relay|receive|retry     one pass of one part, printed as JSON
bekitu gateway drain                   passes until nothing is left to do now
bekitu gateway status                  messages per state, outbox and inbox
bekitu gateway participant add ID BIN [--title T] [--local] [--inactive]
bekitu gateway participant list
bekitu gateway replay|discard MESSAGE_ID (--outbox | --inbox)
bekitu gateway purge [--days N] [--dry-run]   delete what is done with beyond the retention
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bekitu.core.audit import audit_context
from bekitu.core.errors import DomainError
from bekitu.gateway import services
from bekitu.gateway.inbox import inbox_receive, inbox_retry_due
from bekitu.gateway.models import Participant
from bekitu.gateway.outbox import outbox_relay
from bekitu.gateway.retention import gateway_purge
from bekitu.gateway.selectors import gateway_counts
from bekitu.gateway.worker import gateway_drain, gateway_run


class Command(BaseCommand):
    help = "The e-government gateway: run the relay and receiver, status, participants, replay."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        run = sub.add_parser("run", help="Relay, receive and retry until stopped.")
        run.add_argument("--wait", type=float, default=0.5, help="seconds to wait per pass")
        for name, text in (
            ("relay", "Deliver what is due in the outbox, once."),
            ("receive", "Receive what has arrived on the local routes, once."),
            ("retry", "Run the handlers whose retry is due, once."),
            ("drain", "Relay, receive and retry until nothing is left to do now."),
            ("status", "Messages per state, outbox and inbox."),
        ):
            sub.add_parser(name, help=text)
        participant = sub.add_parser("participant", help="Register or list participants.")
        psub = participant.add_subparsers(dest="action", required=True)
        add = psub.add_parser("add", help="Register (or update) a participant.")
        add.add_argument("system_id", help="its id: a provider's BIN, the portal's id")
        add.add_argument("bin", help="the BIN of the organization certificate that signs")
        add.add_argument("--title", default="")
        add.add_argument("--local", action="store_true", help="served by this installation")
        add.add_argument("--inactive", action="store_true")
        psub.add_parser("list", help="List the participants as JSON lines.")
        for verb in ("replay", "discard"):
            op = sub.add_parser(verb, help=f"{verb.capitalize()} a parked message.")
            op.add_argument("message_id")
            box = op.add_mutually_exclusive_group(required=True)
            box.add_argument("--outbox", action="store_const", dest="box", const="outbox")
            box.add_argument("--inbox", action="store_const", dest="box", const="inbox")
        purge = sub.add_parser(
            "purge", help="Delete the messages done with and older than the retention."
        )
        purge.add_argument("--days", type=int, help="instead of BEKITU_GATEWAY_RETENTION_DAYS")
        purge.add_argument("--dry-run", action="store_true", help="count, delete nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        command = options["subcommand"]
        try:
            with audit_context(actor="cli", channel="cli"):
                result = getattr(self, f"_{command}")(options)
        except DomainError as exc:
            self.stderr.write(f"{exc.code}: {exc.message}")
            sys.exit(1)
        if result is not None:
            self.stdout.write(json.dumps(result, ensure_ascii=False, default=str))

    def _run(self, options: dict[str, Any]) -> None:
        gateway_run(wait=options["wait"])

    def _relay(self, options: dict[str, Any]) -> dict[str, int]:
        return asdict(outbox_relay())

    def _receive(self, options: dict[str, Any]) -> dict[str, int]:
        return asdict(inbox_receive())

    def _retry(self, options: dict[str, Any]) -> dict[str, int]:
        return asdict(inbox_retry_due())

    def _drain(self, options: dict[str, Any]) -> dict[str, Any]:
        return asdict(gateway_drain())

    def _status(self, options: dict[str, Any]) -> dict[str, Any]:
        return gateway_counts()

    def _participant(self, options: dict[str, Any]) -> dict[str, Any] | None:
        if options["action"] == "list":
            for p in Participant.objects.order_by("system_id"):
                self.stdout.write(
                    json.dumps(
                        {
                            "system_id": p.system_id,
                            "bin": p.bin,
                            "title": p.title,
                            "local": p.local,
                            "active": p.active,
                        },
                        ensure_ascii=False,
                    )
                )
            return None
        p = services.participant_register(
            system_id=options["system_id"],
            bin=options["bin"],
            title=options["title"],
            local=options["local"],
            active=not options["inactive"],
        )
        return {"system_id": p.system_id, "bin": p.bin, "local": p.local, "active": p.active}

    def _operate(self, options: dict[str, Any], verb: str) -> dict[str, str]:
        row = getattr(services, f"{options['box']}_{verb}")(message_id=options["message_id"])
        return {"message_id": str(row.message_id), "status": row.status}

    def _replay(self, options: dict[str, Any]) -> dict[str, str]:
        return self._operate(options, "replay")

    def _discard(self, options: dict[str, Any]) -> dict[str, str]:
        return self._operate(options, "discard")

    def _purge(self, options: dict[str, Any]) -> dict[str, Any]:
        report = gateway_purge(days=options["days"], dry_run=options["dry_run"])
        if report is None:
            return {"kept": "all", "reason": "BEKITU_GATEWAY_RETENTION_DAYS is 0"}
        return {**asdict(report), "dry_run": options["dry_run"]}
