"""Report 4: the load of districts against their normative size, as of a day: the persons
attached to each district, its share of the normative size, and whether it is overloaded or
underloaded by more than the tolerance (BEKITU_REPORTS_LOAD_TOLERANCE), by kind of district."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bekitu.registry.selectors import attachments_in_force, districts_of
from bekitu.reports.labels import district_kind_codes, district_kind_label
from bekitu.reports.tables import Column, ReportTables, Table

OVER, UNDER, WITHIN = "over", "under", "within"
STATUS_LABELS = {
    OVER: gettext_lazy("overloaded"),
    UNDER: gettext_lazy("underloaded"),
    WITHIN: gettext_lazy("within the norm"),
}


def load_status(attached: int, normative: int, tolerance: float) -> str:
    """Over when above the normative size by more than the tolerance (a share, 0.1 = 10 %),
    under when below it by more, within otherwise."""
    if normative <= 0:
        return OVER if attached else WITHIN
    ratio = attached / normative
    if ratio > 1 + tolerance:
        return OVER
    if ratio < 1 - tolerance:
        return UNDER
    return WITHIN


@dataclass(frozen=True)
class DistrictLoad:
    provider_id: int
    provider_bin: str
    provider_name: str
    number: int
    kind: str
    doctor: str
    normative: int
    attached: int
    status: str

    @property
    def ratio(self) -> float | None:
        return self.attached / self.normative if self.normative else None


@dataclass
class LoadReport:
    as_of: dt.date
    tolerance: float
    districts: list[DistrictLoad]
    without_district: int  # attached to a provider in scope with no district

    def by_kind(self) -> list[tuple[str, int, int, int, int, int]]:
        """(kind, districts, attached, normative, over, under) per kind of district."""
        rows = []
        for kind in district_kind_codes():
            of_kind = [d for d in self.districts if d.kind == kind]
            if of_kind:
                rows.append(
                    (
                        kind,
                        len(of_kind),
                        sum(d.attached for d in of_kind),
                        sum(d.normative for d in of_kind),
                        sum(d.status == OVER for d in of_kind),
                        sum(d.status == UNDER for d in of_kind),
                    )
                )
        return rows


def district_load(*, as_of: dt.date, provider_ids: frozenset[int] | None) -> LoadReport:
    """Every district of the providers (all if None) with its attached persons on the day."""
    counts = {
        r["district_id"]: r["n"]
        for r in attachments_in_force(on=as_of, provider_ids=provider_ids)
        .values("district_id")
        .annotate(n=Count("pk"))
    }
    tolerance = settings.REPORTS_LOAD_TOLERANCE / 100
    districts = []
    for d in districts_of(provider_ids=provider_ids):
        attached = counts.get(d.pk, 0)
        districts.append(
            DistrictLoad(
                d.provider_id,
                d.provider.bin,
                d.provider.name,
                d.number,
                d.kind,
                d.doctor.full_name if d.doctor else "",
                d.normative_size,
                attached,
                load_status(attached, d.normative_size, tolerance),
            )
        )
    return LoadReport(as_of, tolerance, districts, counts.get(None, 0))


def load_tables(report: LoadReport) -> ReportTables:
    """The summary by kind and the list of districts, the most loaded first."""
    kinds = Table(
        "kinds",
        _("Load by kind of district"),
        [
            Column("kind", _("Kind")),
            Column("kind_label", _("Kind (text)")),
            Column("districts", _("Districts"), "int"),
            Column("attached", _("Attached"), "int"),
            Column("normative", _("Normative size"), "int"),
            Column("load", _("Load"), "share"),
            Column("over", _("Overloaded"), "int"),
            Column("under", _("Underloaded"), "int"),
        ],
    )
    for kind, n, attached, normative, over, under in report.by_kind():
        load = attached / normative if normative else None
        kinds.rows.append(
            [kind, district_kind_label(kind), n, attached, normative, load, over, under]
        )
    districts = Table(
        "districts",
        _("Districts"),
        [
            Column("provider_bin", _("BIN")),
            Column("provider", _("Provider")),
            Column("district", _("District"), "int"),
            Column("kind", _("Kind")),
            Column("doctor", _("Doctor")),
            Column("normative", _("Normative size"), "int"),
            Column("attached", _("Attached"), "int"),
            Column("load", _("Load"), "share"),
            Column("status", _("Status")),
            Column("status_label", _("Status (text)")),
        ],
    )
    ordered = sorted(report.districts, key=lambda d: (-(d.ratio or 0), d.provider_name, d.number))
    for d in ordered:
        districts.rows.append(
            [
                d.provider_bin,
                d.provider_name,
                d.number,
                district_kind_label(d.kind),
                d.doctor,
                d.normative,
                d.attached,
                d.ratio,
                d.status,
                str(STATUS_LABELS[d.status]),
            ]
        )
    return ReportTables(
        kind="district-load",
        title=_("Load of districts"),
        params={
            "as_of": report.as_of.isoformat(),
            "tolerance": f"{round(report.tolerance * 100)}%",
        },
        tables=[kinds, districts],
    )
