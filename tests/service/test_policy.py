"""Policy editions: selection by date, the pinned edition, windows and effective dates."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bekitu.service.policy import (
    EDITION_2015,
    EDITION_2020,
    EDITIONS,
    Effect,
    UnknownEdition,
    Window,
    policy_for,
    policy_get,
)


@pytest.mark.parametrize(
    ("day", "edition"),
    [
        (dt.date(2010, 5, 1), "2015"),  # before any edition: the earliest applies
        (dt.date(2015, 11, 24), "2015"),
        (dt.date(2019, 12, 31), "2015"),
        (dt.date(2020, 1, 1), "2015"),
        (dt.date(2020, 11, 27), "2015"),
        (dt.date(2020, 11, 28), "2020"),  # Order ҚР ДСМ-194/2020 takes effect
        (dt.date(2025, 8, 31), "2020"),
        (dt.date(2025, 9, 1), "2025"),
        (dt.date(2026, 11, 26), "2025"),
    ],
)
def test_the_edition_in_force_on_the_application_date_applies(day, edition) -> None:
    assert policy_for(day).edition == edition


def test_a_pinned_edition_overrides_the_date() -> None:
    assert policy_for(dt.date(2026, 10, 1), "2015") is EDITION_2015
    assert policy_for(dt.date(2016, 10, 1), "2020") is EDITION_2020


def test_an_unknown_pinned_edition_is_an_error() -> None:
    with pytest.raises(UnknownEdition):
        policy_get("1999")


def test_the_2015_edition_allows_one_change_a_year_any_time_effective_at_once() -> None:
    p = EDITION_2015
    assert (p.max_voluntary_changes, p.campaign, p.voluntary_effect) == (1, None, Effect.IMMEDIATE)
    assert "temporary" not in p.eligible_statuses | p.insured_statuses


def test_the_2020_edition_has_an_autumn_window_and_effect_from_january() -> None:
    p = EDITION_2020
    assert p.max_voluntary_changes == 2
    assert p.campaign == Window(opens=(9, 15), closes=(11, 15))
    assert p.voluntary_effect is Effect.NEXT_JANUARY
    assert p.insured_statuses == frozenset({"temporary"})


@pytest.mark.parametrize(
    ("day", "inside"),
    [
        (dt.date(2026, 9, 14), False),
        (dt.date(2026, 9, 15), True),
        (dt.date(2026, 10, 31), True),
        (dt.date(2026, 11, 15), True),
        (dt.date(2026, 11, 16), False),
        (dt.date(2026, 3, 1), False),
    ],
)
def test_the_campaign_window_includes_both_its_days(day, inside) -> None:
    assert EDITION_2020.campaign is not None
    assert EDITION_2020.campaign.contains(day) is inside


@given(st.dates(dt.date(2000, 1, 1), dt.date(2090, 12, 31)), st.booleans())
def test_an_attachment_never_takes_effect_before_the_decision(day, voluntary) -> None:
    for policy in EDITIONS:
        effective = policy.effective_date(decided_on=day, voluntary_change=voluntary)
        assert effective >= day
        if not voluntary or policy.voluntary_effect is Effect.IMMEDIATE:
            assert effective == day
        else:
            assert effective == dt.date(day.year + 1, 1, 1)


def test_editions_are_ordered_and_named_uniquely() -> None:
    dates = [p.in_force_from for p in EDITIONS]
    assert dates == sorted(dates)
    assert len({p.edition for p in EDITIONS}) == len(EDITIONS)


def test_the_2025_edition_has_its_campaign_from_1_september_to_1_november() -> None:
    p = policy_get("2025")
    assert p.campaign == Window(opens=(9, 1), closes=(11, 1))
    assert p.voluntary_effect is Effect.NEXT_JANUARY
    assert p.effective_date(decided_on=dt.date(2025, 10, 1), voluntary_change=True) == dt.date(
        2026, 1, 1
    )


def test_each_edition_names_the_act_that_enacted_it() -> None:
    acts = {p.edition: (p.act.number, p.act.date) for p in EDITIONS if p.act}
    assert acts == {
        "2015": ("281", dt.date(2015, 4, 28)),
        "2020": ("ҚР ДСМ-194/2020", dt.date(2020, 11, 13)),
        "2025": ("ҚР ДСМ-194/2020", dt.date(2020, 11, 13)),
    }
    for p in EDITIONS:
        assert p.act is not None and p.act.number in p.act.citation("ru")
        assert p.act.paragraphs == {}  # no paragraph without the act's text at hand


def test_editions_given_as_data_are_chosen_the_same_way() -> None:
    later = dataclasses.replace(EDITION_2020, edition="2030", in_force_from=dt.date(2030, 1, 1))
    own = (EDITION_2015, later)
    assert policy_for(dt.date(2029, 12, 31), editions=own) is EDITION_2015
    assert policy_for(dt.date(2030, 1, 1), editions=own) is later
    assert policy_for(dt.date(2000, 1, 1), editions=(later, EDITION_2015)) is EDITION_2015
    with pytest.raises(UnknownEdition):
        policy_for(dt.date(2030, 1, 1), editions=())
