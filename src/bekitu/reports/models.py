"""What the reports keep of their own: the editions of age bands, and exports made in the
background. The figures themselves are always counted from the register and the service's
records; nothing here is a second copy of them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from bekitu.reports.bands import InvalidBands, parse_bands


def _validate_bands(text: str) -> None:
    try:
        parse_bands(text)
    except InvalidBands as exc:
        raise ValidationError(
            _(
                "Bands are ages or ranges from 0 upwards, without gaps, the last one open, "
                "e.g. 0,1-4,5-14,15-17,18-29,30-39,40-49,50-59,60-69,70+ (%(problem)s)."
            ),
            params={"problem": str(exc)},
            code="invalid_bands",
        ) from exc


class AgeBandEdition(models.Model):
    """The age bands of the attached population in force from a day (funding groups change);
    a report as of a day uses the edition with the latest start on or before it."""

    valid_from = models.DateField(_("in force from"), unique=True)
    bands = models.CharField(
        _("age bands"),
        max_length=200,
        validators=[_validate_bands],
        help_text=_("Comma-separated, e.g. 0,1-4,5-14,15-17,18-29,30-39,40-49,50-59,60-69,70+"),
    )
    note = models.CharField(_("legal basis or note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("edition of age bands")
        verbose_name_plural = _("editions of age bands")
        ordering = ["valid_from"]

    def __str__(self) -> str:
        return f"{self.valid_from}: {self.bands}"


class ReportRun(models.Model):
    """One export asked for by a reader and made by the background worker."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("being prepared")
        DONE = "done", _("ready")
        FAILED = "failed", _("failed")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("report"), max_length=40)
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    params = models.JSONField(_("parameters"), default=dict)
    # The reader's scope when they asked, so the worker counts exactly what they may see.
    provider_ids = models.JSONField(_("providers in scope"), default=list)
    regional = models.BooleanField(_("region-wide"), default=False)
    language = models.CharField(_("language"), max_length=5, default="kk")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="report_runs",
        verbose_name=_("requested by"),
    )
    actor = models.CharField(_("who"), max_length=150)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    error = models.CharField(_("error"), max_length=255, blank=True)
    file_name = models.CharField(_("file"), max_length=200, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("report export")
        verbose_name_plural = _("report exports")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["requested_by", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind}.{self.format} ({self.status})"
