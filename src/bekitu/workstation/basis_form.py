"""The intake form's part that states what the attachment rests on (decision 0011) and the
address it rests on: the unit's KATO code, the text, and for a place of residence the street
and house the service areas are matched against (decision 0012)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bekitu.core.vocabulary import AttachmentBasis
from bekitu.service.basis import KATO_LENGTH, PART_LENGTH, STREET_LENGTH, Basis

# The id of the list of the unit's streets the street field offers (the page renders it).
STREETS_LIST = "basis-streets"


class BasisForm(forms.Form):
    """What the attachment rests on (residence, temporary residence, work, study; where a
    pregnant woman or a child under five actually lives) and the address it rests on."""

    basis = forms.ChoiceField(
        label=_("Basis of attachment"),
        choices=AttachmentBasis.choices,
        initial=AttachmentBasis.REGISTERED_RESIDENCE,
        # Empty is the registered residence, as before the basis was asked.
        required=False,
    )
    basis_atu_code = forms.CharField(
        label=_("Address of the basis: KATO code of the unit"),
        max_length=KATO_LENGTH,
        required=False,
        help_text=_("Nine digits. Not needed for the registered residence."),
    )
    basis_street = forms.CharField(
        label=_("Street"),
        max_length=STREET_LENGTH,
        required=False,
        help_text=_(
            "As the register names it (the list offers the unit's streets). Where the person "
            "lives temporarily or actually, home visits follow this street and house."
        ),
        widget=forms.TextInput(attrs={"list": STREETS_LIST, "autocomplete": "off"}),
    )
    basis_house = forms.IntegerField(label=_("House number"), min_value=1, required=False)
    basis_building = forms.CharField(label=_("Building"), max_length=PART_LENGTH, required=False)
    basis_apartment = forms.CharField(label=_("Apartment"), max_length=PART_LENGTH, required=False)
    basis_address = forms.CharField(
        label=_("Address of the basis"),
        max_length=255,
        required=False,
        help_text=_("Leave empty when the street and house are given."),
    )
    pregnant = forms.BooleanField(label=_("The recipient is pregnant"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("basis") in (None, "", AttachmentBasis.REGISTERED_RESIDENCE):
            return data
        code = (data.get("basis_atu_code") or "").strip()
        if not (code.isdigit() and len(code) == KATO_LENGTH):
            self.add_error(
                "basis_atu_code",
                _("State the address the basis rests on, with the nine-digit code of its unit."),
            )
        street, house = (data.get("basis_street") or "").strip(), data.get("basis_house")
        if street and house is None and "basis_house" not in self.errors:
            self.add_error("basis_house", _("Enter the house number on this street."))
        if house is not None and not street:
            self.add_error("basis_street", _("Enter the street of this house."))
        if not (data.get("basis_address") or "").strip() and not street:
            self.add_error("basis_address", _("Enter the address the basis rests on."))
        return data

    def basis_stated(self) -> Basis:
        """What the attachment rests on, as the applicant states it."""
        data = self.cleaned_data
        kind = data.get("basis") or AttachmentBasis.REGISTERED_RESIDENCE
        if kind == AttachmentBasis.REGISTERED_RESIDENCE:
            return Basis(pregnant=bool(data.get("pregnant")))
        return Basis(
            kind=kind,
            atu_code=data.get("basis_atu_code") or "",
            address=data.get("basis_address") or "",
            pregnant=bool(data.get("pregnant")),
            street=data.get("basis_street") or "",
            house=data.get("basis_house"),
            building=data.get("basis_building") or "",
            apartment=data.get("basis_apartment") or "",
        )
