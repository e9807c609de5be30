"""Background work of the state service (Celery)."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task

from bekitu.service.monitoring import application_sla_scan


@shared_task(name="service.tasks.sla_scan", ignore_result=True)
def sla_scan() -> dict[str, int]:
    """Flag applications near or past their deadline, and overdue actions (every minute)."""
    return asdict(application_sla_scan())
