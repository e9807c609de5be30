"""Reads from the register of attached population.

A read that returns a person's own data (identity, address) writes an audit row
"registry.person.read"; attachment reads take a Person the caller has already read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from bekitu.core.audit import audit_record, in_statement
from bekitu.registry import lookup
from bekitu.registry.models import (
    Address,
    Attachment,
    AttachmentQuerySet,
    District,
    Locality,
    Person,
    PersonRelation,
    Provider,
    ServiceArea,
    Street,
)

if TYPE_CHECKING:
    from bekitu.core.calendar import WorkingHours


def today() -> dt.date:
    """Today in the service's time zone (Asia/Almaty by default)."""
    return timezone.localdate(timezone.now(), ZoneInfo(settings.TIME_ZONE))


def _persons() -> QuerySet[Person]:
    return Person.objects.select_related("address__street__locality")


def person_read_audit(person: Person, via: str) -> None:
    """Audit that the person's data was read, and how they were found (`via`)."""
    audit_record(
        action="registry.person.read",
        object_type="registry.person",
        object_id=person.pk,
        subject_iin=person.iin,
        data={"via": via},
    )


def person_get_by_iin(iin: str) -> Person | None:
    """The person with this IIN (with address, street and locality), or None; audited. On
    PostgreSQL one prepared statement reads and appends the audit row (`registry.lookup`)."""
    if in_statement():
        return lookup.person_by_iin(iin)[0]
    person = _persons().filter(iin=iin).first()
    if person is not None:
        person_read_audit(person, "iin")
    return person


def person_current_by_iin(
    iin: str, *, on: dt.date | None = None
) -> tuple[Person | None, Attachment | None]:
    """`person_get_by_iin` and the person's `attachment_current` on the day (default today):
    on PostgreSQL one round trip with the audit row, as the look-up of every request."""
    day = on or today()
    if in_statement():
        return lookup.person_by_iin(iin, current_on=day)
    person = person_get_by_iin(iin)
    return person, attachment_current(person=person, on=day) if person is not None else None


def person_get(*, pk: int) -> Person | None:
    """The person with this primary key (with address), or None; audited."""
    person = _persons().filter(pk=pk).first()
    if person is not None:
        person_read_audit(person, "pk")
    return person


def _attachments() -> AttachmentQuerySet:
    return Attachment.objects.select_related("provider", "district", "district__doctor")


def attachment_current(*, person: Person, on: dt.date | None = None) -> Attachment | None:
    """The attachment whose period [valid_from, valid_to) contains the day (default today)."""
    day = on or today()
    return _attachments().in_force(day).filter(person=person).order_by("-valid_from").first()


def attachment_open(*, person: Person) -> Attachment | None:
    """The person's open attachment (no end yet), which may start in the future."""
    return _attachments().filter(person=person, valid_to__isnull=True).first()


def attachment_history(*, person: Person) -> list[Attachment]:
    """All the person's attachments, newest first."""
    return list(_attachments().filter(person=person).order_by("-valid_from", "-created_at", "-pk"))


@dataclass(frozen=True)
class Period:
    """An attachment's own columns: what the rules on a person's attachments read."""

    provider_id: int
    district_id: int | None
    valid_from: dt.date
    valid_to: dt.date | None
    reason: str
    application_number: str
    created_at: dt.datetime


def attachment_periods(*, person: Person) -> list[Period]:
    """The person's attachments as periods, newest first (as `attachment_history` orders
    them), read without the provider's, district's and doctor's rows a page shows."""
    rows = (
        Attachment.objects.filter(person=person)
        .order_by("-valid_from", "-created_at", "-pk")
        .values_list(
            "provider_id",
            "district_id",
            "valid_from",
            "valid_to",
            "reason",
            "application_number",
            "created_at",
        )
    )
    return [Period(*row) for row in rows]


def provider_population(*, provider: Provider, on: dt.date | None = None) -> QuerySet[Attachment]:
    """The attachments in force at the provider on the day (default today): its population."""
    day = on or today()
    return (
        Attachment.objects.in_force(day)
        .filter(provider=provider)
        .select_related("person", "district")
        .order_by("pk")
    )


def provider_get_by_bin(bin: str) -> Provider | None:
    """The provider with this BIN, or None."""
    return Provider.objects.select_related("locality").filter(bin=bin).first()


def providers_active(*, atu_code: str | None = None) -> QuerySet[Provider]:
    """Open providers, in one administrative-territorial unit if given, by Russian name."""
    providers = Provider.objects.filter(is_active=True).select_related("locality")
    if atu_code:
        providers = providers.filter(atu_code=atu_code)
    return providers.order_by("name_ru", "pk")


def provider_units() -> list[tuple[str, str, str]]:
    """The administrative-territorial units (KATO code, name in Kazakh, in Russian) that
    have an open provider, by Russian name."""
    active = Provider.objects.filter(is_active=True).values("atu_code")
    rows = (
        Locality.objects.filter(atu_code__in=active)
        .values_list("atu_code", "atu_name_kk", "atu_name_ru")
        .order_by("atu_name_ru", "atu_code", "pk")
    )
    units: dict[str, tuple[str, str, str]] = {}
    for code, kk, ru in rows:
        units.setdefault(code, (code, kk, ru))
    return list(units.values())


def districts_covering(*, address: Address, provider: Provider | None = None) -> QuerySet[District]:
    """Districts of open providers whose service areas cover the address's house."""
    return districts_serving(street_id=address.street_id, house=address.house, provider=provider)


def districts_serving(
    *, street_id: int | None, house: int | None, provider: Provider | None = None
) -> QuerySet[District]:
    """Districts of open providers whose service areas cover the house on the street (none
    when the street or the house is unknown)."""
    if street_id is None or house is None:
        return District.objects.none()
    districts = District.objects.filter(
        Exists(_areas_covering(street_id, house)), provider__is_active=True
    )
    if provider is not None:
        districts = districts.filter(provider=provider)
    return districts.select_related("provider", "doctor").order_by("provider", "number")


def _areas_covering(street_id: int, house: int) -> QuerySet[ServiceArea]:
    """The service areas of the outer query's district that cover the house on the street."""
    return ServiceArea.objects.filter(
        district=OuterRef("pk"), street_id=street_id, house_from__lte=house, house_to__gte=house
    )


def streets_named(*, atu_code: str, name: str) -> list[int]:
    """The streets of the unit's localities with this name in any language (case aside)."""
    wanted = " ".join(name.split())
    if not wanted:
        return []
    named = Q(name_ru__iexact=wanted) | Q(name_kk__iexact=wanted) | Q(name_en__iexact=wanted)
    streets = Street.objects.filter(named, locality__atu_code=atu_code)
    return list(streets.order_by("pk").values_list("pk", flat=True))


def street_names(*, atu_code: str) -> list[str]:
    """The names of the unit's streets (in Russian and in Kazakh), for choosing one."""
    rows = Street.objects.filter(locality__atu_code=atu_code).values_list("name_ru", "name_kk")
    return sorted({name for pair in rows for name in pair if name})


def provider_working_hours(provider: Provider) -> WorkingHours:
    """The provider's opening and closing times in the service's time zone (R5.3, R9.13)."""
    from bekitu.core.calendar import WorkingHours

    return WorkingHours(
        opens=provider.opens, closes=provider.closes, tz=ZoneInfo(settings.TIME_ZONE)
    )


def person_relatives(
    *, person: Person, kind: str | None = None, on: dt.date | None = None
) -> QuerySet[PersonRelation]:
    """The person's parents and guardians whose relation holds on the day (default today).

    A relation's period is [valid_from, valid_to), each end open when empty.
    """
    day = on or today()
    relations = PersonRelation.objects.filter(person=person).filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=day),
        Q(valid_to__isnull=True) | Q(valid_to__gt=day),
    )
    if kind:
        relations = relations.filter(kind=kind)
    return relations.select_related("relative").order_by("kind", "pk")


def person_dependants(*, person: Person, on: dt.date | None = None) -> QuerySet[PersonRelation]:
    """The relations in which the person is the parent or guardian, holding on the day
    (default today), with the child or ward; the personal cabinet shows their attachments."""
    day = on or today()
    return (
        PersonRelation.objects.filter(relative=person)
        .filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=day),
            Q(valid_to__isnull=True) | Q(valid_to__gt=day),
        )
        .select_related("person")
        .order_by("person__birth_date", "pk")
    )


def attachment_get(*, pk: int) -> Attachment:
    """The attachment with its person (and the person's address, which a talon prints),
    provider, district and doctor (DoesNotExist if none)."""
    return Attachment.objects.select_related(
        "person__address__street__locality", "provider", "district__doctor"
    ).get(pk=pk)


def attachment_with_parties(attachment: Attachment) -> Attachment:
    """The attachment with what a talon prints of it (as `attachment_get` reads it): the
    attachment itself when its person with address, street and locality, its provider and
    its district with doctor are loaded already (one just made in this transaction from the
    rows it locked and read), else read afresh."""
    person = attachment.person if Attachment.person.is_cached(attachment) else None
    address = person.address if person and Person.address.is_cached(person) else None
    district = attachment.district if Attachment.district.is_cached(attachment) else None
    loaded = (
        person is not None
        and (person.address_id is None or _address_loaded(address))
        and Attachment.provider.is_cached(attachment)
        and (attachment.district_id is None or district is not None)
        and (district is None or district.doctor_id is None or District.doctor.is_cached(district))
    )
    return attachment if loaded else attachment_get(pk=attachment.pk)


def _address_loaded(address: Address | None) -> bool:
    return (
        address is not None
        and Address.street.is_cached(address)
        and Street.locality.is_cached(address.street)
    )


def providers_by_pk(*, pks: list[int]) -> list[Provider]:
    """The providers with these primary keys, by BIN."""
    return list(Provider.objects.filter(pk__in=pks).order_by("bin"))


def providers_in_scope(*, provider_pk: int, kato_prefix: str = "") -> QuerySet[Provider]:
    """The provider itself, or with a KATO prefix every provider of that region or unit."""
    if kato_prefix:
        return Provider.objects.filter(atu_code__startswith=kato_prefix)
    return Provider.objects.filter(pk=provider_pk)


@dataclass(frozen=True)
class DistrictLoad:
    district: District
    attached: int  # persons whose attachment to the district is in force on the day


def district_of_provider(*, provider: Provider, district_id: int) -> District | None:
    """The provider's district with this id, or None when the provider has no such district."""
    return District.objects.filter(provider=provider, pk=district_id).first()


def district_by_number(*, provider: Provider, number: int) -> District | None:
    """The provider's district with this number, or None when it has none."""
    return District.objects.filter(provider=provider, number=number).first()


def district_loads(*, provider: Provider, on: dt.date) -> list[DistrictLoad]:
    """The provider's districts by number, each with its doctor and the persons attached to
    it on the day (two queries)."""
    districts = District.objects.filter(provider=provider).select_related("doctor")
    ordered = list(districts.order_by("number"))
    attached = districts_attached(district_ids=[d.pk for d in ordered], on=on)
    return [DistrictLoad(d, attached.get(d.pk, 0)) for d in ordered]


@dataclass(frozen=True)
class DistrictSite:
    district: District
    covers_home: bool  # its service areas cover the house asked about


def district_sites(
    *, provider: Provider, street_id: int | None, house: int | None
) -> list[DistrictSite]:
    """The provider's districts by number, each with its doctor and whether its service areas
    cover the house on the street (`districts_serving` on one provider: none does when the
    street or the house is unknown or the provider is closed); one query."""
    districts = District.objects.filter(provider=provider).select_related("doctor")
    if street_id is None or house is None or not provider.is_active:
        return [DistrictSite(d, covers_home=False) for d in districts.order_by("number")]
    covering = districts.annotate(covers=Exists(_areas_covering(street_id, house)))
    return [DistrictSite(d, covers_home=d.covers) for d in covering.order_by("number")]


def districts_attached(*, district_ids: Collection[int], on: dt.date) -> dict[int, int]:
    """The persons attached to each of the districts on the day, by district (one with none
    is left out): one query over those districts' attachments alone, none when no district
    is asked for. At a polyclinic of tens of thousands, counting only the districts a check
    compares is what keeps the check's cost that of an empty one."""
    if not district_ids:
        return {}
    return dict(
        Attachment.objects.in_force(on)
        .filter(district_id__in=sorted(district_ids))
        .order_by()
        .values("district")
        .annotate(n=Count("pk"))
        .values_list("district", "n")
    )


def persons_of_providers(
    *, providers: QuerySet[Provider], or_ids: QuerySet[Any] | None = None
) -> QuerySet[Person]:
    """Persons with an open attachment to one of the providers, or whose ids `or_ids` lists
    (a subquery, e.g. the recipients of the providers' applications); not audited."""
    attached = Attachment.objects.filter(valid_to__isnull=True, provider__in=providers)
    wanted = Q(pk__in=attached.values("person_id"))
    if or_ids is not None:
        wanted |= Q(pk__in=or_ids)
    return Person.objects.filter(wanted)


def population_search(
    *, providers: QuerySet[Provider], query: str = "", on: dt.date | None = None
) -> AttachmentQuerySet:
    """Attachments in force on the day (default today) at the providers, narrowed by IIN (or
    its start) or by surname (and given name); not audited until a page of it is shown."""
    qs = Attachment.objects.in_force(on or today()).filter(provider__in=providers)
    query = query.strip()
    if query.isdigit():
        qs = qs.filter(person__iin__startswith=query)
    elif query:
        words = query.split()
        qs = qs.filter(_starts("person__surname", words[0]))
        if len(words) > 1:
            qs = qs.filter(_starts("person__given_name", words[1]))
    return qs.select_related("person", "district", "provider").order_by(
        "person__surname", "person__given_name", "person__iin"
    )


def _starts(field: str, word: str) -> Q:
    # SQLite folds case for ASCII only: also match the capitalised Cyrillic spelling.
    return Q(**{f"{field}__istartswith": word}) | Q(**{f"{field}__startswith": word.capitalize()})


# --- Aggregates for the reports: querysets the reports group and count in the database ---


def attachments_in_force(
    *, on: dt.date, provider_ids: Collection[int] | None = None
) -> QuerySet[Attachment]:
    """Attachments in force on the day (valid_from <= day < valid_to), at the providers if
    given; unordered, for counting."""
    attachments = Attachment.objects.in_force(on)
    if provider_ids is not None:
        attachments = attachments.filter(provider_id__in=provider_ids)
    return attachments.order_by()


def _came_into_force() -> Q:
    # An attachment replaced before it started has the empty period [d, d): it never held.
    return Q(valid_to__isnull=True) | Q(valid_to__gt=F("valid_from"))


def attachments_started(
    *, first: dt.date, last: dt.date, provider_ids: Collection[int] | None = None
) -> QuerySet[Attachment]:
    """Attachments that came into force on a day from `first` to `last` (both included),
    annotated with the provider of the person's attachment that ended that day
    (`previous_provider_id`, None for a first attachment)."""
    started = Attachment.objects.filter(_came_into_force(), valid_from__range=(first, last))
    if provider_ids is not None:
        started = started.filter(provider_id__in=provider_ids)
    previous = Attachment.objects.filter(
        _came_into_force(), person_id=OuterRef("person_id"), valid_to=OuterRef("valid_from")
    )
    return started.annotate(
        previous_provider_id=Subquery(previous.values("provider_id")[:1])
    ).order_by()


def attachments_ended(
    *, first: dt.date, last: dt.date, provider_ids: Collection[int] | None = None
) -> QuerySet[Attachment]:
    """Attachments that ceased to be in force on a day from `first` to `last` (their
    exclusive `valid_to`), annotated with the provider and reason of the attachment that
    followed the same day (`next_provider_id`, `next_reason`; None when none did)."""
    ended = Attachment.objects.filter(valid_to__range=(first, last), valid_to__gt=F("valid_from"))
    if provider_ids is not None:
        ended = ended.filter(provider_id__in=provider_ids)
    following = Attachment.objects.filter(
        _came_into_force(), person_id=OuterRef("person_id"), valid_from=OuterRef("valid_to")
    )
    return ended.annotate(
        next_provider_id=Subquery(following.values("provider_id")[:1]),
        next_reason=Subquery(following.values("reason")[:1]),
    ).order_by()


def providers_of(
    *, kato_prefix: str = "", ids: Collection[int] | None = None
) -> QuerySet[Provider]:
    """Providers (open or closed) whose KATO code starts with the prefix, or with these ids;
    by Russian name."""
    providers = Provider.objects.all()
    if kato_prefix:
        providers = providers.filter(atu_code__startswith=kato_prefix)
    if ids is not None:
        providers = providers.filter(pk__in=ids)
    return providers.order_by("name_ru", "pk")


def districts_of(*, provider_ids: Collection[int] | None) -> QuerySet[District]:
    """The districts of the providers (all if None), with their doctor and provider; by
    provider and number."""
    districts = District.objects.select_related("doctor", "provider")
    if provider_ids is not None:
        districts = districts.filter(provider_id__in=provider_ids)
    return districts.order_by("provider__name_ru", "provider_id", "number")


def district_kinds() -> dict[str, str]:
    """The kinds of district, code → label in the active language, in the register's order."""
    return {code: str(label) for code, label in District.Kind.choices}


# --- Re-attachment in bulk: who leaves, and the service areas that may take them ---

# What the plan needs of each attachment left: ids, the address and age, the district kind.
LEAVING_FIELDS = (
    "pk",
    "person_id",
    "person__address__street_id",
    "person__address__house",
    "person__birth_date",
    "district__kind",
    "application_number",
)


def attachments_leaving_provider(*, provider: Provider, on: dt.date) -> QuerySet[Attachment]:
    """The attachments whose persons a provider closing on `on` leaves: those still open,
    and those `provider_close` ended that day; of living persons still in the country."""
    closed = Q(valid_to=on, end_reason=Attachment.EndReason.PROVIDER_CLOSED)
    return (
        Attachment.objects.filter(provider=provider)
        .filter(Q(valid_to__isnull=True) | closed)
        .filter(person__death_date__isnull=True, person__emigrated_on__isnull=True)
        .order_by("pk")
    )


def attachments_outside_district(*, provider: Provider) -> QuerySet[Attachment]:
    """The provider's open attachments with home visits whose district no longer serves the
    person's address (its service areas were redrawn). A person attached without home
    visits lives outside the area by choice and stays; one without an address is not judged."""
    address = "person__address__"
    serving = ServiceArea.objects.filter(
        district_id=OuterRef("district_id"),
        street_id=OuterRef(f"{address}street_id"),
        house_from__lte=OuterRef(f"{address}house"),
        house_to__gte=OuterRef(f"{address}house"),
    )
    return (
        Attachment.objects.filter(
            provider=provider,
            valid_to__isnull=True,
            district__isnull=False,
            home_visits=True,
            person__address__isnull=False,
            person__death_date__isnull=True,
            person__emigrated_on__isnull=True,
        )
        .exclude(Exists(serving))
        .order_by("pk")
    )


def service_areas_on_streets(
    *, street_ids: Collection[int], provider: Provider | None = None, but: Provider | None = None
) -> list[tuple[int, int, int, int, int, str, int]]:
    """The service areas of open providers on the streets (of `provider` only, or of every
    provider `but` one): (street, house from, house to, district, provider, kind, size)."""
    areas = ServiceArea.objects.filter(street_id__in=street_ids, district__provider__is_active=True)
    if provider is not None:
        areas = areas.filter(district__provider=provider)
    if but is not None:
        areas = areas.exclude(district__provider=but)
    return list(
        areas.order_by("pk").values_list(
            "street_id",
            "house_from",
            "house_to",
            "district_id",
            "district__provider_id",
            "district__kind",
            "district__normative_size",
        )
    )


def district_attached(*, district_ids: Collection[int], on: dt.date) -> dict[int, int]:
    """How many persons each district has attached on the day (one query)."""
    counted = (
        Attachment.objects.in_force(on)
        .filter(district_id__in=district_ids)
        .order_by()
        .values("district")
        .annotate(n=Count("pk"))
        .values_list("district", "n")
    )
    return dict(counted)


def districts_by_pk(*, pks: Collection[int]) -> dict[int, District]:
    """The districts with these ids, with their provider and doctor."""
    found = District.objects.filter(pk__in=pks).select_related("provider", "doctor")
    return {d.pk: d for d in found}
