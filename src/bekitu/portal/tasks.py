from __future__ import annotations

from celery import shared_task

from bekitu.portal.notifications import notify_now


@shared_task(name="portal.tasks.notify", ignore_result=True)
def notify(request_pk: int, status: str) -> int:
    """Notify the citizen of a change of their request's status (e-mail and SMS)."""
    return notify_now(request_pk, status)
