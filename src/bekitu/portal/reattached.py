"""The register's notices of persons re-attached without asking (serviceId
`bekitu.attachment.notice`): each becomes a notice in the cabinet of the person's account,
where they have one; a person without an account is told by SMS on the register's side."""

from __future__ import annotations

import logging

from django.utils import timezone

from bekitu.gateway.contracts import attachment_notice as contract
from bekitu.gateway.handlers import Message
from bekitu.portal.models import Account, CabinetNotice

log = logging.getLogger("bekitu.portal")


def notice_receive(message: Message) -> None:
    """Put each person's notice into their cabinet. Runs in the gateway inbox's transaction;
    a notice received again (the same talon) is not added twice."""
    notice = contract.parse_notice(message.part(contract.PART_NOTICE))
    accounts = dict(
        Account.objects.filter(iin__in=[p.iin for p in notice.persons]).values_list("iin", "pk")
    )
    now = timezone.now()
    rows = [
        CabinetNotice(
            account_id=accounts[p.iin],
            number=notice.number,
            reason=notice.reason,
            provider_bin=p.provider_bin,
            provider_name_kk=p.provider_name_kk,
            provider_name_ru=p.provider_name_ru,
            provider_address=p.provider_address,
            provider_phone=p.provider_phone,
            district_number=p.district_number,
            valid_from=p.valid_from,
            talon_number=p.talon_number,
            talon_verify_url=p.verify_url,
            received_at=now,
        )
        for p in notice.persons
        if p.iin in accounts
    ]
    CabinetNotice.objects.bulk_create(rows, ignore_conflicts=True)
    fields = {"number": notice.number, "persons": len(notice.persons), "cabinets": len(rows)}
    log.info("portal.notice.received", extra={"fields": fields})


def cabinet_notices(account: Account) -> list[CabinetNotice]:
    """The account's notices, newest first."""
    return list(CabinetNotice.objects.filter(account=account).order_by("-received_at", "-pk"))
