"""Reads of the state service: one application, the provider's queue, the checklist, the
check report, and the time left. Reads that return a person's application are audited."""

from __future__ import annotations

import datetime as dt

from django.db.models import Max, QuerySet
from django.utils import timezone

from bekitu.core.audit import audit_record
from bekitu.registry.models import Provider
from bekitu.service.documents import DocumentRequirement
from bekitu.service.facts import required_documents
from bekitu.service.models import Application, CheckResult
from bekitu.service.procedure import OPEN_STATES
from bekitu.service.sla import application_time_left as _time_left


def _applications() -> QuerySet[Application]:
    return Application.objects.select_related(
        "recipient",
        "recipient__address__street__locality",
        "applicant",
        "provider",
        "created_by",
        "decided_by",
        "attachment",
        "attachment__district",
        "attachment__district__doctor",
    )


def application_get(*, number: str, provider: Provider | None = None) -> Application | None:
    """The application with this number (at this provider, if given), or None; audited."""
    applications = _applications().filter(number=number)
    if provider is not None:
        applications = applications.filter(provider=provider)
    application = applications.first()
    if application is not None:
        audit_record(
            action="service.application.read",
            object_type="service.application",
            object_id=application.number,
            subject_iin=application.recipient.iin,
        )
    return application


def application_queue(*, provider: Provider, now: dt.datetime | None = None) -> list[Application]:
    """The provider's open applications, the nearest deadline first; each carries
    `time_left` (working time until its deadline, negative when past). Audited: one row
    naming the applications shown."""
    moment = now or timezone.now()
    items = list(
        _applications().filter(provider=provider, state__in=OPEN_STATES).order_by("deadline", "pk")
    )
    for application in items:
        application.time_left = _time_left(application, moment)  # type: ignore[attr-defined]
    # The queue shows each recipient's name: one row says whose, by application number.
    audit_record(
        action="service.application.queue",
        object_type="registry.provider",
        object_id=provider.bin,
        data={"shown": len(items), "numbers": [a.number for a in items[:200]]},
    )
    return items


def applications_of_person(*, recipient_id: int) -> QuerySet[Application]:
    """A person's applications, newest first (for the person's card)."""
    return _applications().filter(recipient_id=recipient_id).order_by("-submitted_at")


def documents_required(*, application: Application) -> list[DocumentRequirement]:
    """The checklist of paragraph 9 of the standard for the application's case (R8.1)."""
    return required_documents(application)


def application_check_report(*, application: Application) -> list[CheckResult]:
    """The results of the latest run of the checks, in the order they ran; empty if none."""
    last = application.check_results.aggregate(run=Max("run"))["run"]
    if last is None:
        return []
    return list(application.check_results.filter(run=last).order_by("id"))


def application_steps(*, application: Application) -> QuerySet:
    """The procedure steps, oldest first, with who took them."""
    return application.steps.select_related("actor").order_by("at", "id")


def application_time_left(application: Application, now: dt.datetime | None = None) -> dt.timedelta:
    """Working time left until the application's deadline (negative once past)."""
    return _time_left(application, now)
