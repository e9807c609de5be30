"""The portal's forms: registration (R9.1) and login (R9.2)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

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
