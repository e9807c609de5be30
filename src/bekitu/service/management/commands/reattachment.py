"""`bekitu reattachment plan|assign|confirm|run|show|notify`: re-attachment in bulk when a
provider closes or its districts are redrawn (docs/operations.md, *Re-attachment*).

Each subcommand prints one JSON object. `run` carries the plan out in this process, from its
checkpoint (the background worker does the same once a plan is confirmed); run again after a
stop, it continues where the last committed batch ended."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bekitu.core.audit import audit_context
from bekitu.core.errors import DomainError
from bekitu.registry.selectors import districts_by_pk, provider_get_by_bin
from bekitu.service.reattachment import plan as plans
from bekitu.service.reattachment.models import Reattachment
from bekitu.service.reattachment.notices import reattachment_sms_send
from bekitu.service.reattachment.run import reattachment_run


def _plan_json(plan: Reattachment) -> dict[str, Any]:
    summary = plans.reattachment_summary(plan=plan)
    return {
        "number": plan.number,
        "kind": plan.kind,
        "provider_bin": plan.provider.bin,
        "on": plan.on.isoformat(),
        "status": plan.status,
        "persons": plan.total,
        "processed": plan.processed,
        "batches": plan.batches,
        "counts": plan.counts,
        "targets": [
            {
                "provider_bin": t.district.provider.bin,
                "district_id": t.district.pk,
                "district": t.district.number,
                "persons": t.persons,
            }
            for t in summary.targets
        ],
        "without_target": [item.person.iin for item in summary.without_target],
    }


class Command(BaseCommand):
    help = "Re-attach the people of a closing provider, or of redrawn districts, in bulk."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        make = sub.add_parser("plan", help="Make a plan (nothing changes before `confirm`).")
        make.add_argument("--bin", required=True, help="The provider's BIN.")
        make.add_argument(
            "--kind", choices=Reattachment.Kind.values, default=Reattachment.Kind.PROVIDER_CLOSED
        )
        make.add_argument("--on", required=True, help="Day the new attachments start (YYYY-MM-DD).")
        assign = sub.add_parser("assign", help="Send persons (by IIN) to a district by hand.")
        assign.add_argument("number")
        assign.add_argument("--district", type=int, required=True, help="The district's id.")
        assign.add_argument("iins", nargs="+")
        for name, text in (
            ("confirm", "Confirm the plan (a closing provider is closed) and queue it."),
            ("show", "The plan, its targets and its progress."),
            ("notify", "Send the SMS not yet sent to the persons re-attached."),
        ):
            sub.add_parser(name, help=text).add_argument("number")
        run = sub.add_parser("run", help="Carry the plan out here, from its checkpoint.")
        run.add_argument("number")
        run.add_argument("--batches", type=int, default=None, help="Stop after this many batches.")

    def handle(self, *args: Any, **options: Any) -> None:
        with audit_context(actor="cli", channel="cli"):
            try:
                result = getattr(self, f"_{options['subcommand']}")(options)
            except DomainError as exc:
                raise CommandError(f"{exc.code}: {exc}") from exc
        self.stdout.write(json.dumps(result, ensure_ascii=False))

    def _get(self, number: str) -> Reattachment:
        plan = plans.reattachment_get(number=number)
        if plan is None:
            raise CommandError(f"no re-attachment {number}")
        return plan

    def _plan(self, options: dict[str, Any]) -> dict[str, Any]:
        provider = provider_get_by_bin(options["bin"])
        if provider is None:
            raise CommandError(f"no provider with BIN {options['bin']}")
        try:
            on = dt.date.fromisoformat(options["on"])
        except ValueError as exc:
            raise CommandError(f"--on: {exc}") from exc
        plan = plans.reattachment_plan(
            provider=provider, kind=options["kind"], on=on, kato_prefix="", planned_by="cli"
        )
        return _plan_json(plan)

    def _assign(self, options: dict[str, Any]) -> dict[str, Any]:
        plan = self._get(options["number"])
        district = districts_by_pk(pks=[options["district"]]).get(options["district"])
        if district is None:
            raise CommandError(f"no district {options['district']}")
        found = plans.plan_persons_by_iin(plan=plan, iins=options["iins"])
        missing = sorted(set(options["iins"]) - set(found))
        if missing:
            raise CommandError(f"not in the plan: {', '.join(missing)}")
        moved = plans.reattachment_assign(
            plan=plan, person_ids=list(found.values()), district=district
        )
        return {"number": plan.number, "assigned": moved}

    def _confirm(self, options: dict[str, Any]) -> dict[str, Any]:
        plan = plans.reattachment_confirm(plan=self._get(options["number"]), confirmed_by="cli")
        return _plan_json(plan)

    def _run(self, options: dict[str, Any]) -> dict[str, Any]:
        plan = self._get(options["number"])
        return _plan_json(reattachment_run(plan_id=plan.pk, max_batches=options["batches"]))

    def _show(self, options: dict[str, Any]) -> dict[str, Any]:
        return _plan_json(self._get(options["number"]))

    def _notify(self, options: dict[str, Any]) -> dict[str, Any]:
        plan = self._get(options["number"])
        return {"number": plan.number, "sms": reattachment_sms_send(plan_id=plan.pk)}
