"""Resuming a re-attachment run whose worker died, without anyone's command.

A run's heartbeat is the commit of its last batch (`Reattachment.heartbeat_at`); a plan
confirmed whose run never started has none, and counts from its confirmation. The beat asks
every BEKITU_REATTACHMENT_RESUME_SECONDS for the runs silent longer than
BEKITU_REATTACHMENT_STALE_SECONDS, takes each over and carries it on from its checkpoint, so
it ends as one clean run would (`run.py`).

Taking over is one UPDATE that stamps the heartbeat only while the run is still silent: of two
workers that try at once, one changes the row and the other finds it fresh (PostgreSQL
re-reads a row another transaction updated before it applies its own condition; SQLite writes
one transaction at a time), so a stalled run is resumed once. Were a slow batch taken for a
dead one, the two runs would still take turns on the plan's row lock and each carry out only
the batch after the checkpoint it reads.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from bekitu.core.audit import audit_record
from bekitu.service.reattachment.models import Reattachment
from bekitu.service.reattachment.run import reattachment_run

log = logging.getLogger("bekitu.service")
Status = Reattachment.Status


def _silent_since(cutoff: dt.datetime) -> Q:
    """The plans to carry out whose run has given no sign of life since `cutoff`."""
    return Q(status__in=(Status.CONFIRMED, Status.RUNNING)) & (
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, confirmed_at__lt=cutoff)
    )


def _cutoff(now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(seconds=int(settings.REATTACHMENT_STALE_SECONDS))


def reattachment_claim(*, plan_id: int, now: dt.datetime) -> bool:
    """Take over the plan's run if it is still silent (True), stamping its heartbeat; audited.
    False when it is not: done, or alive, or just taken over by another worker."""
    with transaction.atomic():
        taken = Reattachment.objects.filter(_silent_since(_cutoff(now)), pk=plan_id).update(
            heartbeat_at=now
        )
        if not taken:
            return False
        plan = Reattachment.objects.get(pk=plan_id)
        audit_record(
            action="service.reattachment.resumed",
            object_type="service.reattachment",
            object_id=plan.pk,
            data={
                "number": plan.number,
                "status": plan.status,
                "checkpoint": plan.checkpoint,
                "processed": plan.processed,
                "total": plan.total,
            },
        )
    log.warning("reattachment.resumed", extra={"fields": {"plan": plan_id}})
    return True


def reattachment_resume(*, now: dt.datetime | None = None) -> list[int]:
    """Find the runs silent too long, take each over and carry it on to its end; returns the
    ids of the plans this worker resumed."""
    now = now or timezone.now()
    silent = Reattachment.objects.filter(_silent_since(_cutoff(now))).order_by("pk")
    resumed = []
    for plan_id in list(silent.values_list("pk", flat=True)):
        if reattachment_claim(plan_id=plan_id, now=now):
            reattachment_run(plan_id=plan_id)
            resumed.append(plan_id)
    return resumed
