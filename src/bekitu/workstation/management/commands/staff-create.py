"""`bekitu staff-create`: a workstation login for a provider's staff member (idempotent).

The password is never an argument (it would stand in the process list and the shell's
history): it is asked twice at a terminal, or read from standard input with
`--password-stdin` (a secret manager, a pipe), and must pass the password validators
(AUTH_PASSWORD_VALIDATORS: at least BEKITU_PASSWORD_MIN_LENGTH characters, not common, not
all digits, not like the user name). With `--link` there is no password at all: the login
gets an unusable one and the command prints a one-time link where the staff member chooses
it (valid BEKITU_SET_PASSWORD_LINK_HOURS hours, once; the password validators run there).
"""

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bekitu.core.audit import audit_context
from bekitu.core.errors import DomainError
from bekitu.workstation.models import StaffProfile
from bekitu.workstation.services import set_password_link, staff_create


class Command(BaseCommand):
    help = "Create or update a workstation login of a provider's staff member."
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="Read the password from the first line of standard input (otherwise it is "
            "asked twice at the terminal).",
        )
        parser.add_argument(
            "--link",
            action="store_true",
            help="Set no password: print a one-time link where the staff member chooses one "
            "(valid BEKITU_SET_PASSWORD_LINK_HOURS hours).",
        )
        parser.add_argument(
            "--base-url",
            default="",
            help="With --link: the site's address the link starts with (https://host).",
        )
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

    def _password(self, options: dict[str, Any]) -> str:
        stdin = options.get("stdin") or sys.stdin
        if options["password_stdin"]:
            return stdin.readline().rstrip("\r\n")
        if not stdin.isatty():
            raise CommandError("No terminal to ask the password at: use --password-stdin.")
        first = getpass.getpass("Password: ")
        if getpass.getpass("Password (again): ") != first:
            raise CommandError("The two passwords differ.")
        return first

    def handle(self, *args: Any, **options: Any) -> None:
        if options["link"]:
            if options["password_stdin"]:
                raise CommandError("--link sets no password: leave out --password-stdin.")
            self._save(options, None)
            return
        password = self._password(options)
        user_model = get_user_model()
        probe = user_model.objects.filter(username=options["username"]).first() or user_model(
            username=options["username"],
            first_name=options["first_name"],
            last_name=options["last_name"],
        )
        try:
            validate_password(password, user=probe)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self._save(options, password)

    def _save(self, options: dict[str, Any], password: str | None) -> None:
        try:
            with audit_context(actor="cli", channel="cli"):
                profile = staff_create(
                    username=options["username"],
                    password=password,
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
        if password is None:
            hours = settings.PASSWORD_RESET_TIMEOUT // 3600
            link = options["base_url"].rstrip("/") + set_password_link(profile.user)
            self.stdout.write(f"One-time link to choose the password (valid {hours} h): {link}")
