"""`bekitu demo-setup`: what `make run` needs once on a fresh machine, and nothing twice.

Loads the demo population (when the register is empty), makes the offline test PKI with keys
for the demo providers and persons (when missing), the demo logins, and prints where to go.
It calls the project's own commands by name, so each part stays owned by its app.
"""

from __future__ import annotations

from io import StringIO
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from bekitu.registry.models import Provider

DEMO_PASSWORD = "Bekitu-demo-2026"  # noqa: S105 - printed on purpose: demo logins only


class Command(BaseCommand):
    help = "Prepare the demo: population, test PKI, logins (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--persons", type=int, default=settings.DEMO_PERSONS)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("demo-data", persons=options["persons"], seed=options["seed"], if_empty=True)
        call_command("eds", "test-pki", "--persons-from-db")
        logins = self._logins()
        self._print_welcome(logins)

    def _logins(self) -> list[tuple[str, str]]:
        user_model = get_user_model()
        if not user_model.objects.filter(username="admin").exists():
            user_model.objects.create_superuser("admin", "", DEMO_PASSWORD)
        logins = [("admin", "administration (superuser)")]
        providers = list(Provider.objects.filter(is_active=True).order_by("bin")[:2])
        for n, provider in enumerate(providers, start=1):
            for role, username in (("statistics_specialist", f"stat{n}"), ("head", f"head{n}")):
                call_command(
                    "staff-create",
                    username=username,
                    password=DEMO_PASSWORD,
                    provider_bin=provider.bin,
                    role=role,
                    stdout=StringIO(),  # the welcome below lists the logins
                )
                logins.append((username, f"{role} · {provider.name_ru} (BIN {provider.bin})"))
        return logins

    def _print_welcome(self, logins: list[tuple[str, str]]) -> None:
        base = settings.PUBLIC_BASE_URL
        lines = [
            "",
            f"Bekitu is ready at {base}/",
            f"  citizen portal        {base}/portal/",
            f"  provider workstation  {base}/workstation/",
            f"  administration        {base}/admin/",
            f"  API documentation     {base}/api/docs/",
            "",
            f"Demo logins (password {DEMO_PASSWORD}):",
            *(f"  {user:<8} {what}" for user, what in logins),
            f"Test PKI and demo signing keys: {settings.VAR_DIR / 'pki'} (see README.txt there)",
            "",
        ]
        self.stdout.write("\n".join(lines))
