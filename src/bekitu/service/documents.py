"""The documents of paragraph 9 of the standard, per applicant category (R4, R8.1), and the
checks of scanned copies (type by content, size).

`requirements_for()` is the checklist the desk shows for the case at hand; the portal asks
the same list for electronic copies (R9.5).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# Scans: the same checks as on the portal (re-exported for the desk's callers).
from bekitu.core.scans import ScanRejected as ScanRejected
from bekitu.core.scans import scan_check as scan_check
from bekitu.core.scans import sniff_type as sniff_type

# An identity card is issued at 16; a younger child is identified by the birth certificate.
IDENTITY_CARD_AGE = 16
ADULT_AGE = 18
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
