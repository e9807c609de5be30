"""What an application must bring to be taken in (R4): its parties named consistently (who
applies for whom, under which power of attorney), and the documents of paragraph 9 of the
standard per applicant category (R4, R8.1), with the checks of scanned copies (type by
content, size).

`requirements_for()` is the checklist the desk shows for the case at hand; the portal asks
the same list for electronic copies (R9.5).

The basis of attachment as the application states it (decision 0011) rests on an address: the
unit's KATO code, the address as text, and for a place of residence the street and house the
service areas can be matched against (decision 0012); `basis_fields` is what an application
records of it. Where the person lives by it is a fact of the case (`facts.home_of`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from bekitu.core.errors import DomainError

# Scans: the same checks as on the portal (re-exported for the desk's callers).
from bekitu.core.scans import ScanRejected as ScanRejected
from bekitu.core.scans import scan_check as scan_check
from bekitu.core.scans import sniff_type as sniff_type
from bekitu.core.vocabulary import ApplicantRole, AttachmentBasis
from bekitu.service.rules import ADULT_AGE, POA_DEFAULT_TERM

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# An identity card is issued at 16; a younger child is identified by the birth certificate.
IDENTITY_CARD_AGE = 16
# Retirement age (Social Code of the Republic of Kazakhstan): 63 for men; 61 for women,
# which rises to 63 by 2031 (the 2026 figure is used).
PENSION_AGE = {"male": 63, "female": 61}

KINDS: dict[str, Promise] = {
    "identity_document": _("identity document of the recipient"),
    "birth_certificate": _("birth certificate of the child"),
    "applicant_identity_document": _("identity document of the applicant"),
    "guardianship_decision": _("decision establishing guardianship"),
    "power_of_attorney": _("power of attorney"),
    "pension_certificate": _("pension certificate"),
    "kandas_certificate": _("kandas certificate"),
    "refugee_certificate": _("refugee certificate"),
    "residence_permit": _("residence permit of a foreigner"),
    "insurance_certificate": _("certificate of compulsory social health insurance"),
    # The evidence of a change of residence the register does not show, and the document of a
    # temporary residence the attachment rests on.
    "temporary_registration": _("document of temporary registration at the place of residence"),
    "employment_certificate": _("certificate from the place of work"),
    "study_certificate": _("certificate from the place of study"),
    "pregnancy_certificate": _("medical certificate of pregnancy"),
}

# The document that shows the address an attachment rests on, by basis; the registered
# residence is the register's own.
BASIS_DOCUMENTS = {
    "temporary_residence": (
        "temporary_registration",
        _("the attachment rests on a temporary residence"),
    ),
    "work": ("employment_certificate", _("the attachment rests on the place of work")),
    "study": ("study_certificate", _("the attachment rests on the place of study")),
}
# A child under five may attach where they actually live with no further document.
ACTUAL_RESIDENCE_AGE = 5

STATUS_DOCUMENTS = {
    "kandas": "kandas_certificate",
    "refugee": "refugee_certificate",
    "residence_permit": "residence_permit",
    "temporary": "insurance_certificate",
}


@dataclass(frozen=True)
class DocumentRequirement:
    kind: str
    label: Promise
    why: Promise


@dataclass(frozen=True)
class Category:
    """What decides the checklist: the recipient's age, sex and status, and who applies."""

    recipient_age: int
    recipient_sex: str
    recipient_status: str
    applicant_role: str
    basis: str = "registered_residence"
    pregnant: bool = False


def _req(kind: str, why: Promise) -> DocumentRequirement:
    return DocumentRequirement(kind=kind, label=KINDS[kind], why=why)


def _recipient_documents(category: Category) -> list[DocumentRequirement]:
    if category.recipient_age < IDENTITY_CARD_AGE:
        return [_req("birth_certificate", _("the recipient is under 16"))]
    docs = [_req("identity_document", _("identifies the recipient"))]
    status_kind = STATUS_DOCUMENTS.get(category.recipient_status)
    if status_kind:
        docs.append(_req(status_kind, _("confirms the recipient's status")))
    if category.recipient_age >= PENSION_AGE.get(category.recipient_sex, 63):
        docs.append(_req("pension_certificate", _("the recipient is of pension age")))
    return docs


def _applicant_documents(category: Category) -> list[DocumentRequirement]:
    role = category.applicant_role
    if role == "self":
        return []
    docs = [_req("applicant_identity_document", _("identifies the person who applies"))]
    if role == "parent" and category.recipient_age >= IDENTITY_CARD_AGE:
        docs.append(_req("birth_certificate", _("proves parenthood")))
    elif role == "guardian":
        docs.append(_req("guardianship_decision", _("proves guardianship")))
    elif role == "representative":
        docs.append(_req("power_of_attorney", _("gives the authority to act")))
    return docs


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Full years of age on a day."""
    before = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - int(before)


def _basis_documents(category: Category) -> list[DocumentRequirement]:
    if category.basis in BASIS_DOCUMENTS:
        kind, why = BASIS_DOCUMENTS[category.basis]
        return [_req(kind, why)]
    if category.basis == "actual_residence" and category.recipient_age >= ACTUAL_RESIDENCE_AGE:
        return [
            _req("pregnancy_certificate", _("the attachment rests on where she actually lives"))
        ]
    return []


def requirements_for(category: Category) -> list[DocumentRequirement]:
    """The checklist of paragraph 9 of the standard for one case (R8.1), with the document of
    the address the attachment rests on."""
    return (
        _recipient_documents(category) + _applicant_documents(category) + _basis_documents(category)
    )


# Who applies for whom (R4): the one place that says whether an intake names its parties
# consistently. The desk's form, the API's serializer and the services all ask it, so they
# cannot disagree; whether the applicant really may act for the recipient (a parent of a minor,
# a valid power of attorney on the day) is the authority check of `rules.py`.


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


# The code of an administrative-territorial unit (KATO) has nine digits.
KATO_LENGTH = 9
STREET_LENGTH = 255
PART_LENGTH = 10  # a building or an apartment, as the register keeps them


@dataclass(frozen=True)
class Basis:
    """What the attachment rests on, as the applicant states it: a basis of
    `AttachmentBasis` and the address (its unit's KATO code and its text). The registered
    residence needs no address: the register's is used. `pregnant` is stated by the applicant
    (the checklist then asks for the medical certificate). The street, house, building and
    apartment are the same address in parts; older channels give the text alone."""

    kind: str = AttachmentBasis.REGISTERED_RESIDENCE
    atu_code: str = ""
    address: str = ""
    pregnant: bool = False
    street: str = ""
    house: int | None = None
    building: str = ""
    apartment: str = ""


def _address_text(street: str, house: int | None, building: str, apartment: str) -> str:
    text = f"{street}, {house}{building}"
    return f"{text}, {apartment}" if apartment else text


def _parts(stated: Basis) -> dict[str, object]:
    street = " ".join(stated.street.split())
    building, apartment = stated.building.strip(), stated.apartment.strip()
    if bool(street) != (stated.house is not None) or (not street and (building or apartment)):
        raise DomainError(
            _("Give the street and the house number of the address together."),
            code="basis_street_house",
        )
    if stated.house is not None and stated.house < 1:
        raise DomainError(_("The house number is a whole number from 1."), code="basis_house")
    if len(street) > STREET_LENGTH or max(len(building), len(apartment)) > PART_LENGTH:
        raise DomainError(_("A part of the address is too long."), code="basis_address_long")
    return {
        "basis_street": street,
        "basis_house": stated.house,
        "basis_building": building,
        "basis_apartment": apartment,
    }


def basis_fields(basis: Basis | None) -> dict[str, object]:
    """The basis as an application records it; an unknown basis, or one other than the
    registered residence without the unit of its address, is refused, and so is a street
    without a house. The text of the address is made from its parts when only they are given."""
    stated = basis or Basis()
    if stated.kind not in AttachmentBasis.values:
        raise DomainError(_("Unknown basis of attachment."), code="invalid_basis")
    atu = stated.atu_code.strip()
    if stated.kind == AttachmentBasis.REGISTERED_RESIDENCE:
        return {"basis": stated.kind, "pregnant": stated.pregnant}
    if not (atu.isascii() and atu.isdigit() and len(atu) == KATO_LENGTH):
        raise DomainError(
            _("State the address the basis rests on, with the nine-digit code of its unit."),
            code="basis_address_required",
        )
    parts = _parts(stated)
    text = stated.address.strip()
    if not text and parts["basis_street"]:
        text = _address_text(stated.street, stated.house, stated.building, stated.apartment)
    return {
        "basis": stated.kind,
        "basis_atu_code": atu,
        "basis_address": text,
        "pregnant": stated.pregnant,
        **parts,
    }
