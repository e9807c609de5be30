"""Notifications on each change of a request's status: an e-mail (Django's mail backends,
BEKITU_EMAIL_BACKEND) and an SMS (the SMS port, `bekitu.core.sms`) to the contacts the citizen
gave in the request, in its language. The e-mail tells the status in full; the SMS in a few
words that fit one SMS (docs/decisions/0019), the cabinet holding the rest. Sent by the
background worker after the change commits,
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
from django.utils.translation import gettext_lazy

from bekitu.core.sms import in_kazakh_and_russian, normalise_phone, send_sms
from bekitu.core.vocabulary import Channel
from bekitu.gateway.contracts import attachment_request as contract
from bekitu.portal.models import CitizenRequest, Status
from bekitu.registry.population import get_population_register

log = logging.getLogger("bekitu.portal")


EMAIL, SMS = "email", "sms"
WAYS = (EMAIL, SMS)

# Each status in the SMS: short enough that the message, with the longest request number, is
# one SMS in Kazakh and Russian (70 characters); the e-mail names the status in full. The
# status labels' own msgids are not reused where their translations are too long.
SMS_STATUS = {
    Status.SUBMITTED: gettext_lazy("submitted, signature confirmed"),
    Status.SENT: gettext_lazy("sent to your provider"),
    Status.DELIVERED: gettext_lazy("delivered to your provider"),
    Status.HELD_UP: gettext_lazy("held up, being looked into"),
    Status.UNDELIVERABLE: gettext_lazy("not delivered, please apply again"),
    Status.REGISTERED: gettext_lazy("registered by your provider"),
    Status.CHECKED: gettext_lazy("checked by your provider"),
    Status.TALON_PENDING: gettext_lazy("talon issued, awaits e-signature"),
    Status.TALON_ISSUED: gettext_lazy("talon issued, it is in your cabinet"),
    Status.REFUSED: gettext_lazy("refused, the reason is in your cabinet"),
}


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
        subject = _("Request %(number)s") % {"number": request.number}
        text, short = status_email_text(request, status), status_sms_text(request.number, status)
        email, phone = drafted.contacts.email, drafted.contacts.phone
        if email and EMAIL in ways:
            senders[EMAIL] = lambda: _mail(subject, text, email)
        if phone and SMS in ways:
            senders[SMS] = lambda: _sms(phone, short)
        notified = _each(senders)
    log.info("portal.notified", extra={"fields": {"number": request.number, "status": status}})
    return notified


def status_email_text(request: CitizenRequest, status: str) -> str:
    """The e-mail of a status change, in the active language: the status in full, and where
    the talon or the reason of a refusal is."""
    text = _("Bekitu: your request %(number)s: %(status)s.") % {
        "number": request.number,
        "status": Status(status).label,
    }
    if status == Status.TALON_ISSUED and request.talon_number:
        text += " " + _("Talon %(talon)s is in your cabinet.") % {"talon": request.talon_number}
    if status == Status.TALON_PENDING and request.talon_number:
        text += " " + _(
            "Talon %(talon)s was issued; you will be told when its e-document is in your cabinet."
        ) % {"talon": request.talon_number}
    if status == Status.REFUSED:
        text += " " + _("The reason is in your cabinet.")
    return text


def status_sms_text(number: str, status: str) -> str:
    """The SMS of a status change, in the active language: one SMS, the cabinet holds the rest."""
    return _("Bekitu: request %(number)s: %(status)s.") % {
        "number": number,
        "status": SMS_STATUS[Status(status)],
    }


def desk_talon_sms_text(number: str) -> str:
    """The SMS that a desk talon is in the cabinet, to the register's phone: Kazakh and
    Russian, which fit one SMS together once the talon and the provider are left to the
    cabinet (docs/decisions/0019)."""
    return f"Bekitu, {number}: " + in_kazakh_and_russian(lambda: _("your talon is on the portal"))


def _mail(subject: str, text: str, address: str) -> None:
    send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [address])


def _sms(phone: str, text: str) -> None:
    send_sms(phone, text)


def _provider_application_notify(request: CitizenRequest, status: str) -> Notified:
    """A desk talon filed in the cabinet: an SMS to the phone the population register holds
    (the person gave the portal no contacts for it), in Kazakh and Russian. A telephone
    talon is filed without one: the provider has told the caller by SMS that the talon is
    ready (decision 13, one SMS per talon)."""
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
    text = desk_talon_sms_text(request.number)
    notified = _each({SMS: lambda: _sms(phone, text)})
    log.info("portal.notified", extra={"fields": {"number": request.number, "status": status}})
    return notified
