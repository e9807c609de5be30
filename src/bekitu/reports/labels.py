"""The register's and the service's vocabulary as the reports show it: the labels come from
where the codes are defined once (`core.vocabulary`, the register's district kinds), so a
report never spells a label of its own."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from bekitu.core.vocabulary import REFUSAL_REASONS, AttachmentEnd, AttachmentReason, Channel, Sex
from bekitu.registry.selectors import district_kinds

SEXES = (Sex.MALE.value, Sex.FEMALE.value)
GAIN_REASONS = tuple(AttachmentReason.values)
END_REASONS = tuple(AttachmentEnd.values)
CHANNELS = tuple(Channel.values)


def sex_label(code: str) -> str:
    return str(Sex(code).label)


def district_kind_codes() -> tuple[str, ...]:
    """The kinds of district (GP, therapist, paediatric), in the register's order."""
    return tuple(district_kinds())


def district_kind_label(code: str) -> str:
    return str(district_kinds().get(code, code))


def gain_reason_label(code: str) -> str:
    """Why an attachment began."""
    return str(AttachmentReason(code).label) if code in GAIN_REASONS else code


def end_reason_label(code: str) -> str:
    """Why an attachment ended without another following."""
    return str(AttachmentEnd(code).label) if code in END_REASONS else code


def channel_label(code: str) -> str:
    return str(Channel(code).label) if code in CHANNELS else code


def refusal_label(code: str) -> str:
    reason = REFUSAL_REASONS.get(code)
    return reason.label if reason is not None else code


NO_DISTRICT = _("no district")
NO_DOCTOR = _("no doctor")
