"""factory_boy factories for the register's models.

Every person gets a valid IIN consistent with the birth date and sex, unique within the
test run; every provider a valid BIN. Build a typical attached person with
`AttachmentFactory()` (it makes the person, provider, district and doctor it needs).
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import factory
from factory.django import DjangoModelFactory

from bekitu.core.iin import make_bin, make_iin
from bekitu.registry.models import (
    Address,
    Attachment,
    District,
    Doctor,
    Locality,
    Person,
    PersonRelation,
    Provider,
    ServiceArea,
    Street,
)

# A power of attorney in force on whatever day the suite runs (intake requires one in force):
# made a month ago, valid for most of a year.
POA_DATE = dt.datetime.now(tz=dt.UTC).date() - dt.timedelta(days=30)
POA_VALID_UNTIL = POA_DATE + dt.timedelta(days=330)

_SURNAMES = ("Нұрланов", "Сейітов", "Ахметов", "Иванов", "Қасымов", "Петров", "Жұмабаев")
_MALE_NAMES = ("Ерлан", "Әлихан", "Нұрсұлтан", "Дмитрий", "Сергей", "Айбек", "Қайрат")
_FEMALE_NAMES = ("Айгүл", "Әсел", "Гүлнар", "Елена", "Ольга", "Жанар", "Аружан")
_MALE_PATRONYMICS = ("Серікұлы", "Бекұлы", "Иванович", "Петрович", "Асқарұлы")
_FEMALE_PATRONYMICS = ("Серікқызы", "Бекқызы", "Ивановна", "Петровна", "Асқарқызы")

# One counter per process: with the birth date and sex in the first seven digits, distinct
# serials give distinct IINs for the first 10,000 persons of a date and sex.
_iin_serials = itertools.count(1)
_bin_serials = itertools.count(1)


def unique_iin(birth_date: dt.date, sex: str) -> str:
    """A valid IIN for the birth date and sex that no earlier call returned."""
    while True:
        iin = make_iin(birth_date, sex, next(_iin_serials) % 10000)  # type: ignore[arg-type]
        if iin is not None:
            return iin


def unique_bin(registered: dt.date = dt.date(2005, 3, 1)) -> str:
    """A valid BIN of a legal entity that no earlier call returned."""
    while True:
        number = make_bin(registered, 4, next(_bin_serials) % 100000)
        if number is not None:
            return number


def _birth_date(n: int) -> dt.date:
    # Spread over 1950-2004 without randomness, so a test's persons are reproducible and
    # adults (a test that needs a child passes its birth date).
    return dt.date(1950, 1, 1) + dt.timedelta(days=(n * 7919) % 20080)


def _female(n: int) -> bool:
    return n % 2 == 1


class LocalityFactory(DjangoModelFactory):
    class Meta:
        model = Locality
        django_get_or_create = ("kato",)

    kato = factory.Sequence(lambda n: f"63{n:07d}")
    kind = Locality.Kind.CITY
    name_kk = factory.Sequence(lambda n: f"Өскемен-{n}")
    name_ru = factory.Sequence(lambda n: f"Усть-Каменогорск-{n}")
    name_en = factory.Sequence(lambda n: f"Oskemen-{n}")
    atu_code = "631010000"
    atu_name_kk = "Өскемен қ.ә."
    atu_name_ru = "г.а. Усть-Каменогорск"
    region_kk = "Шығыс Қазақстан облысы"
    region_ru = "Восточно-Казахстанская область"


class StreetFactory(DjangoModelFactory):
    class Meta:
        model = Street

    locality = factory.SubFactory(LocalityFactory)
    name_kk = factory.Sequence(lambda n: f"Абай даңғылы {n}")
    name_ru = factory.Sequence(lambda n: f"проспект Абая {n}")
    name_en = factory.Sequence(lambda n: f"Abai avenue {n}")


class AddressFactory(DjangoModelFactory):
    class Meta:
        model = Address

    street = factory.SubFactory(StreetFactory)
    house = factory.Sequence(lambda n: n % 200 + 1)
    building = ""
    apartment = factory.Sequence(lambda n: str(n % 90 + 1))


class PersonFactory(DjangoModelFactory):
    """A living citizen with a registered address; pass birth_date/sex to choose them."""

    class Meta:
        model = Person

    class Params:
        n = factory.Sequence(lambda n: n)

    birth_date = factory.LazyAttribute(lambda o: _birth_date(o.n))
    sex = factory.LazyAttribute(lambda o: Person.Sex.FEMALE if _female(o.n) else Person.Sex.MALE)
    iin = factory.LazyAttribute(lambda o: unique_iin(o.birth_date, str(o.sex)))
    surname = factory.LazyAttribute(
        lambda o: _SURNAMES[o.n % len(_SURNAMES)] + ("а" if o.sex == Person.Sex.FEMALE else "")
    )
    given_name = factory.LazyAttribute(
        lambda o: (_FEMALE_NAMES if o.sex == Person.Sex.FEMALE else _MALE_NAMES)[
            o.n % len(_MALE_NAMES)
        ]
    )
    patronymic = factory.LazyAttribute(
        lambda o: (_FEMALE_PATRONYMICS if o.sex == Person.Sex.FEMALE else _MALE_PATRONYMICS)[
            o.n % len(_MALE_PATRONYMICS)
        ]
    )
    status = Person.Status.CITIZEN
    citizenship = "KZ"
    insured = True
    address = factory.SubFactory(AddressFactory)
    death_date = None
    emigrated_on = None
    phone = factory.Sequence(lambda n: f"+7701{n % 10000000:07d}")


class PersonRelationFactory(DjangoModelFactory):
    """A parent of a child (both made unless given)."""

    class Meta:
        model = PersonRelation

    person = factory.SubFactory(PersonFactory, birth_date=dt.date(2018, 5, 4))
    relative = factory.SubFactory(PersonFactory, birth_date=dt.date(1988, 2, 11))
    kind = PersonRelation.Kind.PARENT
    valid_from = None
    valid_to = None
    document = ""


class ProviderFactory(DjangoModelFactory):
    class Meta:
        model = Provider

    bin = factory.LazyFunction(unique_bin)
    name_kk = factory.Sequence(lambda n: f"№{n} қалалық емхана")
    name_ru = factory.Sequence(lambda n: f"Городская поликлиника №{n}")
    name_en = factory.Sequence(lambda n: f"City polyclinic No. {n}")
    address = factory.Sequence(lambda n: f"Өскемен, Қазақстан көшесі, {n + 1}")
    phone = "+7 7232 000000"
    locality = factory.SubFactory(LocalityFactory)
    atu_code = factory.LazyAttribute(lambda o: o.locality.atu_code)
    licence_number = factory.Sequence(lambda n: f"19000{n:05d}")
    licence_date = dt.date(2019, 6, 1)
    is_active = True
    closed_on = None


class DoctorFactory(DjangoModelFactory):
    class Meta:
        model = Doctor

    provider = factory.SubFactory(ProviderFactory)
    full_name = factory.Sequence(lambda n: f"Дәрігер Айнұр Серікқызы {n}")
    specialty = Doctor.Specialty.GP


class DistrictFactory(DjangoModelFactory):
    class Meta:
        model = District

    provider = factory.SubFactory(ProviderFactory)
    number = factory.Sequence(lambda n: n + 1)
    kind = District.Kind.GP
    doctor = factory.SubFactory(DoctorFactory, provider=factory.SelfAttribute("..provider"))
    normative_size = 2000


class ServiceAreaFactory(DjangoModelFactory):
    class Meta:
        model = ServiceArea

    district = factory.SubFactory(DistrictFactory)
    street = factory.SubFactory(
        StreetFactory, locality=factory.SelfAttribute("..district.provider.locality")
    )
    house_from = 1
    house_to = 9999


class AttachmentFactory(DjangoModelFactory):
    """An open attachment made by the desk channel; the district belongs to the provider."""

    class Meta:
        model = Attachment

    person = factory.SubFactory(PersonFactory)
    provider = factory.SubFactory(ProviderFactory)
    district = factory.SubFactory(DistrictFactory, provider=factory.SelfAttribute("..provider"))
    valid_from = dt.date(2024, 1, 15)
    valid_to = None
    reason = Attachment.Reason.CHOICE
    end_reason = ""
    home_visits = True
    source = "desk"
    application_number = ""

    @classmethod
    def _create(cls, model_class: type[Attachment], *args: Any, **kwargs: Any) -> Attachment:
        if kwargs.get("valid_to") and not kwargs.get("end_reason"):
            kwargs["end_reason"] = Attachment.EndReason.TRANSFER
        return super()._create(model_class, *args, **kwargs)
