"""The basis of attachment as an application states it (decision 0011), with the address it
rests on: the unit's KATO code, the address as text, and for a place of residence the street
and house the service areas can be matched against (decision 0012)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from bekitu.core.errors import DomainError
from bekitu.core.vocabulary import AttachmentBasis

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
    if not (atu.isdigit() and len(atu) == KATO_LENGTH):
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
