"""Data-quality checks of the register a regional health department runs.

Each check is a read that names what needs a person's attention: districts above their
normative size, attachments that should have ended (death, emigration, a closed provider),
attachments without a district, and inhabited addresses no district covers. Filter by a
KATO prefix to see one region, district or city (as a regional administrator's scope does).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from bekitu.registry.models import Address, Attachment, District, Person, ServiceArea
from bekitu.registry.selectors import today


def district_loads(*, on: dt.date | None = None, kato_prefix: str = "") -> QuerySet[District]:
    """Districts of open providers annotated with `attached` (persons in force on the day)."""
    day = on or today()
    attached = (
        Attachment.objects.in_force(day)
        .filter(district=OuterRef("pk"))
        .order_by()
        .values("district")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        District.objects.filter(
            provider__is_active=True, provider__atu_code__startswith=kato_prefix
        )
        .annotate(attached=Coalesce(Subquery(attached), 0))
        .select_related("provider", "doctor")
        .order_by("provider__name_ru", "number")
    )


def districts_over_norm(
    *, on: dt.date | None = None, kato_prefix: str = "", tolerance_percent: int = 0
) -> QuerySet[District]:
    """Districts whose attached population exceeds the normative size (plus a tolerance)."""
    limit = F("normative_size") * (100 + tolerance_percent) / 100
    loads = district_loads(on=on, kato_prefix=kato_prefix)
    return loads.filter(attached__gt=limit)  # type: ignore[misc]  # an annotation


def _running(day: dt.date, kato_prefix: str) -> QuerySet[Attachment]:
    return (
        Attachment.objects.in_force(day)
        .filter(provider__atu_code__startswith=kato_prefix)
        .select_related("person", "provider", "district")
    )


def attachments_of_departed(
    *, on: dt.date | None = None, kato_prefix: str = ""
) -> QuerySet[Attachment]:
    """Attachments still in force of persons who died or left the country by the day."""
    day = on or today()
    departed = Q(person__death_date__lte=day) | Q(person__emigrated_on__lte=day)
    return _running(day, kato_prefix).filter(departed).order_by("pk")


def attachments_at_closed_providers(
    *, on: dt.date | None = None, kato_prefix: str = ""
) -> QuerySet[Attachment]:
    """Attachments in force at providers marked closed (provider_close was bypassed)."""
    day = on or today()
    return _running(day, kato_prefix).filter(provider__is_active=False).order_by("pk")


def attachments_without_district(
    *, on: dt.date | None = None, kato_prefix: str = ""
) -> QuerySet[Attachment]:
    """Attachments in force that name no district, so no doctor answers for the person."""
    day = on or today()
    return _running(day, kato_prefix).filter(district__isnull=True).order_by("pk")


def addresses_uncovered(*, kato_prefix: str = "") -> QuerySet[Address]:
    """Addresses where someone lives that no district of an open provider covers."""
    covering = ServiceArea.objects.filter(
        street=OuterRef("street"),
        house_from__lte=OuterRef("house"),
        house_to__gte=OuterRef("house"),
        district__provider__is_active=True,
    )
    return (
        Address.objects.filter(street__locality__atu_code__startswith=kato_prefix)
        .filter(Exists(Person.objects.filter(address=OuterRef("pk"))))
        .exclude(Exists(covering))
        .select_related("street__locality")
        .order_by("pk")
    )


@dataclass(frozen=True)
class QualityReport:
    """How many items each check found, on one day, in one territory."""

    on: dt.date
    kato_prefix: str
    districts_over_norm: int
    attachments_of_departed: int
    attachments_at_closed_providers: int
    attachments_without_district: int
    addresses_uncovered: int

    @property
    def clean(self) -> bool:
        return not any(
            (
                self.districts_over_norm,
                self.attachments_of_departed,
                self.attachments_at_closed_providers,
                self.attachments_without_district,
                self.addresses_uncovered,
            )
        )


def quality_report(
    *, on: dt.date | None = None, kato_prefix: str = "", tolerance_percent: int = 0
) -> QualityReport:
    """Run every check and count what it found (one query per check)."""
    day = on or today()
    return QualityReport(
        on=day,
        kato_prefix=kato_prefix,
        districts_over_norm=districts_over_norm(
            on=day, kato_prefix=kato_prefix, tolerance_percent=tolerance_percent
        ).count(),
        attachments_of_departed=attachments_of_departed(on=day, kato_prefix=kato_prefix).count(),
        attachments_at_closed_providers=attachments_at_closed_providers(
            on=day, kato_prefix=kato_prefix
        ).count(),
        attachments_without_district=attachments_without_district(
            on=day, kato_prefix=kato_prefix
        ).count(),
        addresses_uncovered=addresses_uncovered(kato_prefix=kato_prefix).count(),
    )
