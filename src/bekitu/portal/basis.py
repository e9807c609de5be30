"""The basis of attachment on the citizen's form, checked as the desk checks it (decisions
0011, 0012): a known basis; but for the registered residence, the unit of its address and the
address, as text or as a street and house (which the provider matches against its service
areas: for a temporary or actual residence home visits follow them); where one actually
lives only for a pregnant woman or a child under five."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bekitu.core.vocabulary import AttachmentBasis
from bekitu.gateway.contracts import attachment_request as contract
from bekitu.portal.accounts import person_alive
from bekitu.portal.dependants import age
from bekitu.portal.errors import PortalError

if TYPE_CHECKING:
    from bekitu.portal.drafts import Form

# A child under five may attach where they actually live (as a pregnant woman may).
CHILD_AGE = 5
# The code of an administrative-territorial unit (KATO) has nine digits.
KATO_LENGTH = 9
STREET_LENGTH = 255
PART_LENGTH = 10  # a building or an apartment, as the register keeps them
TEXT_LENGTH = 500
ACTUAL_RESIDENCE_ONLY = gettext_lazy(
    "Where one actually lives is a basis only for a pregnant woman or a child under five."
)


def _add(errors: dict[str, list[str]], name: str, text: str) -> None:
    errors.setdefault(name, []).append(text)


def _parts(form: Form, errors: dict[str, list[str]]) -> tuple[str, int | None, str, str]:
    street, house = " ".join(form.basis_street.split()), form.basis_house
    building, apartment = form.basis_building.strip(), form.basis_apartment.strip()
    if street and house is None:
        _add(errors, "basis_house", _("Enter the house number on this street."))
    if house is not None and not street:
        _add(errors, "basis_street", _("Enter the street of this house."))
    if house is not None and house < 1:
        _add(errors, "basis_house", _("The house number is a whole number from 1."))
    if len(street) > STREET_LENGTH or max(len(building), len(apartment)) > PART_LENGTH:
        _add(errors, "basis_street", _("A part of the address is too long."))
    return street, house, building, apartment


def _too_old_for_actual_residence(recipient_iin: str) -> bool:
    try:
        record = person_alive(recipient_iin)
    except PortalError:
        return False  # the recipient's own error is already said
    return age(record.birth_date, timezone.localdate()) >= CHILD_AGE


def basis_check(form: Form, recipient_iin: str, errors: dict[str, list[str]]) -> contract.Basis:
    """What the attachment rests on, as the request will carry it; errors added by field."""
    if form.basis not in AttachmentBasis.values:
        _add(errors, "basis", _("Choose what the attachment rests on."))
        return contract.Basis(AttachmentBasis.REGISTERED_RESIDENCE)
    if form.basis == AttachmentBasis.REGISTERED_RESIDENCE:
        return contract.Basis(form.basis, pregnant=form.pregnant)
    code, address = form.basis_atu_code.strip(), form.basis_address.strip()
    if not (code.isascii() and code.isdigit() and len(code) == KATO_LENGTH):
        _add(errors, "basis_atu_code", _("Choose the district or city where the address lies."))
    street, house, building, apartment = _parts(form, errors)
    if not address and not street:
        _add(errors, "basis_address", _("Enter the address the basis rests on."))
    if not address and street:
        address = f"{street}, {house}{building}" + (f", {apartment}" if apartment else "")
    actual = form.basis == AttachmentBasis.ACTUAL_RESIDENCE and not form.pregnant
    if actual and _too_old_for_actual_residence(recipient_iin):
        _add(errors, "basis", str(ACTUAL_RESIDENCE_ONLY))
    return contract.Basis(
        form.basis,
        code,
        address[:TEXT_LENGTH],
        form.pregnant,
        street=street,
        house=house,
        building=building,
        apartment=apartment,
    )
