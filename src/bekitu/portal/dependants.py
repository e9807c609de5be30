"""For whom a citizen applies besides themselves (R9.5): their children under 18 and their
wards, as the population register records them on the day. The form offers them as a list,
and a request for anyone else as a parent or a guardian is refused."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from bekitu.core import security
from bekitu.portal.accounts import account_audit
from bekitu.portal.errors import PortalError
from bekitu.registry.population import PersonRecord, get_population_register

if TYPE_CHECKING:
    from bekitu.portal.models import Account

log = logging.getLogger("bekitu.portal")

ADULT_AGE = 18
PARENT, GUARDIAN = "parent", "guardian"


@dataclass(frozen=True)
class Dependant:
    """A child under 18 (`relation` "parent": the citizen is the parent) or a ward
    (`relation` "guardian")."""

    iin: str
    name: str
    birth_date: dt.date
    relation: str


def age(birth: dt.date, on: dt.date) -> int:
    """Full years on the day."""
    return on.year - birth.year - int((on.month, on.day) < (birth.month, birth.day))


def relation_holds(record: PersonRecord, kind: str, iin: str, on: dt.date) -> bool:
    """Whether the register records `iin` as the person's parent or guardian on the day."""
    return any(
        r.relative_iin == iin
        and (r.valid_from is None or r.valid_from <= on)
        and (r.valid_to is None or on < r.valid_to)
        for r in record.relatives(kind)
    )


def _name(record: PersonRecord) -> str:
    return " ".join(p for p in (record.surname, record.given_name, record.patronymic) if p)


def dependants_of(iin: str, *, on: dt.date | None = None) -> list[Dependant]:
    """The living children under 18 and wards of the person `iin` on the day (today by
    default), the eldest first; one read of the register."""
    day = on or timezone.localdate()
    found = []
    for record in get_population_register().dependants(iin):
        if record.death_date is not None:
            continue
        for kind in (PARENT, GUARDIAN):
            if not relation_holds(record, kind, iin, day):
                continue
            if kind == PARENT and age(record.birth_date, day) >= ADULT_AGE:
                continue
            found.append(Dependant(record.iin, _name(record), record.birth_date, kind))
    return found


def dependant_get(iin: str, dependant_iin: str) -> Dependant:
    """The person `dependant_iin` if the register records them as a child under 18 or a ward
    of `iin` today: PortalError("not_a_dependant") otherwise (fails closed)."""
    found = next((d for d in dependants_of(iin) if d.iin == dependant_iin), None)
    if found is None:
        raise PortalError("not_a_dependant")
    return found


def discloses(iin: str, recipient_iin: str, dependants: list[Dependant] | None = None) -> bool:
    """Whether the citizen `iin` may be told what the register holds of `recipient_iin`
    (whether their registered address is in a provider's area, their changes of provider this
    year): of themselves, their children under 18 and their wards (`dependants`, read from
    the register when not given). Not of someone they say they act for under a power of
    attorney: the provider checks that only when the request comes."""
    if recipient_iin == iin:
        return True
    kin = dependants_of(iin) if dependants is None else dependants
    return any(d.iin == recipient_iin for d in kin)


def dependant_check(iin: str, recipient_iin: str, role: str) -> None:
    """A parent applies only for their child under 18, a guardian only for their ward:
    PortalError("not_a_dependant") otherwise, saying why."""
    if any(d.iin == recipient_iin and d.relation == role for d in dependants_of(iin)):
        return
    if role == PARENT:
        today = timezone.localdate()
        adult = any(
            r.iin == recipient_iin
            and relation_holds(r, PARENT, iin, today)
            and age(r.birth_date, today) >= ADULT_AGE
            for r in get_population_register().dependants(iin)
        )
        if adult:
            raise PortalError(
                "not_a_dependant",
                _("A parent applies for a child under 18; an adult applies themselves."),
            )
        raise PortalError(
            "not_a_dependant",
            _("The population register does not record you as this child's parent."),
        )
    raise PortalError(
        "not_a_dependant",
        _("The population register does not record you as this person's guardian."),
    )


def person_named(account: Account, iin: str) -> None:
    """Count a person other than the citizen whom their account names (for whom a request,
    its checklist or its providers are asked), each person once an hour; past
    BEKITU_PORTAL_LOOKUPS_PER_ACCOUNT_HOUR different persons, `too_many_lookups`, audited.
    Every answer about another's IIN tells something of the population register (at least
    whether it holds a living person of that IIN), so the form is not a way to read it."""
    limit = int(settings.PORTAL_LOOKUPS_PER_ACCOUNT_HOUR)
    if limit <= 0 or iin == account.iin:
        return
    key = f"portal.lookups:{security.digest(str(account.pk))}"
    if security.hit_distinct(key, iin, limit=limit, seconds=3600):
        return
    log.warning("portal.lookup_limit", extra={"fields": {"account": account.pk}})
    account_audit("portal.account.lookup_refused", account.iin, limit=limit)
    raise PortalError("too_many_lookups")
