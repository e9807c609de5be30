"""Working days, the term of the service (R5.3, R9.13) and working time (R5.1, R5.2)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bekitu.core.calendar import (
    ALMATY,
    Term,
    WorkingHours,
    _zone,
    _zone_from_tzdata,
    add_working_time,
    deadline_for,
    is_working_day,
    next_working_day,
    service_term,
    term_start,
    working_time_between,
)

MOSCOW = ZoneInfo("Europe/Moscow")


def at(text: str) -> datetime:
    """An aware datetime from ISO 8601 text with an offset."""
    return datetime.fromisoformat(text)


# --- time zone ---------------------------------------------------------------------------


def test_almaty_is_utc_plus_5_since_1_march_2024_and_was_utc_plus_6_before() -> None:
    assert datetime(2024, 2, 29, 12, tzinfo=ALMATY).utcoffset() == timedelta(hours=6)
    assert datetime(2024, 3, 1, 12, tzinfo=ALMATY).utcoffset() == timedelta(hours=5)
    assert datetime(2026, 7, 1, 12, tzinfo=ALMATY).utcoffset() == timedelta(hours=5)


def test_the_pinned_tzdata_package_agrees_with_the_zone_in_use() -> None:
    pinned = _zone_from_tzdata("Asia/Almaty")
    for moment in (datetime(2024, 2, 29, 12), datetime(2024, 3, 1, 12), datetime(2030, 1, 1)):
        assert (
            moment.replace(tzinfo=pinned).utcoffset() == moment.replace(tzinfo=ALMATY).utcoffset()
        )


def test_a_zone_whose_system_data_lacks_the_2024_change_is_read_from_the_tzdata_package() -> None:
    # Tokyo was never UTC+5: the check fails as it would for stale Almaty data.
    zone = _zone("Asia/Tokyo")
    assert zone is not ZoneInfo("Asia/Tokyo") and zone.key == "Asia/Tokyo"
    assert datetime(2026, 1, 1, tzinfo=zone).utcoffset() == timedelta(hours=9)


# --- working days ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 3, 18), True),  # an ordinary Wednesday
        (date(2026, 3, 20), True),  # the Friday before Nauryz
        (date(2026, 3, 21), False),  # Nauryz, a Saturday
        (date(2026, 3, 23), False),  # Nauryz, a Monday
        (date(2026, 3, 24), False),  # Nauryz moved off the weekend (observed)
        (date(2026, 3, 25), False),  # Nauryz moved off the weekend (observed)
        (date(2026, 3, 26), True),
        (date(2025, 3, 10), False),  # Women's Day fell on Saturday 8 March: Monday is off
        (date(2025, 1, 3), False),  # a Friday made a day off by decree...
        (date(2025, 1, 5), True),  # ...and the Sunday worked instead
        (date(2024, 5, 8), False),  # a Wednesday made a day off by decree...
        (date(2024, 5, 4), True),  # ...and the Saturday worked instead
        (date(2013, 12, 28), True),  # a Saturday worked for a day off in the next year
        (date(2026, 3, 28), False),  # an ordinary Saturday
    ],
)
def test_working_days_follow_holidays_kz(day: date, working: bool) -> None:
    assert is_working_day(day) is working


def test_is_working_day_refuses_a_datetime_whose_day_depends_on_the_zone() -> None:
    with pytest.raises(TypeError):
        is_working_day(datetime(2026, 3, 20, 12, tzinfo=UTC))


def test_next_working_day_skips_nauryz_and_its_observed_days() -> None:
    assert next_working_day(date(2026, 3, 20)) == date(2026, 3, 26)


def test_next_working_day_can_be_a_sunday_worked_by_decree() -> None:
    assert next_working_day(date(2024, 12, 31)) == date(2025, 1, 5)


# --- working hours -----------------------------------------------------------------------


def test_default_hours_are_8_to_20_in_almaty() -> None:
    assert WorkingHours() == WorkingHours(time(8), time(20), ALMATY)


@pytest.mark.parametrize(("opens", "closes"), [(time(20), time(8)), (time(9), time(9))])
def test_hours_must_open_before_they_close(opens: time, closes: time) -> None:
    with pytest.raises(ValueError, match="before"):
        WorkingHours(opens=opens, closes=closes)


# --- the term: worked examples -----------------------------------------------------------


@pytest.mark.parametrize(
    ("submitted", "start", "deadline"),
    [
        # Friday afternoon: the term ends on Monday at the same time.
        ("2026-03-13T15:00+05:00", "2026-03-13T15:00+05:00", "2026-03-16T15:00+05:00"),
        # Exactly two hours before closing still starts the term at once.
        ("2026-03-12T18:00+05:00", "2026-03-12T18:00+05:00", "2026-03-13T18:00+05:00"),
        # After 18:00 the term starts when the provider opens on the next working day.
        ("2026-03-12T18:00:01+05:00", "2026-03-13T08:00+05:00", "2026-03-16T08:00+05:00"),
        ("2026-03-12T22:30+05:00", "2026-03-13T08:00+05:00", "2026-03-16T08:00+05:00"),
        # Before opening on a working day: at opening the same day.
        ("2026-03-12T07:10+05:00", "2026-03-12T08:00+05:00", "2026-03-13T08:00+05:00"),
        # The Friday before Nauryz: the next working day is Thursday 26 March.
        ("2026-03-20T16:00+05:00", "2026-03-20T16:00+05:00", "2026-03-26T16:00+05:00"),
        # On Nauryz itself: at opening on Thursday 26 March.
        ("2026-03-23T10:00+05:00", "2026-03-26T08:00+05:00", "2026-03-27T08:00+05:00"),
        # On an observed day off (Women's Day moved to Monday 10 March 2025).
        ("2025-03-10T10:00+05:00", "2025-03-11T08:00+05:00", "2025-03-12T08:00+05:00"),
        # On a Saturday worked by decree, and towards a Sunday worked by decree.
        ("2024-05-04T10:00+05:00", "2024-05-04T10:00+05:00", "2024-05-06T10:00+05:00"),
        ("2024-12-31T15:00+05:00", "2024-12-31T15:00+05:00", "2025-01-05T15:00+05:00"),
        # A submission stamped in UTC is judged by the provider's clock (15:00 in Almaty).
        ("2026-03-13T10:00+00:00", "2026-03-13T15:00+05:00", "2026-03-16T15:00+05:00"),
    ],
)
def test_service_term_worked_examples(submitted: str, start: str, deadline: str) -> None:
    term = service_term(at(submitted))
    assert term == Term(term_start=at(start), deadline=at(deadline))
    assert term.term_start.tzinfo == ALMATY and term.deadline.tzinfo == ALMATY
    assert term.deadline.isoformat().endswith("+05:00")


def test_a_provider_closing_at_18_stops_starting_terms_at_16() -> None:
    hours = WorkingHours(opens=time(9), closes=time(18))
    assert term_start(at("2026-03-12T16:00+05:00"), hours) == at("2026-03-12T16:00+05:00")
    assert term_start(at("2026-03-12T16:30+05:00"), hours) == at("2026-03-13T09:00+05:00")


def test_a_deadline_is_capped_at_closing_time() -> None:
    assert deadline_for(at("2026-03-12T21:00+05:00")) == at("2026-03-13T20:00+05:00")


def test_a_deadline_is_never_before_opening_time() -> None:
    assert deadline_for(at("2026-03-12T06:00+05:00")) == at("2026-03-13T08:00+05:00")


# --- working time (R5.1, R5.2) -----------------------------------------------------------


def test_thirty_minutes_of_working_time_continue_after_the_weekend() -> None:
    friday_late = at("2026-03-13T19:45+05:00")
    assert add_working_time(friday_late, timedelta(minutes=30)) == at("2026-03-16T08:15+05:00")


def test_working_time_ending_at_closing_ends_that_day() -> None:
    assert add_working_time(at("2026-03-12T19:30+05:00"), timedelta(minutes=30)) == at(
        "2026-03-12T20:00+05:00"
    )


def test_working_time_between_counts_only_open_hours_of_working_days() -> None:
    # Friday 19:00 to Monday 09:00: one hour on Friday, one on Monday.
    a, b = at("2026-03-13T19:00+05:00"), at("2026-03-16T09:00+05:00")
    assert working_time_between(a, b) == timedelta(hours=2)
    assert working_time_between(b, a) == -timedelta(hours=2)


def test_no_working_time_passes_over_nauryz() -> None:
    a, b = at("2026-03-20T20:00+05:00"), at("2026-03-26T08:00+05:00")
    assert working_time_between(a, b) == timedelta(0)


def test_negative_working_time_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        add_working_time(at("2026-03-12T10:00+05:00"), timedelta(minutes=-1))


@pytest.mark.parametrize(
    "call",
    [
        lambda t: term_start(t),
        lambda t: deadline_for(t),
        lambda t: service_term(t),
        lambda t: add_working_time(t, timedelta(minutes=30)),
        lambda t: working_time_between(t, datetime(2026, 3, 13, tzinfo=UTC)),
        lambda t: working_time_between(datetime(2026, 3, 13, tzinfo=UTC), t),
    ],
)
def test_a_naive_datetime_is_refused(call) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="naive"):
        call(datetime(2026, 3, 12, 10))


# --- laws --------------------------------------------------------------------------------

moments = st.datetimes(
    min_value=datetime(1995, 1, 1),
    max_value=datetime(2030, 12, 31),
    timezones=st.sampled_from([ALMATY, UTC, MOSCOW]),
)


@st.composite
def working_hours(draw: st.DrawFn) -> WorkingHours:
    """Opening hours from a few minutes to almost the whole day."""
    opens = draw(st.integers(0, 23 * 60))
    closes = draw(st.integers(opens + 1, 24 * 60 - 1))
    return WorkingHours(opens=time(*divmod(opens, 60)), closes=time(*divmod(closes, 60)))


durations = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=4))
laws = settings(deadline=None)


@laws
@given(submitted=moments, hours=working_hours())
def test_the_term_starts_no_earlier_than_submission_within_working_hours(
    submitted: datetime, hours: WorkingHours
) -> None:
    start = term_start(submitted, hours)
    day = start.date()
    assert start >= submitted and start.tzinfo == hours.tz
    assert is_working_day(day)
    latest = hours.closing(day) - timedelta(hours=2)
    assert start == hours.opening(day) or hours.opening(day) <= start <= latest


@laws
@given(submitted=moments, hours=working_hours())
def test_a_deadline_is_one_working_day_after_the_start_within_working_hours(
    submitted: datetime, hours: WorkingHours
) -> None:
    term = service_term(submitted, hours)
    day = term.deadline.date()
    assert is_working_day(day)
    assert day == next_working_day(term.term_start.date())
    assert term.deadline > submitted
    assert hours.opening(day) <= term.deadline <= hours.closing(day)


@laws
@given(start=moments, delta=durations, hours=working_hours())
def test_working_time_added_is_working_time_elapsed(
    start: datetime, delta: timedelta, hours: WorkingHours
) -> None:
    end = add_working_time(start, delta, hours)
    assert end >= start
    assert working_time_between(start, end, hours) == delta


@laws
@given(start=moments, a=durations, b=durations, later=durations)
def test_add_working_time_is_monotonic(
    start: datetime, a: timedelta, b: timedelta, later: timedelta
) -> None:
    short, long = sorted((a, b))
    assert add_working_time(start, short) <= add_working_time(start, long)
    assert add_working_time(start, a) <= add_working_time(start + later, a)


@laws
@given(a=moments, b=moments, c=moments)
def test_working_time_between_adds_up(a: datetime, b: datetime, c: datetime) -> None:
    assert working_time_between(a, b) + working_time_between(b, c) == working_time_between(a, c)


# --- the term by channel (R5.3 at the desk and by telephone, R9.13 through the portal) -------


@pytest.mark.parametrize("channel", ["desk", "phone"])
def test_at_the_desk_and_by_phone_the_term_starts_at_submission_until_closing(channel) -> None:  # type: ignore[no-untyped-def]
    friday_evening = at("2026-03-13T18:00+05:00")
    assert term_start(friday_evening, channel=channel) == friday_evening
    term = service_term(friday_evening, channel=channel)
    assert term.deadline == at("2026-03-16T18:00+05:00")
    # At closing time and after it, the next working day's opening.
    assert term_start(at("2026-03-13T20:00+05:00"), channel=channel) == at("2026-03-16T08:00+05:00")


def test_the_two_hour_cut_off_is_the_portals_rule() -> None:
    two_hours_before = at("2026-03-13T18:00+05:00")
    assert term_start(two_hours_before, channel="portal") == two_hours_before
    later = at("2026-03-13T18:00:01+05:00")
    assert term_start(later) == term_start(later, channel="portal")
    assert service_term(later, channel="portal") == Term(
        at("2026-03-16T08:00+05:00"), at("2026-03-17T08:00+05:00")
    )


def test_an_unknown_channel_is_refused() -> None:
    with pytest.raises(ValueError, match="channel"):
        term_start(at("2026-03-13T10:00+05:00"), channel="fax")


@laws
@given(
    submitted=moments,
    hours=working_hours(),
    channel=st.sampled_from(["desk", "phone", "portal"]),
)
def test_the_term_starts_at_submission_exactly_when_the_channels_rule_allows(
    submitted: datetime, hours: WorkingHours, channel: str
) -> None:
    local = submitted.astimezone(hours.tz)
    day = local.date()
    cutoff = timedelta(hours=2) if channel == "portal" else timedelta(0)
    latest = hours.closing(day) - cutoff
    in_hours = is_working_day(day) and hours.opening(day) <= local
    at_once = in_hours and (local <= latest if cutoff else local < latest)
    start = term_start(submitted, hours, channel)
    assert (start == local) == at_once or start == hours.opening(day) == local
    # The desk never starts later than the portal, and a desk term is one working day.
    assert start <= term_start(submitted, hours, "portal")
    term = service_term(submitted, hours, channel)
    assert term.deadline.date() == next_working_day(term.term_start.date())
