"""How long the portal keeps what was never finished. A request prepared for signing and not
submitted within BEKITU_PORTAL_DRAFT_HOURS expires: submitting it is refused
(`draft_expired`: the policy, the provider's districts or the documents may have changed
since), and a day later it is deleted with its e-copies. Identity challenges are deleted a
day after they expire, API tokens once expired. Once a day by the background worker
(`portal.purge`), the run audited with its counts. A submitted request keeps its draft: the
cabinet and the API read it."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from bekitu.core.audit import audit_record
from bekitu.core.retention import delete_in_batches
from bekitu.portal.models import ApiToken, Challenge, Draft

GRACE = dt.timedelta(days=1)  # an expired thing is kept a day, for a citizen's late question


@dataclass(frozen=True)
class PortalPurgeReport:
    drafts: int
    challenges: int
    tokens: int


def _draft_life() -> dt.timedelta:
    return dt.timedelta(hours=int(settings.PORTAL_DRAFT_HOURS))


def draft_expired(draft: Draft, now: dt.datetime | None = None) -> bool:
    """Whether the draft is too old to be submitted (checked before its signature)."""
    return draft.created_at < (now or timezone.now()) - _draft_life()


def portal_purge(now: dt.datetime | None = None) -> PortalPurgeReport:
    """Delete unsubmitted drafts expired more than a day ago (their e-copies with them),
    challenges expired more than a day ago, and expired API tokens; audit the counts."""
    now = now or timezone.now()
    report = PortalPurgeReport(
        drafts=delete_in_batches(
            Draft.objects.filter(created_at__lt=now - _draft_life() - GRACE, request__isnull=True)
        ),
        challenges=delete_in_batches(Challenge.objects.filter(expires_at__lt=now - GRACE)),
        tokens=delete_in_batches(ApiToken.objects.filter(expires_at__lt=now)),
    )
    with transaction.atomic():
        audit_record(action="portal.purge", data=asdict(report))
    return report
