from __future__ import annotations

from dataclasses import asdict
from typing import Any

from celery import shared_task
from django.conf import settings

from bekitu.celery import app
from bekitu.portal.notifications import WAYS, notify_now
from bekitu.portal.reconcile import requests_reconcile
from bekitu.portal.retention import portal_purge

# A way that failed (an e-mail server or an SMS operator down) is tried again after a minute,
# doubling, for about an hour; what was sent is not sent again.
NOTIFY_RETRIES = 6


@shared_task(bind=True, name="portal.tasks.notify", ignore_result=True, max_retries=NOTIFY_RETRIES)
def notify(self: Any, request_pk: int, status: str, ways: list[str] | None = None) -> int:
    """Notify the citizen of a change of their request's status (e-mail and SMS); the ways
    that failed are retried, alone."""
    notified = notify_now(request_pk, status, ways or WAYS)
    if notified.failed and self.request.retries < NOTIFY_RETRIES:
        countdown = 60 * 2**self.request.retries
        raise self.retry(args=(request_pk, status, list(notified.failed)), countdown=countdown)
    return notified.sent


@shared_task(name="portal.tasks.purge", ignore_result=True)
def purge() -> dict[str, int]:
    """Delete expired drafts, challenges and tokens (portal/retention.py)."""
    return asdict(portal_purge())


@shared_task(name="portal.tasks.status_reconcile", ignore_result=True)
def status_reconcile() -> dict[str, int]:
    """Ask the providers where the requests silent too long stand, and apply their answers
    (portal/reconcile.py: a status message lost on the way never leaves a request behind)."""
    return asdict(requests_reconcile())


app.add_periodic_task(86_400.0, purge.s(), name="portal-purge")
app.add_periodic_task(
    float(settings.PORTAL_STATUS_ASK_SECONDS), status_reconcile.s(), name="portal-status-reconcile"
)
