"""The provider's word on a portal request, sent back through the gateway (R9.9-R9.12).

Each change of a portal application (registered, checked, refused, talon issued) is told to
the portal that sent the request in a `bekitu.attachment.status` message, written to the
gateway's outbox in the transaction of the change itself: the portal hears of a change if and
only if it committed. Changes made together in one block (`statuses_together`: a request
registered, checked and decided on receipt) are told in one message, the last status with the
ones before it and their times, instead of one message (and one receipt) each. A request of
which no application was made (its EDS not confirmed, the request inconsistent) is answered
`refused` the same way.

A talon issued while the provider's signing key is unavailable (R3.1, `signature_pending`) is
told at once as `talon_pending`, with its number and without its e-document, which is not yet
signed; `talon_issued` with the signed talon follows once it is signed and its PDF made
(`talon_made_receive`), as for any talon.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from bekitu.core.vocabulary import REFUSAL_REASONS, State, refusal_texts
from bekitu.gateway.contracts import attachment_status as contract
from bekitu.gateway.envelope import Part
from bekitu.gateway.errors import UnknownParticipant
from bekitu.gateway.selectors import participant_get
from bekitu.gateway.services import message_send
from bekitu.service.facts import policy_of
from bekitu.service.grounds import refusal_ground_texts
from bekitu.service.models import PortalRequest
from bekitu.service.policy import Policy
from bekitu.talons.selectors import (
    signature_pending_applications,
    talon_for_application,
    talon_pdf,
    talon_xml,
)
from bekitu.talons.services import verification_url

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from bekitu.service.models import Application

log = logging.getLogger("bekitu.service")

# Why no application was made of a request, beside the refusal reasons of the vocabulary:
# the code, its legal ground and the text the citizen reads.
_CONDITION_3 = _(
    "Regulation of the state service (akimat resolution No. 314 of 24.11.2015), clause 9, "
    "condition 3"
)
REJECTIONS: dict[str, tuple[Promise, Promise]] = {
    "application_open": (
        _CONDITION_3,
        _(
            "The person already has an application at a provider that is not yet decided; "
            "a new one can be made once it is."
        ),
    ),
    "request_invalid": (
        _CONDITION_3,
        _(
            "The request does not agree with its e-copies or is addressed to another "
            "provider; it was not registered."
        ),
    ),
}

# The application's state that is a status of the contract.
_STATUS_OF_STATE = {
    State.REGISTERED: "registered",
    State.CHECKED: "checked",
    State.TALON_ISSUED: "talon_issued",
    State.REFUSED: "refused",
}


def _each_language(text: Promise) -> dict[str, str]:
    texts = {}
    for language in contract.LANGUAGES:
        with override(language):
            texts[language] = str(text)
    return texts


def refusal_of(code: str, policy: Policy | None = None) -> contract.Refusal:
    """The refusal as the contract carries it: the code, its ground and text in kk, ru, en.
    The ground cites the act of the application's policy edition (`policy`), as the refusal
    document does."""
    if code in REFUSAL_REASONS:
        return contract.Refusal(code, refusal_ground_texts(code, policy), refusal_texts(code))
    ground, message = REJECTIONS[code]
    return contract.Refusal(code, _each_language(ground), _each_language(message))


def _send(
    request: PortalRequest, status: contract.AttachmentStatus, parts: list[Part], sender_id: str
) -> None:
    document = Part(contract.PART_STATUS, contract.build_status(status), "application/xml")
    message_send(
        service_id=contract.SERVICE_ID,
        sender_id=sender_id,
        route_id=request.sender_id,
        correlation_id=request.number,
        parts=[document, *parts],
        properties=[("status", status.status)],
    )
    fields = {"request": request.number, "status": status.status}
    log.info("portal.status.sent", extra={"fields": fields})


def rejection_send(
    request: PortalRequest, code: str, *, sender_id: str, at: dt.datetime | None = None
) -> None:
    """Tell the portal that no application was made of its request, and why (`sender_id`:
    this provider's participant, the route the request came by)."""
    _send(request, _rejection(request, code, at or timezone.now()), [], sender_id)


def _rejection(request: PortalRequest, code: str, at: dt.datetime) -> contract.AttachmentStatus:
    return contract.AttachmentStatus(
        number=request.number, status="refused", at=at, refusal=refusal_of(code)
    )


@dataclass
class _Held:
    """An application's changes held in a `statuses_together` block."""

    application: Application
    steps: list[contract.Step] = field(default_factory=list)


_held: contextvars.ContextVar[dict[int, _Held] | None] = contextvars.ContextVar(
    "bekitu_portal_statuses_held", default=None
)


@contextmanager
def statuses_together(*, requests: Iterable[PortalRequest] = ()) -> Iterator[None]:
    """Hold the statuses `status_send` is asked to send in the block, and send each
    application's as one message when the block ends without an error (still in the caller's
    transaction): its latest status that can be sent now, with the ones before it as
    `earlier`. A talon issued in the block has no PDF yet (`talons.services.talon_issue`
    leaves it to the background worker, after the transaction commits): its `talon_issued` is
    left to `talon_status_send`, which sends it with the PDF, and is not looked for here;
    but a talon issued unsigned (R3.1) is told now as `talon_pending`.
    Nested blocks send with the outermost one. `requests`: portal requests the caller holds
    (made in its transaction), not read again."""
    if _held.get() is not None:
        yield
        return
    held: dict[int, _Held] = {}
    token = _held.set(held)
    try:
        yield
    finally:
        _held.reset(token)
    known = {request.application_id: request for request in requests}
    for entry in held.values():
        request = known.get(entry.application.pk) or _portal_request(entry.application)
        if request is None:
            continue
        steps = _told_now(entry.application, entry.steps)
        for last in range(len(steps) - 1, -1, -1):
            step = steps[last]
            earlier = tuple(steps[:last])
            if _status_send(entry.application, request, step.status, step.at, earlier):
                break


def _told_now(application: Application, steps: list[contract.Step]) -> list[contract.Step]:
    """The held steps that can be told before the talon's PDF is made: all but
    `talon_issued`, which is told as `talon_pending` when the talon awaits its e-signature."""
    told = [step for step in steps if step.status != "talon_issued"]
    issued = [step for step in steps if step.status == "talon_issued"]
    if issued and _signature_pending(application):
        told.append(contract.Step("talon_pending", issued[-1].at))
    return told


def _signature_pending(application: Application) -> bool:
    """Whether the application's talon was issued unsigned and awaits the provider's
    e-signature (R3.1)."""
    if not application.talon_number:
        return False
    if application.talon_signature_pending is not None:  # decided in this transaction
        return application.talon_signature_pending
    return bool(signature_pending_applications(application_numbers=[application.number]))


def status_send(application: Application, *, at: dt.datetime | None = None) -> bool:
    """Send the application's present status to the portal that sent its request, in the
    caller's transaction (inside `statuses_together`, at its end). False when there is
    nothing to send: not a portal request, a state the portal does not hear of, or a signed
    talon whose PDF is not made yet (`talon_status_send` sends it when it is); a talon
    awaiting its e-signature goes as `talon_pending` (R3.1)."""
    status_name = _STATUS_OF_STATE.get(State(application.state))
    if status_name is None:
        return False
    if application.channel in contract.PROVIDER_CHANNELS:
        # A desk or telephone application has no portal request: only its talon goes to the
        # portal, for the recipient's cabinet, once its signed PDF is made.
        return status_name == "talon_issued" and _desk_talon_send(application)
    moment = at or timezone.now()
    held = _held.get()
    if held is not None:
        entry = held.setdefault(application.pk, _Held(application))
        entry.application = application
        entry.steps.append(contract.Step(status_name, moment))
        return True
    request = _portal_request(application)
    return request is not None and _status_send(application, request, status_name, moment, ())


def _portal_request(application: Application) -> PortalRequest | None:
    return PortalRequest.objects.select_related("provider").filter(application=application).first()


def _status_send(
    application: Application,
    request: PortalRequest,
    status_name: str,
    at: dt.datetime,
    earlier: tuple[contract.Step, ...],
) -> bool:
    told = _status_of(application, request, status_name, at, earlier)
    if told is None:
        return False
    _send(request, *told, application.provider.bin)
    return True


def _status_of(
    application: Application,
    request: PortalRequest,
    status_name: str,
    at: dt.datetime,
    earlier: tuple[contract.Step, ...],
) -> tuple[contract.AttachmentStatus, list[Part]] | None:
    """The status message's content and its talon's parts; None for a signed talon whose
    PDF is not made yet. A talon awaiting its e-signature is `talon_pending`, with its number
    and no parts (R3.1). The one builder of what the portal is told: sent (`status_send`) or
    asked for (`status_now`)."""
    parts: list[Part] = []
    talon_number = verify_url = ""
    if status_name == "talon_issued":
        talon = _talon_parts(application)
        if talon is not None:
            talon_number, verify_url, parts = talon
        elif _signature_pending(application):
            status_name, talon_number = "talon_pending", application.talon_number
        else:
            return None
    elif status_name == "talon_pending":
        talon_number = application.talon_number
    status = contract.AttachmentStatus(
        number=request.number,
        status=status_name,
        at=at,
        registration_number=application.number,
        deadline=application.deadline,
        refusal=(
            refusal_of(application.refusal_code, policy_of(application))
            if status_name == "refused"
            else None
        ),
        talon_number=talon_number,
        verify_url=verify_url,
        earlier=earlier,
    )
    return status, parts


def status_now(request: PortalRequest) -> tuple[contract.AttachmentStatus, list[Part]] | None:
    """Where the portal's request stands, as the status messages told it or would have: the
    latest status that can be told now with the ones before it as `earlier`, each at the time
    of its step, and the talon's parts; None while there is nothing to tell (not registered
    yet). For the portal whose status message was lost on the way (`portal_queries`)."""
    application = request.application
    if application is None:
        if not request.rejected_code:
            return None
        return _rejection(request, request.rejected_code, request.received_at), []
    steps = _steps_of(application)
    for last in range(len(steps) - 1, -1, -1):
        step = steps[last]
        told = _status_of(application, request, step.status, step.at, tuple(steps[:last]))
        if told is not None:
            return told
    return None


def _steps_of(application: Application) -> list[contract.Step]:
    """The application's steps the portal hears of, oldest first, each once (at its first
    time, as the portal's timeline keeps it); the decision at its time, as `talon_status_send`
    tells it."""
    first: dict[str, dt.datetime] = {}
    for state, at in application.steps.order_by("at", "pk").values_list("to_state", "at"):
        name = _STATUS_OF_STATE.get(State(state)) if state in State.values else None
        if name is not None:
            first.setdefault(name, at)
    if application.decided_at is not None:
        for decision in ("talon_issued", "refused"):
            if decision in first:
                first[decision] = application.decided_at
    return [contract.Step(name, at) for name, at in first.items()]


def _talon_parts(application: Application) -> tuple[str, str, list[Part]] | None:
    """The talon's number, check address and its parts (signed XML and PDF), or None while
    it has no PDF yet (as at the decision itself: the PDF is made after it commits)."""
    talon = talon_for_application(application_number=application.number, with_pdf=True)
    if talon is None:
        return None
    pdf = talon_pdf(talon)
    if not pdf:
        return None
    parts = [
        Part(contract.PART_TALON_XML, talon_xml(talon), "application/xml"),
        Part(contract.PART_TALON_PDF, pdf, "application/pdf"),
    ]
    return talon.number, verification_url(talon.code), parts


def _desk_talon_send(application: Application) -> bool:
    """A talon issued at the desk or by telephone goes to the portal (its signed XML and its
    PDF), which files it in the recipient's cabinet when they have an account there and tells
    them by SMS; the portal keeps nothing of a person without an account. False when there is
    nothing to send: another channel, no PDF yet, or no portal taking part in the gateway."""
    if application.channel not in contract.PROVIDER_CHANNELS:
        return False
    try:
        participant_get(settings.PORTAL_SYSTEM_ID)
    except UnknownParticipant:
        log.info("portal.desk_talon.no_portal", extra={"fields": {"app": application.number}})
        return False
    talon = _talon_parts(application)
    if talon is None:
        return False
    talon_number, verify_url, parts = talon
    provider = application.provider
    status = contract.AttachmentStatus(
        number=application.number,
        status="talon_issued",
        at=application.decided_at or timezone.now(),
        registration_number=application.number,
        talon_number=talon_number,
        verify_url=verify_url,
        channel=application.channel,
        recipient_iin=application.recipient.iin,
        provider_name=provider.name_kk or provider.name_ru,
    )
    document = Part(contract.PART_STATUS, contract.build_status(status), "application/xml")
    message_send(
        service_id=contract.SERVICE_ID,
        sender_id=provider.bin,
        route_id=settings.PORTAL_SYSTEM_ID,
        correlation_id=application.number,
        parts=[document, *parts],
        properties=[("status", status.status), ("channel", application.channel)],
    )
    log.info("portal.desk_talon.sent", extra={"fields": {"app": application.number}})
    return True


def talon_status_send(*, application_number: str) -> bool:
    """Send `talon_issued` for an application whose talon PDF was made after its decision
    committed (the PDF is rendered in the background); call it in the PDF's transaction."""
    from bekitu.service.models import Application

    application = Application.objects.filter(
        number=application_number, state=State.TALON_ISSUED
    ).first()
    # Told at the decision's time, not the PDF's: the timeline gives each step its own.
    return application is not None and status_send(application, at=application.decided_at)


def talon_made_receive(sender: object, *, talon: Any, **kwargs: Any) -> None:
    """Receives `talon_pdf_made`: the portal hears of the talon with its PDF, in the
    transaction that stores the PDF."""
    talon_status_send(application_number=talon.application_number)
