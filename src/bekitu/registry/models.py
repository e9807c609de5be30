"""The register of attached population (РПН): persons, providers, districts, attachments.

Persons mirror the state population register (ГБД ФЛ); providers, districts, doctors and
service areas are reference data kept by the regional health department.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from bekitu.core.transactions import Mark
from bekitu.core.vocabulary import AttachmentEnd, AttachmentReason, ResidentStatus, Sex


class LocalizedNameMixin(models.Model):
    name_kk = models.CharField(_("name (Kazakh)"), max_length=255)
    name_ru = models.CharField(_("name (Russian)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language, falling back to Russian."""
        lang = (translation.get_language() or "kk")[:2]
        return getattr(self, f"name_{lang}", "") or self.name_ru


class Locality(LocalizedNameMixin):
    """A settlement. `atu_code` is its administrative-territorial unit (district or city)."""

    class Kind(models.TextChoices):
        CITY = "city", _("city")
        TOWN = "town", _("town")
        VILLAGE = "village", _("village")

    kato = models.CharField(_("KATO code"), max_length=9, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    atu_code = models.CharField(_("administrative-territorial unit (KATO)"), max_length=9)
    atu_name_kk = models.CharField(_("unit name (Kazakh)"), max_length=255)
    atu_name_ru = models.CharField(_("unit name (Russian)"), max_length=255)
    region_kk = models.CharField(_("region (Kazakh)"), max_length=255)
    region_ru = models.CharField(_("region (Russian)"), max_length=255)

    class Meta:
        verbose_name = _("locality")
        verbose_name_plural = _("localities")
        indexes = [models.Index(fields=["atu_code"])]


class Street(LocalizedNameMixin):
    locality = models.ForeignKey(
        Locality, on_delete=models.PROTECT, related_name="streets", verbose_name=_("locality")
    )

    class Meta:
        verbose_name = _("street")
        verbose_name_plural = _("streets")
        constraints = [
            models.UniqueConstraint(
                fields=["locality", "name_ru"], name="street_unique_in_locality"
            )
        ]


class Address(models.Model):
    """A dwelling: a house on a street, and the flat in it."""

    street = models.ForeignKey(
        Street, on_delete=models.PROTECT, related_name="addresses", verbose_name=_("street")
    )
    house = models.PositiveIntegerField(_("house number"))
    building = models.CharField(_("building"), max_length=10, blank=True)
    apartment = models.CharField(_("apartment"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        constraints = [
            models.UniqueConstraint(
                fields=["street", "house", "building", "apartment"], name="address_unique"
            )
        ]

    def __str__(self) -> str:
        text = f"{self.street.locality}, {self.street}, {self.house}{self.building}"
        return f"{text}, {self.apartment}" if self.apartment else text


class Person(models.Model):
    """A resident, as the population register knows them."""

    # The register's terms, defined once in bekitu.core.vocabulary.
    Sex = Sex
    Status = ResidentStatus

    iin = models.CharField(_("IIN"), max_length=12, unique=True)
    surname = models.CharField(_("surname"), max_length=100)
    given_name = models.CharField(_("given name"), max_length=100)
    patronymic = models.CharField(_("patronymic"), max_length=100, blank=True)
    birth_date = models.DateField(_("birth date"))
    sex = models.CharField(_("sex"), max_length=6, choices=Sex.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    citizenship = models.CharField(_("citizenship (ISO 3166)"), max_length=2, default="KZ")
    insured = models.BooleanField(
        _("insured"), default=True, help_text=_("Holds compulsory social health insurance.")
    )
    address = models.ForeignKey(
        Address,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="residents",
        verbose_name=_("address"),
    )
    death_date = models.DateField(_("date of death"), null=True, blank=True)
    emigrated_on = models.DateField(_("left the country on"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    # Not stored: the mark of the transaction that read this instance with its row locked
    # (`registry.services.person_lock_with_address`); while it stands the lock is held, and
    # the next step of that transaction takes the instance as it is instead of locking again.
    lock_mark: Mark | None = None

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        indexes = [models.Index(fields=["surname", "given_name"])]

    def __str__(self) -> str:
        return self.initials

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.surname, self.given_name, self.patronymic) if p)

    @property
    def initials(self) -> str:
        """Surname initial and given-name initial only: what public pages may show."""
        parts = [p[:1] + "." for p in (self.given_name, self.patronymic, self.surname) if p]
        return " ".join(parts)

    @property
    def is_alive(self) -> bool:
        return self.death_date is None

    def age_on(self, day: dt.date) -> int:
        """Full years of age on the given day."""
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - int(before_birthday)


class PersonRelation(models.Model):
    """A parent or a guardian of a person (usually a minor)."""

    class Kind(models.TextChoices):
        PARENT = "parent", _("parent")
        GUARDIAN = "guardian", _("guardian")

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="relations", verbose_name=_("person")
    )
    relative = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="dependants", verbose_name=_("relative")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    document = models.CharField(_("document"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("relation")
        verbose_name_plural = _("relations")
        constraints = [
            models.UniqueConstraint(fields=["person", "relative", "kind"], name="relation_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.relative_id} → {self.person_id}"


class Provider(LocalizedNameMixin):
    """A medical organization providing primary health care (R1.1)."""

    bin = models.CharField(_("BIN"), max_length=12, unique=True)
    address = models.CharField(_("address"), max_length=255)
    phone = models.CharField(_("phone"), max_length=30)
    locality = models.ForeignKey(
        Locality, on_delete=models.PROTECT, related_name="providers", verbose_name=_("locality")
    )
    atu_code = models.CharField(_("administrative-territorial unit (KATO)"), max_length=9)
    licence_number = models.CharField(_("licence number"), max_length=50)
    licence_date = models.DateField(_("licence date"))
    is_active = models.BooleanField(_("active"), default=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    opens = models.TimeField(_("opens at"), default=dt.time(8, 0))
    closes = models.TimeField(_("closes at"), default=dt.time(20, 0))

    class Meta:
        verbose_name = _("provider")
        verbose_name_plural = _("providers")


class Doctor(models.Model):
    class Specialty(models.TextChoices):
        GP = "gp", _("general practitioner")
        THERAPIST = "therapist", _("district therapist")
        PAEDIATRICIAN = "paediatrician", _("district paediatrician")

    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="doctors", verbose_name=_("provider")
    )
    full_name = models.CharField(_("full name"), max_length=200)
    specialty = models.CharField(_("specialty"), max_length=20, choices=Specialty.choices)

    class Meta:
        verbose_name = _("doctor")
        verbose_name_plural = _("doctors")

    def __str__(self) -> str:
        return self.full_name


class District(models.Model):
    """A territorial district (участок) of a provider."""

    class Kind(models.TextChoices):
        GP = "gp", _("general practice")
        THERAPIST = "therapist", _("therapeutic")
        PAEDIATRIC = "paediatric", _("paediatric")

    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="districts", verbose_name=_("provider")
    )
    number = models.PositiveIntegerField(_("number"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    doctor = models.ForeignKey(
        Doctor,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="districts",
        verbose_name=_("doctor"),
    )
    normative_size = models.PositiveIntegerField(_("normative size (persons)"), default=2000)

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        constraints = [
            models.UniqueConstraint(fields=["provider", "number"], name="district_unique_number")
        ]

    def __str__(self) -> str:
        return f"№{self.number} ({self.get_kind_display()})"


class ServiceArea(models.Model):
    """The houses of one street, from `house_from` to `house_to`, that a district covers."""

    district = models.ForeignKey(
        District, on_delete=models.CASCADE, related_name="areas", verbose_name=_("district")
    )
    street = models.ForeignKey(
        Street, on_delete=models.PROTECT, related_name="service_areas", verbose_name=_("street")
    )
    house_from = models.PositiveIntegerField(_("from house"), default=1)
    house_to = models.PositiveIntegerField(_("to house"), default=9999)

    class Meta:
        verbose_name = _("service area")
        verbose_name_plural = _("service areas")
        indexes = [models.Index(fields=["street", "house_from", "house_to"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(house_from__lte=models.F("house_to")), name="area_range_ordered"
            )
        ]

    def __str__(self) -> str:
        return f"{self.street}, {self.house_from}–{self.house_to}"


class AttachmentQuerySet(models.QuerySet["Attachment"]):
    def in_force(self, day: dt.date) -> AttachmentQuerySet:
        """The attachments in force on a day. Periods are half-open, [valid_from, valid_to):
        one ended on a day is not in force that day, and the one replacing it is."""
        return self.filter(Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gt=day))


class Attachment(models.Model):
    """A person attached to a provider (and a district) over [valid_from, valid_to).

    `valid_to` is exclusive; an open attachment has none. The database allows at most one
    open attachment per person.
    """

    # The register's terms, defined once in bekitu.core.vocabulary.
    Reason = AttachmentReason
    EndReason = AttachmentEnd

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("person")
    )
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("provider")
    )
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attachments",
        verbose_name=_("district"),
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to (exclusive)"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=24, choices=Reason.choices)
    end_reason = models.CharField(
        _("end reason"), max_length=20, choices=EndReason.choices, blank=True
    )
    home_visits = models.BooleanField(_("home visits available"), default=True)
    source = models.CharField(
        _("made by"), max_length=60, help_text=_("Channel or process that made it.")
    )
    application_number = models.CharField(_("application number"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    objects = AttachmentQuerySet.as_manager()

    # Not stored: the mark of the transaction that made this row (`registry.services`); while
    # it stands, no other transaction has seen the row, so nothing refers to it yet (a talon).
    made_mark: Mark | None = None

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(valid_to__isnull=True),
                name="one_open_attachment_per_person",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="attachment_period_ordered",
            ),
        ]
        indexes = [models.Index(fields=["provider", "valid_to"])]

    def __str__(self) -> str:
        return f"{self.person_id} → {self.provider_id} [{self.valid_from}, {self.valid_to or '…'})"

    def is_in_force(self, day: dt.date) -> bool:
        """Whether this attachment is in force on a day (as `Attachment.objects.in_force`)."""
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


class ImportRun(models.Model):
    """One run of `bekitu registry import` over a set of files: where it got to, what it took.

    A run that stops half-way (killed, or the machine went down) is resumed by the next run
    over the same files (same digest): `checkpoint` holds, per file, the last line of the last
    batch that was committed, in the same transaction as that batch.
    """

    class Status(models.TextChoices):
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        REFUSED = "refused", _("refused")

    source = models.CharField(_("source"), max_length=500)
    digest = models.CharField(_("digest of the files"), max_length=64, db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    partial = models.BooleanField(_("invalid rows left out"), default=False)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    checkpoint = models.JSONField(_("checkpoint"), default=dict, blank=True)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    refused_rows = models.PositiveIntegerField(_("rows refused"), default=0)

    class Meta:
        verbose_name = _("register import")
        verbose_name_plural = _("register imports")

    def __str__(self) -> str:
        return f"{self.source} ({self.get_status_display()})"
