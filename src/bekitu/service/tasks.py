"""Background work of the state service (Celery)."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task

from bekitu.service.monitoring import application_sla_scan
from bekitu.service.reattachment.notices import reattachment_sms_send
from bekitu.service.reattachment.resume import reattachment_resume as resume
from bekitu.service.reattachment.run import reattachment_run as run
from bekitu.service.telephone import talon_ready_notify


@shared_task(name="service.tasks.sla_scan", ignore_result=True)
def sla_scan() -> dict[str, int]:
    """Flag applications near or past their deadline, and overdue actions (every minute)."""
    return asdict(application_sla_scan())


@shared_task(name="service.tasks.reattachment_run", ignore_result=True)
def reattachment_run(plan_id: int) -> int:
    """Carry out a confirmed re-attachment plan from its checkpoint; returns persons done."""
    return run(plan_id=plan_id).processed


@shared_task(name="service.tasks.reattachment_resume", ignore_result=True)
def reattachment_resume() -> list[int]:
    """Resume the re-attachment runs whose worker died (every minute); the plans resumed."""
    return resume()


@shared_task(name="service.tasks.reattachment_sms", ignore_result=True)
def reattachment_sms(plan_id: int, first: int, last: int) -> int:
    """Tell the re-attached persons of one committed batch by SMS; returns how many."""
    return reattachment_sms_send(plan_id=plan_id, first=first, last=last)


@shared_task(name="service.tasks.phone_talon_sms", ignore_result=True)
def phone_talon_sms(application_id: int) -> bool:
    """Tell the person whose telephone application got its talon where to collect it."""
    return talon_ready_notify(application_id=application_id)
