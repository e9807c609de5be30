"""A citizen's request never stays behind the provider's word (R9.9-R9.12).

The provider's status messages come through the gateway; one the gateway loses on the way (the
provider's relay parks it after its last attempt, or the portal's inbox does, and an operator
discards it) is never sent again, and the cabinet would show `delivered` or `registered` of a
request the provider has decided. So a request not decided whose status has not changed for
BEKITU_PORTAL_STATUS_SILENT_MINUTES is asked about, as the real portal asks the provider's
system: `bekitu.attachment.status.query` (`gateway/contracts/status_query.py`, answered by
`service/portal_queries.py`), and the answer, which carries the parts of a status message, is
applied by the status message's own handler (`requests.status_receive`): the timeline, the
talon or the refusal, the notification, alike and once. An answer that tells nothing beyond
what the portal has changes nothing. A provider that does not answer leaves the request as it
is, to be asked again later; the citizen is told nothing of it.

The beat runs `requests_reconcile` every BEKITU_PORTAL_STATUS_ASK_SECONDS (`portal.tasks`);
an operator asks for one request with `bekitu portal-status NUMBER`.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from bekitu.core.audit import audit_record
from bekitu.core.errors import NotFound
from bekitu.core.vocabulary import Channel
from bekitu.gateway.contracts import attachment_status as status_contract
from bekitu.gateway.contracts import status_query as contract
from bekitu.gateway.envelope import Response
from bekitu.gateway.errors import GatewayError
from bekitu.gateway.handlers import Message
from bekitu.gateway.services import message_call
from bekitu.portal.models import STATUS_RANK, CitizenRequest, Status
from bekitu.portal.requests import status_receive

log = logging.getLogger("bekitu.portal")

# Where the provider's word can still move a request: sent or delivered (the provider's first
# message lost), held up (replayed, its answer lost), registered or checked (the decision's
# message lost), its talon pending the provider's signature (the signed talon's message lost).
# Not undeliverable: no provider has that request (docs/portal.md).
SILENT_STATUSES = (
    Status.SENT,
    Status.DELIVERED,
    Status.HELD_UP,
    Status.REGISTERED,
    Status.CHECKED,
    Status.TALON_PENDING,
)

CHANGED, UNCHANGED, UNKNOWN, UNANSWERED = "changed", "unchanged", "unknown", "unanswered"


@dataclass
class ReconcileReport:
    """What one run asked and what came of it."""

    asked: int = 0
    changed: int = 0
    unchanged: int = 0
    unknown: int = 0
    unanswered: int = 0

    def add(self, outcome: str) -> None:
        """Count one request asked about, by its outcome."""
        self.asked += 1
        setattr(self, outcome, getattr(self, outcome) + 1)


def requests_silent(*, limit: int, now: dt.datetime | None = None) -> list[tuple[str, str]]:
    """The portal's requests not decided whose status has not changed, nor their provider been
    asked, for BEKITU_PORTAL_STATUS_SILENT_MINUTES: (number, provider's BIN), those never asked
    first, then the longest silent."""
    cutoff = (now or timezone.now()) - dt.timedelta(minutes=settings.PORTAL_STATUS_SILENT_MINUTES)
    silent = (
        CitizenRequest.objects.filter(channel=Channel.PORTAL, status__in=SILENT_STATUSES)
        .filter(Q(status_asked_at__isnull=True) | Q(status_asked_at__lt=cutoff))
        .annotate(changed_at=Max("events__at"))
        .filter(changed_at__lt=cutoff)
        .order_by(F("status_asked_at").asc(nulls_first=True), "changed_at", "pk")
    )
    return list(silent.values_list("number", "provider_bin")[:limit])


def requests_reconcile(*, limit: int | None = None) -> ReconcileReport:
    """Ask the providers about the silent requests (`requests_silent`, up to `limit`, by
    default BEKITU_PORTAL_STATUS_ASK_BATCH) and apply their answers; audited with the counts.
    A provider that does not answer is not asked again in the run: each question to it would
    wait the whole call timeout."""
    report = ReconcileReport()
    silent: set[str] = set()
    for number, provider_bin in requests_silent(
        limit=settings.PORTAL_STATUS_ASK_BATCH if limit is None else limit
    ):
        if provider_bin in silent:
            continue
        outcome = _reconcile(number, provider_bin)
        report.add(outcome)
        if outcome == UNANSWERED:
            silent.add(provider_bin)
    if report.asked:
        with transaction.atomic():
            audit_record(action="portal.request.reconcile", data=vars(report))
    return report


def request_reconcile(*, number: str) -> str:
    """Ask the provider where one request stands now and apply its answer (an operator's
    `bekitu portal-status`); the outcome: changed, unchanged, unknown or unanswered.
    NotFound for a number the portal does not have."""
    provider_bin = (
        CitizenRequest.objects.filter(number=number, channel=Channel.PORTAL)
        .values_list("provider_bin", flat=True)
        .first()
    )
    if provider_bin is None:
        raise NotFound(f"no portal request {number}")
    return _reconcile(number, provider_bin)


def _reconcile(number: str, provider_bin: str) -> str:
    """Ask (outside any transaction: no lock is held while the provider is waited for), then
    apply and note when it was asked, in one transaction."""
    try:
        response = message_call(
            service_id=contract.SERVICE_ID,
            sender_id=settings.PORTAL_SYSTEM_ID,
            route_id=provider_bin,
            parts={contract.PART_QUERY: contract.build_query(number)},
        )
        answer = contract.parse_answer(response.part(contract.PART_ANSWER))
        told = _told(response)
    except (GatewayError, KeyError, contract.ContractInvalid) as exc:
        # Not connected, silent, down or refusing: the request stays as it is, asked later.
        fields = {"request": number, "provider": provider_bin, "error": type(exc).__name__}
        log.warning("portal.request.status_unanswered", extra={"fields": fields})
        CitizenRequest.objects.filter(number=number).update(status_asked_at=timezone.now())
        return UNANSWERED
    with transaction.atomic():
        outcome = _apply(number, answer, told, response)
        CitizenRequest.objects.filter(number=number).update(status_asked_at=timezone.now())
    return outcome


def _told(response: Response) -> status_contract.AttachmentStatus | None:
    """The status the answer tells, read (and validated) before anything is locked."""
    try:
        document = response.part(status_contract.PART_STATUS)
    except KeyError:
        return None
    return status_contract.parse_status(document)


def _apply(
    number: str,
    answer: contract.StatusAnswer,
    told: status_contract.AttachmentStatus | None,
    response: Response,
) -> str:
    request = (
        CitizenRequest.objects.select_for_update()
        .only("status", "recipient_iin", "provider_bin", "status_asked_at")
        .get(number=number)
    )
    if not answer.known or answer.number != number:
        # Asked again every silent period while it is held up (an operator may still replay
        # it): audited the first time, logged each time.
        if request.status_asked_at is None:
            audit_record(
                action="portal.request.unknown_to_provider",
                object_type="portal.request",
                object_id=number,
                data={"provider": request.provider_bin, "status": request.status},
            )
        log.warning("portal.request.unknown_to_provider", extra={"fields": {"request": number}})
        return UNKNOWN
    before = request.status
    if (
        told is None
        or told.number != number
        or told.channel
        or STATUS_RANK[Status(told.status)] <= STATUS_RANK[Status(before)]
    ):
        return UNCHANGED  # nothing the portal does not know already
    status_receive(_as_status_message(response, number))
    request.refresh_from_db(fields=["status"])
    if request.status == before:
        return UNCHANGED
    audit_record(
        action="portal.request.reconciled",
        object_type="portal.request",
        object_id=number,
        subject_iin=request.recipient_iin,
        data={"provider": request.provider_bin, "from": before, "to": request.status},
    )
    fields = {"request": number, "from": before, "to": request.status}
    log.info("portal.request.reconciled", extra={"fields": fields})
    return CHANGED


def _as_status_message(response: Response, number: str) -> Message:
    """The answer as the status message it stands for: from the provider whose signature the
    gateway verified on the answer, with the same parts."""
    header = response.header
    return Message(
        message_id=header.message_id,
        correlation_id=number,
        service_id=status_contract.SERVICE_ID,
        sender_id=header.sender_id,
        route_id=settings.PORTAL_SYSTEM_ID,
        date=header.date,
        parts=response.parts,
    )
