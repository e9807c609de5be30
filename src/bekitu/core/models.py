"""Core models: the user account and the hash-chained audit log."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who logs in: provider staff (username) or a citizen on the portal (IIN)."""

    iin = models.CharField(_("IIN"), max_length=12, unique=True, null=True, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")


class AuditEntry(models.Model):
    """One read of a person's data or one change, chained to the entry before it by hash."""

    chain = models.PositiveSmallIntegerField(_("chain"), default=1)
    seq = models.BigIntegerField(_("sequence"))
    at = models.DateTimeField(_("when"))
    actor = models.CharField(_("who"), max_length=150)
    on_behalf_of = models.CharField(_("on whose behalf"), max_length=150, blank=True)
    channel = models.CharField(_("channel"), max_length=20)
    action = models.CharField(_("what"), max_length=80)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    subject_iin = models.CharField(_("IIN of the person concerned"), max_length=12, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["chain", "seq"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["subject_iin", "at"]), models.Index(fields=["at"])]
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="audit_seq_unique_in_chain")
        ]

    def __str__(self) -> str:
        return f"#{self.chain}.{self.seq} {self.action}"


class AuditChainHead(models.Model):
    """The row that holds one chain's last sequence and hash; `id` is the chain's number.

    Locking it serialises appends to that chain, and comparing it with the table reveals
    deleted tail rows.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"audit chain {self.id} at #{self.last_seq}"


class SecurityCounter(models.Model):
    """A counter of the security limits (failed logins, talon checks, register look-ups),
    kept in the database so that it is atomic (a row lock) and the same for every process,
    and never evicted as a cache entry would be. `key` is a hash, never a user name or IIN."""

    key = models.CharField(max_length=128, primary_key=True)
    count = models.IntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("security counter")
        verbose_name_plural = _("security counters")

    def __str__(self) -> str:
        return f"{self.key[:24]}… {self.count}"
