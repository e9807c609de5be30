"""Applications for attachment, their procedure steps, documents and check results.

One `Application` model serves every channel (desk, phone, portal). Its state changes only
through `bekitu.service.services`, which follow the state machine in `procedure.py` and
record each transition as an `ApplicationStep`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bekitu.core.vocabulary import (
    TERMINAL_STATES,
    ApplicantRole,
    AttachmentBasis,
    AttachmentReason,
    Channel,
    Check,
    RefusalCode,
    State,
)

if TYPE_CHECKING:
    from bekitu.core.transactions import Mark
    from bekitu.service.policy import Policy

# The re-attachment plans live in their own package; imported here so Django finds them.
from bekitu.service.reattachment.models import (  # noqa: F401
    Reattachment,
    ReattachmentItem,
)


class Application(models.Model):
    """One request for attachment to a provider, in any channel."""

    # The service's terms, defined once in bekitu.core.vocabulary.
    Channel = Channel
    ApplicantRole = ApplicantRole
    State = State
    # The reason an application gives is the reason the attachment it makes will carry.
    Reason = AttachmentReason
    Basis = AttachmentBasis

    # Not a column: whether the talon this instance's decision issued awaits the provider's
    # e-signature (R3.1), set by the decision (`issue_talon_locked`) for the steps after it in
    # its transaction; None where unknown (an instance read from the database).
    talon_signature_pending: bool | None = None

    class Sla(models.TextChoices):
        ON_TIME = "on_time", _("on time")
        NEAR = "near", _("deadline near")
        BREACHED = "breached", _("deadline passed")

    number = models.CharField(_("number"), max_length=20, unique=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recipient = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("recipient"),
    )
    applicant = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications_made",
        help_text=_("Empty when the recipient applies for themselves."),
        verbose_name=_("applicant"),
    )
    applicant_role = models.CharField(
        _("applicant acts as"), max_length=16, choices=ApplicantRole.choices, default="self"
    )
    poa_number = models.CharField(_("power of attorney number"), max_length=50, blank=True)
    poa_date = models.DateField(_("power of attorney date"), null=True, blank=True)
    poa_valid_until = models.DateField(_("power of attorney valid until"), null=True, blank=True)
    provider = models.ForeignKey(
        "registry.Provider",
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("provider"),
    )
    reason = models.CharField(_("reason"), max_length=24, choices=Reason.choices)
    # The district (and so the doctor) the applicant chose within the provider; empty: the
    # rules choose. A head may admit a chosen district above its normative size: who, when, why.
    district = models.ForeignKey(
        "registry.District",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("chosen district"),
    )
    district_override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("district size override by"),
    )
    district_override_at = models.DateTimeField(
        _("district size override at"), null=True, blank=True
    )
    district_override_reason = models.TextField(_("district size override reason"), blank=True)
    # What the attachment rests on, with the address it rests on (the unit's code and the
    # address as stated); the registered residence is the register's own address.
    basis = models.CharField(
        _("basis of attachment"),
        max_length=24,
        choices=Basis.choices,
        default=Basis.REGISTERED_RESIDENCE,
    )
    basis_atu_code = models.CharField(
        _("administrative-territorial unit of the basis (KATO)"), max_length=9, blank=True
    )
    basis_address = models.CharField(_("address of the basis"), max_length=255, blank=True)
    # The basis's address as a street and a house of its unit, so the service areas can be
    # matched when the person lives there (temporary or actual residence; decision 0012).
    basis_street = models.CharField(_("street of the basis's address"), max_length=255, blank=True)
    basis_house = models.PositiveIntegerField(
        _("house number of the basis's address"), null=True, blank=True
    )
    basis_building = models.CharField(
        _("building of the basis's address"), max_length=10, blank=True
    )
    basis_apartment = models.CharField(
        _("apartment of the basis's address"), max_length=10, blank=True
    )
    pregnant = models.BooleanField(_("the recipient is pregnant (stated)"), default=False)
    # The recipient's data as the application states them; R4-1 compares them with the
    # population register.
    declared_surname = models.CharField(_("surname as stated"), max_length=100)
    declared_given_name = models.CharField(_("given name as stated"), max_length=100)
    declared_patronymic = models.CharField(_("patronymic as stated"), max_length=100, blank=True)
    declared_birth_date = models.DateField(_("birth date as stated"))
    declared_document_number = models.CharField(
        _("identity document number as stated"), max_length=30, blank=True
    )
    # Where the stated data come from: the presented identity document, or (when the channel
    # entered none) the register's own row, against which R4-1 cannot find a difference.
    declared_from_document = models.BooleanField(_("data stated from a document"), default=False)
    state = models.CharField(_("state"), max_length=20, choices=State.choices)

    # Term (R5.3, R9.13): from the working-time calendar and the provider's hours.
    submitted_at = models.DateTimeField(_("submitted at"))
    term_start = models.DateTimeField(_("term starts at"))
    deadline = models.DateTimeField(_("deadline"))
    action_due_at = models.DateTimeField(
        _("pending action due at"),
        null=True,
        blank=True,
        help_text=_("When the action the application waits for must be done (30 working minutes)."),
    )
    sla = models.CharField(
        _("term"), max_length=10, choices=Sla.choices, default=Sla.ON_TIME, db_index=True
    )
    action_overdue = models.BooleanField(_("pending action overdue"), default=False)
    sla_checked_at = models.DateTimeField(_("term last checked at"), null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications_created",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    # Decision.
    policy_edition = models.CharField(_("policy edition"), max_length=20, blank=True)
    effective_from = models.DateField(_("attachment effective from"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications_decided",
        verbose_name=_("decided by"),
    )
    refusal_code = models.CharField(
        _("refusal reason"),
        max_length=30,
        blank=True,
        choices=RefusalCode.choices,
    )
    # The ground of a refusal: the failed check's details (which fields differ, R4-1), or the
    # specialist's written justification, kept whole.
    refusal_details = models.JSONField(_("refusal details"), default=dict, blank=True)
    refusal_justification = models.TextField(_("refusal justification"), blank=True)
    attachment = models.ForeignKey(
        "registry.Attachment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("attachment"),
    )
    talon_number = models.CharField(_("talon number"), max_length=40, blank=True)
    refusal_number = models.CharField(_("refusal document number"), max_length=40, blank=True)

    # Portal (R9.5-R9.8): the signed request as received, and the signer's certificate.
    signed_request = models.BinaryField(_("signed request"), null=True, blank=True)
    signer_serial = models.CharField(_("signer's certificate serial"), max_length=64, blank=True)

    # Not stored: the time of the latest step, kept by `procedure.step_record` on the instance
    # it records a step through (the row the caller's transaction holds locked); None until
    # then, and the step's predecessor is read from the database.
    last_step_at: dt.datetime | None = None
    # Not stored: the policy edition `facts.policy_of` has read for this instance, so that the
    # steps of one transaction (intake, checks, decision) read the editions once.
    policy_read: Policy | None = None
    # Not stored: the number of the latest run of the checks, kept by `checks_store` on the
    # instance it stores a run through (0 for one made in this transaction); None until then,
    # and it is read from the database.
    last_check_run: int | None = None
    # Not stored: the application's documents by kind, as the transaction whose mark is
    # `documents_mark` has made and read them (`documents_known`): one made in it has none
    # but those added through `decision.document_add_locked`. None: read from the database.
    documents_seen: dict[str, ApplicationDocument] | None = None
    documents_mark: Mark | None = None

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["deadline"]
        indexes = [
            models.Index(fields=["provider", "state", "deadline"]),
            models.Index(fields=["recipient", "submitted_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(applicant_role="representative") | ~Q(poa_number=""),
                name="representative_has_power_of_attorney",
            ),
            models.CheckConstraint(
                condition=~Q(state="refused") | ~Q(refusal_code=""),
                name="refusal_has_reason",
            ),
            # The services refuse a second open application (Conflict "application_open");
            # the database holds the rule too, whatever path writes.
            models.UniqueConstraint(
                fields=["recipient"],
                condition=~Q(state__in=["talon_issued", "refused"]),
                name="one_open_application_per_recipient",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.state not in TERMINAL_STATES

    @property
    def effective_applicant_id(self) -> int:
        """The person who acts: the applicant, or the recipient themselves."""
        return self.applicant_id or self.recipient_id


class ApplicationCounter(models.Model):
    """The last application number issued in a year; locked while a number is taken."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class ApplicationStep(models.Model):
    """One transition of an application: what was done, by whom, when, and whether in time."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="steps", verbose_name=_("application")
    )
    from_state = models.CharField(_("from"), max_length=20, blank=True)
    to_state = models.CharField(_("to"), max_length=20)
    action = models.CharField(_("action"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="application_steps",
        verbose_name=_("who"),
    )
    actor_label = models.CharField(
        _("who"), max_length=150, help_text=_("User name, or the portal or system.")
    )
    at = models.DateTimeField(_("when"))
    outcome = models.CharField(_("outcome"), max_length=30, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    breached = models.BooleanField(_("done late"), default=False, db_index=True)
    minutes = models.FloatField(
        _("working minutes"),
        null=True,
        blank=True,
        help_text=_(
            "Working time since the previous step, or since the term started if later; "
            "recorded with the step."
        ),
    )

    class Meta:
        verbose_name = _("procedure step")
        verbose_name_plural = _("procedure steps")
        ordering = ["application", "at", "id"]
        indexes = [models.Index(fields=["action", "at"])]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.from_state or '·'} → {self.to_state}"


def scan_upload_to(instance: ApplicationDocument, filename: str) -> str:
    """Scans are filed by application number, under a name the service chooses."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"scans/{instance.application.number}/{instance.kind}.{suffix}"


class ApplicationDocument(models.Model):
    """A document of paragraph 9 of the standard: presented at the desk, or a scan."""

    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="documents",
        verbose_name=_("application"),
    )
    kind = models.CharField(_("kind"), max_length=32)
    file = models.FileField(_("scan"), upload_to=scan_upload_to, blank=True)
    content_type = models.CharField(_("file type"), max_length=40, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    presented = models.BooleanField(_("presented"), default=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)
    scan_at = models.DateTimeField(_("scan attached at"), null=True, blank=True)
    scan_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("scan attached by"),
    )

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        constraints = [
            models.UniqueConstraint(fields=["application", "kind"], name="one_document_per_kind")
        ]

    def __str__(self) -> str:
        return self.kind


class CheckResult(models.Model):
    """The outcome of one check of an application, kept so a decision can be explained."""

    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="check_results",
        verbose_name=_("application"),
    )
    run = models.PositiveSmallIntegerField(_("run"), default=1)
    check_name = models.CharField(_("check"), max_length=40, choices=Check.choices)
    passed = models.BooleanField(_("passed"))
    reason_code = models.CharField(_("reason code"), max_length=30, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    policy_edition = models.CharField(_("policy edition"), max_length=20)
    checked_at = models.DateTimeField(_("checked at"))

    class Meta:
        verbose_name = _("check result")
        verbose_name_plural = _("check results")
        ordering = ["application", "run", "id"]

    def __str__(self) -> str:
        return f"{self.check_name}: {'pass' if self.passed else self.reason_code}"


class PortalSetting(models.Model):
    """How a provider decides the requests that come from the portal (R9.10, R9.12)."""

    class Decision(models.TextChoices):
        AUTOMATIC = "automatic", _("automatically, when every check passes")
        SPECIALIST = "specialist", _("by a specialist, within the term")

    provider = models.OneToOneField(
        "registry.Provider",
        on_delete=models.CASCADE,
        related_name="portal_setting",
        verbose_name=_("provider"),
    )
    decision = models.CharField(
        _("decision on portal requests"),
        max_length=12,
        choices=Decision.choices,
        default=Decision.AUTOMATIC,
        help_text=_(
            "Automatically: a request that passes every check gets its talon at once. By a "
            "specialist: it waits in the queue for action 2 within the term."
        ),
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("portal setting")
        verbose_name_plural = _("portal settings")

    def __str__(self) -> str:
        return f"{self.provider_id}: {self.decision}"


class PortalRequest(models.Model):
    """A citizen's request received from the portal through the gateway: the portal's number
    (one request is handled once, whatever the gateway delivers again), who sent it, and the
    application it made, or why none was made (the EDS not confirmed, an inconsistent request)."""

    number = models.CharField(_("portal request number"), max_length=40, unique=True)
    sender_id = models.CharField(_("sending system"), max_length=64)
    message_id = models.CharField(_("gateway message id"), max_length=36)
    provider = models.ForeignKey(
        "registry.Provider",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="portal_requests",
        verbose_name=_("provider"),
    )
    application = models.OneToOneField(
        Application,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="portal_request",
        verbose_name=_("application"),
    )
    rejected_code = models.CharField(
        _("rejected with"),
        max_length=30,
        blank=True,
        help_text=_("Why no application was made of the request."),
    )
    language = models.CharField(_("language"), max_length=2, default="ru")
    received_at = models.DateTimeField(_("received at"))

    class Meta:
        verbose_name = _("portal request")
        verbose_name_plural = _("portal requests")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return self.number


class PolicyEdition(models.Model):
    """An edition of the attachment rules, as data an administrator keeps (docs/policy.md):
    from when it is in force, its limits, and the act that enacted it with its legal text.
    The service ships with its editions (`service.policy`, seeded by a migration); a new one is
    added here without a release."""

    class Effect(models.TextChoices):
        IMMEDIATE = "immediate", _("on the day of the decision")
        NEXT_JANUARY = "next_january", _("on 1 January of the next year")

    edition = models.CharField(_("edition"), max_length=20, unique=True)
    in_force_from = models.DateField(_("in force from"))
    max_voluntary_changes = models.PositiveSmallIntegerField(
        _("voluntary changes in any 12 months")
    )
    campaign_opens = models.CharField(
        _("campaign opens (MM-DD)"),
        max_length=5,
        blank=True,
        help_text=_("Empty when voluntary changes are accepted on any day."),
    )
    campaign_closes = models.CharField(_("campaign closes (MM-DD)"), max_length=5, blank=True)
    voluntary_effect = models.CharField(
        _("a voluntary change takes effect"), max_length=16, choices=Effect.choices
    )
    eligible_statuses = models.JSONField(
        _("statuses with the right to attachment"),
        default=list,
        help_text=_('Codes of the register\'s statuses, e.g. ["citizen", "kandas"].'),
    )
    insured_statuses = models.JSONField(
        _("statuses with the right only if insured"), default=list, blank=True
    )
    act_number = models.CharField(_("number of the act"), max_length=40)
    act_date = models.DateField(_("date of the act"))
    act_citation_kk = models.TextField(_("citation of the act in Kazakh"))
    act_citation_ru = models.TextField(_("citation of the act in Russian"))
    act_citation_en = models.TextField(_("citation of the act in English"))
    act_source = models.CharField(
        _("source of the act's text"), max_length=300, blank=True, validators=[URLValidator()]
    )
    act_paragraphs = models.JSONField(
        _("paragraphs that ground refusals"),
        default=dict,
        blank=True,
        help_text=_(
            "Refusal reason code to the paragraph of the act that grounds it, only where the "
            'act\'s text says so, e.g. {"too_frequent": "12"}.'
        ),
    )
    legal_text = models.TextField(_("legal text"), blank=True)

    class Meta:
        verbose_name = _("policy edition")
        verbose_name_plural = _("policy editions")
        ordering = ["in_force_from"]

    def __str__(self) -> str:
        return self.edition

    def clean(self) -> None:
        from bekitu.service.facts import edition_validate

        edition_validate(self)
