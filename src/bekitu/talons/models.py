"""The talon (R3.1, R5.2, R9.12) and the refusal: the two documents the service ends with.

The signed XML is the legal e-document; the signed PDF is its printable form. Both are kept
in the database, next to the row they belong to, so a document and its row are written in one
transaction and there is never a file without a row or a row without its file.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from bekitu.core.vocabulary import TALON_CHANNELS, AttachmentBasis, Channel


class DocumentSequence(models.Model):
    """The last number given to a kind of document of one provider in one year.

    Incrementing it with an UPDATE inside the issuing transaction locks the row, so two
    specialists issuing at once get consecutive numbers, never the same one.
    """

    class Kind(models.TextChoices):
        TALON = "T", _("talon")
        REFUSAL = "R", _("refusal")

    provider = models.ForeignKey(
        "registry.Provider", on_delete=models.PROTECT, related_name="+", verbose_name=_("provider")
    )
    kind = models.CharField(_("kind"), max_length=1, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("document sequence")
        verbose_name_plural = _("document sequences")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "kind", "year"], name="document_sequence_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}-{self.provider_id}-{self.year}: {self.last}"


class Talon(models.Model):
    """The notification of attachment: the result of the service (R3.1)."""

    number = models.CharField(_("number"), max_length=40, unique=True)
    code = models.CharField(_("verification code"), max_length=16, unique=True)
    issued_at = models.DateTimeField(_("issued at"))
    attachment = models.OneToOneField(
        "registry.Attachment",
        on_delete=models.PROTECT,
        related_name="talon",
        verbose_name=_("attachment"),
    )
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="talons", verbose_name=_("person")
    )
    provider = models.ForeignKey(
        "registry.Provider",
        on_delete=models.PROTECT,
        related_name="talons",
        verbose_name=_("provider"),
    )
    district = models.ForeignKey(
        "registry.District",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="talons",
        verbose_name=_("district"),
    )
    doctor = models.ForeignKey(
        "registry.Doctor",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="talons",
        verbose_name=_("doctor"),
    )
    effective_date = models.DateField(_("attached from"))
    home_visits = models.BooleanField(_("home visits available"))
    application_number = models.CharField(_("application number"), max_length=32)
    # The specialist who issued it (printed on the talon); empty for an automatic decision.
    issued_by = models.CharField(_("issued by"), max_length=200, blank=True)
    # What the attachment rests on, as the application stated it, and the address it rests
    # on (empty for the registered residence: the person's own address is printed).
    basis = models.CharField(
        _("basis of attachment"),
        max_length=24,
        choices=AttachmentBasis.choices,
        default=AttachmentBasis.REGISTERED_RESIDENCE,
    )
    basis_address = models.CharField(_("address of the basis"), max_length=255, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=TALON_CHANNELS)
    xml = models.BinaryField(_("signed XML e-document"))
    # Made after the issuing transaction commits (talons.services.talon_pdf_make): empty
    # for the moment between the decision and the background worker's signature.
    pdf = models.BinaryField(_("signed PDF"), null=True, blank=True)
    # Issued while the provider's key was unavailable (R3.1: a paper talon in free form): the
    # XML is unsigned and the PDF is marked for a handwritten signature and stamp, until
    # talons.services.talons_sign_pending signs both once the key is readable again.
    signature_pending = models.BooleanField(_("signature pending"), default=False)

    class Meta:
        verbose_name = _("talon")
        verbose_name_plural = _("talons")
        indexes = [
            models.Index(fields=["application_number"]),
            # The few talons whose PDF is not made yet, for `talons_pdf_missing_make`.
            models.Index(
                fields=["issued_at"],
                condition=models.Q(pdf__isnull=True),
                name="talon_pdf_missing",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class Refusal(models.Model):
    """A reasoned refusal to provide the service (R4-1, R9.11), as a document."""

    number = models.CharField(_("number"), max_length=40, unique=True)
    application_number = models.CharField(_("application number"), max_length=32)
    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        related_name="refusals",
        verbose_name=_("person"),
    )
    provider = models.ForeignKey(
        "registry.Provider",
        on_delete=models.PROTECT,
        related_name="refusals",
        verbose_name=_("provider"),
    )
    reason_code = models.CharField(_("reason code"), max_length=40)
    reason_text_kk = models.TextField(_("reason (Kazakh)"))
    reason_text_ru = models.TextField(_("reason (Russian)"))
    reason_text_en = models.TextField(_("reason (English)"), blank=True)
    legal_ground = models.TextField(_("legal ground"))
    # What the refusal rests on: the fields of the recipient's data that differ from the
    # register (R4-1), and the specialist's written justification, whole.
    differing = models.JSONField(_("data that differ from the register"), default=list, blank=True)
    justification = models.TextField(_("justification"), blank=True)
    # What the attachment rests on, as the application stated it, and the address it rests
    # on (empty for the registered residence: the person's own address is printed).
    basis = models.CharField(
        _("basis of attachment"),
        max_length=24,
        choices=AttachmentBasis.choices,
        default=AttachmentBasis.REGISTERED_RESIDENCE,
    )
    basis_address = models.CharField(_("address of the basis"), max_length=255, blank=True)
    decided_at = models.DateTimeField(_("decided at"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    signed = models.BooleanField(_("signed by the provider's EDS"), default=False)
    # The specialist who decided it (printed on the refusal); empty for an automatic decision.
    issued_by = models.CharField(_("issued by"), max_length=200, blank=True)
    # Printed under the refusal's QR code: anyone holding the paper can check it.
    code = models.CharField(_("verification code"), max_length=16, blank=True, db_index=True)
    pdf = models.BinaryField(_("PDF"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("refusal")
        verbose_name_plural = _("refusals")
        indexes = [models.Index(fields=["application_number"])]

    def __str__(self) -> str:
        return self.number
