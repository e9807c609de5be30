"""Working time: working days of Kazakhstan, a provider's hours, the term of the service.

A pure module (no Django): the rules of R5.1-R5.3 and R9.13 that every channel shares.
Working days come from `holidays` (KZ): a five-day week, public holidays, holidays moved off a
weekend (observed) and days swapped by government decree (a weekday made a day off, and the
weekend day worked instead). All times are aware; days are counted in the provider's zone.
"""

from __future__ import annotations

import functools
import importlib.resources
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

__all__ = [
    "ALMATY",
    "CHANNELS",
    "Term",
    "WorkingHours",
    "add_working_time",
    "deadline_for",
    "is_working_day",
    "next_working_day",
    "service_term",
    "term_start",
    "working_time_between",
]


def _zone(key: str) -> ZoneInfo:
    """The zone from the system's data, or from the pinned `tzdata` package when the system's
    data predates Kazakhstan's move to UTC+5 on 1 March 2024."""
    zone = ZoneInfo(key)
    if datetime(2024, 3, 2, 12, tzinfo=zone).utcoffset() == timedelta(hours=5):
        return zone
    return _zone_from_tzdata(key)


def _zone_from_tzdata(key: str) -> ZoneInfo:
    """The zone as the pinned `tzdata` package has it."""
    area, city = key.split("/")
    with importlib.resources.files("tzdata.zoneinfo").joinpath(area, city).open("rb") as data:
        return ZoneInfo.from_file(data, key=key)


ALMATY = _zone("Asia/Almaty")
# R9.13, the portal's rule: a request starts its term at submission only if this much of the
# working day is left. At the desk and by telephone (R5.3) the term starts at submission
# whenever that is within working hours on a working day.
_LATEST_START_BEFORE_CLOSING = timedelta(hours=2)
CHANNELS = ("desk", "phone", "portal")
_CUTOFF_CHANNELS = frozenset({"portal"})


@dataclass(frozen=True)
class WorkingHours:
    """A provider's daily opening hours on working days, in its time zone."""

    opens: time = time(8)
    closes: time = time(20)
    tz: ZoneInfo = ALMATY

    def __post_init__(self) -> None:
        if self.opens.tzinfo is not None or self.closes.tzinfo is not None:
            raise ValueError("opening and closing times are wall-clock times without a zone")
        if not self.opens < self.closes:
            raise ValueError(f"opens ({self.opens}) must be before closes ({self.closes})")

    def opening(self, day: date) -> datetime:
        """The moment the provider opens on a day."""
        return _wall(day, self.opens, self.tz)

    def closing(self, day: date) -> datetime:
        """The moment the provider closes on a day."""
        return _wall(day, self.closes, self.tz)


_DEFAULT_HOURS = WorkingHours()


@dataclass(frozen=True)
class Term:
    """The term of the service (R5.3, R9.13): when it starts and when it ends."""

    term_start: datetime
    deadline: datetime


@functools.lru_cache(maxsize=64)
def _kz(year: int) -> holidays.HolidayBase:
    # The library also lists weekend days worked in exchange for a day off in the next year.
    return holidays.country_holidays("KZ", years=year)


def is_working_day(day: date) -> bool:
    """True on a working day: Monday to Friday, not a holiday, or a weekend day worked by
    decree."""
    if isinstance(day, datetime):
        raise TypeError("is_working_day takes a date; pass dt.astimezone(tz).date()")
    return _kz(day.year).is_working_day(day)


def next_working_day(day: date) -> date:
    """The first working day after `day`."""
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def _wall(day: date, at: time, tz: ZoneInfo) -> datetime:
    # Normalized through UTC so that a wall time in a (historical) DST gap still exists.
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC).astimezone(tz)


def _local(moment: datetime, hours: WorkingHours) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime: working time needs an aware datetime")
    return moment.astimezone(hours.tz)


def _cutoff(channel: str) -> timedelta:
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}: one of {', '.join(CHANNELS)}")
    return _LATEST_START_BEFORE_CLOSING if channel in _CUTOFF_CHANNELS else timedelta(0)


def term_start(
    submitted: datetime, hours: WorkingHours = _DEFAULT_HOURS, channel: str = "portal"
) -> datetime:
    """When the term starts: at submission if that is on a working day within working hours
    (through the portal, R9.13: at least two hours before closing; at the desk or by
    telephone, R5.3: any time before closing); else at the next opening."""
    local = _local(submitted, hours)
    day = local.date()
    cutoff = _cutoff(channel)
    if is_working_day(day):
        if local < hours.opening(day):
            return hours.opening(day)
        latest = hours.closing(day) - cutoff
        if local < latest or (cutoff and local == latest):
            return local
    return hours.opening(next_working_day(day))


def deadline_for(start: datetime, hours: WorkingHours = _DEFAULT_HOURS) -> datetime:
    """The end of a one-working-day term (R5.3, R9.13): the same time of day on the next
    working day, kept within that day's working hours (capped at closing)."""
    local = _local(start, hours)
    day = next_working_day(local.date())
    same_time = _wall(day, local.time(), hours.tz)
    return min(max(same_time, hours.opening(day)), hours.closing(day))


def service_term(
    submitted: datetime, hours: WorkingHours = _DEFAULT_HOURS, channel: str = "portal"
) -> Term:
    """The term of the service for documents submitted at `submitted` through a channel."""
    start = term_start(submitted, hours, channel)
    return Term(term_start=start, deadline=deadline_for(start, hours))


# A report measures tens of thousands of steps over the same few days and providers' hours.
@functools.lru_cache(maxsize=8192)
def _working_window(day: date, hours: WorkingHours) -> tuple[datetime, datetime] | None:
    if not is_working_day(day):
        return None
    return hours.opening(day), hours.closing(day)


def add_working_time(
    start: datetime,
    delta: timedelta,
    hours: WorkingHours = _DEFAULT_HOURS,
) -> datetime:
    """The moment when `delta` of working time has passed after `start`, skipping nights,
    weekends and holidays (R5.1, R5.2: 30 minutes of working time per action)."""
    if delta < timedelta(0):
        raise ValueError("delta must not be negative")
    current = _local(start, hours)
    if not delta:
        return current
    remaining = delta
    day = current.date()
    while True:
        window = _working_window(day, hours)
        if window is not None and current < window[1]:
            current = max(current, window[0])
            if remaining <= window[1] - current:
                return current + remaining
            remaining -= window[1] - current
        day = next_working_day(day)
        current = hours.opening(day)


def working_time_between(
    a: datetime,
    b: datetime,
    hours: WorkingHours = _DEFAULT_HOURS,
) -> timedelta:
    """The working time from `a` to `b` (negative when `b` is before `a`)."""
    first, last = _local(a, hours), _local(b, hours)
    if last < first:
        return -working_time_between(b, a, hours)
    total = timedelta(0)
    day = first.date()
    while day <= last.date():
        window = _working_window(day, hours)
        if window is not None:
            total += max(timedelta(0), min(last, window[1]) - max(first, window[0]))
        day += timedelta(days=1)
    return total
