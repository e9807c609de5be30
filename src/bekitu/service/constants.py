"""Refusal reasons with their legal grounds, and the texts a person reads.

The codes are stable (API, reports, the refusal document); the texts are English source
strings translated to Kazakh and Russian by the gettext catalogues.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from bekitu.service.statemachine import Action, Channel, State

__all__ = [
    "REFUSAL_REASONS",
    "Action",
    "Channel",
    "RefusalReason",
    "State",
    "legal_ground_texts",
    "refusal_reason",
    "refusal_texts",
]

# The grounds point to the regulation (akimat resolution No. 314 of 24.11.2015; its clauses
# carry our ids, R4-1, R9.7), the standard (Order No. 272 of 27.04.2015) and the attachment
# rules, the effective-dated policy of docs/policy.md. Each ground is one whole sentence to
# translate, since word order differs between the languages.


@dataclass(frozen=True)
class RefusalReason:
    code: str
    clause: str  # our clause id in the regulation, or "policy" for the attachment rules
    legal_ground: Promise
    text: Promise

    @property
    def label(self) -> str:
        return str(self.text)


def _reason(code: str, clause: str, ground: Promise, text: Promise) -> RefusalReason:
    return RefusalReason(code=code, clause=clause, legal_ground=ground, text=text)


_REASONS = (
    _reason(
        "unreliable_data",
        "R4-1",
        _("Regulation of the state service (akimat resolution No. 314 of 24.11.2015), clause 4-1"),
        _(
            "The documents submitted, or the data in them, do not match the state population "
            "register and are considered unreliable."
        ),
    ),
    _reason(
        "deceased",
        "policy",
        _(
            "Rules of attachment to PHC providers (the edition in force): only a living resident "
            "is attached"
        ),
        _("The population register records the person as deceased."),
    ),
    _reason(
        "not_eligible",
        "policy",
        _("Rules of attachment to PHC providers (the edition in force): who may be attached"),
        _(
            "The person's status does not give the right to attachment, or the person holds no "
            "compulsory social health insurance that the status requires."
        ),
    ),
    _reason(
        "no_authority",
        "R4",
        _(
            "Regulation of the state service (akimat resolution No. 314 of 24.11.2015), clause 4: "
            "a representative acts under a power of attorney"
        ),
        _(
            "The applicant has no authority to act for the person: a minor applies through a "
            "parent or guardian, anyone else through a valid power of attorney."
        ),
    ),
    _reason(
        "too_frequent",
        "policy",
        _(
            "Rules of attachment to PHC providers (the edition in force): how often a provider may"
            " be changed"
        ),
        _(
            "The person has already changed provider as often as the rules allow in the last "
            "twelve months. A change of residence or a closed provider lifts this limit."
        ),
    ),
    _reason(
        "outside_campaign",
        "policy",
        _("Rules of attachment to PHC providers (the edition in force): the attachment campaign"),
        _(
            "A voluntary change of provider is accepted only during the attachment campaign. "
            "A change of residence or a closed provider lifts this limit."
        ),
    ),
    _reason(
        "provider_not_available",
        "policy",
        _(
            "Rules of attachment to PHC providers (the edition in force): choice within the "
            "administrative-territorial unit"
        ),
        _(
            "The chosen provider is closed, has no district for the person, or lies outside "
            "the person's administrative-territorial unit."
        ),
    ),
    _reason(
        "already_attached",
        "policy",
        _("Rules of attachment to PHC providers (the edition in force): one provider at a time"),
        _("The person is already attached to the chosen provider."),
    ),
    _reason(
        "documents_incomplete",
        "R8.1",
        _(
            "Regulation of the state service (akimat resolution No. 314 of 24.11.2015), clauses 4 "
            "and 8.1; standard of the state service (Order No. 272 of 27.04.2015), paragraph 9"
        ),
        _("The documents listed in paragraph 9 of the standard were not all submitted."),
    ),
    _reason(
        "eds_not_confirmed",
        "R9.7",
        _(
            "Regulation of the state service (akimat resolution No. 314 of 24.11.2015), clause 9, "
            "condition 2 and process 4"
        ),
        _(
            "The electronic digital signature of the request could not be confirmed as "
            "authentic: the certificate is expired, revoked, or not the applicant's."
        ),
    ),
)

REFUSAL_REASONS: dict[str, RefusalReason] = {r.code: r for r in _REASONS}


def refusal_reason(code: str) -> RefusalReason:
    """The reason for a code; KeyError for an unknown one."""
    return REFUSAL_REASONS[code]


def refusal_texts(code: str) -> dict[str, str]:
    """The reason's text in Kazakh, Russian and English, for the refusal document."""
    return _in_each_language(refusal_reason(code).text)


def legal_ground_texts(code: str) -> dict[str, str]:
    """The reason's legal ground in Kazakh, Russian and English."""
    return _in_each_language(refusal_reason(code).legal_ground)


def _in_each_language(text: Promise) -> dict[str, str]:
    texts = {}
    for lang in ("kk", "ru", "en"):
        with override(lang):
            texts[lang] = str(text)
    return texts
