"""The service's own terms, each defined once with its label: the channels (R1.2), the states
and actions of an application (Appendix 2), who applies (R4), the checks of an application,
the refusal reasons with their legal grounds (R4-1, R9.7, R9.11), and the register's terms the
rules decide by (a person's sex and status, why an attachment starts and ends).

Every part imports them from here: the pure rules and the state machine, the models, the
printed documents, the pages, the API and the portal. The codes are stable (database, API,
reports); the labels are English source strings that the catalogues translate. This module
needs no database (Django's `TextChoices` is an enum with labels), so the pure rules may use it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = [
    "FIRST_ATTACHMENT_REASONS",
    "OPEN_STATES",
    "PROVIDER_CHANNELS",
    "REATTACHMENT_CHANNEL",
    "REFUSAL_REASONS",
    "TALON_CHANNELS",
    "TERMINAL_STATES",
    "Action",
    "ApplicantRole",
    "AttachmentBasis",
    "AttachmentEnd",
    "AttachmentReason",
    "Channel",
    "Check",
    "RefusalCode",
    "RefusalReason",
    "ResidentStatus",
    "Sex",
    "State",
    "legal_ground_texts",
    "refusal_reason",
    "refusal_texts",
]


class Sex(TextChoices):
    MALE = "male", _("male")
    FEMALE = "female", _("female")


class ResidentStatus(TextChoices):
    """A person's status in the population register; it decides the right to attachment."""

    CITIZEN = "citizen", _("citizen of Kazakhstan")
    KANDAS = "kandas", _("kandas")
    REFUGEE = "refugee", _("refugee")
    RESIDENCE_PERMIT = "residence_permit", _("holder of a residence permit")
    TEMPORARY = "temporary", _("temporary resident")


class AttachmentReason(TextChoices):
    """Why an attachment starts: the reason its application gives."""

    CHOICE = "choice", _("free choice of provider")
    CHANGE_OF_RESIDENCE = "change_of_residence", _("change of residence")
    PROVIDER_CLOSED = "provider_closed", _("provider closed or reorganised")
    NEWBORN = "newborn", _("newborn")
    INITIAL = "initial", _("initial registration")
    ARRIVAL = "arrival", _("arrival from abroad or another region, no attachment")


# Civil Code: a power of attorney that names no term is valid for one year from its date (the
# provider's authority check, and the portal's form before anything is signed).
POA_DEFAULT_TERM = dt.timedelta(days=365)

# The reasons of a first attachment: the person has none open. Never a change of provider, so
# never counted against the limit of changes nor held to the attachment campaign.
FIRST_ATTACHMENT_REASONS = frozenset(
    {AttachmentReason.NEWBORN, AttachmentReason.INITIAL, AttachmentReason.ARRIVAL}
)


class AttachmentBasis(TextChoices):
    """What an attachment rests on: the applicant's residence (registered or temporary), work
    or study in the administrative-territorial unit; where a pregnant woman or a child under
    five actually lives."""

    REGISTERED_RESIDENCE = "registered_residence", _("registered residence")
    TEMPORARY_RESIDENCE = "temporary_residence", _("temporary residence")
    WORK = "work", _("place of work")
    STUDY = "study", _("place of study")
    ACTUAL_RESIDENCE = "actual_residence", _("actual residence (pregnant woman, child under 5)")


class AttachmentEnd(TextChoices):
    """Why an attachment ends."""

    TRANSFER = "transfer", _("transferred to another attachment")
    DEATH = "death", _("death")
    LEFT_COUNTRY = "left_country", _("left the country")
    PROVIDER_CLOSED = "provider_closed", _("provider closed")


class Channel(TextChoices):
    """How an application reaches the provider (R1.2)."""

    DESK = "desk", _("in person at the provider")
    PHONE = "phone", _("by telephone")
    PORTAL = "portal", _("through the portal")


# The provider channel (R5, R8): what a desk records; the portal's requests come through the
# gateway (R9.8).
PROVIDER_CHANNELS = frozenset({Channel.DESK, Channel.PHONE})

# A talon no application asked for: the regional health department re-attached the person
# because their provider closed or their district's addresses were redrawn.
REATTACHMENT_CHANNEL = "region"
TALON_CHANNELS = [
    *Channel.choices,
    (REATTACHMENT_CHANNEL, _("re-attached by the regional health department")),
]


class State(TextChoices):
    """Where an application stands (Appendix 2)."""

    RECEIVED = "received", _("received")
    DOCUMENTS_ACCEPTED = "documents_accepted", _("documents accepted")
    SUBMITTED = "submitted", _("submitted through the portal")
    REGISTERED = "registered", _("registered at the provider")
    CHECKED = "checked", _("checked")
    TALON_ISSUED = "talon_issued", _("talon issued")
    REFUSED = "refused", _("refused")


TERMINAL_STATES = frozenset({State.TALON_ISSUED, State.REFUSED})
OPEN_STATES = tuple(s for s in State if s not in TERMINAL_STATES)


class Action(TextChoices):
    """A step of the procedure, as the application's history names it."""

    RECEIVE = "receive", _("application received")  # a desk or telephone application
    ACCEPT_DOCUMENTS = "accept_documents", _("action 1: accept the documents")  # R5.1, R8.1
    ISSUE_TALON = "issue_talon", _("action 2: issue the talon")  # R5.2, R8.2; process 8, R9.12
    REFUSE = "refuse", _("refusal")  # R4-1; process 7 (R9.11); process 4 (R9.7)
    SUBMIT = "submit", _("request submitted through the portal")  # process 5, R9.8
    REGISTER = "register", _("registered at the provider")  # process 6, R9.9
    CHECK = "check", _("checked")  # condition 3, R9.10


class ApplicantRole(TextChoices):
    """Who applies for the recipient (R4)."""

    SELF = "self", _("the recipient in person")
    PARENT = "parent", _("parent of a minor")
    GUARDIAN = "guardian", _("guardian")
    REPRESENTATIVE = "representative", _("representative under a power of attorney")


class Check(TextChoices):
    """The checks of an application (action 1; condition 3, R9.10), in the order they run."""

    DATA_RELIABLE = "data_reliable", _("Data match the population register (R4-1)")
    ALIVE = "alive", _("The person is alive")
    ELIGIBLE = "eligible", _("Status gives the right to attachment")
    AUTHORITY = "authority", _("The applicant may act for the person")
    DOCUMENTS = "documents", _("All documents presented (R8.1)")
    PROVIDER_AVAILABLE = "provider_available", _("The provider is open and in the person's unit")
    DISTRICT = "district", _("A district of the right kind")
    NOT_ALREADY_ATTACHED = "not_already_attached", _("Not already attached to this provider")
    FREQUENCY = "frequency", _("Within the limit of changes of provider")
    CAMPAIGN = "campaign", _("Within the attachment campaign")


class RefusalCode(TextChoices):
    """Why the service is refused, with the text a person reads (its legal ground is in
    REFUSAL_REASONS)."""

    UNRELIABLE_DATA = (
        "unreliable_data",
        _(
            "The documents submitted, or the data in them, do not match the state population "
            "register and are considered unreliable."
        ),
    )
    DECEASED = "deceased", _("The population register records the person as deceased.")
    NOT_ELIGIBLE = (
        "not_eligible",
        _(
            "The person's status does not give the right to attachment, or the person holds no "
            "compulsory social health insurance that the status requires."
        ),
    )
    NO_AUTHORITY = (
        "no_authority",
        _(
            "The applicant has no authority to act for the person: a minor applies through a "
            "parent or guardian, anyone else through a valid power of attorney."
        ),
    )
    TOO_FREQUENT = (
        "too_frequent",
        _(
            "The person has already changed provider as often as the rules allow in the last "
            "twelve months. A change of residence or a closed provider lifts this limit."
        ),
    )
    OUTSIDE_CAMPAIGN = (
        "outside_campaign",
        _(
            "A voluntary change of provider is accepted only during the attachment campaign. "
            "A change of residence or a closed provider lifts this limit."
        ),
    )
    PROVIDER_NOT_AVAILABLE = (
        "provider_not_available",
        _(
            "The chosen provider is closed, has no district for the person, or lies outside "
            "the person's administrative-territorial unit."
        ),
    )
    ALREADY_ATTACHED = (
        "already_attached",
        _("The person is already attached to the chosen provider."),
    )
    DOCUMENTS_INCOMPLETE = (
        "documents_incomplete",
        _("The documents listed in paragraph 9 of the standard were not all submitted."),
    )
    EDS_NOT_CONFIRMED = (
        "eds_not_confirmed",
        _(
            "The electronic digital signature of the request could not be confirmed as "
            "authentic: the certificate is expired, revoked, or not the applicant's."
        ),
    )


@dataclass(frozen=True)
class RefusalReason:
    """A refusal reason: its code, our clause id in the regulation ("policy" for the
    attachment rules, cited per edition by `service.grounds`; "representation" for the law of
    representatives), its legal ground and the text a person reads."""

    code: str
    clause: str
    legal_ground: StrOrPromise
    text: StrOrPromise

    @property
    def label(self) -> str:
        return str(self.text)


# The grounds point to the regulation (akimat resolution No. 314 of 24.11.2015; its clauses
# carry our ids, R4-1, R9.7), the standard (Order No. 272 of 27.04.2015) and the attachment
# rules, the effective-dated policy of docs/policy.md. Each ground is one whole sentence to
# translate, since word order differs between the languages.
_GROUNDS: dict[RefusalCode, tuple[str, StrOrPromise]] = {
    RefusalCode.UNRELIABLE_DATA: (
        "R4-1",
        _("Regulation of the state service (akimat resolution No. 314 of 24.11.2015), clause 4-1"),
    ),
    RefusalCode.DECEASED: (
        "policy",
        _(
            "Rules of attachment to PHC providers (the edition in force): only a living resident "
            "is attached"
        ),
    ),
    RefusalCode.NOT_ELIGIBLE: (
        "policy",
        _("Rules of attachment to PHC providers (the edition in force): who may be attached"),
    ),
    # Who may act for whom is the law of representation, not the regulation's grounds to start.
    RefusalCode.NO_AUTHORITY: (
        "representation",
        _(
            "Civil Code of the Republic of Kazakhstan (General Part) of 27 December 1994 "
            "No. 268-XIII, article 168 (the term of a power of attorney), and the Code of the "
            'Republic of Kazakhstan "On Marriage (Matrimony) and Family" of 26 December 2011 '
            "No. 518-IV (parents and guardians as legal representatives): who may act for the "
            "person"
        ),
    ),
    RefusalCode.TOO_FREQUENT: (
        "policy",
        _(
            "Rules of attachment to PHC providers (the edition in force): how often a provider may"
            " be changed"
        ),
    ),
    RefusalCode.OUTSIDE_CAMPAIGN: (
        "policy",
        _("Rules of attachment to PHC providers (the edition in force): the attachment campaign"),
    ),
    RefusalCode.PROVIDER_NOT_AVAILABLE: (
        "policy",
        _(
            "Rules of attachment to PHC providers (the edition in force): choice within the "
            "administrative-territorial unit"
        ),
    ),
    RefusalCode.ALREADY_ATTACHED: (
        "policy",
        _("Rules of attachment to PHC providers (the edition in force): one provider at a time"),
    ),
    RefusalCode.DOCUMENTS_INCOMPLETE: (
        "R8.1",
        _(
            "Regulation of the state service (akimat resolution No. 314 of 24.11.2015), clauses 4 "
            "and 8.1; standard of the state service (Order No. 272 of 27.04.2015), paragraph 9"
        ),
    ),
    RefusalCode.EDS_NOT_CONFIRMED: (
        "R9.7",
        _(
            "Regulation of the state service (akimat resolution No. 314 of 24.11.2015), clause 9, "
            "condition 2 and process 4"
        ),
    ),
}

REFUSAL_REASONS: dict[str, RefusalReason] = {
    code.value: RefusalReason(code=code.value, clause=clause, legal_ground=ground, text=code.label)
    for code, (clause, ground) in _GROUNDS.items()
}


def refusal_reason(code: str) -> RefusalReason:
    """The reason for a code; KeyError for an unknown one."""
    return REFUSAL_REASONS[code]


def refusal_texts(code: str) -> dict[str, str]:
    """The reason's text in Kazakh, Russian and English, for the refusal document."""
    return _in_each_language(refusal_reason(code).text)


def legal_ground_texts(code: str) -> dict[str, str]:
    """The reason's legal ground in Kazakh, Russian and English."""
    return _in_each_language(refusal_reason(code).legal_ground)


def _in_each_language(text: StrOrPromise) -> dict[str, str]:
    texts = {}
    for lang in ("kk", "ru", "en"):
        with override(lang):
            texts[lang] = str(text)
    return texts
