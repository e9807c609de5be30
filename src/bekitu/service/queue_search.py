"""The queue as a channel searches it (the desk's pages today): by application number, IIN or
name; by state, channel, time left or a breached term; and the decided applications of a day
(today, yesterday, a date) to find one again and reprint its talon or refusal. A selector of
the service: scoped by the caller's `Scope`, one audit row names the applications shown."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q

from bekitu.core.audit import audit_record
from bekitu.core.vocabulary import OPEN_STATES, TERMINAL_STATES, State
from bekitu.service import selectors
from bekitu.service.term import sla_status
from bekitu.talons import selectors as talon_selectors

if TYPE_CHECKING:
    from bekitu.service.models import Application
    from bekitu.service.selectors import Scope

# The most applications one page of the queue lists (the most urgent, or the latest decided).
SHOWN = 200
BREACHED = "breached"


@dataclass(frozen=True)
class QueueQuery:
    """What the desk asked for; empty fields do not narrow."""

    text: str = ""
    state: str = ""  # "" (the open ones), "all", or one state
    channel: str = ""
    left: str = ""  # "", "ok", "near", "past" (time left) or "breached" (term broken)
    decided_on: dt.date | None = None  # the decided applications of that day
    # The applications whose talon awaits the provider's e-signature (issued while its key
    # was unavailable, R3.1), whenever decided.
    signature_pending: bool = False


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = ZoneInfo(settings.TIME_ZONE)
    start = dt.datetime.combine(day, dt.time(0), tzinfo=zone)
    return start, start + dt.timedelta(days=1)


def _text(text: str) -> Q:
    """An application number (or its end), an IIN (or its start), or a name (surname, then
    given name, each by its start)."""
    text = text.strip()
    if not text:
        return Q()
    if text.isdigit():
        return Q(recipient__iin__startswith=text) | Q(number__endswith=text)
    if any(c.isdigit() for c in text):
        return Q(number__iexact=text) | Q(number__iendswith=text)
    words = text.split()
    wanted = _starts("recipient__surname", words[0])
    if len(words) > 1:
        wanted &= _starts("recipient__given_name", words[1])
    return wanted


def _starts(field: str, word: str) -> Q:
    # SQLite folds case for ASCII only: also match the capitalised Cyrillic spelling.
    return Q(**{f"{field}__istartswith": word}) | Q(**{f"{field}__startswith": word.capitalize()})


def applications(*, scope: Scope, query: QueueQuery, now: dt.datetime) -> list[Application]:
    """The applications in scope that match, the nearest deadline first (decided ones: the
    latest decided first); audited as one read naming them."""
    found = selectors.applications_in_scope(scope=scope).select_related(
        "recipient", "provider", "attachment", "attachment__district"
    )
    if query.signature_pending:
        found = found.filter(
            state=State.TALON_ISSUED,
            number__in=talon_selectors.signature_pending_application_query(),
        ).order_by("-decided_at", "-pk")
    elif query.decided_on is not None:
        start, end = _day_bounds(query.decided_on)
        found = found.filter(
            state__in=TERMINAL_STATES, decided_at__gte=start, decided_at__lt=end
        ).order_by("-decided_at", "-pk")
    else:
        if query.state == "all":
            pass
        elif query.state:
            found = found.filter(state=query.state)
        else:
            found = found.filter(state__in=OPEN_STATES)
        found = found.order_by("deadline", "pk")
    if query.channel:
        found = found.filter(channel=query.channel)
    if query.text:
        found = found.filter(_text(query.text))
    rows = list(found[: SHOWN * 2 if query.left else SHOWN])
    if query.left:
        rows = [a for a in rows if _left_matches(a, query.left, now)][:SHOWN]
    audit_record(
        action="service.application.queue",
        object_type="registry.provider",
        object_id=scope.provider.bin,
        data={
            "shown": len(rows),
            "numbers": [a.number for a in rows],
            "filters": _filters(query),
        },
    )
    return rows


def _filters(query: QueueQuery) -> dict[str, Any]:
    """The filters used, for the audit row: whether a text was searched (never the text)."""
    return {
        "text": bool(query.text),
        "state": query.state,
        "channel": query.channel,
        "left": query.left,
        "decided_on": query.decided_on.isoformat() if query.decided_on else "",
        "signature_pending": query.signature_pending,
    }


def _left_matches(application: Application, left: str, now: dt.datetime) -> bool:
    if left == BREACHED:
        return application.sla == BREACHED or (
            application.is_open and _warning(application, now) == "past"
        )
    if not application.is_open:
        return False
    return (_warning(application, now) or "ok") == left


# What the desk's time-left column calls the SLA states (workstation.presenters.WARNINGS).
_WARNINGS = {"near": "near", "breached": "past"}


def _warning(application: Application, now: dt.datetime) -> str:
    return _WARNINGS.get(sla_status(application, now).sla, "")
