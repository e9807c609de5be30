from __future__ import annotations

from dataclasses import asdict

from celery import shared_task

from bekitu.celery import app
from bekitu.portal.notifications import notify_now
from bekitu.portal.retention import portal_purge


@shared_task(name="portal.tasks.notify", ignore_result=True)
def notify(request_pk: int, status: str) -> int:
    """Notify the citizen of a change of their request's status (e-mail and SMS)."""
    return notify_now(request_pk, status)


@shared_task(name="portal.tasks.purge", ignore_result=True)
def purge() -> dict[str, int]:
    """Delete expired drafts, challenges and tokens (portal/retention.py)."""
    return asdict(portal_purge())


app.add_periodic_task(86_400.0, purge.s(), name="portal-purge")
