"""The checks of an application (action 1, condition 3 of R9.10) as pure functions.

Each check takes the facts of the case (`service.case`: plain dataclasses the service layer
builds from the register) and the policy edition in force, and returns an `Outcome`: passed,
or the refusal reason code with details that explain it. No Django here; tested without a database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import pairwise
from typing import Any

from bekitu.core.vocabulary import (
    FIRST_ATTACHMENT_REASONS,
    POA_DEFAULT_TERM,
    ApplicantRole,
    AttachmentBasis,
    Check,
    RefusalCode,
)
from bekitu.service.case import (
    AttachmentFacts,
    AuthorityFacts,
    Case,
    DistrictFacts,
)
from bekitu.service.policy import Policy

ADULT_AGE = 18
FREQUENCY_WINDOW = dt.timedelta(days=365)
ADULT_DISTRICT_KINDS = frozenset({"gp", "therapist"})
CHILD_DISTRICT_KINDS = frozenset({"paediatric"})
# Where a person actually lives counts only for a pregnant woman and a child under five.
ACTUAL_RESIDENCE_AGE = 5


@dataclass(frozen=True)
class Outcome:
    check: str
    passed: bool
    reason_code: str = ""
    details: dict[str, Any] = field(default_factory=dict)


def _pass(check: str, **details: Any) -> Outcome:
    return Outcome(check, True, "", details)


def _fail(check: str, code: str, **details: Any) -> Outcome:
    return Outcome(check, False, code, details)


def _norm(text: str) -> str:
    return " ".join(text.replace("ё", "е").replace("Ё", "Е").split()).casefold()


DATA_FIELDS = ("surname", "given_name", "patronymic", "birth_date")


def check_data_reliable(case: Case, policy: Policy) -> Outcome:
    """R4-1: the data of the presented identity document must match the population register
    (the IIN known; surname, given name, patronymic, birth date). `mismatch` names the fields
    that differ."""
    record, person = case.record, case.recipient
    if record is None:
        return _fail(Check.DATA_RELIABLE, RefusalCode.UNRELIABLE_DATA, mismatch=["iin"])
    if not person.stated_from_document:
        return _pass(Check.DATA_RELIABLE, compared=False)
    mismatch = [
        name
        for name in ("surname", "given_name", "patronymic")
        if _norm(getattr(person, name)) != _norm(getattr(record, name))
    ]
    if person.birth_date != record.birth_date:
        mismatch.append("birth_date")
    if mismatch:
        return _fail(Check.DATA_RELIABLE, RefusalCode.UNRELIABLE_DATA, mismatch=mismatch)
    return _pass(Check.DATA_RELIABLE, compared=True)


def check_alive(case: Case, policy: Policy) -> Outcome:
    """Only a living person is attached; the register's date of death is decisive."""
    dates = [d for d in (case.recipient.death_date, case.record and case.record.death_date) if d]
    if any(d <= case.on for d in dates):
        return _fail(Check.ALIVE, RefusalCode.DECEASED)
    return _pass(Check.ALIVE)


def check_eligible(case: Case, policy: Policy) -> Outcome:
    """Residents by status; others only with compulsory social health insurance, if at all."""
    person = case.recipient
    if person.emigrated_on is not None and person.emigrated_on <= case.on:
        return _fail(Check.ELIGIBLE, RefusalCode.NOT_ELIGIBLE, status=person.status, emigrated=True)
    if person.status in policy.eligible_statuses:
        return _pass(Check.ELIGIBLE, status=person.status)
    if person.status in policy.insured_statuses and person.insured:
        return _pass(Check.ELIGIBLE, status=person.status, insured=True)
    return _fail(
        Check.ELIGIBLE, RefusalCode.NOT_ELIGIBLE, status=person.status, insured=person.insured
    )


def poa_valid(authority: AuthorityFacts, on: dt.date) -> bool:
    """A power of attorney with a number, dated no later than the day, and not expired."""
    if not authority.poa_number or authority.poa_date is None or authority.poa_date > on:
        return False
    until = authority.poa_valid_until or authority.poa_date + POA_DEFAULT_TERM
    return on <= until


def check_authority(case: Case, policy: Policy) -> Outcome:
    """Adults act for themselves; minors through a parent or guardian; anyone by a valid PoA."""
    auth, age = case.authority, case.recipient.age_on(case.on)
    adult_applicant = auth.applicant_age is None or auth.applicant_age >= ADULT_AGE
    if auth.role == ApplicantRole.SELF:
        ok, why = auth.applicant_is_recipient and age >= ADULT_AGE, "minor_acts_alone"
    elif auth.applicant_is_recipient:
        ok, why = False, "recipient_is_applicant"
    elif auth.role == ApplicantRole.PARENT:
        ok, why = age < ADULT_AGE and "parent" in auth.relations, "not_a_parent_of_a_minor"
    elif auth.role == ApplicantRole.GUARDIAN:
        ok, why = "guardian" in auth.relations, "not_a_guardian"
    elif auth.role == ApplicantRole.REPRESENTATIVE:
        ok, why = adult_applicant and poa_valid(auth, case.on), "power_of_attorney_invalid"
    else:
        ok, why = False, "unknown_role"
    if not ok:
        return _fail(Check.AUTHORITY, RefusalCode.NO_AUTHORITY, role=auth.role, problem=why)
    return _pass(Check.AUTHORITY, role=auth.role)


def check_documents(case: Case, policy: Policy) -> Outcome:
    """R8.1: every document of the checklist for the case was presented."""
    missing = sorted(case.required_documents - case.presented_documents)
    if missing:
        return _fail(Check.DOCUMENTS, RefusalCode.DOCUMENTS_INCOMPLETE, missing=missing)
    return _pass(Check.DOCUMENTS)


def actual_residence_allowed(case: Case) -> bool:
    """Where a person actually lives is a basis only for a pregnant woman (stated, with the
    document in the checklist) or a child under five on the day of the application."""
    return case.pregnant or case.recipient.age_on(case.on) < ACTUAL_RESIDENCE_AGE


# A basis that is a place of residence: the person lives at its address, so home visits
# and the district follow it (decision 0012). Work and study say nothing of where one lives.
RESIDENCE_BASES = frozenset({AttachmentBasis.TEMPORARY_RESIDENCE, AttachmentBasis.ACTUAL_RESIDENCE})


def lives_at_basis(basis: str) -> bool:
    """Whether the person lives at the basis's address (temporary or actual residence);
    otherwise the registered address is where they live."""
    return basis in RESIDENCE_BASES


def check_provider_available(case: Case, policy: Policy) -> Outcome:
    """The provider works on the day and lies in the administrative-territorial unit of the
    address the attachment rests on (residence, temporary residence, work, study; actual
    residence for a pregnant woman or a child under five)."""
    provider, atu = case.provider, case.basis_unit
    closed = provider.closed_on is not None and provider.closed_on <= case.on
    if not provider.is_active or closed:
        return _fail(Check.PROVIDER_AVAILABLE, RefusalCode.PROVIDER_NOT_AVAILABLE, problem="closed")
    if case.basis == AttachmentBasis.ACTUAL_RESIDENCE and not actual_residence_allowed(case):
        return _fail(
            Check.PROVIDER_AVAILABLE,
            RefusalCode.PROVIDER_NOT_AVAILABLE,
            problem="basis_not_allowed",
            basis=case.basis,
        )
    if atu is not None and atu != provider.atu_code:
        return _fail(
            Check.PROVIDER_AVAILABLE,
            RefusalCode.PROVIDER_NOT_AVAILABLE,
            problem="other_unit",
            basis=case.basis,
        )
    return _pass(Check.PROVIDER_AVAILABLE, address_known=atu is not None, basis=case.basis)


@dataclass(frozen=True)
class DistrictChoice:
    district_id: int
    home_visits: bool


def district_kinds(age: int) -> frozenset[str]:
    """Paediatric districts serve children under 18; GP and therapist districts adults."""
    return CHILD_DISTRICT_KINDS if age < ADULT_AGE else ADULT_DISTRICT_KINDS


def district_room(attached: int, normative_size: int) -> int:
    """How many more persons a district takes before it exceeds its normative size."""
    return max(normative_size - attached, 0)


def district_choose(
    districts: tuple[DistrictFacts, ...], age: int, chosen: int | None = None
) -> DistrictChoice | None:
    """The district the applicant chose, when it is of the right kind; otherwise the least
    loaded district of the right kind covering the address; failing that, the least loaded of
    the right kind, without home visits (the person lives outside the area)."""
    if chosen is not None:
        kinds = district_kinds(age)
        named = next((d for d in districts if d.id == chosen and d.kind in kinds), None)
        return None if named is None else DistrictChoice(named.id, named.covers_address)
    pool, covering = _choice_pool(districts, age)
    if not pool:
        return None
    best = pool[0] if len(pool) == 1 else min(pool, key=lambda d: (d.load, d.id))
    return DistrictChoice(best.id, home_visits=covering)


def _choice_pool(districts: Iterable[DistrictFacts], age: int) -> tuple[list[DistrictFacts], bool]:
    """The districts the least loaded is taken from: those of the right kind covering the
    address, else all of the right kind; and whether they cover it."""
    fitting = [d for d in districts if d.kind in district_kinds(age)]
    covering = [d for d in fitting if d.covers_address]
    return covering or fitting, bool(covering)


def loads_compared(
    districts: Iterable[DistrictFacts], age: int, chosen: int | None = None
) -> frozenset[int]:
    """The districts whose load `check_district` reads: the one the applicant chose (its
    room); otherwise the pool `district_choose` takes the least loaded of, when it holds two
    or more (one alone is taken without its load). The others need not be counted."""
    if chosen is not None:
        return frozenset({chosen})
    pool, _covering = _choice_pool(districts, age)
    return frozenset(d.id for d in pool) if len(pool) > 1 else frozenset()


def check_district(case: Case, policy: Policy) -> Outcome:
    """The provider has a district of the kind the person's age needs; a district the
    applicant chose is of that kind and within its normative size, unless a head admitted it."""
    chosen = case.chosen_district_id
    choice = district_choose(case.districts, case.recipient.age_on(case.on), chosen)
    if choice is None:
        problem = "no_district_of_kind" if chosen is None else "chosen_district_not_of_kind"
        return _fail(Check.DISTRICT, RefusalCode.PROVIDER_NOT_AVAILABLE, problem=problem)
    if chosen is None:
        return _pass(Check.DISTRICT, district_id=choice.district_id, home_visits=choice.home_visits)
    district = next(d for d in case.districts if d.id == chosen)
    room = district_room(district.counted, district.normative_size)
    size = {"attached": district.counted, "normative_size": district.normative_size}
    if room == 0 and not case.district_override:
        return _fail(
            Check.DISTRICT,
            RefusalCode.PROVIDER_NOT_AVAILABLE,
            problem="district_full",
            district_id=chosen,
            **size,
        )
    return _pass(
        Check.DISTRICT,
        district_id=chosen,
        home_visits=choice.home_visits,
        chosen=True,
        override=room == 0,
        **size,
    )


def check_not_already_attached(case: Case, policy: Policy) -> Outcome:
    """The attachment in force from now on is not already to the chosen provider."""
    current = case.open_attachment
    if case.within_provider and current is not None:
        return _pass(
            Check.NOT_ALREADY_ATTACHED,
            change="district",
            since=current.valid_from.isoformat(),
        )
    if current is not None and current.provider_id == case.provider.id:
        return _fail(
            Check.NOT_ALREADY_ATTACHED,
            RefusalCode.ALREADY_ATTACHED,
            since=current.valid_from.isoformat(),
        )
    return _pass(Check.NOT_ALREADY_ATTACHED)


def voluntary_changes_within(history: tuple[AttachmentFacts, ...], on: dt.date) -> int:
    """Voluntary attachments decided in the 12 months (365 days) up to and including a day."""
    start = on - FREQUENCY_WINDOW
    # index in history -> provider of the attachment decided before it (in the order made: a
    # campaign's change may start later, or never, when another replaced it)
    previous: dict[int, int] = {}
    ordered = sorted(range(len(history)), key=lambda i: (history[i].made_on, history[i].valid_from))
    for before, after in pairwise(ordered):
        previous[after] = history[before].provider_id
    return sum(
        1
        for i, a in enumerate(history)
        if a.reason == "choice"
        and start < a.made_on <= on
        # a new district of the same provider is no change of provider
        and previous.get(i) != a.provider_id
    )


def _unproven_reason(case: Case) -> dict[str, bool]:
    """Why a reason that would lift the limits did not: a change of residence nothing shows,
    or a first attachment (newborn, first time, arrival) of someone already attached."""
    if case.reason == "change_of_residence":
        return {"residence_evidence": False}
    if case.reason in FIRST_ATTACHMENT_REASONS:
        return {"first_attachment": False}
    return {}


def check_frequency(case: Case, policy: Policy) -> Outcome:
    """The policy's limit on voluntary changes; a change of residence or closure lifts it."""
    if not case.is_voluntary_change:
        return _pass(Check.FREQUENCY, applies=False)
    count = voluntary_changes_within(case.history, case.on)
    limit = policy.max_voluntary_changes
    unproven = _unproven_reason(case)
    if count >= limit:
        return _fail(
            Check.FREQUENCY, RefusalCode.TOO_FREQUENT, changes=count, limit=limit, **unproven
        )
    return _pass(Check.FREQUENCY, changes=count, limit=limit, **unproven)


def check_campaign(case: Case, policy: Policy) -> Outcome:
    """Where the policy has a campaign, a voluntary change only inside its window."""
    window = policy.campaign
    if window is None or not case.is_voluntary_change:
        return _pass(Check.CAMPAIGN, applies=False)
    if not window.contains(case.on):
        return _fail(
            Check.CAMPAIGN,
            RefusalCode.OUTSIDE_CAMPAIGN,
            opens=list(window.opens),
            closes=list(window.closes),
        )
    return _pass(Check.CAMPAIGN, opens=list(window.opens), closes=list(window.closes))


CheckRule = Callable[[Case, Policy], Outcome]

# In this order; the first that fails gives the refusal its reason.
CHECKS: tuple[CheckRule, ...] = (
    check_data_reliable,
    check_alive,
    check_eligible,
    check_authority,
    check_documents,
    check_provider_available,
    check_district,
    check_not_already_attached,
    check_frequency,
    check_campaign,
)


def checks_run(case: Case, policy: Policy) -> list[Outcome]:
    """Every check's outcome, in order (all run, so a decision is fully explained)."""
    return [check(case, policy) for check in CHECKS]


def first_failure(outcomes: list[Outcome]) -> Outcome | None:
    """The failure that decides the refusal, or None when all passed."""
    return next((o for o in outcomes if not o.passed), None)


# The checks that decide each refusal reason (the EDS reason is the portal's verification's).
CHECKS_OF_REASON: dict[str, frozenset[str]] = {
    RefusalCode.UNRELIABLE_DATA: frozenset({Check.DATA_RELIABLE}),
    RefusalCode.DECEASED: frozenset({Check.ALIVE}),
    RefusalCode.NOT_ELIGIBLE: frozenset({Check.ELIGIBLE}),
    RefusalCode.NO_AUTHORITY: frozenset({Check.AUTHORITY}),
    RefusalCode.DOCUMENTS_INCOMPLETE: frozenset({Check.DOCUMENTS}),
    RefusalCode.PROVIDER_NOT_AVAILABLE: frozenset({Check.PROVIDER_AVAILABLE, Check.DISTRICT}),
    RefusalCode.ALREADY_ATTACHED: frozenset({Check.NOT_ALREADY_ATTACHED}),
    RefusalCode.TOO_FREQUENT: frozenset({Check.FREQUENCY}),
    RefusalCode.OUTSIDE_CAMPAIGN: frozenset({Check.CAMPAIGN}),
}
# Reasons a specialist may find where the register cannot: a presented document that is
# forged or altered (R4-1), a power of attorney that is not genuine. With a written
# justification they stand even when the check passed; every other reason is a fact of the
# register, and a check that passed contradicts it.
JUDGED_REASONS = frozenset({RefusalCode.UNRELIABLE_DATA, RefusalCode.NO_AUTHORITY})


class GroundProblem(StrEnum):
    CONTRADICTED = "refusal_contradicted"
    JUSTIFICATION_REQUIRED = "refusal_justification_required"


@dataclass(frozen=True)
class RefusalGround:
    """Why a refusal stands: the failed check of its reason, or a written justification."""

    failed: Outcome | None = None
    justification: str = ""
    problem: GroundProblem | None = None


def refusal_ground(code: str, outcomes: list[Outcome], justification: str) -> RefusalGround:
    """The ground of a specialist's refusal for `code` given a run of the checks: a failed
    check of that reason, else a justification for a reason the register cannot decide.
    `problem` says why there is none: a check that passed contradicts the reason, or the
    justification is missing."""
    text = justification.strip()
    checks = CHECKS_OF_REASON.get(code)
    if checks is None:  # not a reason the checks decide
        return RefusalGround(justification=text)
    failed = next(
        (o for o in outcomes if o.check in checks and not o.passed and o.reason_code == code),
        None,
    )
    if failed is not None:
        return RefusalGround(failed=failed, justification=text)
    if code not in JUDGED_REASONS and any(o.check in checks for o in outcomes):
        return RefusalGround(justification=text, problem=GroundProblem.CONTRADICTED)
    if not text:
        return RefusalGround(problem=GroundProblem.JUSTIFICATION_REQUIRED)
    return RefusalGround(justification=text)
