"""The intake's input (R4, R1.2): whom to attach, who applies and on what authority, how
(at the desk with the identity document, by telephone with the caller's answers), why, and
what the attachment rests on. Every 400 of the intake comes from here or from the service."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from bekitu.core.vocabulary import ApplicantRole, Channel
from bekitu.service.requirements import PowerOfAttorney, parties_problems
from bekitu.service.telephone import IdentityAnswers, answers_missing
from bekitu.workstation.api.serializers import (
    BasisSerializer,
    IinField,
    OptionalIinField,
    PowerOfAttorneySerializer,
)
from bekitu.workstation.forms import APPLICANT_ROLES, CHANNELS, REASONS


class IdentityDocumentSerializer(serializers.Serializer):
    """What the recipient's presented identity document says (R4-1 compares it with the
    population register and names the fields that differ)."""

    number = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    surname = serializers.CharField(max_length=100)
    given_name = serializers.CharField(max_length=100)
    patronymic = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    birth_date = serializers.DateField()


class CallerAnswersSerializer(serializers.Serializer):
    """A telephone caller's answers to the identity questions the deployment asks
    (BEKITU_PHONE_IDENTITY_QUESTIONS: docs/settings.md); each is checked against the
    population register, and only whether it matched is recorded. Answers to questions not
    asked are not used."""

    birth_date = serializers.DateField(required=False, allow_null=True, default=None)
    patronymic = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    locality = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="The locality of the registered address.",
    )
    street = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="The street of the registered address.",
    )
    house = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    apartment = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        help_text="Empty when the caller says there is none.",
    )
    phone_number = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        help_text="The phone number the population register holds, as the caller says it.",
    )


class ApplicationCreateSerializer(serializers.Serializer):
    """Intake (R4, R1.2): the recipient, who applies and on what authority, how, why."""

    recipient_iin = IinField()
    channel = serializers.ChoiceField(choices=CHANNELS, default="desk")
    reason = serializers.ChoiceField(choices=REASONS, default="choice")
    applicant_role = serializers.ChoiceField(choices=APPLICANT_ROLES, default="self")
    applicant_iin = OptionalIinField()
    power_of_attorney = PowerOfAttorneySerializer(required=False, allow_null=True)
    identity_document = IdentityDocumentSerializer(
        required=False,
        allow_null=True,
        help_text="The recipient's identity document as presented; without it R4-1 compares "
        "nothing (its result says compared: false).",
    )
    district_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text="A district of the provider the applicant chose (and so its doctor); without "
        "it the rules choose. Another district of the provider the person is attached to is a "
        "change of district: a new attachment period with the same provider.",
    )
    basis = BasisSerializer(
        required=False,
        allow_null=True,
        help_text="What the attachment rests on: residence (registered, the default, or "
        "temporary), work or study in the provider's unit; actual residence only for a pregnant "
        "woman or a child under five.",
    )
    caller = CallerAnswersSerializer(
        required=False,
        allow_null=True,
        help_text="By telephone (required for channel phone, refused for the desk): the "
        "caller's answers to the identity questions; too few matching the population register "
        "is refused with code identity_not_confirmed.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # The service says what is missing, so the API, the pages and the services agree.
        role = attrs.get("applicant_role", ApplicantRole.SELF)
        problems = parties_problems(
            role=role,
            applicant_named=bool(attrs.get("applicant_iin")) and role != ApplicantRole.SELF,
            power_of_attorney=self.power_of_attorney_of(attrs),
        )
        errors: dict[str, Any] = {}
        for problem in problems:
            name = "power_of_attorney" if problem.field.startswith("poa_") else problem.field
            messages = errors.setdefault(name, [])
            if str(problem.message) not in messages:
                messages.append(str(problem.message))
        caller = self._caller_problems(attrs)
        if caller:
            errors["caller"] = caller
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def _caller_problems(self, attrs: dict[str, Any]) -> dict[str, list[str]] | list[str]:
        """What is wrong with the caller's answers: missing by telephone, any for the desk."""
        if attrs.get("channel", Channel.DESK) != Channel.PHONE:
            if attrs.get("caller"):
                return [str(_("Only a telephone application carries the caller's answers."))]
            return []
        if not attrs.get("caller"):
            return [str(_("Ask the caller the identity questions and enter each answer."))]
        missing = answers_missing(self.caller_of(attrs))
        return {name: [str(_("Ask the caller and enter the answer."))] for name in missing}

    @staticmethod
    def caller_of(attrs: dict[str, Any]) -> IdentityAnswers | None:
        """The caller's answers, by telephone; otherwise None."""
        caller = attrs.get("caller")
        if attrs.get("channel") != Channel.PHONE or not caller:
            return None
        return IdentityAnswers(**caller)

    @staticmethod
    def power_of_attorney_of(attrs: dict[str, Any]) -> PowerOfAttorney | None:
        """The power of attorney given, for a representative; otherwise None."""
        poa = attrs.get("power_of_attorney")
        if attrs.get("applicant_role") != ApplicantRole.REPRESENTATIVE or not poa:
            return None
        return PowerOfAttorney(poa["number"], poa["date"], poa.get("valid_until"))
