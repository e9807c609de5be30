"""Notifications on each change of a request's status: an e-mail (Django's mail backends,
BEKITU_EMAIL_BACKEND) and an SMS (the SMS port, `bekitu.core.sms`) to the contacts the citizen
gave in the request, in its language. Sent by the background worker after the change commits,
never inside the transaction that records it."""

from __future__ import annotations

import logging

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


def notify_after_commit(request_pk: int, status: str) -> None:
    """Ask the worker to notify once the current transaction commits."""
    from bekitu.portal.tasks import notify

    transaction.on_commit(lambda: notify.delay(request_pk, status))


def notify_now(request_pk: int, status: str) -> int:
    """Send the notifications of one status change; how many were sent."""
    request = CitizenRequest.objects.select_related("draft").filter(pk=request_pk).first()
    if request is None:
        return 0
    if request.draft is None:
        return _provider_application_notify(request, status)
    drafted = contract.parse_request(bytes(request.draft.xml))
    sent = 0
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
        if drafted.contacts.email:
            send_mail(
                _("Request %(number)s") % {"number": request.number},
                text,
                settings.DEFAULT_FROM_EMAIL,
                [drafted.contacts.email],
            )
            sent += 1
        if drafted.contacts.phone:
            send_sms(drafted.contacts.phone, text)
            sent += 1
    log.info("portal.notified", extra={"fields": {"number": request.number, "status": status}})
    return sent


def _provider_application_notify(request: CitizenRequest, status: str) -> int:
    """A desk talon filed in the cabinet: an SMS to the phone the population register holds
    (the person gave the portal no contacts for it), in Kazakh and Russian. A telephone
    talon is filed without one: the provider has told the caller by SMS where the talon is,
    the cabinet included (decision 13, one SMS per talon)."""
    if status != Status.TALON_ISSUED:
        return 0
    if request.channel == Channel.PHONE:
        log.info("portal.notified.by_provider", extra={"fields": {"number": request.number}})
        return 0
    record = get_population_register().lookup(request.recipient_iin)
    phone = normalise_phone(record.phone) if record is not None else ""
    if not phone:
        log.info("portal.notified.no_phone", extra={"fields": {"number": request.number}})
        return 0
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
    send_sms(phone, " ".join(texts))
    log.info("portal.notified", extra={"fields": {"number": request.number, "status": status}})
    return 1
