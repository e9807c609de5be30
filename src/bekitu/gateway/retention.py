"""How long the gateway keeps what it carried: the outbox's and the inbox's messages that are
done with, and the record of envelopes it refused, are deleted once older than
BEKITU_GATEWAY_RETENTION_DAYS (`bekitu gateway purge`, and daily by the background worker).

What the service must keep does not live here: the signed request is kept on its application,
the talon with its signed XML, every step in the audit log. A message still at work (waiting,
sent and unconfirmed, retrying, parked for an operator) is never deleted, however old. The
retention must outlast every retry (`retention_problems`), so that a copy of a message that
arrives late still finds its messageId in the inbox and is handled once; the provider's side
also refuses a second application for a request number it already holds.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone

from bekitu.core.audit import audit_record
from bekitu.core.errors import DomainError
from bekitu.core.retention import BATCH, delete_in_batches
from bekitu.gateway.models import (
    INBOX_AT_WORK,
    OUTBOX_AT_WORK,
    InboxMessage,
    OutboxMessage,
    RejectedMessage,
)

DAY = 86_400


@dataclass(frozen=True)
class PurgeReport:
    cutoff: dt.datetime
    outbox: int
    inbox: int
    rejected: int


def longest_retry_seconds() -> int:
    """The longest a message may still be at work: every attempt at the longest wait."""
    wait = max(settings.GATEWAY_RETRY_CAP_SECONDS, settings.GATEWAY_RECEIPT_TIMEOUT_SECONDS)
    return int(settings.GATEWAY_MAX_ATTEMPTS) * int(wait)


def shortest_retention_days() -> int:
    """Twice the longest retry, in whole days."""
    return max(1, math.ceil(2 * longest_retry_seconds() / DAY))


def retention_problems(days: int) -> list[str]:
    """What is wrong with BEKITU_GATEWAY_RETENTION_DAYS (for the start-up check); 0 keeps all."""
    if days < 0:
        return [f"BEKITU_GATEWAY_RETENTION_DAYS is {days}: it must be 0 (keep all) or more."]
    if 0 < days < shortest_retention_days():
        return [
            f"BEKITU_GATEWAY_RETENTION_DAYS is {days}: a message may still be retried for "
            f"{longest_retry_seconds() // 3600} h, so keep at least {shortest_retention_days()} "
            "days, or 0 to keep all."
        ]
    return []


def _done_before(cutoff: dt.datetime) -> dict[type[Model], QuerySet]:
    return {
        OutboxMessage: OutboxMessage.objects.filter(~OUTBOX_AT_WORK, created_at__lt=cutoff),
        InboxMessage: InboxMessage.objects.filter(~INBOX_AT_WORK, received_at__lt=cutoff),
        RejectedMessage: RejectedMessage.objects.filter(received_at__lt=cutoff),
    }


def gateway_purge(
    *, days: int | None = None, dry_run: bool = False, batch: int = BATCH
) -> PurgeReport | None:
    """Delete the messages done with and older than the retention (the setting, or `days`),
    a batch per transaction, and audit the run with its counts; `dry_run` counts only.
    None when the retention is 0 (keep all)."""
    days = settings.GATEWAY_RETENTION_DAYS if days is None else days
    problems = retention_problems(days)
    if problems:
        raise DomainError(problems[0], code="retention_too_short")
    if days == 0:
        return None
    cutoff = timezone.now() - dt.timedelta(days=days)
    found = _done_before(cutoff)
    if dry_run:
        counts = {model: rows.count() for model, rows in found.items()}
    else:
        counts = {model: delete_in_batches(rows, batch) for model, rows in found.items()}
    report = PurgeReport(
        cutoff, counts[OutboxMessage], counts[InboxMessage], counts[RejectedMessage]
    )
    if not dry_run:
        with transaction.atomic():
            audit_record(
                action="gateway.purge",
                data={**asdict(report), "cutoff": cutoff.isoformat(), "days": days},
            )
    return report
