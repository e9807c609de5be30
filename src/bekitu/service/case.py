"""The facts of one application's case, as the checks (`service.rules`) read them: plain
dataclasses the service layer builds from the register (`service.facts`). No Django here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from bekitu.core.vocabulary import AttachmentBasis

# Reasons that lift the frequency limit and the campaign window: a closed provider always, a
# change of residence only with evidence (`Case.residence_evidence`).
LIFTING_REASONS = frozenset({"change_of_residence", "provider_closed"})


@dataclass(frozen=True)
class PersonFacts:
    iin: str
    surname: str
    given_name: str
    patronymic: str
    birth_date: dt.date
    status: str = "citizen"
    insured: bool = True
    death_date: dt.date | None = None
    emigrated_on: dt.date | None = None
    atu_code: str | None = None  # of the registered address; None when there is none
    # True when the names and birth date above are what a presented identity document says;
    # False when the channel stated none and they are the register's own (R4-1 compares
    # nothing then, and says so).
    stated_from_document: bool = True

    def age_on(self, day: dt.date) -> int:
        """Full years of age on a day."""
        before = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - int(before)


@dataclass(frozen=True)
class RegisterRecord:
    """What the state population register says about an IIN."""

    iin: str
    surname: str
    given_name: str
    patronymic: str
    birth_date: dt.date
    death_date: dt.date | None = None


@dataclass(frozen=True)
class ProviderFacts:
    id: int
    atu_code: str
    is_active: bool = True
    closed_on: dt.date | None = None


@dataclass(frozen=True)
class AttachmentFacts:
    provider_id: int
    valid_from: dt.date
    valid_to: dt.date | None
    reason: str
    made_on: dt.date  # the day the attachment was decided
    district_id: int | None = None

    @property
    def is_open(self) -> bool:
        return self.valid_to is None


@dataclass(frozen=True)
class AuthorityFacts:
    role: str = "self"  # self, parent, guardian, representative
    applicant_is_recipient: bool = True
    applicant_age: int | None = None
    # Kinds of relation (parent, guardian) the register records from the recipient to the
    # applicant, valid on the day of the application.
    relations: frozenset[str] = frozenset()
    poa_number: str = ""
    poa_date: dt.date | None = None
    poa_valid_until: dt.date | None = None


@dataclass(frozen=True)
class DistrictFacts:
    id: int
    kind: str
    covers_address: bool
    # Persons attached on the day; None when not counted: only the districts the district
    # check compares are (`rules.loads_compared`).
    attached: int | None
    normative_size: int

    @property
    def counted(self) -> int:
        """The persons attached; a district whose load was not counted fails loudly."""
        if self.attached is None:
            raise ValueError(f"the load of district {self.id} was not counted")
        return self.attached

    @property
    def load(self) -> float:
        return self.counted / max(self.normative_size, 1)


@dataclass(frozen=True)
class Case:
    """Everything the checks need to know about one application."""

    on: dt.date  # the day the application was submitted
    reason: str
    recipient: PersonFacts
    record: RegisterRecord | None
    provider: ProviderFacts
    authority: AuthorityFacts = field(default_factory=AuthorityFacts)
    history: tuple[AttachmentFacts, ...] = ()
    districts: tuple[DistrictFacts, ...] = ()
    required_documents: frozenset[str] = frozenset()
    presented_documents: frozenset[str] = frozenset()
    # A change of residence is shown by the register (the registered address lies outside the
    # area of the provider the person is attached to) or by a document of temporary
    # registration; the applicant's word alone lifts no limit.
    residence_evidence: bool = False
    # The district (and so the doctor) the applicant chose within the provider; None: the
    # rules choose. `district_override`: a head admitted it above its normative size.
    chosen_district_id: int | None = None
    district_override: bool = False
    # What the attachment rests on (`AttachmentBasis`) and the unit of the address it rests on;
    # the registered residence is the register's (`recipient.atu_code`).
    basis: str = AttachmentBasis.REGISTERED_RESIDENCE
    basis_atu_code: str | None = None
    pregnant: bool = False

    @property
    def basis_unit(self) -> str | None:
        """The administrative-territorial unit the attachment rests on; None when unknown."""
        if self.basis == AttachmentBasis.REGISTERED_RESIDENCE:
            return self.recipient.atu_code
        return self.basis_atu_code or None

    @property
    def open_attachment(self) -> AttachmentFacts | None:
        return next((a for a in self.history if a.is_open), None)

    @property
    def lifts_limits(self) -> bool:
        """The reason lifts the frequency limit and the campaign window: a closed provider,
        or a change of residence the register or a temporary registration shows."""
        if self.reason == "change_of_residence":
            return self.residence_evidence
        return self.reason in LIFTING_REASONS

    @property
    def is_voluntary_change(self) -> bool:
        """A change of provider that the frequency limit and the campaign window govern (a
        change of district or doctor within the same provider is neither)."""
        current = self.open_attachment
        return current is not None and not self.within_provider and not self.lifts_limits

    @property
    def within_provider(self) -> bool:
        """The person is attached to this provider and asks for another of its districts."""
        current = self.open_attachment
        return (
            current is not None
            and current.provider_id == self.provider.id
            and self.chosen_district_id is not None
            and self.chosen_district_id != current.district_id
        )
