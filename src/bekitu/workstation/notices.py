"""The heads of a provider are told when a talon was issued without the provider's EDS.

A talon issued while the provider's key was unavailable (R3.1, talons.services.talon_issue)
is valid on paper with a handwritten signature and stamp; the head must know, to restore the
key and to sign what was printed. Each head with an e-mail address gets one message (Kazakh
and Russian), and the notice is audited (the number and the recipients' count, no address).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import send_mail

from bekitu.core.audit import audit_record
from bekitu.workstation.models import StaffProfile

if TYPE_CHECKING:
    from bekitu.talons.models import Talon

log = logging.getLogger("bekitu.workstation")

SUBJECT = "Талон ЭЦҚ-сыз берілді / Талон выдан без ЭЦП: {number}"
BODY = (
    "Медициналық ұйымның ЭЦҚ кілті қолжетімсіз болғандықтан, {number} талоны қолтаңбасыз "
    "берілді. Басып шығарылған талонға қолмен қол қойылып, мөр басылуы тиіс. Кілтті қалпына "
    "келтіріңіз: электрондық талонға автоматты түрде қол қойылады.\n\n"
    "Ключ ЭЦП медицинской организации недоступен, поэтому талон {number} выдан без подписи. "
    "Распечатанный талон подписывается собственноручно и заверяется печатью. Восстановите "
    "ключ: электронный талон будет подписан автоматически.\n"
)


def tell_heads_signature_pending(sender: Any, *, talon: Talon, **kwargs: Any) -> None:
    """E-mail the provider's heads that `talon` awaits its signature; audited."""
    heads = StaffProfile.objects.filter(
        provider_id=talon.provider_id, role=StaffProfile.Role.HEAD, user__is_active=True
    ).select_related("user")
    addresses = sorted({p.user.email for p in heads if p.user.email})
    if addresses:
        send_mail(
            SUBJECT.format(number=talon.number),
            BODY.format(number=talon.number),
            settings.DEFAULT_FROM_EMAIL,
            addresses,
        )
    audit_record(
        action="workstation.heads.told_signature_pending",
        object_type="talons.talon",
        object_id=talon.pk,
        data={"number": talon.number, "provider_bin": talon.provider.bin, "sent": len(addresses)},
    )
    log.info("talon.pending.told", extra={"fields": {"talon": talon.pk, "sent": len(addresses)}})
