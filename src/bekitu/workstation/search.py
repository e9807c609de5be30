"""Short-lived search ids: a search for an IIN or a name is posted once, kept in the staff
member's session under a random id, and its pages are plain GET addresses that carry only
that id (?s=…). Paging and the browser's Back need no "confirm resubmission", and an IIN or a
name never stands in an address, the browser's history, a proxy's log or a Referer."""

from __future__ import annotations

import secrets
import time

from django.http import HttpRequest

SESSION_KEY = "workstation.searches"
# How long a search id answers: a desk pages through its results within minutes.
TTL_SECONDS = 30 * 60
# The most searches a session keeps (the oldest go first).
KEPT = 20


def _searches(request: HttpRequest) -> dict[str, list[object]]:
    now = time.time()
    kept = request.session.get(SESSION_KEY, {})
    return {k: v for k, v in kept.items() if isinstance(v, list) and float(v[1]) > now}


def remember(request: HttpRequest, text: str) -> str:
    """Keep the search's text in the session; the id to put in the address."""
    searches = _searches(request)
    sid = secrets.token_urlsafe(6)
    searches[sid] = [text, time.time() + TTL_SECONDS]
    request.session[SESSION_KEY] = dict(list(searches.items())[-KEPT:])
    return sid


def recall(request: HttpRequest, sid: str | None) -> str | None:
    """The text of a search id of this session still in force, else None."""
    if not sid:
        return None
    entry = _searches(request).get(sid)
    return str(entry[0]) if entry else None
