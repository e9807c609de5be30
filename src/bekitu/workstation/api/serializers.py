"""The API's shapes. Output is built from the same presenters as the pages; input is
validated here (every 400 of the API comes from these or from a domain error)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bekitu.core.vocabulary import AttachmentBasis
from bekitu.workstation.forms import clean_iin_value
from bekitu.workstation.presenters import DESK_REFUSALS


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable error code, e.g. person_not_found.")
    message = serializers.CharField(help_text="What went wrong, in the request's language.")
    # DRF's metaclass takes declared fields off the class, so these names do not shadow the
    # base attributes the stubs see (`fields`, `label`).
    fields = serializers.DictField(  # type: ignore[assignment]
        required=False, help_text="Per-field messages, for invalid input."
    )


IIN_SCHEMA = {
    "type": "string",
    "format": "iin",
    "pattern": "^[0-9]{12}$",
    "minLength": 12,
    "maxLength": 12,
}


@extend_schema_field(IIN_SCHEMA)
class IinField(serializers.CharField):
    """An IIN: twelve digits, no spaces, checked with its check digit; the error names what
    is wrong. The schema says as much, so a client (or a fuzzer) knows what is valid."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 12)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if value != "".join(value.split()):
            raise serializers.ValidationError(
                _("An IIN is twelve digits without spaces."), code="iin_format"
            )
        try:
            return clean_iin_value(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages, code=exc.code) from None


@extend_schema_field({**IIN_SCHEMA, "pattern": "^([0-9]{12})?$", "minLength": 0})
class OptionalIinField(IinField):
    """An IIN that may be left empty."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        super().__init__(**kwargs)


class IinQuerySerializer(serializers.Serializer):
    iin = IinField()


class PowerOfAttorneySerializer(serializers.Serializer):
    number = serializers.CharField(max_length=50)
    date = serializers.DateField()
    valid_until = serializers.DateField(
        required=False, allow_null=True, help_text="Empty when it names no term: one year."
    )


class BasisSerializer(serializers.Serializer):
    """What the attachment rests on and the address it rests on (its unit's KATO code and its
    text); the registered residence needs no address (the register's is used)."""

    kind = serializers.ChoiceField(
        choices=AttachmentBasis.choices, default=AttachmentBasis.REGISTERED_RESIDENCE
    )
    atu_code = serializers.RegexField(
        r"^[0-9]{9}$", required=False, allow_blank=True, default="", max_length=9
    )
    address = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    pregnant = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Stated by the applicant; the checklist then asks for the medical certificate.",
    )
    street = serializers.CharField(
        max_length=255,
        required=False,
        allow_blank=True,
        default="",
        help_text="The street as the register names it (Kazakh or Russian), with `house`: for "
        "temporary or actual residence, home visits follow this address (decision 0012).",
    )
    house = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    building = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
    apartment = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("kind") != AttachmentBasis.REGISTERED_RESIDENCE and not attrs.get("atu_code"):
            raise serializers.ValidationError(
                {
                    "atu_code": [
                        str(
                            _(
                                "State the address the basis rests on, "
                                "with the nine-digit code of its unit."
                            )
                        )
                    ]
                }
            )
        return attrs


class AcceptDocumentsSerializer(serializers.Serializer):
    """Action 1 (R5.1, R8.1): the kinds of document presented (codes of the checklist)."""

    documents = serializers.ListField(child=serializers.CharField(max_length=32), allow_empty=True)


class RefuseSerializer(serializers.Serializer):
    reason_code = serializers.ChoiceField(choices=DESK_REFUSALS)
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        trim_whitespace=False,
        help_text="The written justification, kept whole: required unless a check of this "
        "reason failed; a reason a passed check contradicts is refused.",
    )


class DistrictOverrideSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=2000,
        help_text="Why the head admits the chosen district above its normative size "
        "(recorded with who and when, audited).",
    )
    district_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Another district of the provider the head assigns instead of the one "
        "chosen at intake (or chosen by the rules); empty: the chosen district is admitted.",
    )


class PersonBriefSerializer(serializers.Serializer):
    iin = serializers.CharField()
    full_name = serializers.CharField()
    birth_date = serializers.DateField()


class TimeLeftSerializer(serializers.Serializer):
    minutes = serializers.IntegerField(help_text="Working minutes left (negative when late).")
    text = serializers.CharField()
    warning = serializers.ChoiceField(choices=["", "near", "past"])


class ChecklistItemSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    note = serializers.CharField()
    presented = serializers.BooleanField()


class CheckRowSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    passed = serializers.BooleanField()
    reason = serializers.CharField()
    code = serializers.CharField(help_text="The refusal code of a failure; empty otherwise.")
    pending = serializers.BooleanField(
        help_text="The check cannot have run yet: its input comes with a later action "
        "(the documents, before action 1)."
    )


class StepSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    label = serializers.CharField()  # type: ignore[assignment]
    who = serializers.CharField()
    breached = serializers.BooleanField()


class RefusalSerializer(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField()
    ground = serializers.CharField()
    check = serializers.CharField(
        allow_blank=True, help_text="The check whose failure grounds the refusal, if one did."
    )
    details = serializers.DictField(
        help_text="The failed check's details, e.g. mismatch: the fields that differ (R4-1)."
    )
    justification = serializers.CharField(
        allow_blank=True, help_text="The specialist's written justification, whole."
    )
    differing = serializers.ListField(
        child=serializers.CharField(), help_text="The fields that differ, named (R4-1)."
    )


class ApplicationSummarySerializer(serializers.Serializer):
    number = serializers.CharField()
    channel = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField()
    reason = serializers.CharField()
    provider_bin = serializers.CharField()
    recipient = PersonBriefSerializer()
    submitted_at = serializers.DateTimeField()
    deadline = serializers.DateTimeField()
    time_left = TimeLeftSerializer()
    pending_action = serializers.CharField(allow_blank=True)


@extend_schema_field(OpenApiTypes.BINARY)
class ScanFileField(serializers.FileField):
    """An uploaded file (binary in the schema, where a FileField otherwise shows a URI)."""


class ScanUploadSerializer(serializers.Serializer):
    """The scan of a document of the checklist (R8.1), sent as multipart/form-data."""

    kind = serializers.CharField(
        max_length=32, help_text="A code of the checklist, e.g. identity_document."
    )
    file = ScanFileField(
        allow_empty_file=True,
        help_text="PDF, JPEG or PNG (recognised by content, not by name), at most "
        "BEKITU_SCAN_MAX_BYTES; replaces an earlier scan of the kind.",
    )
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class ScanSerializer(serializers.Serializer):
    """An attached scan: what it is, its type and size, when and by whom, where to fetch it."""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    content_type = serializers.ChoiceField(choices=["application/pdf", "image/jpeg", "image/png"])
    size = serializers.IntegerField(help_text="Bytes.")
    note = serializers.CharField(allow_blank=True)
    attached_at = serializers.DateTimeField()
    attached_by = serializers.CharField(allow_blank=True, help_text="Who attached it (user name).")
    file = serializers.CharField(help_text="Address of the scan (download, audited).")


class ChosenDistrictSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    override = serializers.BooleanField(help_text="A head admitted it above its normative size.")
    override_by = serializers.CharField(allow_blank=True)
    override_at = serializers.DateTimeField(allow_null=True)
    override_reason = serializers.CharField(allow_blank=True)


class ApplicationSerializer(ApplicationSummarySerializer):
    applicant_role = serializers.CharField()
    applicant = PersonBriefSerializer(allow_null=True)
    power_of_attorney = PowerOfAttorneySerializer(allow_null=True)
    basis = BasisSerializer()
    action_due_at = serializers.DateTimeField(allow_null=True)
    allowed_actions = serializers.ListField(child=serializers.CharField())
    checklist = ChecklistItemSerializer(many=True)
    checks = CheckRowSerializer(many=True)
    steps = StepSerializer(many=True)
    talon_number = serializers.CharField(allow_blank=True)
    talon_signature_pending = serializers.BooleanField(
        help_text="The talon was issued unsigned while the provider's key was unavailable and "
        "awaits its e-signature; the printed talon is valid with a handwritten signature and "
        "stamp."
    )
    refusal = RefusalSerializer(allow_null=True)
    talon_pdf = serializers.CharField(allow_null=True, help_text="Address of the talon's PDF.")
    refusal_pdf = serializers.CharField(allow_null=True, help_text="Address of the refusal's PDF.")
    scans = ScanSerializer(many=True, help_text="Scans of the documents attached so far.")
    district = ChosenDistrictSerializer(
        allow_null=True, help_text="The district the applicant chose; null: the rules choose."
    )


class AddressSerializer(serializers.Serializer):
    locality = serializers.CharField()
    street = serializers.CharField()
    house = serializers.IntegerField()
    building = serializers.CharField(allow_blank=True)
    apartment = serializers.CharField(allow_blank=True)


class RegisterRecordSerializer(serializers.Serializer):
    """The population register's record of a person, for intake."""

    iin = serializers.CharField()
    surname = serializers.CharField()
    given_name = serializers.CharField()
    patronymic = serializers.CharField(allow_blank=True)
    birth_date = serializers.DateField()
    sex = serializers.CharField()
    status = serializers.CharField()
    insured = serializers.BooleanField()
    alive = serializers.BooleanField()
    address = AddressSerializer(allow_null=True)


class AttachmentSerializer(serializers.Serializer):
    provider_bin = serializers.CharField(source="provider.bin")
    provider_name = serializers.CharField(source="provider.name")
    district = serializers.IntegerField(source="district.number", allow_null=True, default=None)
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(allow_null=True)
    reason = serializers.CharField()
    end_reason = serializers.CharField(allow_blank=True)
    home_visits = serializers.BooleanField()
    application_number = serializers.CharField(allow_blank=True)


class PersonCardSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="person.pk")
    iin = serializers.CharField(source="person.iin")
    surname = serializers.CharField(source="person.surname")
    given_name = serializers.CharField(source="person.given_name")
    patronymic = serializers.CharField(source="person.patronymic")
    birth_date = serializers.DateField(source="person.birth_date")
    sex = serializers.CharField(source="person.sex")
    status = serializers.CharField(source="person.status")
    death_date = serializers.DateField(source="person.death_date", allow_null=True)
    current_attachment = AttachmentSerializer(source="current", allow_null=True)
    history = AttachmentSerializer(many=True)
    applications = serializers.SerializerMethodField()

    def get_applications(self, card: Any) -> list[str]:
        return [a.number for a in card.applications]


class PopulationEntrySerializer(serializers.Serializer):
    person_id = serializers.IntegerField()
    iin = serializers.CharField(source="person.iin")
    full_name = serializers.CharField(source="person.full_name")
    birth_date = serializers.DateField(source="person.birth_date")
    provider_bin = serializers.CharField(source="provider.bin")
    district = serializers.IntegerField(source="district.number", allow_null=True, default=None)
    valid_from = serializers.DateField()


class PopulationPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = PopulationEntrySerializer(many=True)
