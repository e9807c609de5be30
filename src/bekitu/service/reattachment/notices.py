"""Telling each re-attached person: an SMS where the register has their phone (the SMS port,
`bekitu.core.sms`), sent by the background worker after the batch commits, in Kazakh and
Russian (the register does not know which language a person reads)."""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _
from django.utils.translation import override

from bekitu.core.sms import normalise_phone, send_sms
from bekitu.service.reattachment.models import Reattachment, ReattachmentItem

log = logging.getLogger("bekitu.service")
Outcome = ReattachmentItem.Outcome


def sms_queue(plan_id: int, first: int, last: int) -> None:
    """Ask the worker to send the SMS of a committed batch (rows `first`..`last`)."""
    from bekitu.service.tasks import reattachment_sms

    try:
        reattachment_sms.delay(plan_id, first, last)
    except Exception:  # the broker is down: `bekitu reattachment notify` sends them
        log.warning(
            "reattachment.sms.not_queued", extra={"fields": {"plan": plan_id}}, exc_info=True
        )


def _text(plan: Reattachment, item: ReattachmentItem, language: str) -> str:
    district = item.target_district
    with override(language):
        why = (
            _("Your provider closes.")
            if plan.kind == Reattachment.Kind.PROVIDER_CLOSED
            else _("The districts of your provider were redrawn.")
        )
        provider = item.target_provider.name if item.target_provider else ""
        return (
            why
            + " "
            + _(
                "From %(day)s you are attached to %(provider)s, district %(district)s; "
                "talon %(talon)s."
            )
            % {
                "day": plan.on.strftime("%d.%m.%Y"),
                "provider": provider,
                "district": district.number if district else "",
                "talon": item.talon_number,
            }
        )


def reattachment_sms_send(*, plan_id: int, first: int = 0, last: int | None = None) -> int:
    """Send the SMS not yet sent to the re-attached persons of rows `first`..`last` who
    have a phone; each row is marked told as its message is handed over. How many were sent."""
    plan = Reattachment.objects.get(pk=plan_id)
    items = plan.items.filter(outcome=Outcome.ATTACHED, notified=False, pk__gte=first)
    if last is not None:
        items = items.filter(pk__lte=last)
    sent = 0
    for item in items.select_related("person", "target_provider", "target_district").order_by("pk"):
        phone = normalise_phone(item.person.phone)
        if phone:
            text = "Bekitu: " + " / ".join(_text(plan, item, lang) for lang in ("kk", "ru"))
            send_sms(phone, text)
            sent += 1
        ReattachmentItem.objects.filter(pk=item.pk).update(notified=True)
    log.info("reattachment.sms", extra={"fields": {"plan": plan_id, "sent": sent}})
    return sent
