"""The handbook's public pages (R11: published on the portal and the provider's site): the
three diagrams in the viewer, each element's clauses, role and duration, the `.bpmn` files,
the printable handbook; and, for the head of a provider and the region, the running process
on the diagram (process mining from the service's own step records)."""

from __future__ import annotations

import datetime as dt
import functools
from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from bekitu.core.audit import audit_context
from bekitu.handbook.bpmnxml import diagram_xml
from bekitu.handbook.content import elements
from bekitu.handbook.diagrams import DIAGRAMS, bpmn_path
from bekitu.handbook.mining import channels_of, diagram_figures
from bekitu.handbook.model import Diagram
from bekitu.handbook.pdf import handbook_pdf
from bekitu.workstation.staff import Role, StaffScope, scope_for

if TYPE_CHECKING:
    from bekitu.registry.models import Provider

# The languages the handbook is printed in: those of the regulation's publication.
PRINTED_LANGUAGES = ("kk", "ru")
# Who sees the running process on the diagram: the head of a provider and the region.
MINING_ROLES = frozenset({Role.HEAD, Role.REGIONAL_ADMIN})
MINING_DAYS = 30  # the period shown until another is chosen


class MiningForm(forms.Form):
    """The period (and, for the region, the provider) whose steps are shown on the diagram."""

    since = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    until = forms.DateField(
        label=_("To (inclusive)"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    provider: forms.ModelChoiceField[Provider] = forms.ModelChoiceField(
        queryset=None,  # the staff member's providers, set in __init__
        required=False,
        to_field_name="bin",
        label=_("Provider"),
        empty_label=_("All providers in scope"),
    )

    def __init__(self, *args: Any, providers: QuerySet[Provider], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers.order_by("bin")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError(_("The period must start before it ends."))
        if since and until and (until - since).days > 366:
            raise forms.ValidationError(_("Choose a period of at most a year."))
        return data


def _language() -> str:
    return (get_language() or "en")[:2]


def _diagram(diagram_id: str) -> Diagram:
    try:
        return DIAGRAMS[diagram_id]
    except KeyError:
        raise Http404 from None


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _mining(request: HttpRequest, shown: Diagram, names: dict[str, str]) -> dict[str, Any]:
    """The form and the figures of the running process, for those who may see them."""
    scope: StaffScope | None = scope_for(request.user)
    if not channels_of(shown) or scope is None or scope.role not in MINING_ROLES:
        return {}
    today = timezone.localdate()
    initial = {"since": today - dt.timedelta(days=MINING_DAYS - 1), "until": today}
    asked = "since" in request.GET
    form = MiningForm(request.GET if asked else None, initial=initial, providers=scope.providers())
    if asked and not form.is_valid():
        return {"mining_form": form}
    chosen = form.cleaned_data if asked else {**initial, "provider": None}
    provider = chosen["provider"]
    with audit_context(actor=scope.actor, channel="desk"):
        figures = diagram_figures(
            shown,
            scope=scope,
            provider_id=provider.pk if provider else None,
            since=_day_start(chosen["since"]),
            until=_day_start(chosen["until"] + dt.timedelta(days=1)),
        )
    rows = [{"name": names.get(f.element, f.element), "figures": f} for f in figures]
    data = {f.element: {"label": f.label(), "late": f.breach_share} for f in figures}
    return {"mining_form": form, "mining_rows": rows, "mining_data": data}


def index(request: HttpRequest) -> HttpResponse:
    language = _language()
    items = [{"diagram": d, "title": d.title.get(language)} for d in DIAGRAMS.values()]
    return render(request, "handbook/index.html", {"items": items})


def diagram(request: HttpRequest, diagram_id: str) -> HttpResponse:
    """One diagram in the viewer, with the table of its elements beside it."""
    shown = _diagram(diagram_id)
    language = _language()
    listed = elements(shown, language)
    context = {
        "diagram": shown,
        "title": shown.title.get(language),
        "elements": listed,
        "element_info": {e.id: e.as_json() for e in listed},
        **_mining(request, shown, {e.id: e.name for e in listed}),
    }
    return render(request, "handbook/diagram.html", context)


def diagram_source(request: HttpRequest, diagram_id: str) -> HttpResponse:
    """The diagram in the page's language, for the viewer."""
    xml = _translated(_diagram(diagram_id).id, _language())
    return HttpResponse(xml, content_type="application/xml; charset=utf-8")


def diagram_download(request: HttpRequest, file_name: str) -> HttpResponse:
    """The published file (names in Russian), as any modelling tool opens it."""
    found = next((d for d in DIAGRAMS.values() if d.file_name == file_name), None)
    if found is None:
        raise Http404
    response = HttpResponse(bpmn_path(found).read_bytes(), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{found.file_name}"'
    return response


# The handbook changes only with the code: render each document once per process, so that a
# public address does not cost seconds of CPU per request.
@functools.lru_cache(maxsize=len(PRINTED_LANGUAGES))
def _printed(language: str) -> bytes:
    return handbook_pdf(language)


@functools.lru_cache(maxsize=len(DIAGRAMS) * 3)
def _translated(diagram_id: str, language: str) -> bytes:
    return diagram_xml(DIAGRAMS[diagram_id], language)


def handbook_download(request: HttpRequest, language: str) -> HttpResponse:
    """The printable handbook in Kazakh or Russian."""
    if language not in PRINTED_LANGUAGES:
        raise Http404
    response = HttpResponse(_printed(language), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="handbook-{language}.pdf"'
    return response
