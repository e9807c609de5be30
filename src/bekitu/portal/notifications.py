"""Notifications on each change of a request's status: an e-mail (Django's mail backends,
BEKITU_EMAIL_BACKEND) and an SMS (the SMS port, `bekitu.core.sms`) to the contacts the citizen
gave in the request, in its language. Sent by the background worker after the change commits,
never inside the transaction that records it. Each way is sent on its own: an e-mail server
that is down does not keep the SMS from going, and only the way that failed is tried again
(`tasks.notify`)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from bekitu.core.sms import normalise_phone, send_sms
from bekitu.core.vocabulary import Channel
from bekitu.gateway.contracts import attachment_request as contract
from bekitu.portal.models import CitizenRequest, Status
from bekitu.registry.population import get_population_register

log = logging.getLogger("bekitu.portal")


EMAIL, SMS = "email", "sms"
WAYS = (EMAIL, SMS)


def notify_after_commit(request_pk: int, status: str) -> None:
    """Ask the worker to notify once the current transaction commits. A broker that does
    not take the task is logged, not raised: the change it tells has committed, and the
    gateway's receiver that made it must not take it for its own failure."""
    transaction.on_commit(lambda: _queue(request_pk, status))


def _queue(request_pk: int, status: str) -> None:
    from bekitu.portal.tasks import notify

    try:
        notify.delay(request_pk, status)
    except Exception as exc:
        fields = {"request": request_pk, "status": status, "error": type(exc).__name__}
        log.warning("portal.notify.not_queued", extra={"fields": fields})


@dataclass(frozen=True)
class Notified:
    """What one status change's notifications did: how many went, which ways failed."""

    sent: int = 0
    failed: tuple[str, ...] = ()


def _each(ways: dict[str, Callable[[], None]]) -> Notified:
    sent, failed = 0, []
    for way, send in ways.items():
        try:
            send()
        except Exception as exc:
            failed.append(way)
            fields = {"way": way, "error": type(exc).__name__}
            log.warning("portal.notify.failed", extra={"fields": fields})
        else:
            sent += 1
    return Notified(sent, tuple(failed))


def notify_now(request_pk: int, status: str, ways: Sequence[str] = WAYS) -> Notified:
    """Send the notifications of one status change by the `ways` asked (e-mail, SMS), each
    on its own: what was sent, and which ways failed."""
    request = CitizenRequest.objects.select_related("draft").filter(pk=request_pk).first()
    if request is None:
        return Notified()
    if request.draft is None:
        return _provider_application_notify(request, status) if SMS in ways else Notified()
    drafted = contract.parse_request(bytes(request.draft.xml))
    senders: dict[str, Callable[[], None]] = {}
    with translation.override(drafted.language):
        label = Status(status).label
        text = _("Bekitu: your request %(number)s: %(status)s.") % {
            "number": request.number,
            "status": label,
        }
        if status == Status.TALON_ISSUED and request.talon_number:
            text += " " + _("Talon %(talon)s is in your cabinet.") % {"talon": request.talon_number}
        if status == Status.REFUSED:
            text += " " + _("The reason is in your cabinet.")
        subject = _("Request %(number)s") % {"number": request.number}
        email, phone = drafted.contacts.email, drafted.contacts.phone
        if email and EMAIL in ways:
            senders[EMAIL] = lambda: _mail(subject, text, email)
        if phone and SMS in ways:
            senders[SMS] = lambda: _sms(phone, text)
        notified = _each(senders)
    log.info("portal.notified", extra={"fields": {"number": request.number, "status": status}})
    return notified


def _mail(subject: str, text: str, address: str) -> None:
    send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [address])


def _sms(phone: str, text: str) -> None:
    send_sms(phone, text)


def _provider_application_notify(request: CitizenRequest, status: str) -> Notified:
    """A desk talon filed in the cabinet: an SMS to the phone the population register holds
    (the person gave the portal no contacts for it), in Kazakh and Russian. A telephone
    talon is filed without one: the provider has told the caller by SMS where the talon is,
    the cabinet included (decision 13, one SMS per talon)."""
    if status != Status.TALON_ISSUED:
        return Notified()
    if request.channel == Channel.PHONE:
        log.info("portal.notified.by_provider", extra={"fields": {"number": request.number}})
        return Notified()
    record = get_population_register().lookup(request.recipient_iin)
    phone = normalise_phone(record.phone) if record is not None else ""
    if not phone:
        log.info("portal.notified.no_phone", extra={"fields": {"number": request.number}})
        return Notified()
    texts = []
    for language in ("kk", "ru"):
        with translation.override(language):
            texts.append(
                _(
                    "Bekitu: talon %(talon)s of %(provider)s (application %(number)s) is in "
                    "your portal cabinet."
                )
                % {
                    "talon": request.talon_number,
                    "provider": request.provider_name,
                    "number": request.number,
                }
            )
    notified = _each({SMS: lambda: _sms(phone, " ".join(texts))})
    log.info("portal.notified", extra={"fields": {"number": request.number, "status": status}})
    return notified
