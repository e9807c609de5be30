"""The forms of the regional administrator's re-attachment pages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bekitu.service.reattachment.models import Reattachment
from bekitu.workstation.forms import DayField

if TYPE_CHECKING:
    from collections.abc import Iterable

    from bekitu.registry.models import District, Provider


class PlanForm(forms.Form):
    """A new plan: which provider, why, from which day."""

    provider = forms.TypedChoiceField(label=_("Provider"), coerce=int)
    kind = forms.ChoiceField(
        label=_("Why"), choices=Reattachment.Kind.choices, widget=forms.RadioSelect
    )
    on = DayField(label=_("Re-attached from (the day the provider closes)"))

    def __init__(self, *args: Any, providers: Iterable[Provider], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(p.pk, f"{p.name} ({p.bin})") for p in providers]
        provider = self.fields["provider"]
        assert isinstance(provider, forms.ChoiceField)
        provider.choices = [("", _("Choose the provider")), *choices]


class AssignForm(forms.Form):
    """Send the ticked persons to a district chosen by hand."""

    persons = forms.TypedMultipleChoiceField(
        label=_("Persons"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    district = forms.TypedChoiceField(label=_("District"), coerce=int)

    def __init__(
        self,
        *args: Any,
        persons: Iterable[tuple[int, str]],
        districts: Iterable[District],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        chosen, district = self.fields["persons"], self.fields["district"]
        assert isinstance(chosen, forms.ChoiceField) and isinstance(district, forms.ChoiceField)
        chosen.choices = list(persons)
        district.choices = [("", _("Choose the district"))] + [
            (d.pk, f"{d.provider.name}: {d}") for d in districts
        ]
