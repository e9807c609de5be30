"""The basis of attachment as an application states it, and where the person lives by it.

The basis (decision 0011) rests on an address: the unit's KATO code, the address as text, and
for a place of residence the street and house the service areas can be matched against.
Temporary residence, and the actual residence of a pregnant woman or a child under five, are
places where the person lives: home visits and the district follow the basis's address; any
other basis (the registered residence, work, study) leaves the registered address (decision
0012). `home_of` and `home_districts` decide it for the desk's intake and its outlook, the
provider's side of the portal, the portal's list of providers and the re-attachment; the
talon prints what was decided.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from bekitu.core.errors import DomainError
from bekitu.core.vocabulary import AttachmentBasis
from bekitu.registry import selectors as registry
from bekitu.service.models import Application
from bekitu.service.rules import RESIDENCE_BASES, lives_at_basis

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from bekitu.registry.models import Address, District, Provider

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


@dataclass(frozen=True)
class Home:
    """The dwelling home visits are judged by: a street of the register and a house.
    `street_id` is None when the basis's street is not one of the unit's streets (or its name
    is shared by streets of two localities): no service area can then be said to cover it."""

    street_id: int | None
    house: int | None
    from_basis: bool

    @property
    def matched(self) -> bool:
        return self.street_id is not None and self.house is not None


def home_of(
    *, basis: str, atu_code: str, street: str, house: int | None, registered: Address | None
) -> Home | None:
    """Where the person lives: the basis's structured address for a basis of residence, else
    the registered address; None when the person has no registered address and the basis is
    not one of residence."""
    if lives_at_basis(basis):
        streets = registry.streets_named(atu_code=atu_code, name=street) if house else []
        # A name shared by two localities of the unit does not say which house: not matched.
        street_id = streets[0] if len(streets) == 1 else None
        return Home(street_id=street_id, house=house, from_basis=True)
    if registered is None:
        return None
    return Home(street_id=registered.street_id, house=registered.house, from_basis=False)


def application_home(application: Application) -> Home | None:
    """Where the application's recipient lives, by its basis (decision 0012)."""
    return home_of(
        basis=application.basis,
        atu_code=application.basis_atu_code,
        street=application.basis_street,
        house=application.basis_house,
        registered=application.recipient.address,
    )


def home_districts(home: Home | None, *, provider: Provider | None = None) -> QuerySet[District]:
    """The districts (of the provider, if given) whose service areas cover the home: they
    come with home visits; none when the home is unknown or not matched."""
    if home is None:
        return registry.districts_serving(street_id=None, house=None)
    return registry.districts_serving(street_id=home.street_id, house=home.house, provider=provider)


def stated_homes(*, numbers: Collection[str]) -> dict[str, Home]:
    """The homes the applications with these numbers stated as a temporary or actual
    residence, by number (the re-attachment proposes districts there); the others live at
    their registered address."""
    rows = Application.objects.filter(number__in=numbers, basis__in=RESIDENCE_BASES)
    fields = ("number", "basis", "basis_atu_code", "basis_street", "basis_house")
    homes = {}
    for number, basis, atu_code, street, house in rows.values_list(*fields):
        home = home_of(basis=basis, atu_code=atu_code, street=street, house=house, registered=None)
        if home is not None:
            homes[number] = home
    return homes
