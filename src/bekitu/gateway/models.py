"""The gateway's tables: participants, the outbox, the inbox, rejected envelopes, and the queue
table of the default transport.

The outbox is written in the transaction of the change that sends a message and read by the
relay; the inbox holds every message received, once (its messageId is unique), with what its
handler did. Neither holds a person's data outside the envelope itself.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bekitu.core.iin import is_valid_iin


def validate_bin(value: str) -> None:
    """A BIN: 12 digits with a valid check digit."""
    if not is_valid_iin(value):
        raise ValidationError(_("The BIN is not valid."), code="invalid_bin")


validate_system_id = RegexValidator(
    r"\A[A-Za-z0-9][A-Za-z0-9._\-]{0,63}\Z",
    _("A participant's id has letters, digits, dots, hyphens or underscores (1 to 64)."),
)


class Participant(models.Model):
    """A system the gateway carries messages for: the portal, a provider (routeId = its BIN).

    Its envelopes must be signed with an organization certificate of `bin`; a `local`
    participant is one this installation serves: it consumes its route and holds its key.
    """

    system_id = models.CharField(
        _("system id"), max_length=64, unique=True, validators=[validate_system_id]
    )
    bin = models.CharField(_("BIN of its certificate"), max_length=12, validators=[validate_bin])
    title = models.CharField(_("title"), max_length=255, blank=True)
    local = models.BooleanField(
        _("served here"),
        default=False,
        help_text=_("This installation receives its messages and signs with its key."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("gateway participant")
        verbose_name_plural = _("gateway participants")
        ordering = ("system_id",)

    def __str__(self) -> str:
        return self.system_id


class Kind(models.TextChoices):
    REQUEST = "request", _("request (SendMessage)")
    RESPONSE = "response", _("response (SendMessageResponse)")


class OutboxMessage(models.Model):
    """A message to send, written in the sender's transaction; the relay delivers it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        SENT = "sent", _("sent")
        PARKED = "parked", _("parked")
        DISCARDED = "discarded", _("discarded")

    message_id = models.UUIDField(_("message id"), unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.REQUEST)
    correlation_id = models.CharField(_("correlation id"), max_length=64, blank=True)
    service_id = models.CharField(_("service id"), max_length=100)
    sender_id = models.CharField(_("sender"), max_length=64)
    route_id = models.CharField(_("route"), max_length=64)
    message_date = models.DateTimeField(_("message date"))
    envelope = models.BinaryField(_("envelope (unsigned)"))
    size = models.PositiveIntegerField(_("size, bytes"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("delivery attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    receipt_code = models.CharField(_("receiver's status"), max_length=7, blank=True)
    receipt_at = models.DateTimeField(_("receipt at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages (outbox)")
        permissions = [
            ("operate_outboxmessage", _("Can replay or discard a parked outgoing message"))
        ]
        ordering = ("-id",)
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="gw_outbox_due"),
            models.Index(fields=["correlation_id"], name="gw_outbox_correlation"),
        ]

    def __str__(self) -> str:
        return f"{self.service_id} → {self.route_id} ({self.message_id})"


class InboxMessage(models.Model):
    """A message received and verified; its messageId is unique, so it is handled once."""

    class Status(models.TextChoices):
        PROCESSED = "processed", _("processed")
        RETRYING = "retrying", _("waiting for a retry")
        PARKED = "parked", _("parked")
        DISCARDED = "discarded", _("discarded")

    message_id = models.UUIDField(_("message id"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.REQUEST)
    correlation_id = models.CharField(_("correlation id"), max_length=64, blank=True)
    service_id = models.CharField(_("service id"), max_length=100)
    sender_id = models.CharField(_("sender"), max_length=64)
    route_id = models.CharField(_("route"), max_length=64)
    message_date = models.DateTimeField(_("message date"))
    envelope = models.BinaryField(_("envelope (signed, as received)"))
    size = models.PositiveIntegerField(_("size, bytes"))
    signer_serial = models.CharField(_("signer's certificate serial"), max_length=64)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    attempts = models.PositiveIntegerField(_("handler runs"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("incoming message")
        verbose_name_plural = _("incoming messages (inbox)")
        permissions = [
            ("operate_inboxmessage", _("Can replay or discard a parked incoming message"))
        ]
        ordering = ("-id",)
        constraints = [
            # The idempotent inbox: a message delivered twice is stored, and handled, once.
            models.UniqueConstraint(fields=["message_id"], name="gw_inbox_message_once"),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="gw_inbox_due"),
            models.Index(fields=["correlation_id"], name="gw_inbox_correlation"),
        ]

    def __str__(self) -> str:
        return f"{self.service_id} ← {self.sender_id} ({self.message_id})"


# Waiting to be sent, or a request sent and still unconfirmed by its receiver: what the relay
# sends (again) when it is due.
OUTBOX_DUE = models.Q(status=OutboxMessage.Status.PENDING) | models.Q(
    status=OutboxMessage.Status.SENT, kind=Kind.REQUEST, receipt_at__isnull=True
)
# Still at work: due, or parked for an operator (retrying or parked, incoming). Whatever else
# is done with, and goes after the retention (`retention.py`).
OUTBOX_AT_WORK = OUTBOX_DUE | models.Q(status=OutboxMessage.Status.PARKED)
INBOX_AT_WORK = models.Q(status__in=[InboxMessage.Status.RETRYING, InboxMessage.Status.PARKED])


class RejectedMessage(models.Model):
    """An envelope refused on receipt (schema, signature, unknown sender): it never reached a
    handler. What it claimed is kept to trace it, not trusted; its bytes stay in the route's
    dead-letter queue."""

    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    route_id = models.CharField(_("route"), max_length=64)
    claimed_sender_id = models.CharField(_("sender it claims"), max_length=64, blank=True)
    claimed_message_id = models.CharField(_("message id it claims"), max_length=64, blank=True)
    code = models.CharField(_("status code"), max_length=7)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    size = models.PositiveIntegerField(_("size, bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("rejected envelope")
        verbose_name_plural = _("rejected envelopes")
        ordering = ("-id",)

    def __str__(self) -> str:
        return f"{self.code} {self.claimed_message_id or self.sha256[:12]}"


class QueuedMessage(models.Model):
    """A message in the default transport's queue table (`db://`): a route's queue, its
    dead-letter queue, or a reply to a synchronous call. Taking one pushes `available_at`
    forward (a lease); acknowledging deletes it."""

    queue = models.CharField(max_length=100)
    body = models.BinaryField()
    message_id = models.CharField(max_length=64, blank=True)
    reply_to = models.CharField(max_length=100, blank=True)
    correlation_id = models.CharField(max_length=64, blank=True)
    available_at = models.DateTimeField(default=timezone.now)
    deliveries = models.PositiveIntegerField(default=0)
    enqueued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("queued envelope")
        verbose_name_plural = _("queued envelopes")
        indexes = [models.Index(fields=["queue", "available_at"], name="gw_queue_due")]

    def __str__(self) -> str:
        return f"{self.queue} #{self.pk}"


def insert_once(row: models.Model, *, conflict: str) -> int | None:
    """Insert `row` in one statement unless a row with the same value of the unique field
    `conflict` exists (INSERT ... ON CONFLICT DO NOTHING RETURNING, on PostgreSQL and SQLite
    alike): the new row's primary key, or None when it was there already. The model's
    fields are prepared for the database as `Model.save` prepares them."""
    meta = row._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    values = [f.get_db_prep_save(f.pre_save(row, True), connection) for f in fields]
    unique = next(f.column for f in fields if f.name == conflict)
    marks = ", ".join(["%s"] * len(fields))
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks}) "  # noqa: S608 - names from the model
        f"ON CONFLICT ({quote(unique)}) DO NOTHING RETURNING {quote(meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        found = cursor.fetchone()
    return None if found is None else int(found[0])
