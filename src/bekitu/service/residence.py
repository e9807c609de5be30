"""Where the person lives, for home visits and the district proposal (decision 0012).

Temporary residence, and the actual residence of a pregnant woman or a child under five, are
places where the person lives: home visits and the district follow the basis's address. Any
other basis (the registered residence, work, study) leaves the registered address. This one
function decides it for the desk's intake and its outlook, the provider's side of the portal,
the portal's list of providers and the re-attachment; the talon prints what was decided.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bekitu.registry import selectors as registry
from bekitu.service.models import Application
from bekitu.service.rules import RESIDENCE_BASES, lives_at_basis

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from bekitu.registry.models import Address, District, Provider


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
