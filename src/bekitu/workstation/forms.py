"""Forms of the workstation: each validates its input and says what is wrong in the user's
language (every 4xx of a page comes from here)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.datastructures import MultiValueDict
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from bekitu.core.iin import validate_iin
from bekitu.core.vocabulary import (
    PROVIDER_CHANNELS,
    ApplicantRole,
    AttachmentBasis,
    AttachmentReason,
    Channel,
)
from bekitu.service import telephone
from bekitu.service.requirements import (
    KATO_LENGTH,
    PART_LENGTH,
    STREET_LENGTH,
    Basis,
    PowerOfAttorney,
    parties_problems,
)
from bekitu.service.services import Declared
from bekitu.service.telephone import MAY_BE_EMPTY, IdentityAnswers

IIN_REASONS = {
    "length": _("An IIN has exactly 12 digits."),
    "not_digits": _("An IIN consists of digits only."),
    "checksum": _("The check digit of this IIN is wrong: check the number for a typing error."),
    "unusable": _("This number cannot be an IIN: no check digit exists for it."),
}

APPLICANT_ROLES = ApplicantRole.choices
# What the file chooser offers; the service decides by the file's content (R8.1).
SCAN_ACCEPT = ".pdf,.jpg,.jpeg,.png"
# A desk records the provider channel; the portal's requests come through the gateway.
CHANNELS = [(c.value, c.label) for c in Channel if c in PROVIDER_CHANNELS]
# Initial registration is the register's own reason (a first load), not one a person gives.
REASONS = [(r.value, r.label) for r in AttachmentReason if r != AttachmentReason.INITIAL]


def clean_iin_value(value: str) -> str:
    """The IIN without spaces, or a ValidationError that names what is wrong with it."""
    iin = "".join(value.split())
    check = validate_iin(iin)
    if not check.valid:
        raise forms.ValidationError(IIN_REASONS[str(check.reason)], code=str(check.reason))
    return iin


class IinField(forms.CharField):
    """A 12-digit IIN, checked with its check digit."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("label", _("IIN"))
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        return clean_iin_value(value) if value else value


class DayField(forms.DateField):
    """A date typed as day.month.year in one text field. A browser's date input costs a
    keyboard user a Tab stop for each part and one for its calendar button; this one costs
    one, and says the format it wants in its help text (read out with the field)."""

    FORMAT = "%d.%m.%Y"
    HINT = _("day.month.year, e.g. 25.03.2026")

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", [self.FORMAT, "%Y-%m-%d"])
        kwargs.setdefault("help_text", self.HINT)
        kwargs.setdefault(
            "widget",
            forms.DateInput(
                format=self.FORMAT,
                attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": 10},
            ),
        )
        kwargs.setdefault(
            "error_messages", {"invalid": _("Enter the date as day.month.year, e.g. 25.03.2026.")}
        )
        super().__init__(**kwargs)


class IinLookupForm(forms.Form):
    """Intake, step 1: the recipient's IIN."""

    iin = IinField(
        label=_("IIN of the person to attach"), widget=forms.TextInput({"autofocus": True})
    )


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


class IntakeForm(BasisForm):
    """Intake, step 2: who applies, on what authority, how, and why (R4, R1.2)."""

    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=CHANNELS,
        initial="desk",
        # The page's first field has the focus on arrival.
        widget=forms.RadioSelect({"autofocus": True}),
    )
    reason = forms.ChoiceField(label=_("Reason"), choices=REASONS, initial="choice")
    # The district (and so its doctor) the person chose within the provider; another district
    # of the provider they are attached to is a change of district.
    district = forms.TypedChoiceField(
        label=_("District and doctor"),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("Leave the rules' choice to attach to the least loaded district."),
    )
    # What the presented identity document says (R4-1 compares it with the register). At the
    # desk it is required; by telephone no paper is asked for (the caller's identity is
    # confirmed by questions instead).
    doc_number = forms.CharField(
        label=_("Identity document: number"), max_length=40, required=False
    )
    doc_surname = forms.CharField(
        label=_("Surname in the document"), max_length=100, required=False
    )
    doc_given_name = forms.CharField(
        label=_("Given name in the document"), max_length=100, required=False
    )
    doc_patronymic = forms.CharField(
        label=_("Patronymic in the document"),
        max_length=100,
        required=False,
        help_text=_("Leave empty when the document gives none."),
    )
    doc_birth_date = DayField(label=_("Birth date in the document"), required=False)
    # By telephone: the caller's answers to the questions that confirm who they are; each is
    # checked against the register, and only whether it matched is recorded.
    phone_birth_date = DayField(label=_("The caller says the birth date is"), required=False)
    phone_street = forms.CharField(
        label=_("The caller says the registered address's street is"),
        max_length=100,
        required=False,
    )
    phone_house = forms.CharField(
        label=_("The caller says the house number is"), max_length=20, required=False
    )
    phone_apartment = forms.CharField(
        label=_("The caller says the apartment is"),
        max_length=20,
        required=False,
        help_text=_("Leave empty when the caller says there is none."),
    )
    phone_locality = forms.CharField(
        label=_("The caller says the registered address's locality is"),
        max_length=100,
        required=False,
    )
    phone_patronymic = forms.CharField(
        label=_("The caller says the patronymic is"), max_length=100, required=False
    )
    phone_phone_number = forms.CharField(
        label=_("The caller says the phone number in the register is"),
        max_length=20,
        required=False,
    )
    applicant_role = forms.ChoiceField(
        label=_("Who applies"), choices=APPLICANT_ROLES, initial="self", widget=forms.RadioSelect
    )
    applicant_iin = IinField(label=_("IIN of the applicant"), required=False)
    poa_number = forms.CharField(
        label=_("Power of attorney: number"), max_length=50, required=False
    )
    poa_date = DayField(label=_("Power of attorney: date"), required=False)
    poa_valid_until = DayField(
        label=_("Power of attorney: valid until"),
        help_text=format_lazy(
            "{}. {}",
            DayField.HINT,
            _("Leave empty when it names no term: it is then valid for one year."),
        ),
        required=False,
    )

    def __init__(self, *args: Any, districts: list[tuple[int, str]] | None = None, **kw: Any):
        super().__init__(*args, **kw)
        field = self.fields["district"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("The rules choose")), *(districts or [])]
        # Only the questions the deployment asks are on the form, in the order the setting
        # names them, with how many answers must match: both as the telephone channel reads
        # them, whose intake checks the answers (`caller_identity_check`).
        asked = [f"phone_{name}" for name in telephone.asked()]
        for name in [n for n in self.fields if n.startswith("phone_") and n not in asked]:
            del self.fields[name]
        self.phone_fields = [name for name in asked if name in self.fields]
        self.phone_required = telephone.required()

    DOCUMENT_FIELDS = ("doc_number", "doc_surname", "doc_given_name", "doc_birth_date")
    # The caller's answers may be empty only for these questions (no apartment: a house).
    PHONE_MAY_BE_EMPTY = tuple(f"phone_{name}" for name in MAY_BE_EMPTY)

    def caller_questions(self) -> list[forms.BoundField]:
        """The fields of the questions asked, for the page."""
        return [self[name] for name in self.phone_fields]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("channel") == Channel.DESK:
            for name in self.DOCUMENT_FIELDS:
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("Enter what the presented identity document says here."))
        if data.get("channel") == Channel.PHONE:
            for name in self.phone_fields:
                if name in self.PHONE_MAY_BE_EMPTY:
                    continue
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("Ask the caller and enter the answer."))
        role = data.get("applicant_role")
        if role is None:
            return data
        # The service says what is missing, so the page, the API and the services agree.
        named = bool(data.get("applicant_iin")) or "applicant_iin" in self.errors
        problems = parties_problems(
            role=role,
            applicant_named=named and role != ApplicantRole.SELF,
            power_of_attorney=self._power_of_attorney(data),
        )
        for problem in problems:
            if problem.field not in self.errors:
                self.add_error(problem.field, problem.message)
        return data

    @staticmethod
    def _power_of_attorney(data: dict[str, Any]) -> PowerOfAttorney | None:
        if data.get("applicant_role") != ApplicantRole.REPRESENTATIVE:
            return None
        return PowerOfAttorney(
            number=data.get("poa_number") or "",
            date=data.get("poa_date"),
            valid_until=data.get("poa_valid_until"),
        )

    def declared(self) -> Declared | None:
        """What the identity document says, when it was entered (at the desk, always)."""
        data = self.cleaned_data
        if not all(data.get(name) for name in self.DOCUMENT_FIELDS):
            return None
        return Declared(
            surname=data["doc_surname"],
            given_name=data["doc_given_name"],
            patronymic=data.get("doc_patronymic") or "",
            birth_date=data["doc_birth_date"],
            document_number=data["doc_number"],
        )

    def caller_answers(self) -> IdentityAnswers | None:
        """The caller's answers to the identity questions, by telephone; None otherwise."""
        data = self.cleaned_data
        if data.get("channel") != Channel.PHONE:
            return None
        return IdentityAnswers(
            birth_date=data.get("phone_birth_date"),
            street=data.get("phone_street") or "",
            house=data.get("phone_house") or "",
            patronymic=data.get("phone_patronymic") or "",
            locality=data.get("phone_locality") or "",
            apartment=data.get("phone_apartment") or "",
            phone_number=data.get("phone_phone_number") or "",
        )

    def power_of_attorney(self) -> PowerOfAttorney | None:
        """The power of attorney entered, for a representative; otherwise None."""
        return self._power_of_attorney(self.cleaned_data)


class AcceptDocumentsForm(forms.Form):
    """Action 1 (R5.1, R8.1): tick the documents presented against the checklist."""

    documents = forms.MultipleChoiceField(
        label=_("Documents presented"), widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args: Any, checklist: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        documents = self.fields["documents"]
        assert isinstance(documents, forms.MultipleChoiceField)
        documents.choices = checklist


class ScanForm(forms.Form):
    """A scan of one document of the checklist (R8.1). Its type and size are the service's
    to check (by content, not by name), so the pages and the API refuse the same files."""

    kind = forms.CharField(max_length=32, widget=forms.HiddenInput)
    file = forms.FileField(
        label=_("Scan"),
        allow_empty_file=True,
        error_messages={"required": _("Choose the file of the scan.")},
        widget=forms.FileInput(attrs={"accept": SCAN_ACCEPT}),
    )
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    @classmethod
    def for_kind(cls, data: Any, files: Any) -> ScanForm:
        """The form from a post of the application's page, where each document's row has its
        own file and note fields (`file-<kind>`, `note-<kind>`) and the button names the kind;
        a post with plain `file` and `note` fields is read as it is."""
        kind = data.get("kind", "")
        if f"file-{kind}" not in files and f"note-{kind}" not in data:
            return cls(data, files)
        plain = {"kind": kind, "note": data.get(f"note-{kind}", "")}
        upload: MultiValueDict[str, Any] = MultiValueDict()
        if f"file-{kind}" in files:
            upload["file"] = files[f"file-{kind}"]
        return cls(plain, upload)


class RefuseForm(forms.Form):
    """A refusal with its reason code (R4-1) and an optional comment."""

    reason_code = forms.ChoiceField(label=_("Reason for the refusal"))
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea({"rows": 2})
    )

    def __init__(self, *args: Any, reasons: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        reason_code = self.fields["reason_code"]
        assert isinstance(reason_code, forms.ChoiceField)
        reason_code.choices = [("", "—"), *reasons]


class DistrictOverrideForm(forms.Form):
    """The head admits a district above its normative size (the one chosen, or another of the
    provider's districts), with a written reason (decision 10)."""

    district = forms.TypedChoiceField(label=_("District and doctor"), coerce=int)
    reason = forms.CharField(
        label=_("Why the district is admitted above its size"),
        max_length=2000,
        widget=forms.Textarea({"rows": 3}),
        error_messages={"required": _("Say why the district is admitted above its size.")},
    )

    def __init__(self, *args: Any, districts: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        district = self.fields["district"]
        assert isinstance(district, forms.TypedChoiceField)
        district.choices = districts
