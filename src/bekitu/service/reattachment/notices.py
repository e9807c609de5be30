"""Telling each re-attached person: a notice to the portal through the gateway, written to
its outbox in the batch's own transaction (the portal hears of a re-attachment if and only
if it committed, and puts it into the cabinet of the person's account, where they have one);
and an SMS where the register has their phone (the SMS port, `bekitu.core.sms`), sent by the
background worker after the batch commits, in Kazakh and Russian (the register does not know
which language a person reads): why, from when, the new district and, when their provider
closed, the one they are now attached to; the talon is left to the cabinet and the provider.
The one SMS of the product that may take more than one segment (docs/decisions/0019)."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from bekitu.core.sms import in_kazakh_and_russian, normalise_phone, send_sms
from bekitu.gateway.contracts import attachment_notice as contract
from bekitu.gateway.envelope import Part
from bekitu.gateway.errors import UnknownParticipant
from bekitu.gateway.selectors import participant_get
from bekitu.gateway.services import message_send
from bekitu.service.reattachment.models import Reattachment, ReattachmentItem
from bekitu.talons.selectors import talon_codes
from bekitu.talons.services import verification_url

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


# The segments a re-attachment's SMS may take (with a provider's name of 80 characters), beyond
# which `send_sms` warns: the one SMS of the product let take more than one (decision 0019).
REATTACHMENT_SMS_SEGMENTS = 5


def reattachment_sms_text(
    *, kind: str, on: dt.date, district: int, provider_kk: str = "", provider_ru: str = ""
) -> str:
    """The SMS to one re-attached person, in Kazakh and Russian: why, from when, the new
    district and, when their provider closed, the provider they are attached to now (its
    name in each language). A person hears of a re-attachment once in years, and without the
    new provider's name the news is not told: this SMS may take more than one segment."""
    values = {"day": on.strftime("%d.%m.%Y"), "district": district}

    def render() -> str:
        if kind == Reattachment.Kind.PROVIDER_CLOSED:
            provider = provider_ru if get_language() == "ru" else provider_kk
            return _(
                "Your provider closes; from %(day)s your new provider is %(provider)s, "
                "district %(district)s."
            ) % {**values, "provider": provider or provider_ru or provider_kk}
        return _("The districts were redrawn; from %(day)s your district is %(district)s.") % values

    return "Bekitu: " + in_kazakh_and_russian(render)


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
            provider, district = item.target_provider, item.target_district
            assert provider is not None and district is not None  # an attached row has both
            text = reattachment_sms_text(
                kind=plan.kind,
                on=plan.on,
                district=district.number,
                provider_kk=provider.name_kk,
                provider_ru=provider.name_ru,
            )
            send_sms(phone, text, segments_allowed=REATTACHMENT_SMS_SEGMENTS)
            sent += 1
        ReattachmentItem.objects.filter(pk=item.pk).update(notified=True)
    log.info("reattachment.sms", extra={"fields": {"plan": plan_id, "sent": sent}})
    return sent


def _portal_reachable() -> bool:
    """Whether this installation serves the register's participant and knows the portal's."""
    try:
        participant_get(settings.GATEWAY_REGISTER_SYSTEM_ID, local=True)
        participant_get(settings.PORTAL_SYSTEM_ID)
    except UnknownParticipant:
        return False
    return True


def _reattached(item: ReattachmentItem, codes: dict[str, str]) -> contract.Reattached:
    provider, district = item.target_provider, item.target_district
    assert provider is not None and district is not None  # an attached row has both
    return contract.Reattached(
        iin=item.person.iin,
        provider_bin=provider.bin,
        provider_name_kk=provider.name_kk,
        provider_name_ru=provider.name_ru,
        provider_address=provider.address,
        provider_phone=provider.phone,
        district_number=district.number,
        valid_from=item.new_attachment.valid_from if item.new_attachment else item.reattachment.on,
        talon_number=item.talon_number,
        verify_url=verification_url(codes[item.talon_number]),
    )


def portal_notices_send(*, plan: Reattachment, items: list[ReattachmentItem]) -> bool:
    """Write the batch's notice to the portal into the gateway's outbox, in the caller's
    transaction; False when nobody of the batch was re-attached or no portal takes part."""
    attached = [i for i in items if i.outcome == Outcome.ATTACHED]
    if not attached or not _portal_reachable():
        return False
    codes = talon_codes(numbers=[i.talon_number for i in attached])
    notice = contract.AttachmentNotice(
        number=plan.number,
        reason=plan.kind,
        at=timezone.now(),
        persons=tuple(_reattached(i, codes) for i in attached),
    )
    message_send(
        service_id=contract.SERVICE_ID,
        sender_id=settings.GATEWAY_REGISTER_SYSTEM_ID,
        route_id=settings.PORTAL_SYSTEM_ID,
        correlation_id=plan.number,
        parts=[Part(contract.PART_NOTICE, contract.build_notice(notice), "application/xml")],
    )
    log.info(
        "reattachment.portal.told", extra={"fields": {"plan": plan.pk, "persons": len(attached)}}
    )
    return True
