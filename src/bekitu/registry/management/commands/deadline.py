"""`bekitu deadline --submitted ISO [--channel desk|phone|portal] [--provider BIN]`: the term
of the service (R5.3 at the desk and by telephone, R9.13 through the portal)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bekitu.core.calendar import CHANNELS, WorkingHours, service_term
from bekitu.registry.selectors import provider_get_by_bin, provider_working_hours


def aware_datetime(text: str) -> dt.datetime:
    """An ISO 8601 date and time with its offset; a time without one is refused."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date and time: {text!r}") from exc
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"give the offset too, e.g. {text}+05:00")
    return moment


def default_hours() -> WorkingHours:
    """The hours of a provider that has none of its own, from the settings."""
    return WorkingHours(
        opens=dt.time.fromisoformat(settings.WORKDAY_OPENS),
        closes=dt.time.fromisoformat(settings.WORKDAY_CLOSES),
        tz=ZoneInfo(settings.TIME_ZONE),
    )


def provider_hours(bin_: str) -> WorkingHours:
    """The working hours of the provider with this BIN."""
    provider = provider_get_by_bin(bin_)
    if provider is None:
        raise CommandError(f"No provider with BIN {bin_} in the register.")
    return provider_working_hours(provider)


class Command(BaseCommand):
    help = (
        "Print the term of the service for documents submitted at a moment: "
        '{"term_start": ISO, "deadline": ISO} (R5.3, R9.13).'
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--submitted",
            required=True,
            type=aware_datetime,
            help="when the documents were submitted, ISO 8601 with offset",
        )
        parser.add_argument(
            "--channel",
            choices=CHANNELS,
            default="portal",
            help="how the documents were submitted: the two-hour cut-off before closing is the "
            "portal's rule (R9.13); at the desk or by telephone the term starts at submission "
            "within working hours (R5.3). Default: portal",
        )
        parser.add_argument("--provider", metavar="BIN", help="use this provider's hours")

    def handle(self, *args: Any, **options: Any) -> None:
        bin_ = options["provider"]
        hours = provider_hours(bin_) if bin_ else default_hours()
        term = service_term(options["submitted"], hours, options["channel"])
        out = {"term_start": term.term_start.isoformat(), "deadline": term.deadline.isoformat()}
        self.stdout.write(json.dumps(out))
