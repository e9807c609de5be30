"""Who applies for whom (R4): the one place that says whether an intake names its parties
consistently. The desk's form, the API's serializer and the services all ask it, so they
cannot disagree; whether the applicant really may act for the recipient (a parent of a minor,
a valid power of attorney on the day) is the authority check of `rules.py`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bekitu.core.errors import DomainError
from bekitu.core.vocabulary import ApplicantRole
from bekitu.service.rules import ADULT_AGE, POA_DEFAULT_TERM

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class PowerOfAttorney:
    """The power of attorney a representative acts under (R4). Without `valid_until` it is
    valid for one year from its date (Civil Code), as the authority check counts it."""

    number: str
    date: dt.date | None
    valid_until: dt.date | None = None


@dataclass(frozen=True)
class PartyProblem:
    """What is wrong with the parties, and which input it concerns: `applicant_role`,
    `applicant_iin`, `poa_number` or `poa_date`."""

    field: str
    code: str
    message: StrOrPromise


def _poa_problems(poa: PowerOfAttorney, on: dt.date) -> list[PartyProblem]:
    """A power of attorney must be in force on the day: dated no later than the day, ending
    after its date and not before the day; without a term, one year from its date."""
    if poa.date is None:
        return []
    if poa.date > on:
        message = _("The power of attorney is dated after today: it is not yet in force.")
        return [PartyProblem("poa_date", "power_of_attorney_not_in_force", message)]
    if poa.valid_until is not None and poa.valid_until <= poa.date:
        message = _("The power of attorney ends before its date: check both dates.")
        return [PartyProblem("poa_valid_until", "power_of_attorney_invalid", message)]
    if on > (poa.valid_until or poa.date + POA_DEFAULT_TERM):
        message = _(
            "The power of attorney has expired (without a stated term it is valid one year "
            "from its date)."
        )
        field = "poa_valid_until" if poa.valid_until else "poa_date"
        return [PartyProblem(field, "power_of_attorney_expired", message)]
    return []


def parties_problems(
    *,
    role: str,
    applicant_named: bool,
    power_of_attorney: PowerOfAttorney | None,
    on: dt.date | None = None,
) -> list[PartyProblem]:
    """Everything inconsistent in who applies, on what authority, on a day (default today;
    empty when all is well)."""
    if role not in ApplicantRole.values:
        return [
            PartyProblem("applicant_role", "invalid_applicant_role", _("Unknown applicant role."))
        ]
    if role == ApplicantRole.SELF:
        if applicant_named:
            message = _(
                "Another person applies: say whether as parent, guardian or representative."
            )
            return [PartyProblem("applicant_role", "applicant_role_mismatch", message)]
        return []
    problems = []
    if not applicant_named:
        message = _("Enter the IIN of the person who applies.")
        problems.append(PartyProblem("applicant_iin", "applicant_required", message))
    if role == ApplicantRole.REPRESENTATIVE:
        poa = power_of_attorney or PowerOfAttorney(number="", date=None)
        message = _("A representative acts under a power of attorney: enter its number and date.")
        if not poa.number:
            problems.append(PartyProblem("poa_number", "power_of_attorney_required", message))
        if poa.date is None:
            problems.append(PartyProblem("poa_date", "power_of_attorney_required", message))
        problems += _poa_problems(poa, on or timezone.localdate())
    return problems


def recipient_problems(*, role: str, recipient_age: int) -> list[PartyProblem]:
    """What the recipient's age says about who applies: a parent acts only for a minor."""
    if role == ApplicantRole.PARENT and recipient_age >= ADULT_AGE:
        message = _(
            "A parent acts only for a minor: an adult applies in person or through a "
            "representative, a ward through a guardian."
        )
        return [PartyProblem("applicant_role", "parent_of_an_adult", message)]
    return []


class PartiesInvalid(DomainError):
    """The parties of an intake are inconsistent; `problems` says what, input by input."""

    def __init__(self, problems: list[PartyProblem]) -> None:
        super().__init__(problems[0].message, code=problems[0].code)
        self.problems = problems


def parties_validate(
    *,
    role: str,
    applicant_named: bool,
    power_of_attorney: PowerOfAttorney | None,
    on: dt.date | None = None,
) -> None:
    """PartiesInvalid unless the parties are consistent (see `parties_problems`)."""
    problems = parties_problems(
        role=role, applicant_named=applicant_named, power_of_attorney=power_of_attorney, on=on
    )
    if problems:
        raise PartiesInvalid(problems)
