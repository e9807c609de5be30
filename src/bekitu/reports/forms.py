"""The parameters of each report, checked the same way for the pages, the API, the command and
the background worker; errors are in the reader's language."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bekitu.registry.selectors import today

EARLIEST = dt.date(1990, 1, 1)
LONGEST_PERIOD = dt.timedelta(days=3 * 366)
GROUP_CHOICES = [
    ("provider", _("provider")),
    ("district", _("district")),
    ("doctor", _("doctor")),
]


class DateInput(forms.DateInput):
    input_type = "date"


def _date_field(label: Any) -> forms.DateField:
    return forms.DateField(label=label, required=False, widget=DateInput(format="%Y-%m-%d"))


class ReportForm(forms.Form):
    """A provider among those the reader sees (by BIN; empty: all of them)."""

    provider = forms.ChoiceField(label=_("Provider"), required=False)

    def __init__(self, *args: Any, providers: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["provider"]
        assert isinstance(field, forms.ChoiceField)
        all_label = _("all providers in your scope") if len(providers) > 1 else _("your provider")
        field.choices = [("", all_label), *providers]
        # One provider, nothing to choose: the select stays for a stable page, one option.
        if len(providers) == 1:
            field.choices = providers

    def _check_day(self, name: str, day: dt.date | None) -> dt.date | None:
        if day is not None and not EARLIEST <= day <= today() + dt.timedelta(days=366):
            self.add_error(name, _("Choose a day from 1990 to next year."))
        return day

    def params(self) -> dict[str, str]:
        """The cleaned parameters as strings (what a background run keeps)."""
        return {
            k: v.isoformat() if isinstance(v, dt.date) else str(v or "")
            for k, v in self.cleaned_data.items()
        }


class AsOfForm(ReportForm):
    as_of = _date_field(_("As of"))

    def clean_as_of(self) -> dt.date:
        return self._check_day("as_of", self.cleaned_data.get("as_of")) or today()


class PopulationForm(AsOfForm):
    by = forms.ChoiceField(label=_("Group by"), choices=GROUP_CHOICES, required=False)

    def clean_by(self) -> str:
        return self.cleaned_data.get("by") or "provider"


class PeriodForm(ReportForm):
    first = _date_field(_("From"))
    last = _date_field(_("To"))
    default_days = 365

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        last = self._check_day("last", data.get("last")) or today()
        first = self._check_day("first", data.get("first")) or last - dt.timedelta(
            days=self.default_days - 1
        )
        if first > last:
            self.add_error("first", _("The period starts after it ends."))
        elif last - first > LONGEST_PERIOD:
            self.add_error("first", _("Choose a period of at most three years."))
        data["first"], data["last"] = first, last
        return data


class MovementForm(PeriodForm):
    default_days = 365


class ServiceForm(PeriodForm):
    default_days = 30
