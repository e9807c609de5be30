"""The SLA scan: flags open applications near or past their deadline (R5.3, R9.13) and
those whose pending action (R5.1, R5.2) is overdue, so the workstation can warn."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict, dataclass

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from bekitu.core.vocabulary import OPEN_STATES
from bekitu.service.models import Application
from bekitu.service.procedure import audit_application
from bekitu.service.term import SlaStatus, sla_status

log = logging.getLogger("bekitu.service")


@dataclass(frozen=True)
class SlaScanReport:
    scanned: int
    near: int
    breached: int
    actions_overdue: int


def application_sla_scan(*, now: dt.datetime | None = None) -> SlaScanReport:
    """Flag open applications near (80% of the term's working time used) or past their
    deadline, and those whose pending action is overdue; audit each change of flag."""
    moment = now or timezone.now()
    counts = {"scanned": 0, "on_time": 0, "near": 0, "breached": 0, "overdue": 0}
    pending = Application.objects.filter(state__in=OPEN_STATES).select_related(
        "provider", "recipient"
    )
    for application in pending.iterator(chunk_size=500):
        status = sla_status(application, moment)
        counts["scanned"] += 1
        counts[status.sla] += 1
        counts["overdue"] += int(status.action_overdue)
        if (application.sla, application.action_overdue) != (status.sla, status.action_overdue):
            _flag(application, status, moment)
    report = SlaScanReport(counts["scanned"], counts["near"], counts["breached"], counts["overdue"])
    log.info("sla.scan", extra={"fields": asdict(report)})
    return report


@transaction.atomic
def _flag(application: Application, status: SlaStatus, now: dt.datetime) -> None:
    # Only while it is still open: a decision made since the scan read the row has set the
    # flag itself (breached when late), which one judged before it must not overwrite.
    still_open = Application.objects.filter(pk=application.pk, state__in=OPEN_STATES)
    if not still_open.update(
        sla=status.sla, action_overdue=status.action_overdue, sla_checked_at=now
    ):
        return
    application.sla, application.action_overdue = status.sla, status.action_overdue
    application.sla_checked_at = now
    audit_application(application, "sla_flag", sla=status.sla, action_overdue=status.action_overdue)


def open_by_term() -> dict[tuple[str, str], int]:
    """Open applications by their term's flag as the last scan left it and by channel (the
    service's metrics): {(sla, channel): count}, one grouped query."""
    rows = (
        Application.objects.filter(state__in=OPEN_STATES)
        .values_list("sla", "channel")
        .annotate(count=Count("id"))
        .order_by()
    )
    return {(sla, channel): count for sla, channel, count in rows}
