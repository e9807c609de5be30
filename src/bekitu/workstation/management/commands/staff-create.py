"""`bekitu staff-create`: a workstation login for a provider's staff member (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bekitu.core.audit import audit_context
from bekitu.core.errors import DomainError
from bekitu.workstation.models import StaffProfile
from bekitu.workstation.services import staff_create


class Command(BaseCommand):
    help = "Create or update a workstation login of a provider's staff member."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--provider-bin", required=True, help="BIN of the staff's provider.")
        parser.add_argument("--role", required=True, choices=StaffProfile.Role.values)
        parser.add_argument(
            "--kato-prefix",
            default="",
            help="Regional administrators: KATO prefix of the providers they see "
            "(default: their provider's region).",
        )
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with audit_context(actor="cli", channel="cli"):
                profile = staff_create(
                    username=options["username"],
                    password=options["password"],
                    provider_bin=options["provider_bin"],
                    role=options["role"],
                    kato_prefix=options["kato_prefix"],
                    first_name=options["first_name"],
                    last_name=options["last_name"],
                )
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(
            f"{profile.user.get_username()}: {profile.role} at {profile.provider.bin}"
        )
