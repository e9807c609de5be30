"""The portal's own records: citizens' accounts, the challenges that prove who registers or
logs in, and the bearer tokens of the API."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Account(models.Model):
    """A citizen's account on the portal (R9.1): the IIN is the login, one account per IIN."""

    class Proof(models.TextChoices):
        EDS = "eds", _("EDS authentication key")
        SMS = "sms", _("code sent to the registered phone")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="citizen_account",
        verbose_name=_("user"),
    )
    iin = models.CharField(_("IIN"), max_length=12, unique=True)
    proof = models.CharField(_("identity proved by"), max_length=3, choices=Proof.choices)
    registered_at = models.DateTimeField(_("registered at"))

    class Meta:
        verbose_name = _("citizen account")
        verbose_name_plural = _("citizen accounts")

    def __str__(self) -> str:
        return f"{self.iin[:6]}****** ({self.get_proof_display()})"


class Challenge(models.Model):
    """One proof of identity in progress: an XML document to sign with the authentication
    key, or a code sent by SMS. Valid for PORTAL_CHALLENGE_SECONDS, used at most once."""

    class Purpose(models.TextChoices):
        REGISTER = "register", _("registration")
        LOGIN = "login", _("login")

    class Way(models.TextChoices):
        EDS = "eds", _("EDS")
        SMS = "sms", _("SMS code")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    iin = models.CharField(_("IIN"), max_length=12)
    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices)
    way = models.CharField(_("way"), max_length=3, choices=Way.choices)
    nonce = models.CharField(_("nonce"), max_length=64)
    issued_at = models.DateTimeField(_("issued at"))
    expires_at = models.DateTimeField(_("expires at"))
    code_hash = models.CharField(_("code digest"), max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(_("wrong entries"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("identity challenge")
        verbose_name_plural = _("identity challenges")
        indexes = [models.Index(fields=["iin", "issued_at"])]

    def __str__(self) -> str:
        return f"{self.purpose}/{self.way} {self.id}"


class ApiToken(models.Model):
    """A bearer token of the portal's API (`Authorization: Bearer <token>`); only its
    SHA-256 is kept."""

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="tokens", verbose_name=_("account")
    )
    key_hash = models.CharField(_("token digest"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"token of {self.account}"
