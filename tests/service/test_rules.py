"""The checks of an application as pure functions (no database): each pass and each
failure with its reason code, under both policy editions, and the laws they keep."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bekitu.service import rules
from bekitu.service.case import (
    LIFTING_REASONS,
    AttachmentFacts,
    AuthorityFacts,
    Case,
    DistrictFacts,
    PersonFacts,
    ProviderFacts,
    RegisterRecord,
)
from bekitu.service.policy import EDITION_2015, EDITION_2020, EDITIONS

ON = dt.date(2026, 10, 1)  # inside the 2020 edition's campaign
ATU = "631010000"
ADULT = PersonFacts(
    iin="800505300123",
    surname="Сейітов",
    given_name="Ерлан",
    patronymic="Серікұлы",
    birth_date=dt.date(1980, 5, 5),
    atu_code=ATU,
)
PROVIDER = ProviderFacts(id=7, atu_code=ATU)
GP = DistrictFacts(id=1, kind="gp", covers_address=True, attached=100, normative_size=2000)
PAEDIATRIC = DistrictFacts(2, "paediatric", True, 10, 900)


def record_of(person: PersonFacts) -> RegisterRecord:
    return RegisterRecord(
        person.iin, person.surname, person.given_name, person.patronymic, person.birth_date
    )


def attached(provider_id: int = 3, made_on: dt.date = dt.date(2018, 2, 1), **kw) -> AttachmentFacts:
    return AttachmentFacts(
        provider_id=provider_id,
        valid_from=kw.pop("valid_from", made_on),
        valid_to=kw.pop("valid_to", None),
        reason=kw.pop("reason", "initial"),
        made_on=made_on,
    )


def case(recipient: PersonFacts = ADULT, **kw) -> Case:
    defaults = {
        "on": ON,
        "reason": "choice",
        "recipient": recipient,
        "record": record_of(recipient),
        "provider": PROVIDER,
        "districts": (GP, PAEDIATRIC),
        "history": (attached(),),
    }
    return Case(**{**defaults, **kw})


def child(age_years: int = 8) -> PersonFacts:
    return dataclasses.replace(ADULT, birth_date=dt.date(ON.year - age_years, 1, 2))


@pytest.mark.parametrize("policy", EDITIONS, ids=lambda p: p.edition)
def test_a_regular_case_passes_every_check(policy) -> None:
    outcomes = rules.checks_run(case(), policy)
    assert [o.check for o in outcomes] == [c.__name__.removeprefix("check_") for c in rules.CHECKS]
    assert all(o.passed for o in outcomes), [o for o in outcomes if not o.passed]
    assert rules.first_failure(outcomes) is None


# --- R4-1: data reliability ---


def test_an_iin_the_register_does_not_know_is_unreliable_data() -> None:
    outcome = rules.check_data_reliable(case(record=None), EDITION_2020)
    assert (outcome.passed, outcome.reason_code, outcome.details) == (
        False,
        "unreliable_data",
        {"mismatch": ["iin"]},
    )


@pytest.mark.parametrize("field", ["surname", "given_name", "patronymic", "birth_date"])
def test_stated_data_that_differ_from_the_register_are_unreliable(field) -> None:
    changed = {"birth_date": dt.date(1981, 5, 5)}.get(field, "Другое")
    stated = dataclasses.replace(ADULT, **{field: changed})
    outcome = rules.check_data_reliable(case(stated, record=record_of(ADULT)), EDITION_2020)
    assert (outcome.reason_code, outcome.details["mismatch"]) == ("unreliable_data", [field])


def test_case_spacing_and_yo_do_not_make_data_unreliable() -> None:
    register = dataclasses.replace(ADULT, surname="Семёнов", given_name="Пётр")
    stated = dataclasses.replace(ADULT, surname="  СЕМЕНОВ ", given_name="петр")
    assert rules.check_data_reliable(case(stated, record=record_of(register)), EDITION_2020).passed


# --- deceased, eligibility ---


def test_a_person_the_register_records_as_dead_is_refused_as_deceased() -> None:
    record = dataclasses.replace(record_of(ADULT), death_date=ON - dt.timedelta(days=3))
    outcome = rules.check_alive(case(record=record), EDITION_2020)
    assert (outcome.passed, outcome.reason_code) == (False, "deceased")


def test_a_death_date_after_the_application_does_not_count() -> None:
    record = dataclasses.replace(record_of(ADULT), death_date=ON + dt.timedelta(days=1))
    assert rules.check_alive(case(record=record), EDITION_2020).passed


@pytest.mark.parametrize("status", ["citizen", "kandas", "refugee", "residence_permit"])
@pytest.mark.parametrize("policy", EDITIONS, ids=lambda p: p.edition)
def test_residents_are_eligible_without_insurance(status, policy) -> None:
    person = dataclasses.replace(ADULT, status=status, insured=False)
    assert rules.check_eligible(case(person), policy).passed


@pytest.mark.parametrize(
    ("policy", "insured", "eligible"),
    [(EDITION_2020, True, True), (EDITION_2020, False, False), (EDITION_2015, True, False)],
    ids=["2020-insured", "2020-uninsured", "2015-insured"],
)
def test_a_temporary_resident_needs_insurance_where_the_edition_allows_at_all(
    policy, insured, eligible
) -> None:
    person = dataclasses.replace(ADULT, status="temporary", insured=insured)
    outcome = rules.check_eligible(case(person), policy)
    assert outcome.passed is eligible
    assert outcome.reason_code == ("" if eligible else "not_eligible")


def test_a_person_who_left_the_country_is_not_eligible() -> None:
    person = dataclasses.replace(ADULT, emigrated_on=ON - dt.timedelta(days=40))
    outcome = rules.check_eligible(case(person), EDITION_2020)
    assert (outcome.reason_code, outcome.details["emigrated"]) == ("not_eligible", True)


# --- authority (R4) ---


def _authority(role: str, **kw) -> AuthorityFacts:
    return AuthorityFacts(role=role, applicant_is_recipient=False, applicant_age=40, **kw)


VALID_POA = {"poa_number": "N-1", "poa_date": ON - dt.timedelta(days=10)}


@pytest.mark.parametrize(
    ("recipient", "authority", "problem"),
    [
        (ADULT, AuthorityFacts(), None),
        (child(), AuthorityFacts(), "minor_acts_alone"),
        (child(17), AuthorityFacts(), "minor_acts_alone"),
        (child(), _authority("parent", relations=frozenset({"parent"})), None),
        (child(), _authority("parent"), "not_a_parent_of_a_minor"),
        (ADULT, _authority("parent", relations=frozenset({"parent"})), "not_a_parent_of_a_minor"),
        (child(), _authority("guardian", relations=frozenset({"guardian"})), None),
        (ADULT, _authority("guardian", relations=frozenset({"guardian"})), None),
        (child(), _authority("guardian", relations=frozenset({"parent"})), "not_a_guardian"),
        (ADULT, _authority("representative", **VALID_POA), None),
        (child(), _authority("representative", **VALID_POA), None),
        (ADULT, _authority("representative"), "power_of_attorney_invalid"),
        (
            ADULT,
            dataclasses.replace(_authority("representative", **VALID_POA), applicant_age=16),
            "power_of_attorney_invalid",
        ),
        (ADULT, AuthorityFacts(role="representative", **VALID_POA), "recipient_is_applicant"),
        (ADULT, _authority("neighbour"), "unknown_role"),
    ],
)
def test_who_may_act_for_whom(recipient, authority, problem) -> None:
    outcome = rules.check_authority(case(recipient, authority=authority), EDITION_2020)
    assert outcome.passed is (problem is None)
    if problem:
        assert (outcome.reason_code, outcome.details["problem"]) == ("no_authority", problem)


@pytest.mark.parametrize(
    ("poa_date", "valid_until", "valid"),
    [
        (ON - dt.timedelta(days=364), None, True),  # no term named: one year
        (ON - dt.timedelta(days=366), None, False),
        (ON - dt.timedelta(days=800), ON, True),
        (ON - dt.timedelta(days=800), ON - dt.timedelta(days=1), False),
        (ON + dt.timedelta(days=1), None, False),  # dated after the application
    ],
)
def test_a_power_of_attorney_is_valid_only_within_its_term(poa_date, valid_until, valid) -> None:
    authority = _authority(
        "representative", poa_number="N-1", poa_date=poa_date, poa_valid_until=valid_until
    )
    assert rules.poa_valid(authority, ON) is valid


# --- documents (R8.1) ---


def test_a_missing_document_of_the_checklist_fails_as_documents_incomplete() -> None:
    c = case(
        required_documents=frozenset({"identity_document", "power_of_attorney"}),
        presented_documents=frozenset({"identity_document"}),
    )
    outcome = rules.check_documents(c, EDITION_2020)
    assert (outcome.reason_code, outcome.details) == (
        "documents_incomplete",
        {"missing": ["power_of_attorney"]},
    )
    full = dataclasses.replace(c, presented_documents=c.required_documents)
    assert rules.check_documents(full, EDITION_2020).passed


# --- provider and district ---


@pytest.mark.parametrize(
    ("provider", "person", "problem"),
    [
        (dataclasses.replace(PROVIDER, is_active=False), ADULT, "closed"),
        (dataclasses.replace(PROVIDER, closed_on=ON), ADULT, "closed"),
        (PROVIDER, dataclasses.replace(ADULT, atu_code="631020000"), "other_unit"),
    ],
)
def test_a_closed_provider_or_one_in_another_unit_is_not_available(
    provider, person, problem
) -> None:
    outcome = rules.check_provider_available(case(person, provider=provider), EDITION_2020)
    assert (outcome.reason_code, outcome.details["problem"]) == ("provider_not_available", problem)


def test_a_provider_closing_later_and_a_person_without_address_pass() -> None:
    later = dataclasses.replace(PROVIDER, closed_on=ON + dt.timedelta(days=30))
    homeless = dataclasses.replace(ADULT, atu_code=None)
    outcome = rules.check_provider_available(case(homeless, provider=later), EDITION_2020)
    assert outcome.passed
    assert outcome.details == {"address_known": False, "basis": "registered_residence"}


def test_a_child_needs_a_paediatric_district_and_an_adult_a_gp_or_therapist_one() -> None:
    only_gp = case(child(), districts=(GP,))
    assert rules.check_district(only_gp, EDITION_2020).reason_code == "provider_not_available"
    assert rules.check_district(case(child()), EDITION_2020).details["district_id"] == 2
    assert rules.check_district(case(), EDITION_2020).details["district_id"] == 1


def test_a_person_outside_the_providers_area_is_attached_without_home_visits() -> None:
    far = dataclasses.replace(GP, covers_address=False)
    outcome = rules.check_district(case(districts=(far,)), EDITION_2020)
    assert outcome.passed and outcome.details == {"district_id": 1, "home_visits": False}


def test_the_least_loaded_covering_district_is_chosen() -> None:
    busy = DistrictFacts(10, "gp", True, 1900, 2000)
    light = DistrictFacts(11, "therapist", True, 1500, 2200)
    uncovering_empty = DistrictFacts(12, "gp", False, 0, 2000)
    choice = rules.district_choose((busy, light, uncovering_empty), age=40)
    assert choice == rules.DistrictChoice(11, home_visits=True)


district_strategy = st.builds(
    DistrictFacts,
    id=st.integers(1, 10_000),
    kind=st.sampled_from(["gp", "therapist", "paediatric"]),
    covers_address=st.booleans(),
    attached=st.integers(0, 5000),
    normative_size=st.integers(1, 3000),
)


@given(st.lists(district_strategy, max_size=8, unique_by=lambda d: d.id), st.integers(0, 100))
def test_the_chosen_district_fits_the_age_and_visits_home_only_when_it_covers(
    districts, age
) -> None:
    choice = rules.district_choose(tuple(districts), age)
    fitting = [d for d in districts if d.kind in rules.district_kinds(age)]
    if not fitting:
        assert choice is None
        return
    assert choice is not None
    chosen = next(d for d in fitting if d.id == choice.district_id)
    assert choice.home_visits is any(d.covers_address for d in fitting)
    assert chosen.covers_address is choice.home_visits
    pool = [d for d in fitting if d.covers_address == choice.home_visits]
    assert chosen.load == min(d.load for d in pool)


# --- already attached ---


def test_a_person_already_attached_to_the_chosen_provider_is_refused() -> None:
    outcome = rules.check_not_already_attached(case(history=(attached(PROVIDER.id),)), EDITION_2020)
    assert (outcome.reason_code, outcome.details) == ("already_attached", {"since": "2018-02-01"})


def test_a_past_attachment_to_the_chosen_provider_is_no_obstacle() -> None:
    history = (
        attached(PROVIDER.id, valid_to=dt.date(2020, 1, 1)),
        attached(3, dt.date(2020, 1, 1)),
    )
    assert rules.check_not_already_attached(case(history=history), EDITION_2020).passed


# --- frequency and campaign ---


def _changes(*days: dt.date) -> tuple[AttachmentFacts, ...]:
    closed = [
        attached(100 + i, d, reason="choice", valid_to=days[i + 1]) for i, d in enumerate(days[:-1])
    ]
    return (*closed, attached(200, days[-1], reason="choice"))


@pytest.mark.parametrize(
    ("policy", "changes", "passed"),
    [
        (EDITION_2015, (), True),
        (EDITION_2015, (ON - dt.timedelta(days=200),), False),
        (EDITION_2015, (ON - dt.timedelta(days=365),), True),  # a full year ago
        (EDITION_2020, (ON - dt.timedelta(days=200),), True),
        (EDITION_2020, (ON - dt.timedelta(days=300), ON - dt.timedelta(days=20)), False),
    ],
)
def test_the_frequency_limit_of_each_edition(policy, changes, passed) -> None:
    history = _changes(*changes) if changes else (attached(),)
    outcome = rules.check_frequency(case(history=history), policy)
    assert outcome.passed is passed
    assert outcome.details["limit"] == policy.max_voluntary_changes
    if not passed:
        assert outcome.reason_code == "too_frequent"


@pytest.mark.parametrize("reason", sorted(LIFTING_REASONS))
@pytest.mark.parametrize("policy", EDITIONS, ids=lambda p: p.edition)
def test_a_change_of_residence_or_a_closed_provider_lifts_frequency_and_window(
    reason, policy
) -> None:
    history = _changes(ON - dt.timedelta(days=30), ON - dt.timedelta(days=10))
    # A change of residence with its evidence (the register, or a temporary registration).
    c = case(reason=reason, history=history, on=dt.date(2026, 3, 3), residence_evidence=True)
    assert rules.check_frequency(c, policy).passed
    assert rules.check_campaign(c, policy).passed


def test_a_first_attachment_is_no_change_and_has_no_limit() -> None:
    c = case(reason="choice", history=(), on=dt.date(2026, 3, 3))
    assert rules.check_frequency(c, EDITION_2015).details == {"applies": False}
    assert rules.check_campaign(c, EDITION_2020).passed


def test_outside_the_campaign_a_voluntary_change_is_refused_under_2020_only() -> None:
    march = case(on=dt.date(2026, 3, 3))
    outcome = rules.check_campaign(march, EDITION_2020)
    assert (outcome.reason_code, outcome.details) == (
        "outside_campaign",
        {"opens": [9, 15], "closes": [11, 15]},
    )
    assert rules.check_campaign(march, EDITION_2015).details == {"applies": False}


def test_the_first_failing_check_decides_the_refusal() -> None:
    dead_stranger = case(
        record=dataclasses.replace(record_of(ADULT), death_date=ON, surname="Другой")
    )
    outcomes = rules.checks_run(dead_stranger, EDITION_2020)
    failure = rules.first_failure(outcomes)
    assert failure is not None and failure.reason_code == "unreliable_data"
    assert [o.reason_code for o in outcomes if not o.passed] == ["unreliable_data", "deceased"]


day_offsets = st.lists(st.integers(0, 3 * 365), min_size=1, max_size=25)


@given(day_offsets, st.sampled_from(EDITIONS))
def test_accepted_voluntary_changes_never_exceed_the_limit_in_any_twelve_months(
    offsets, policy
) -> None:
    start = dt.date(2021, 1, 1)
    history: list[AttachmentFacts] = [attached(1, dt.date(2015, 1, 1))]
    accepted = []
    for offset in sorted(offsets):
        day = start + dt.timedelta(days=offset)
        c = case(on=day, history=tuple(history), provider=dataclasses.replace(PROVIDER, id=999))
        if rules.check_frequency(c, policy).passed:
            history = [dataclasses.replace(h, valid_to=h.valid_to or day) for h in history]
            history.append(attached(500 + len(history), day, reason="choice"))
            accepted.append(day)
    for day in accepted:
        within = [a for a in accepted if day - rules.FREQUENCY_WINDOW < a <= day]
        assert len(within) <= policy.max_voluntary_changes
    assert accepted, "the first request of an attached person is always allowed"


@given(day_offsets, st.integers(0, 3 * 365), st.sampled_from(EDITIONS))
def test_more_past_changes_never_turn_a_refusal_into_an_acceptance(offsets, extra, policy) -> None:
    start = dt.date(2021, 1, 1)
    days = sorted({start + dt.timedelta(days=o) for o in offsets})
    on = start + dt.timedelta(days=3 * 365)
    history = _changes(*days)
    more = _changes(*sorted({*days, start + dt.timedelta(days=extra)}))
    refused = not rules.check_frequency(case(on=on, history=history), policy).passed
    if refused:
        assert not rules.check_frequency(case(on=on, history=more), policy).passed


# --- the ground of a specialist's refusal -------------------------------------------------


def test_a_check_that_failed_grounds_its_reason_without_a_justification() -> None:
    dead = dataclasses.replace(record_of(ADULT), death_date=dt.date(2026, 1, 1))
    outcomes = rules.checks_run(case(record=dead), EDITION_2020)
    ground = rules.refusal_ground("deceased", outcomes, "")
    assert ground.problem is None and ground.failed is not None
    assert ground.failed.check == "alive"


@pytest.mark.parametrize("code", sorted(set(rules.CHECKS_OF_REASON) - rules.JUDGED_REASONS))
def test_a_register_fact_a_passed_check_contradicts_is_no_ground(code) -> None:
    outcomes = rules.checks_run(case(), EDITION_2015)  # a case every check passes
    assert all(o.passed for o in outcomes)
    ground = rules.refusal_ground(code, outcomes, "written at length")
    assert ground.problem is rules.GroundProblem.CONTRADICTED


@pytest.mark.parametrize("code", sorted(rules.JUDGED_REASONS))
def test_what_the_register_cannot_see_stands_on_a_written_justification(code) -> None:
    outcomes = rules.checks_run(case(), EDITION_2015)
    assert rules.refusal_ground(code, outcomes, "  ").problem is (
        rules.GroundProblem.JUSTIFICATION_REQUIRED
    )
    ground = rules.refusal_ground(code, outcomes, " The seal is forged. \n")
    assert (ground.problem, ground.failed, ground.justification) == (
        None,
        None,
        "The seal is forged.",
    )


def test_every_reason_a_check_gives_is_decided_by_that_check() -> None:
    for check in rules.CHECKS:
        outcome = check(case(record=None, recipient=child(3)), EDITION_2020)
        if not outcome.passed:
            assert outcome.check in rules.CHECKS_OF_REASON[outcome.reason_code]


def test_r4_1_compares_nothing_when_no_document_was_stated() -> None:
    unstated = dataclasses.replace(ADULT, surname="Other", stated_from_document=False)
    outcome = rules.check_data_reliable(case(recipient=unstated), EDITION_2020)
    assert (outcome.passed, outcome.details) == (True, {"compared": False})


# --- first attachments, and a change of residence with its evidence -----------------------


def test_a_change_of_residence_on_the_applicants_word_alone_is_a_voluntary_change() -> None:
    march = dt.date(2026, 3, 3)  # outside every campaign
    word = case(on=march, reason="change_of_residence", history=(attached(),))
    assert word.is_voluntary_change
    outcome = rules.check_campaign(word, EDITION_2020)
    assert (outcome.passed, outcome.reason_code) == (False, "outside_campaign")
    frequency = rules.check_frequency(word, EDITION_2020)
    assert frequency.details["residence_evidence"] is False
    shown = dataclasses.replace(word, residence_evidence=True)
    assert not shown.is_voluntary_change
    assert rules.check_campaign(shown, EDITION_2020).passed
    assert rules.check_frequency(shown, EDITION_2015).details == {"applies": False}


@given(
    reasons=st.lists(st.sampled_from(sorted(rules.FIRST_ATTACHMENT_REASONS)), max_size=6),
    choices=st.integers(0, 3),
    offsets=st.lists(st.integers(0, 364), min_size=9, max_size=9),
)
def test_first_attachments_never_count_against_the_change_limit(reasons, choices, offsets) -> None:
    chosen = tuple(
        attached(made_on=ON - dt.timedelta(days=offsets[i]), reason="choice", valid_to=ON)
        for i in range(choices)
    )
    firsts = tuple(
        attached(made_on=ON - dt.timedelta(days=offsets[3 + i]), reason=r, valid_to=ON)
        for i, r in enumerate(reasons)
    )
    current = (attached(made_on=dt.date(2010, 1, 1)),)
    for policy in EDITIONS:
        alone = rules.check_frequency(case(history=chosen + current), policy)
        with_firsts = rules.check_frequency(case(history=chosen + firsts + current), policy)
        assert alone == with_firsts
    assert rules.voluntary_changes_within(firsts, ON) == 0
