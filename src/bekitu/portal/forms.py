"""The portal's forms: registration (R9.1) and login (R9.2)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bekitu.core.iin import is_valid_iin
from bekitu.core.vocabulary import AttachmentBasis
from bekitu.portal.dependants import GUARDIAN, PARENT, Dependant
from bekitu.portal.models import Challenge

IIN_HELP = _("12 digits, as in your identity card.")


def _iin_field() -> forms.CharField:
    return forms.CharField(
        label=_("IIN"),
        max_length=12,
        min_length=12,
        help_text=IIN_HELP,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "username", "pattern": "[0-9]{12}"}
        ),
    )


class RegisterStartForm(forms.Form):
    iin = _iin_field()
    way = forms.ChoiceField(
        label=_("How to prove who you are"),
        choices=[
            (Challenge.Way.EDS, _("Sign with my EDS authentication key (NCALayer)")),
            (Challenge.Way.SMS, _("A one-time code to my phone number in the population register")),
        ],
        initial=Challenge.Way.EDS,
        widget=forms.RadioSelect,
    )


class RegisterFinishForm(forms.Form):
    iin = forms.CharField(widget=forms.HiddenInput)
    way = forms.CharField(widget=forms.HiddenInput)
    challenge_id = forms.CharField(widget=forms.HiddenInput)
    signed_xml = forms.CharField(widget=forms.HiddenInput, required=False, strip=False)
    code = forms.CharField(
        label=_("Code from the SMS"),
        required=False,
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class LoginForm(forms.Form):
    iin = _iin_field()
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class EdsLoginStartForm(forms.Form):
    iin = _iin_field()


class EdsLoginFinishForm(forms.Form):
    iin = forms.CharField(widget=forms.HiddenInput)
    challenge_id = forms.CharField(widget=forms.HiddenInput)
    signed_xml = forms.CharField(widget=forms.HiddenInput, strip=False)


ROLE_CHOICES = [
    ("self", _("myself")),
    ("parent", _("my child under 18")),
    ("guardian", _("my ward")),
    ("representative", _("a person who gave me a power of attorney")),
]


class WhoForm(forms.Form):
    """Step 1 of the request: for whom (a child or ward picked from the population
    register's list, an IIN only under a power of attorney), and which provider to look
    for. `cleaned_data["recipient"]` is the recipient's IIN ("" for oneself)."""

    applicant_role = forms.ChoiceField(
        label=_("For whom"), choices=ROLE_CHOICES, initial="self", widget=forms.RadioSelect
    )
    dependant = forms.ChoiceField(
        label=_("Your child under 18 or your ward, as the population register records them"),
        required=False,
        widget=forms.RadioSelect,
    )
    recipient_iin = forms.CharField(
        label=_("IIN of the person who gave you the power of attorney"),
        required=False,
        max_length=12,
        help_text=_("Only when you apply under a power of attorney."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "pattern": "[0-9]{12}"}),
    )
    q = forms.CharField(
        label=_("Provider: name, locality or address"),
        required=False,
        max_length=100,
        help_text=_("Leave empty to see every provider."),
    )
    # What the attachment rests on decides the document to attach, so it is asked here.
    basis = forms.ChoiceField(
        label=_("What the attachment rests on"),
        choices=AttachmentBasis.choices,
        initial=AttachmentBasis.REGISTERED_RESIDENCE,
        required=False,
        help_text=_(
            "Your registered residence, or a temporary residence, work or study in the "
            "provider's district or city; where a pregnant woman or a child under five "
            "actually lives."
        ),
    )
    pregnant = forms.BooleanField(
        label=_("The person is pregnant"),
        required=False,
        help_text=_("You will attach the medical certificate of pregnancy."),
    )

    def __init__(self, *args: object, dependants: list[Dependant], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.dependants = dependants
        choices: dict[str, str] = {}
        for d in dependants:
            text = (
                _("%(name)s, born %(date)s (your child)")
                if d.relation == PARENT
                else _("%(name)s, born %(date)s (your ward)")
            )
            choices.setdefault(d.iin, text % {"name": d.name, "date": f"{d.birth_date:%d.%m.%Y}"})
        self.fields["dependant"].choices = list(choices.items())  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        role, data["recipient"] = data.get("applicant_role"), ""
        if role in (PARENT, GUARDIAN):
            mine = {d.iin for d in self.dependants if d.relation == role}
            if not mine:
                self.add_error("dependant", NONE_RECORDED[role])
            elif data.get("dependant") not in mine:
                self.add_error("dependant", CHOOSE[role])
            else:
                data["recipient"] = data["dependant"]
        elif role == "representative":
            iin = (data.get("recipient_iin") or "").strip()
            if not is_valid_iin(iin):
                self.add_error("recipient_iin", _("Enter the IIN of the person you apply for."))
            data["recipient"] = iin
        return data


NONE_RECORDED = {
    PARENT: _("The population register records no child under 18 of yours."),
    GUARDIAN: _("The population register records no ward of yours."),
}
CHOOSE = {
    PARENT: _("Choose your child from the list."),
    GUARDIAN: _("Choose your ward from the list."),
}


class RequestForm(forms.Form):
    """Step 2: the provider, the reason, contacts, the power of attorney, the e-copies (their
    file fields are added per the checklist)."""

    provider_bin = forms.ChoiceField(label=_("Provider"), widget=forms.RadioSelect)
    reason = forms.ChoiceField(label=_("Reason"))
    phone = forms.CharField(
        label=_("Phone"), max_length=30, widget=forms.TextInput(attrs={"autocomplete": "tel"})
    )
    email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    poa_number = forms.CharField(
        label=_("Power of attorney: number"), required=False, max_length=100
    )
    poa_issued_on = forms.DateField(
        label=_("Power of attorney: issued on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    poa_valid_until = forms.DateField(
        label=_("Power of attorney: valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    poa_issued_by = forms.CharField(
        label=_("Power of attorney: issued by (notary)"), required=False, max_length=300
    )
    # The address the basis rests on (asked unless it is the registered residence); the
    # request's check says what is missing, as the API's does.
    basis_atu_code = forms.ChoiceField(label=_("District or city of the address"), required=False)
    basis_address = forms.CharField(
        label=_("Address the attachment rests on"),
        required=False,
        max_length=255,
        help_text=_("Street, house and flat of the residence, or of the place of work or study."),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    # The same address in parts, which the provider matches against the streets and houses
    # its districts serve: where one lives temporarily or actually, home visits follow them.
    basis_street = forms.CharField(
        label=_("Street"),
        required=False,
        max_length=255,
        help_text=_(
            "Where you live temporarily or actually: the street and house bring home visits "
            "from the provider whose area they are in."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    basis_house = forms.IntegerField(label=_("House number"), required=False, min_value=1)
    basis_building = forms.CharField(label=_("Building"), required=False, max_length=10)
    basis_apartment = forms.CharField(label=_("Apartment"), required=False, max_length=10)

    BASIS_ADDRESS_FIELDS = (
        "basis_atu_code",
        "basis_address",
        "basis_street",
        "basis_house",
        "basis_building",
        "basis_apartment",
    )

    def __init__(
        self,
        *args: object,
        providers: list[tuple[str, str]],
        reasons: list[tuple[str, str]],
        documents: list[tuple[str, str, str]],
        representative: bool,
        units: list[tuple[str, str]] | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if units is None:  # the registered residence: the register's address
            for name in self.BASIS_ADDRESS_FIELDS:
                del self.fields[name]
        else:
            self.fields["basis_atu_code"].choices = [("", "—"), *units]  # type: ignore[attr-defined]
        self.fields["provider_bin"].choices = providers  # type: ignore[attr-defined]
        self.fields["reason"].choices = [("", "—"), *reasons]  # type: ignore[attr-defined]
        if not representative:
            for name in ("poa_number", "poa_issued_on", "poa_valid_until", "poa_issued_by"):
                del self.fields[name]
        for code, title, why in documents:
            self.fields[f"copy_{code}"] = forms.FileField(
                label=title,
                help_text=_("PDF, JPEG or PNG; %(why)s") % {"why": why},
                required=True,
                widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
            )

    def copy_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("copy_")]


class SignForm(forms.Form):
    signed_xml = forms.CharField(widget=forms.HiddenInput, strip=False)
