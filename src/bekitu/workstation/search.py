"""The searches of the queue and of the population: their forms, and short-lived search ids.

A search for an IIN or a name is posted once, kept in the staff member's session under a
random id, and its pages are plain GET addresses that carry only that id (?s=…). Paging and
the browser's Back need no "confirm resubmission", and an IIN or a name never stands in an
address, the browser's history, a proxy's log or a Referer."""

from __future__ import annotations

import secrets
import time
from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from bekitu.core.vocabulary import Channel, State
from bekitu.workstation.forms import DayField

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


LEFT_CHOICES = [
    ("", _("any")),
    ("ok", _("on time")),
    ("near", _("deadline near")),
    ("past", _("deadline passed")),
    ("breached", _("term breached (open or decided)")),
]
DECIDED_CHOICES = [
    ("", _("open applications")),
    ("today", _("decided today")),
    ("yesterday", _("decided yesterday")),
    ("day", _("decided on the day")),
    ("unsigned", _("talons awaiting the e-signature")),
]


class QueueSearchForm(forms.Form):
    """The queue's search and filters. The text (a number, an IIN or a name) is posted and
    kept under a search id; the filters are plain GET parameters (they name no one)."""

    q = forms.CharField(
        label=_("Number, IIN or name"),
        max_length=100,
        required=False,
        widget=forms.TextInput({"type": "search", "autofocus": True, "autocomplete": "off"}),
    )
    decided = forms.ChoiceField(label=_("Show"), choices=DECIDED_CHOICES, required=False)
    on = DayField(label=_("Day decided"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    left = forms.ChoiceField(label=_("Time left"), choices=LEFT_CHOICES, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        state = self.fields["state"]
        channel = self.fields["channel"]
        assert isinstance(state, forms.ChoiceField) and isinstance(channel, forms.ChoiceField)
        state.choices = [("", _("open")), ("all", _("all")), *State.choices]
        channel.choices = [("", _("any")), *Channel.choices]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decided") == "day" and not data.get("on") and "on" not in self.errors:
            self.add_error("on", _("Enter the day the applications were decided."))
        return data

    def filters(self) -> dict[str, str]:
        """The filters chosen, as GET parameters (the text is not among them)."""
        data = self.cleaned_data
        params = {name: str(data.get(name) or "") for name in ("decided", "state", "channel")}
        params["left"] = str(data.get("left") or "")
        if data.get("on"):
            params["on"] = data["on"].strftime(DayField.FORMAT)
        return {k: v for k, v in params.items() if v}


class PopulationSearchForm(forms.Form):
    """Search the attached population by IIN (or its beginning) or by surname."""

    q = forms.CharField(label=_("IIN or surname"), max_length=100, required=False)
