"""A re-attachment plan, which is also the job that carries it out, and its rows.

The plan row holds the progress and the checkpoint: each batch of rows is carried out and
the checkpoint moved past it in one transaction, so a run that stops (the worker killed, the
machine down) leaves whole batches done and the next run continues after the last of them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Reattachment(models.Model):
    """Where the people attached to a closing provider, or to districts whose addresses
    were redrawn, go; confirmed by a regional administrator and carried out in batches."""

    class Kind(models.TextChoices):
        PROVIDER_CLOSED = "provider_closed", _("the provider closes")
        DISTRICTS_REDRAWN = "districts_redrawn", _("the districts' addresses were redrawn")

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned, to be confirmed")
        CONFIRMED = "confirmed", _("confirmed, waiting for the worker")
        RUNNING = "running", _("being carried out")
        DONE = "done", _("done")

    number = models.CharField(_("number"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    provider = models.ForeignKey(
        "registry.Provider",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("provider"),
    )
    # The day the new attachments take effect (the day the provider closes).
    on = models.DateField(_("re-attached from"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    kato_prefix = models.CharField(_("region or unit (KATO prefix)"), max_length=9, blank=True)
    created_by = models.CharField(_("planned by"), max_length=150)
    created_at = models.DateTimeField(_("planned at"))
    confirmed_by = models.CharField(_("confirmed by"), max_length=150, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    batch_size = models.PositiveIntegerField(_("persons per batch"), default=500)
    # The id of the last row of the last committed batch: a new run starts after it.
    checkpoint = models.BigIntegerField(_("checkpoint"), default=0)
    batches = models.PositiveIntegerField(_("batches committed"), default=0)
    total = models.PositiveIntegerField(_("persons"), default=0)
    processed = models.PositiveIntegerField(_("persons processed"), default=0)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    # The run's last sign of life (a batch committed, or the run taken over): a run silent
    # for BEKITU_REATTACHMENT_STALE_SECONDS is resumed (`resume.py`).
    heartbeat_at = models.DateTimeField(_("last batch at"), null=True, blank=True)

    class Meta:
        verbose_name = _("re-attachment")
        verbose_name_plural = _("re-attachments")
        constraints = [
            # One plan not yet carried out per provider: two would re-attach the same people.
            models.UniqueConstraint(
                fields=["provider"],
                condition=~models.Q(status="done"),
                name="one_open_reattachment_per_provider",
            )
        ]

    def __str__(self) -> str:
        return self.number


class ReattachmentItem(models.Model):
    """One person of a plan: the attachment they leave, the district proposed (or chosen by
    hand), and, once carried out, what became of them."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("pending")
        ATTACHED = "attached", _("re-attached, talon issued")
        ALREADY_ATTACHED = "already_attached", _("already attached elsewhere")
        LEFT_OUT = "left_out", _("left without a target")

    reattachment = models.ForeignKey(
        Reattachment, on_delete=models.CASCADE, related_name="items", verbose_name=_("plan")
    )
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    attachment = models.ForeignKey(
        "registry.Attachment",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("attachment left"),
    )
    target_provider = models.ForeignKey(
        "registry.Provider",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("target provider"),
    )
    target_district = models.ForeignKey(
        "registry.District",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("target district"),
    )
    by_hand = models.BooleanField(_("chosen by hand"), default=False)
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=Outcome.choices, default=Outcome.PENDING
    )
    new_attachment = models.ForeignKey(
        "registry.Attachment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("new attachment"),
    )
    talon_number = models.CharField(_("talon number"), max_length=40, blank=True)
    notified = models.BooleanField(_("told"), default=False)

    class Meta:
        verbose_name = _("re-attached person")
        verbose_name_plural = _("re-attached persons")
        constraints = [
            models.UniqueConstraint(
                fields=["reattachment", "person"], name="reattachment_person_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reattachment_id}/{self.person_id}"
