"""The policy editions the service applies, from the database (docs/policy.md).

`PolicyEdition` rows are the editions an administrator keeps; each becomes the pure `Policy`
the checks take. The built-in editions of `service.policy` are the seed (a migration) and the
fallback when the table is empty.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from bekitu.core.vocabulary import RefusalCode, ResidentStatus
from bekitu.service.models import PolicyEdition
from bekitu.service.policy import EDITIONS, Effect, LegalAct, Policy, Window, policy_for

_MONTH_DAY = re.compile(r"^(\d\d)-(\d\d)$")


def _month_day(text: str) -> tuple[int, int]:
    match = _MONTH_DAY.match(text)
    if match is None:
        raise ValidationError(_("Write the day as MM-DD, e.g. 09-15."), code="invalid_month_day")
    month, day = int(match.group(1)), int(match.group(2))
    try:
        dt.date(2024, month, day)  # a leap year: 02-29 is a day
    except ValueError:
        raise ValidationError(_("No such day of the year."), code="invalid_month_day") from None
    return month, day


def edition_validate(row: PolicyEdition) -> None:
    """ValidationError unless the row describes an edition the checks can apply."""
    errors: dict[str, list[ValidationError]] = {}

    def add(name: str, error: ValidationError) -> None:
        errors.setdefault(name, []).append(error)

    if bool(row.campaign_opens) != bool(row.campaign_closes):
        add("campaign_closes", ValidationError(_("Give both days of the campaign, or neither.")))
    window = None
    for name in ("campaign_opens", "campaign_closes"):
        if getattr(row, name):
            try:
                _month_day(getattr(row, name))
            except ValidationError as exc:
                add(name, exc)
    if not errors and row.campaign_opens:
        window = Window(_month_day(row.campaign_opens), _month_day(row.campaign_closes))
        if window.opens > window.closes:
            add("campaign_closes", ValidationError(_("The campaign closes before it opens.")))
    statuses = set(ResidentStatus.values)
    for name in ("eligible_statuses", "insured_statuses"):
        value = getattr(row, name)
        if not isinstance(value, list) or not set(value) <= statuses:
            message = _("A list of these codes: %(codes)s.") % {
                "codes": ", ".join(sorted(statuses))
            }
            add(name, ValidationError(message))
    paragraphs = row.act_paragraphs
    if not isinstance(paragraphs, dict) or not set(paragraphs) <= set(RefusalCode.values):
        add("act_paragraphs", ValidationError(_("Keys are refusal reason codes.")))
    if errors:
        raise ValidationError(errors)


def edition_policy(row: PolicyEdition) -> Policy:
    """The pure policy of a stored edition."""
    campaign = None
    if row.campaign_opens and row.campaign_closes:
        campaign = Window(_month_day(row.campaign_opens), _month_day(row.campaign_closes))
    return Policy(
        edition=row.edition,
        in_force_from=row.in_force_from,
        max_voluntary_changes=row.max_voluntary_changes,
        campaign=campaign,
        voluntary_effect=Effect(row.voluntary_effect),
        eligible_statuses=frozenset(row.eligible_statuses),
        insured_statuses=frozenset(row.insured_statuses),
        act=LegalAct(
            citation_kk=row.act_citation_kk,
            citation_ru=row.act_citation_ru,
            citation_en=row.act_citation_en,
            number=row.act_number,
            date=row.act_date,
            source=row.act_source,
            paragraphs={str(k): str(v) for k, v in row.act_paragraphs.items()},
        ),
    )


def editions() -> tuple[Policy, ...]:
    """Every edition the service knows, oldest first (the built-in ones if none is stored)."""
    stored = tuple(edition_policy(row) for row in PolicyEdition.objects.order_by("in_force_from"))
    return stored or EDITIONS


def policy_in_force(on: dt.date, override: str = "") -> Policy:
    """The edition in force on a day, or the pinned one (BEKITU_POLICY_EDITION)."""
    return policy_for(on, override, editions())


def edition_fields(policy: Policy) -> dict[str, object]:
    """The stored row's fields of a built-in edition (the seed)."""
    act = policy.act
    assert act is not None, "a built-in edition names its act"
    window = policy.campaign
    return {
        "in_force_from": policy.in_force_from,
        "max_voluntary_changes": policy.max_voluntary_changes,
        "campaign_opens": "{:02d}-{:02d}".format(*window.opens) if window else "",
        "campaign_closes": "{:02d}-{:02d}".format(*window.closes) if window else "",
        "voluntary_effect": policy.voluntary_effect.value,
        "eligible_statuses": sorted(policy.eligible_statuses),
        "insured_statuses": sorted(policy.insured_statuses),
        "act_number": act.number,
        "act_date": act.date,
        "act_citation_kk": act.citation_kk,
        "act_citation_ru": act.citation_ru,
        "act_citation_en": act.citation_en,
        "act_source": act.source,
        "act_paragraphs": dict(act.paragraphs),
    }
