"""What the report pages show beside the tables: the charts, drawn from the same figures, and
a few shapes only a page needs. Pure shaping of what the reports return."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from bekitu.reports import charts
from bekitu.reports.catalog import KINDS, Made
from bekitu.reports.labels import SEXES, district_kind_label, sex_label
from bekitu.reports.load import LoadReport
from bekitu.reports.models import ReportRun
from bekitu.reports.movement import MovementReport, reason_label
from bekitu.reports.population import PopulationReport
from bekitu.reports.quality import BREACH_SORTS, ServiceReport, breach_list, sorted_breaches
from bekitu.reports.tables import Column, Table

BREACHES_PER_PAGE = 50  # REPORTS_BREACHES_PER_PAGE in the settings overrides it


def context(kind: str, made: Made) -> dict[str, Any]:
    """The charts and page tables of a report."""
    shape = SHAPES[kind]
    page = {"tables": {t.key: t for t in made.tables.tables}, **shape(made.figures)}
    if kind == "attached-population":
        page["places"] = population_places(made.figures, made.tables.params["by"])
    return page


def _population(report: PopulationReport) -> dict[str, Any]:
    rows = report.pyramid()
    desc = _("Persons attached on %(day)s by age band: %(bands)s.") % {
        "day": date_format(report.as_of),
        "bands": "; ".join(
            f"{b}: {m} {sex_label('male')}, {f} {sex_label('female')}" for b, m, f in rows
        ),
    }
    svg = charts.pyramid_svg(
        rows,
        chart_id="pyramid-chart",
        title=_("Population pyramid"),
        desc=desc,
        male=sex_label("male"),
        female=sex_label("female"),
    )
    return {
        "pyramid_svg": svg,
        "total": report.total,
        "edition": report.edition,
        "as_of": report.as_of,
    }


def population_places(report: PopulationReport, group: str) -> Table:
    """The places of the group with persons per band (both sexes), then men, women, total:
    narrower than the export's band × sex columns."""
    places = Table(
        "places",
        "",
        [Column("place", _("Place"))]
        + [Column(b, b, "int") for b in report.edition.labels]
        + [Column(s, sex_label(s), "int") for s in SEXES]
        + [Column("total", _("Total"), "int")],
    )
    for place, counts in report.grouped(group):
        name = place.provider_name
        if group == "district":
            name += " · " + (
                f"№{place.district_number} {district_kind_label(place.district_kind)}"
                if place.district_number
                else _("no district")
            )
        if group == "doctor":
            name += " · " + place.doctor
        bands = [sum(counts.get((s, b), 0) for s in SEXES) for b in report.edition.labels]
        sexes = [sum(v for (s, _b), v in counts.items() if s == sex) for sex in SEXES]
        places.rows.append([name, *bands, *sexes, sum(sexes)])
    return places


def _movement(report: MovementReport) -> dict[str, Any]:
    labels: dict[str, str] = {"first": _("first attachment")}
    flows = []
    for source, target, reason, n in report.flows():
        a = str(source) if source is not None else "first"
        b = str(target) if target is not None else f"end:{reason}"
        for key, pid in ((a, source), (b, target)):
            if pid is not None:
                labels[key] = report.names.get(pid, ("", str(pid)))[1]
        if target is None:
            labels[b] = _("ended: %(reason)s") % {"reason": reason_label(reason)}
        flows.append((a, b, n))
    desc = _(
        "The largest flows of persons between providers from %(first)s to %(last)s; the "
        "table below lists them all."
    ) % {"first": date_format(report.first), "last": date_format(report.last)}
    svg = (
        charts.flows_svg(
            flows, labels, chart_id="flows-chart", title=_("Flows between providers"), desc=desc
        )
        if flows
        else ""
    )
    return {"flows_svg": svg, "report": report}


def _service(report: ServiceReport) -> dict[str, Any]:
    weeks = [(w.monday.strftime("%d.%m"), w.received, w.share_in_time) for w in report.weeks]
    desc = "; ".join(
        _("week from %(day)s: %(n)s received, %(share)s decided in time")
        % {
            "day": date_format(w.monday),
            "n": w.received,
            "share": "—" if w.share_in_time is None else f"{w.share_in_time:.0%}",
        }
        for w in report.weeks
    )
    svg = (
        charts.trend_svg(
            weeks,
            chart_id="trend-chart",
            title=_("The term by week"),
            desc=desc,
            count_label=_("Applications received"),
            share_label=_("Share decided in time"),
        )
        if weeks
        else ""
    )
    return {"trend_svg": svg, "report": report}


def breach_page(made: Made, query: Mapping[str, str], params: Mapping[str, Any]) -> dict[str, Any]:
    """One page of the service report's breaches, sorted as asked (`breaches_sort`, page
    `breaches_page`), and what the sort form and the page links carry over."""
    report: ServiceReport = made.figures
    sort = query.get("breaches_sort", "")
    sort = sort if sort in BREACH_SORTS else "due"
    per_page = int(getattr(settings, "REPORTS_BREACHES_PER_PAGE", BREACHES_PER_PAGE))
    page = Paginator(sorted_breaches(report, sort), per_page).get_page(query.get("breaches_page"))
    kept = [(name, str(value)) for name, value in params.items() if value not in (None, "")]
    return {
        "breach_table": breach_list(report, list(page.object_list)),
        "breach_page": page,
        "breach_sort": sort,
        "breach_sorts": [(key, str(label)) for key, label in BREACH_SORTS.items()],
        "breach_params": kept,
        "breach_query": urlencode([*kept, ("breaches_sort", sort)]),
    }


def _load(report: LoadReport) -> dict[str, Any]:
    rows = [
        (district_kind_label(kind), 100 * attached / normative if normative else 0.0)
        for kind, _n, attached, normative, _o, _u in report.by_kind()
    ]
    desc = "; ".join(f"{label}: {value:.0f} %" for label, value in rows)
    svg = (
        charts.bars_svg(
            rows,
            chart_id="load-chart",
            title=_("Load by kind of district"),
            desc=desc,
            reference=100.0,
        )
        if rows
        else ""
    )
    return {"load_svg": svg, "report": report}


def run_status(run: ReportRun) -> dict[str, Any]:
    """What the export page's script follows: status, its label, progress, and the file."""
    ready = run.status == ReportRun.Status.DONE
    return {
        "status": run.status,
        "label": str(ReportRun.Status(run.status).label),
        "progress": run.progress,
        "error": run.error,
        "file": reverse("reports:export-file", args=[run.pk]) if ready else None,
        "size": run.size,
    }


def download_name(run: ReportRun) -> str:
    """e.g. attached-population-2026-11-27.xlsx"""
    day = run.params.get("as_of") or run.params.get("last") or ""
    table = f"-{run.params['table']}" if run.format == "csv" and run.params.get("table") else ""
    return f"{run.kind}{table}-{day}.{run.format}".replace("--", "-")


def run_params(run: ReportRun) -> list[tuple[str, str]]:
    """The export's parameters with their labels in the page's language."""
    fields = KINDS[run.kind].form.base_fields
    labels = {name: str(field.label) for name, field in fields.items()}
    labels["table"] = _("CSV table")
    return [(labels.get(name, name), str(value or "—")) for name, value in run.params.items()]


SHAPES: dict[str, Callable[[Any], dict[str, Any]]] = {
    "attached-population": _population,
    "movement": _movement,
    "service": _service,
    "district-load": _load,
}
