"""Report 1: the attached population as of a day, by provider, district and doctor, by sex and
age band, counted from the attachments' history.

An attachment is in force on day D when `valid_from <= D` and it has no end or ends after D;
age is in completed years on D; the bands are the edition in force on D. The database does
the counting: ages become comparisons of birth dates with each band's cutoff, so one grouped
query answers for any number of persons.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Value, When
from django.utils.translation import gettext as _

from bekitu.registry.selectors import attachments_in_force, districts_of, providers_of
from bekitu.reports.bands import BandEdition
from bekitu.reports.labels import NO_DISTRICT, NO_DOCTOR, SEXES, district_kind_label, sex_label
from bekitu.reports.selectors import band_edition_on
from bekitu.reports.tables import Cell as TableValue
from bekitu.reports.tables import Column, ReportTables, Table

GROUPS = ("provider", "district", "doctor")


@dataclass(frozen=True)
class CellCount:
    provider_id: int
    district_id: int | None
    sex: str
    band: str
    count: int


@dataclass(frozen=True)
class Place:
    """A provider, or a district with its doctor, as the report names it."""

    provider_id: int
    provider_bin: str
    provider_name: str
    district_number: int | None = None
    district_kind: str = ""
    doctor: str = ""


@dataclass
class PopulationReport:
    as_of: dt.date
    edition: BandEdition
    providers: dict[int, Place]
    districts: dict[int, Place]
    cells: list[CellCount]

    @property
    def total(self) -> int:
        return sum(c.count for c in self.cells)

    def by_sex_band(self) -> dict[tuple[str, str], int]:
        """Persons per (sex, band) over the whole report."""
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for c in self.cells:
            counts[(c.sex, c.band)] += c.count
        return counts

    def pyramid(self) -> list[tuple[str, int, int]]:
        """(band, men, women) for every band of the edition, youngest first."""
        counts = self.by_sex_band()
        return [(b, counts[("male", b)], counts[("female", b)]) for b in self.edition.labels]

    def place_of(self, cell: CellCount, group: str) -> Place:
        """Where a cell is counted when the report is grouped by provider, district or doctor
        (the district's doctor today: the register keeps no history of doctors)."""
        provider = self.providers[cell.provider_id]
        district = self.districts.get(cell.district_id) if cell.district_id else None
        if group == "district" and district is not None:
            return district
        if group == "doctor":
            doctor = district.doctor if district is not None else ""
            return Place(
                provider.provider_id,
                provider.provider_bin,
                provider.provider_name,
                doctor=doctor or str(NO_DOCTOR),
            )
        return provider

    def grouped(self, group: str) -> list[tuple[Place, dict[tuple[str, str], int]]]:
        """Per place of the group, persons per (sex, band); places in the providers' order."""
        counts: dict[Place, dict[tuple[str, str], int]] = defaultdict(lambda: defaultdict(int))
        for cell in self.cells:
            counts[self.place_of(cell, group)][(cell.sex, cell.band)] += cell.count
        order = {pid: i for i, pid in enumerate(self.providers)}
        return sorted(
            counts.items(),
            key=lambda item: (
                order[item[0].provider_id],
                item[0].district_number or 0,
                item[0].doctor,
            ),
        )


def _band_case(edition: BandEdition, day: dt.date) -> Case:
    whens = [
        When(person__birth_date__gt=cutoff, then=Value(i))
        for i, (cutoff, _band) in enumerate(edition.birth_cutoffs(day))
    ]
    return Case(*whens, default=Value(len(edition.bands) - 1), output_field=IntegerField())


def population_cells(*, as_of: dt.date, provider_ids: frozenset[int] | None) -> list[CellCount]:
    """Persons attached on the day, by provider, district, sex and age band (non-empty
    cells only), in one grouped query."""
    edition = band_edition_on(as_of)
    rows = (
        attachments_in_force(on=as_of, provider_ids=provider_ids)
        .annotate(band=_band_case(edition, as_of))
        .values("provider_id", "district_id", "person__sex", "band")
        .annotate(n=Count("pk"))
    )
    labels = edition.labels
    return [
        CellCount(r["provider_id"], r["district_id"], r["person__sex"], labels[r["band"]], r["n"])
        for r in rows
    ]


def attached_population(*, as_of: dt.date, provider_ids: frozenset[int] | None) -> PopulationReport:
    """The report as of a day for the providers (all if None)."""
    providers = {p.pk: Place(p.pk, p.bin, p.name) for p in providers_of(ids=provider_ids)}
    districts = {
        d.pk: Place(
            d.provider_id,
            d.provider.bin,
            d.provider.name,
            d.number,
            d.kind,
            d.doctor.full_name if d.doctor else "",
        )
        for d in districts_of(provider_ids=list(providers))
    }
    cells = population_cells(as_of=as_of, provider_ids=provider_ids)
    return PopulationReport(as_of, band_edition_on(as_of), providers, districts, cells)


def _sex_band_columns(edition: BandEdition) -> list[Column]:
    columns = []
    for band in edition.labels:
        for sex in SEXES:
            columns.append(Column(f"{sex}_{band}", f"{band}: {sex_label(sex)}", "int"))
    return columns


def population_tables(report: PopulationReport, group: str = "provider") -> ReportTables:
    """The report as tables: the pyramid (band × sex), the places of the group with their
    counts per band and sex, and the long form (one row per non-empty cell) for machines."""
    pyramid = Table(
        "pyramid",
        _("By sex and age"),
        [
            Column("age_band", _("Age band")),
            Column("male", sex_label("male"), "int"),
            Column("female", sex_label("female"), "int"),
            Column("total", _("Total"), "int"),
        ],
    )
    for band, men, women in report.pyramid():
        pyramid.rows.append([band, men, women, men + women])
    pyramid.rows.append([_("Total"), *_totals(report)])
    places = Table(
        "places",
        _group_title(group),
        [
            *_place_columns(group),
            *_sex_band_columns(report.edition),
            Column("total", _("Total"), "int"),
        ],
    )
    for place, counts in report.grouped(group):
        values = [counts.get((sex, band), 0) for band in report.edition.labels for sex in SEXES]
        places.rows.append([*_place_cells(place, group), *values, sum(values)])
    return ReportTables(
        kind="attached-population",
        title=_("Attached population"),
        params={"as_of": report.as_of.isoformat(), "bands": report.edition.text, "by": group},
        tables=[pyramid, places, cells_table(report)],
    )


def cells_table(report: PopulationReport) -> Table:
    """One row per non-empty (provider, sex, band): the contract of `bekitu report
    attached-population` (header provider_bin,sex,age_band,count)."""
    table = Table(
        "cells",
        _("Cells by provider"),
        [
            Column("provider_bin", _("BIN")),
            Column("sex", _("Sex")),
            Column("age_band", _("Age band")),
            Column("count", _("Persons"), "int"),
        ],
    )
    counts: dict[tuple[int, str, str], int] = defaultdict(int)
    for c in report.cells:
        counts[(c.provider_id, c.sex, c.band)] += c.count
    band_order = {b: i for i, b in enumerate(report.edition.labels)}
    for pid, place in report.providers.items():
        for sex in SEXES:
            for band in sorted(
                {k[2] for k in counts if k[:2] == (pid, sex)}, key=lambda b: band_order[b]
            ):
                table.rows.append([place.provider_bin, sex, band, counts[(pid, sex, band)]])
    return table


def _totals(report: PopulationReport) -> list[int]:
    counts = report.by_sex_band()
    men = sum(v for (sex, _b), v in counts.items() if sex == "male")
    women = sum(v for (sex, _b), v in counts.items() if sex == "female")
    return [men, women, men + women]


def _group_title(group: str) -> str:
    return {
        "provider": _("By provider"),
        "district": _("By district"),
        "doctor": _("By doctor"),
    }[group]


def _place_columns(group: str) -> list[Column]:
    columns = [Column("provider_bin", _("BIN")), Column("provider", _("Provider"))]
    if group == "district":
        columns += [Column("district", _("District"), "int"), Column("kind", _("Kind"))]
    if group in ("district", "doctor"):
        columns.append(Column("doctor", _("Doctor")))
    return columns


def _place_cells(place: Place, group: str) -> list[TableValue]:
    cells: list[TableValue] = [place.provider_bin, place.provider_name]
    if group == "district":
        if place.district_number is None:
            cells += [None, str(NO_DISTRICT)]
        else:
            cells += [place.district_number, district_kind_label(place.district_kind)]
    if group in ("district", "doctor"):
        cells.append(place.doctor)
    return cells
