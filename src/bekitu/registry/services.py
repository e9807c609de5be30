"""Writes to the register of attached population: attach, transfer, end, close a provider.

Every write locks the person's row first, so that two changes of one person (a desk and a
portal application decided at the same moment) run one after the other; the database's
"one_open_attachment_per_person" constraint is the last line of defence behind the lock.
Periods are half-open, [valid_from, valid_to): an attachment ended on a day is not in force
on that day, and the one that replaces it is.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bekitu.core.audit import audit_record
from bekitu.core.errors import DomainError
from bekitu.core.transactions import mark_stands, mark_taken
from bekitu.registry.models import Attachment, District, Person, Provider
from bekitu.registry.selectors import person_read_audit

log = logging.getLogger("bekitu.registry")

# The reasons attachment_end takes; a transfer ends an attachment through attachment_transfer.
END_REASONS = frozenset(
    {
        Attachment.EndReason.DEATH,
        Attachment.EndReason.LEFT_COUNTRY,
        Attachment.EndReason.PROVIDER_CLOSED,
    }
)


def person_lock(*, person: Person) -> Person:
    """The person's row, locked until the transaction ends: every change of one person's
    attachments, and every intake of one person, runs one after the other."""
    return Person.objects.select_for_update().get(pk=person.pk)


def person_lock_with_address(*, person: Person) -> Person:
    """`person_lock`, the row read with its address, street and locality (which are not
    locked): what the locked person's checks read, without reading them again. An instance
    this transaction has locked so already is the one returned, as it was read: the lock is
    still held, and no step of one transaction between an intake and its decision changes a
    person's row (a portal request is received, checked and decided in one)."""
    if mark_stands(person.lock_mark):
        return person
    locked = (
        Person.objects.select_for_update(of=("self",))
        .select_related("address__street__locality")
        .get(pk=person.pk)
    )
    locked.lock_mark = mark_taken()
    return locked


def person_lock_by_iin(iin: str) -> Person | None:
    """The person with this IIN read and locked as `person_lock_with_address` does (the next
    lock of the transaction takes it as it is), or None; the read audited as
    `selectors.person_get_by_iin` audits it. One statement where a read and a lock were two."""
    person = (
        Person.objects.select_for_update(of=("self",))
        .select_related("address__street__locality")
        .filter(iin=iin)
        .first()
    )
    if person is None:
        return None
    person.lock_mark = mark_taken()
    person_read_audit(person, "iin")
    return person


def _check_target(provider: Provider, district: District | None) -> None:
    if not provider.is_active:
        raise DomainError(_("The provider is closed."), code="provider_closed")
    if district is not None and district.provider_id != provider.pk:
        raise DomainError(
            _("The district does not belong to the provider."), code="district_not_of_provider"
        )


def _close_from(person: Person, day: dt.date, end_reason: str) -> list[Attachment]:
    """End every attachment of the person still in force on or after `day`, at `day`.

    An attachment that had not started by `day` gets an empty period [valid_from,
    valid_from): it never comes into force, and the history stays free of overlaps.
    """
    now = timezone.now()
    ended = list(
        Attachment.objects.filter(person=person)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
        .order_by("valid_from", "pk")
    )
    for attachment in ended:
        attachment.valid_to = max(day, attachment.valid_from)
        attachment.end_reason = end_reason
        attachment.ended_at = now
        attachment.save(update_fields=["valid_to", "end_reason", "ended_at"])
    return ended


def _open(
    person: Person,
    provider: Provider,
    district: District | None,
    valid_from: dt.date,
    reason: str,
    home_visits: bool,
    source: str,
    application_number: str,
) -> Attachment:
    attachment = Attachment.objects.create(
        person=person,
        provider=provider,
        district=district,
        valid_from=valid_from,
        reason=reason,
        home_visits=home_visits,
        source=source,
        application_number=application_number,
    )
    attachment.made_mark = mark_taken()
    return attachment


def _audit_attachment(action: str, attachment: Attachment, person: Person, **extra: object) -> None:
    audit_record(
        action=action,
        object_type="registry.attachment",
        object_id=attachment.pk,
        subject_iin=person.iin,
        data={
            "provider_bin": attachment.provider.bin,
            "district_id": attachment.district_id,
            "valid_from": attachment.valid_from.isoformat(),
            "valid_to": attachment.valid_to.isoformat() if attachment.valid_to else None,
            "reason": attachment.reason,
            "end_reason": attachment.end_reason,
            "source": attachment.source,
            "application_number": attachment.application_number,
            **extra,
        },
    )


@transaction.atomic
def attachment_create(
    *,
    person: Person,
    provider: Provider,
    district: District | None,
    valid_from: dt.date,
    reason: str,
    home_visits: bool = True,
    source: str,
    application_number: str = "",
) -> Attachment:
    """Attach a person who has no attachment in force on or after `valid_from`.

    Raises DomainError "already_attached" when the person has an open attachment (or one
    that runs past `valid_from`): that is a transfer. The person is read with the address
    the talon prints, so the attachment returned carries its parties (`attachment_with_parties`).
    """
    person = person_lock_with_address(person=person)
    _check_target(provider, district)
    running = Attachment.objects.filter(person=person).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=valid_from)
    )
    if running.exists():
        raise DomainError(_("The person is already attached."), code="already_attached")
    attachment = _open(
        person, provider, district, valid_from, reason, home_visits, source, application_number
    )
    _audit_attachment("registry.attachment.create", attachment, person)
    log.info("attachment.created", extra={"fields": {"attachment": attachment.pk}})
    return attachment


@transaction.atomic
def attachment_transfer(
    *,
    person: Person,
    provider: Provider,
    district: District | None,
    valid_from: dt.date,
    reason: str,
    home_visits: bool = True,
    source: str,
    application_number: str = "",
) -> Attachment:
    """Close the person's attachment at `valid_from` and open the new one, at once.

    `valid_from` may lie in the future: the old attachment then runs until that day. A
    person with no attachment is simply attached. Concurrent transfers of one person are
    serialised by the lock on the person's row (read with its address, as in
    `attachment_create`).
    """
    person = person_lock_with_address(person=person)
    _check_target(provider, district)
    ended = _close_from(person, valid_from, Attachment.EndReason.TRANSFER)
    attachment = _open(
        person, provider, district, valid_from, reason, home_visits, source, application_number
    )
    _audit_attachment(
        "registry.attachment.transfer",
        attachment,
        person,
        ended_attachments=[a.pk for a in ended],
    )
    log.info(
        "attachment.transferred",
        extra={"fields": {"attachment": attachment.pk, "ended": [a.pk for a in ended]}},
    )
    return attachment


@transaction.atomic
def attachment_end(*, person: Person, on: dt.date, end_reason: str) -> Attachment:
    """End the person's attachment on a day: death, leaving the country, provider closed.

    Raises DomainError "not_attached" when no attachment is in force on or after `on`, and
    "invalid_end_reason" for a reason other than those three (a transfer has its own service).
    """
    if end_reason not in END_REASONS:
        raise DomainError(
            _("This is not a reason to end an attachment."), code="invalid_end_reason"
        )
    person = person_lock(person=person)
    ended = _close_from(person, on, end_reason)
    if not ended:
        raise DomainError(_("The person is not attached."), code="not_attached")
    # The one that was (or would have been) in force last is the attachment that ended.
    last = ended[-1]
    _audit_attachment(
        "registry.attachment.end", last, person, ended_attachments=[a.pk for a in ended]
    )
    log.info("attachment.ended", extra={"fields": {"attachment": last.pk, "reason": end_reason}})
    return last


@transaction.atomic
def provider_close(*, provider: Provider, on: dt.date) -> int:
    """Mark a provider closed on a day and end its attachments running on or after it.

    Returns how many attachments were ended; their persons may then attach elsewhere
    without the frequency limit (the reason "provider_closed").
    """
    provider = Provider.objects.select_for_update().get(pk=provider.pk)
    provider.is_active = False
    provider.closed_on = on
    provider.save(update_fields=["is_active", "closed_on"])
    audit_record(
        action="registry.provider.close",
        object_type="registry.provider",
        object_id=provider.pk,
        data={"bin": provider.bin, "closed_on": on.isoformat()},
    )
    # Locking the rows makes a transfer that is deciding at this moment finish first; its
    # attachment then no longer matches and is left as the transfer ended it.
    running = list(
        Attachment.objects.filter(provider=provider)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
        .select_for_update(of=("self",))
        .select_related("person")
        .order_by("pk")
    )
    now = timezone.now()
    for attachment in running:
        attachment.valid_to = max(on, attachment.valid_from)
        attachment.end_reason = Attachment.EndReason.PROVIDER_CLOSED
        attachment.ended_at = now
        attachment.provider = provider
    Attachment.objects.bulk_update(running, ["valid_to", "end_reason", "ended_at"], batch_size=1000)
    for attachment in running:
        _audit_attachment("registry.attachment.end", attachment, attachment.person)
    log.info("provider.closed", extra={"fields": {"provider": provider.pk, "ended": len(running)}})
    return len(running)
