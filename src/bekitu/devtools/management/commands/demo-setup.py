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
from django.db.models import Count

from bekitu.core.audit import audit_context
from bekitu.registry.models import Attachment, Person, Provider, ServiceArea
from bekitu.workstation.services import staff_create

DEMO_PASSWORD = "Bekitu-demo-2026"  # noqa: S105 - printed on purpose: demo logins only


def _demo_providers() -> list[Provider]:
    """Two providers of the administrative unit with the most providers (the oblast centre),
    where people may choose between polyclinics."""
    busiest = (
        Provider.objects.filter(is_active=True)
        .values("atu_code")
        .annotate(n=Count("id"))
        .order_by("-n", "atu_code")
        .first()
    )
    if busiest is None:
        return []
    return list(
        Provider.objects.filter(is_active=True, atu_code=busiest["atu_code"]).order_by("bin")[:2]
    )


class Command(BaseCommand):
    help = "Prepare the demo: population, test PKI, logins (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--persons", type=int, default=settings.DEMO_PERSONS)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("demo-data", persons=options["persons"], seed=options["seed"], if_empty=True)
        call_command("eds", "test-pki", "--persons-from-db")
        providers = _demo_providers()
        self._participants()
        logins = self._logins(providers)
        self._print_welcome(logins)
        if providers:
            self._print_desk_examples(providers[0])
        self._print_portal_examples()

    def _participants(self) -> None:
        """The gateway's participants served here: the portal, the providers' system that
        answers its queries (both signing with the demo operator's key), every provider."""
        from bekitu.devtools.cli.test_pki import PORTAL_OPERATOR_NAME, portal_operator_bin

        operator = portal_operator_bin()
        entries = [
            (settings.PORTAL_SYSTEM_ID, operator, PORTAL_OPERATOR_NAME),
            (settings.GATEWAY_REGISTER_SYSTEM_ID, operator, "register (demo)"),
            *((p.bin, p.bin, p.name_ru) for p in Provider.objects.filter(is_active=True)),
        ]
        for system_id, bin_, title in entries:
            call_command(
                "gateway",
                "participant",
                "add",
                system_id,
                bin_,
                "--title",
                title[:100],
                "--local",
                stdout=StringIO(),
            )

    def _print_portal_examples(self) -> None:
        """A citizen to try on the portal (keys of their own), a parent with a child, and how
        to sign with the development stand-in for NCALayer."""
        from bekitu.devtools.cli.test_pki import first_attachment_at
        from bekitu.devtools.testpki import PASSWORD, TestPki
        from bekitu.registry.models import PersonRelation

        pki_dir = settings.VAR_DIR / "pki"
        if not (pki_dir / "manifest.json").is_file():
            return
        pki = TestPki.load(pki_dir)
        base = settings.PUBLIC_BASE_URL
        lines = [
            f"Citizen portal: {base}/portal/ (register with the EDS key or an SMS code;",
            f"  the SMS codes are written to {settings.SMS_DIR})",
        ]
        for spec in pki.persons[1:3]:
            child = (
                PersonRelation.objects.filter(relative__iin=spec.iin, kind="parent")
                .select_related("person")
                .order_by("-person__birth_date")
                .first()
            )
            note = (
                f", parent of {child.person.iin} (born {child.person.birth_date})" if child else ""
            )
            lines.append(f"  {spec.iin}  {spec.surname} {spec.given_name}{note}")
            person = Person.objects.select_related("address").filter(iin=spec.iin).first()
            provider = first_attachment_at(person) if person is not None else None
            if provider is not None:
                lines.append(
                    f"    not attached anywhere: apply to {provider.name_ru} (BIN {provider.bin})"
                    " for a talon"
                )
        if len(pki.persons) > 1:
            iin = pki.persons[1].iin
            lines += [
                "Sign with the dev signer (authentication key to register or log in, signing key",
                "to send a request), in another terminal; open https://127.0.0.1:13579/ once:",
                f"  .venv/bin/bekitu eds ncalayer-dev --p12 {pki.person_auth_p12(iin)} "
                f"--password {PASSWORD}",
                f"  .venv/bin/bekitu eds ncalayer-dev --p12 {pki.person_sign_p12(iin)} "
                f"--password {PASSWORD}",
            ]
        self.stdout.write("\n".join([*lines, ""]))

    def _logins(self, providers: list[Provider]) -> list[tuple[str, str]]:
        user_model = get_user_model()
        if not user_model.objects.filter(username="admin").exists():
            user_model.objects.create_superuser("admin", "", DEMO_PASSWORD)
        logins = [("admin", "administration (superuser)")]
        staff = [
            (f"{role_name}{n}", role, provider)
            for n, provider in enumerate(providers, start=1)
            for role_name, role in (("stat", "statistics_specialist"), ("head", "head"))
        ]
        if providers:
            staff.append(("region", "regional_admin", providers[0]))
        for username, role, provider in staff:
            with audit_context(actor="cli", channel="cli"):
                staff_create(
                    username=username,
                    password=DEMO_PASSWORD,
                    provider_bin=provider.bin,
                    role=role,
                    kato_prefix=provider.atu_code[:2] if role == "regional_admin" else "",
                )
            logins.append((username, f"{role} · {provider.name_ru} (BIN {provider.bin})"))
        return logins

    def _print_welcome(self, logins: list[tuple[str, str]]) -> None:
        base = settings.PUBLIC_BASE_URL
        lines = [
            "",
            f"Bekitu is ready at {base}/",
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

    def _print_desk_examples(self, provider: Provider) -> None:
        """Demo IINs to try at the desk of stat1: people of that provider's unit."""
        living = Person.objects.filter(
            death_date__isnull=True,
            emigrated_on__isnull=True,
            insured=True,
            address__street__locality__atu_code=provider.atu_code,
        ).order_by("iin")
        # On the streets the provider's districts cover: attached with home visits.
        covered = living.filter(
            address__street__in=ServiceArea.objects.filter(district__provider=provider).values(
                "street"
            )
        )
        open_ones = Attachment.objects.filter(valid_to__isnull=True)
        unattached = covered.exclude(pk__in=open_ones.values("person_id")).first()
        elsewhere = living.filter(
            pk__in=open_ones.exclude(provider=provider).values("person_id")
        ).first()
        lines = ["Try at the desk of stat1:"]
        if unattached:
            lines.append(f"  {unattached.iin}  not attached anywhere: attach (reason: free choice)")
        if elsewhere:
            lines.append(
                f"  {elsewhere.iin}  attached to another polyclinic of the city: transfer "
                "(reason: change of residence)"
            )
        self.stdout.write("\n".join([*lines, ""]))
