"""The four reports by name, made the same way for the pages, the API, the command and the
background worker: parameters checked by the report's form, figures counted for the
providers in the reader's scope, the result as tables (and the figures the charts need)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from bekitu.registry.selectors import providers_of
from bekitu.reports.forms import AsOfForm as LoadForm
from bekitu.reports.forms import MovementForm, PopulationForm, ReportForm, ServiceForm
from bekitu.reports.load import district_load, load_tables
from bekitu.reports.movement import movement, movement_tables
from bekitu.reports.population import attached_population, population_tables
from bekitu.reports.quality import service_report, service_tables
from bekitu.reports.tables import ReportTables


@dataclass(frozen=True)
class Kind:
    slug: str
    title: Promise
    summary: Promise
    form: type[ReportForm]


KINDS = {
    k.slug: k
    for k in (
        Kind(
            "attached-population",
            _("Attached population"),
            _(
                "As of a day, by provider, district and doctor, by sex and age band, with the "
                "population pyramid."
            ),
            PopulationForm,
        ),
        Kind(
            "movement",
            _("Movement"),
            _(
                "Attachments gained and lost per provider and month, where from and where to, "
                "why, and the campaign's results."
            ),
            MovementForm,
        ),
        Kind(
            "service",
            _("The service"),
            _(
                "Applications by channel and outcome, refusals by reason, the term step by step, "
                "by week, and its breaches."
            ),
            ServiceForm,
        ),
        Kind(
            "district-load",
            _("District load"),
            _("Districts against their normative size: overloaded and underloaded, by kind."),
            LoadForm,
        ),
    )
}


def provider_choices(provider_ids: frozenset[int] | None) -> list[tuple[str, str]]:
    """(BIN, name) of the providers, by name: the choices of a report's provider field."""
    return [(p.bin, f"{p.name} ({p.bin})") for p in providers_of(ids=provider_ids)]


def report_form(kind: str, data: Any, provider_ids: frozenset[int] | None) -> ReportForm:
    """The report's form, bound to the data, offering the providers in scope."""
    return KINDS[kind].form(data, providers=provider_choices(provider_ids))


def narrowed(params: dict[str, Any], provider_ids: frozenset[int] | None) -> frozenset[int] | None:
    """The providers a report counts: the one chosen by BIN, else the whole scope. The form
    already refused a BIN outside the scope."""
    chosen = params.get("provider") or ""
    if not chosen:
        return provider_ids
    return frozenset(providers_of(ids=provider_ids).filter(bin=chosen).values_list("pk", flat=True))


@dataclass
class Made:
    """A report made: its figures (for the charts) and its tables."""

    figures: Any
    tables: ReportTables


def make_report(
    kind: str,
    params: dict[str, Any],
    provider_ids: frozenset[int] | None,
    *,
    regional: bool,
    aggregates_only: bool = False,
) -> Made:
    """Count a report with cleaned parameters for the providers (all if None). A region-wide
    export asks for `aggregates_only`: no list that names applications."""
    ids = narrowed(params, provider_ids)
    if kind == "attached-population":
        population = attached_population(as_of=_day(params["as_of"]), provider_ids=ids)
        return Made(population, population_tables(population, params.get("by") or "provider"))
    if kind == "district-load":
        load = district_load(as_of=_day(params["as_of"]), provider_ids=ids)
        return Made(load, load_tables(load))
    first, last = _day(params["first"]), _day(params["last"])
    if kind == "movement":
        moves = movement(first=first, last=last, provider_ids=ids)
        return Made(moves, movement_tables(moves))
    if kind == "service":
        service = service_report(first=first, last=last, provider_ids=ids, regional=regional)
        return Made(service, service_tables(service, with_list=not aggregates_only))
    raise KeyError(kind)


def _day(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
