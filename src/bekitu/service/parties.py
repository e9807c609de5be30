"""Who applies for whom (R4): the one place that says whether an intake names its parties
consistently. The desk's form, the API's serializer and the services all ask it, so they
cannot disagree; whether the applicant really may act for the recipient (a parent of a minor,
a valid power of attorney on the day) is the authority check of `rules.py`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from bekitu.core.errors import DomainError
from bekitu.core.vocabulary import ApplicantRole

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


def parties_problems(
    *, role: str, applicant_named: bool, power_of_attorney: PowerOfAttorney | None
) -> list[PartyProblem]:
    """Everything inconsistent in who applies, on what authority (empty when all is well)."""
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
    return problems


class PartiesInvalid(DomainError):
    """The parties of an intake are inconsistent; `problems` says what, input by input."""

    def __init__(self, problems: list[PartyProblem]) -> None:
        super().__init__(problems[0].message, code=problems[0].code)
        self.problems = problems


def parties_validate(
    *, role: str, applicant_named: bool, power_of_attorney: PowerOfAttorney | None
) -> None:
    """PartiesInvalid unless the parties are consistent (see `parties_problems`)."""
    problems = parties_problems(
        role=role, applicant_named=applicant_named, power_of_attorney=power_of_attorney
    )
    if problems:
        raise PartiesInvalid(problems)
