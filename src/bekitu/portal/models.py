"""The portal's own records: citizens' accounts, the challenges that prove who registers or
logs in, and the bearer tokens of the API."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bekitu.core.vocabulary import Channel


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
    # When condition 1 (R9.3) was last found to hold for the token's person: it is checked
    # again once BEKITU_PORTAL_RECHECK_SECONDS have passed (null: at the next use).
    checked_at = models.DateTimeField(_("condition 1 checked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"token of {self.account}"


class Draft(models.Model):
    """The request as the portal built it from the form (R9.5), waiting for the citizen's
    signature: `xml` is exactly what is to be signed; the e-copies are kept beside it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="drafts", verbose_name=_("account")
    )
    number = models.CharField(_("request number"), max_length=32, unique=True)
    recipient_iin = models.CharField(_("IIN of the recipient"), max_length=12)
    applicant_role = models.CharField(_("applicant's role"), max_length=16)
    provider_bin = models.CharField(_("BIN of the provider"), max_length=12)
    provider_name = models.CharField(_("provider"), max_length=255)
    xml = models.BinaryField(_("request to sign"))
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("request draft")
        verbose_name_plural = _("request drafts")

    def __str__(self) -> str:
        return self.number


class DraftCopy(models.Model):
    """An e-copy of a document attached to a draft (checked as the desk checks scans)."""

    draft = models.ForeignKey(
        Draft, on_delete=models.CASCADE, related_name="copies", verbose_name=_("draft")
    )
    code = models.CharField(_("document"), max_length=64)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("file type"), max_length=40)
    content = models.BinaryField(_("content"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("size"))

    class Meta:
        verbose_name = _("e-copy")
        verbose_name_plural = _("e-copies")
        constraints = [
            models.UniqueConstraint(fields=["draft", "code"], name="portal_copy_once_per_code")
        ]

    def __str__(self) -> str:
        return f"{self.draft_id}/{self.code}"


class Status(models.TextChoices):
    """What became of a request, as the cabinet shows it (the portal's own steps, then the
    provider's status messages, R9.9-R9.12)."""

    SUBMITTED = "submitted", _("submitted, signature confirmed")
    SENT = "sent", _("sent to the provider")
    DELIVERED = "delivered", _("delivered to the provider")
    HELD_UP = (
        "held_up",
        _("held up: the provider's system could not take it yet; it is being looked into"),
    )
    UNDELIVERABLE = "undeliverable", _("could not be delivered; please apply again")
    REGISTERED = "registered", _("registered by the provider")
    CHECKED = "checked", _("checked by the provider")
    # R3.1: the talon was issued while the provider's signing key was unavailable; the signed
    # talon follows as TALON_ISSUED.
    TALON_PENDING = (
        "talon_pending",
        _("talon issued; its e-document will come once the provider has signed it"),
    )
    TALON_ISSUED = "talon_issued", _("talon issued")
    REFUSED = "refused", _("refused")


# How far along each status is: a late or repeated message never moves a request back.
# The statuses of a decision (R9.11, R9.12): a request's last, and final.
DECIDED = (Status.TALON_ISSUED, Status.REFUSED)

# The decision each status is, where it is one: a talon awaiting the provider's e-signature
# (R3.1) is the decision to issue it, made within the term, though not yet the request's
# last status (the signed talon follows). A decision once made is never another.
DECISION_OF = {
    Status.TALON_PENDING: Status.TALON_ISSUED,
    Status.TALON_ISSUED: Status.TALON_ISSUED,
    Status.REFUSED: Status.REFUSED,
}

# Where the gateway's word can still move a request (R9.8): the provider has not spoken of it
# yet. Held up (parked: an operator looks into it) and delivered give way to each other as
# the gateway tells; undeliverable (discarded: the citizen applies again) is the last word the
# gateway has, and only the provider's own status message, which proves it has the request
# after all, moves the request on from there.
IN_TRANSIT = (Status.SUBMITTED, Status.SENT, Status.DELIVERED, Status.HELD_UP)

STATUS_RANK = {
    Status.SUBMITTED: 0,
    Status.SENT: 1,
    Status.DELIVERED: 2,
    Status.HELD_UP: 2,
    Status.UNDELIVERABLE: 2,
    Status.REGISTERED: 3,
    Status.CHECKED: 4,
    Status.TALON_PENDING: 5,
    Status.TALON_ISSUED: 6,
    Status.REFUSED: 6,
}


class CitizenRequest(models.Model):
    """A signed request the portal accepted (condition 2, R9.6) and sent to the provider; or
    (channel desk or phone) an application taken at the provider, filed in the recipient's
    cabinet when its talon arrived through the gateway: it has no draft and no signed request,
    and its number is the provider's application number."""

    number = models.CharField(_("request number"), max_length=32, unique=True)
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="requests", verbose_name=_("account")
    )
    draft = models.OneToOneField(
        Draft,
        on_delete=models.PROTECT,
        related_name="request",
        verbose_name=_("draft"),
        null=True,
        blank=True,
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.PORTAL
    )
    recipient_iin = models.CharField(_("IIN of the recipient"), max_length=12)
    provider_bin = models.CharField(_("BIN of the provider"), max_length=12)
    provider_name = models.CharField(_("provider"), max_length=255)
    signed_xml = models.BinaryField(_("signed request"), null=True, blank=True)
    signed_sha256 = models.CharField(
        _("SHA-256 of the signed request"), max_length=64, unique=True, null=True, blank=True
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    submitted_at = models.DateTimeField(_("submitted at"))
    registration_number = models.CharField(_("provider's number"), max_length=32, blank=True)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    talon_number = models.CharField(_("talon number"), max_length=32, blank=True)
    talon_verify_url = models.CharField(_("talon check address"), max_length=255, blank=True)
    talon_xml = models.BinaryField(_("signed e-talon"), null=True, blank=True)
    talon_pdf = models.BinaryField(_("talon PDF"), null=True, blank=True)
    refusal_code = models.CharField(_("reason for the refusal"), max_length=40, blank=True)
    refusal_legal_ground = models.JSONField(_("legal ground"), default=dict, blank=True)
    refusal_message = models.JSONField(_("refusal text"), default=dict, blank=True)
    message_id = models.CharField(_("gateway message"), max_length=36, blank=True)
    # When the provider was last asked where the request stands (reconcile.py): a request
    # silent that long is asked once per BEKITU_PORTAL_STATUS_SILENT_MINUTES, not every run.
    status_asked_at = models.DateTimeField(_("provider last asked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("citizen's request")
        verbose_name_plural = _("citizens' requests")
        indexes = [models.Index(fields=["account", "submitted_at"])]

    def __str__(self) -> str:
        return self.number


class RequestEvent(models.Model):
    """One step of a request's timeline (each status once)."""

    request = models.ForeignKey(
        CitizenRequest, on_delete=models.CASCADE, related_name="events", verbose_name=_("request")
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("request event")
        verbose_name_plural = _("request events")
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["request", "status"], name="portal_event_once")
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.status}"


class CabinetNotice(models.Model):
    """A re-attachment the account's holder did not ask for (their provider closed, or their
    district was redrawn), as the register told the portal through the gateway."""

    class Reason(models.TextChoices):
        PROVIDER_CLOSED = "provider_closed", _("your provider closed")
        DISTRICTS_REDRAWN = "districts_redrawn", _("the districts of your provider were redrawn")

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="notices", verbose_name=_("account")
    )
    number = models.CharField(_("re-attachment number"), max_length=40)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    provider_bin = models.CharField(_("BIN of the provider"), max_length=12)
    provider_name_kk = models.CharField(_("provider (Kazakh)"), max_length=255)
    provider_name_ru = models.CharField(_("provider (Russian)"), max_length=255)
    provider_address = models.CharField(_("address of the provider"), max_length=255)
    provider_phone = models.CharField(_("phone of the provider"), max_length=255, blank=True)
    district_number = models.PositiveIntegerField(_("district"))
    valid_from = models.DateField(_("attached from"))
    talon_number = models.CharField(_("talon number"), max_length=40)
    talon_verify_url = models.CharField(_("talon check address"), max_length=255)
    received_at = models.DateTimeField(_("received at"))

    class Meta:
        verbose_name = _("cabinet notice")
        verbose_name_plural = _("cabinet notices")
        constraints = [
            models.UniqueConstraint(fields=["account", "talon_number"], name="portal_notice_once")
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.talon_number}"
