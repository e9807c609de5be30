"""Django admin of applications: read-only. An application changes only through the
services (which follow the state machine and audit every step); opening one is an audited
read."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from bekitu.core.admin_audit import AuditedChangelistMixin, ReadOnlyMixin
from bekitu.core.audit import audit_context, audit_record
from bekitu.service.models import (
    Application,
    ApplicationDocument,
    ApplicationStep,
    CheckResult,
    PolicyEdition,
    PortalRequest,
    PortalSetting,
)
from bekitu.service.procedure import audit_application


class ReadOnlyInline(ReadOnlyMixin, admin.TabularInline):
    extra = 0

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> Any:
        return self.fields


class StepInline(ReadOnlyInline):
    model = ApplicationStep
    fields = (
        "at",
        "action",
        "from_state",
        "to_state",
        "actor_label",
        "outcome",
        "due_at",
        "breached",
        "comment",
    )


class DocumentInline(ReadOnlyInline):
    model = ApplicationDocument
    fields = ("kind", "presented", "content_type", "size", "note", "added_at")


class CheckResultInline(ReadOnlyInline):
    model = CheckResult
    fields = ("run", "check_name", "passed", "reason_code", "details", "policy_edition")


class PortalRequestInline(ReadOnlyInline):
    """The portal's request the application was made of (R9.9): its number and sender."""

    model = PortalRequest
    fields = ("number", "sender_id", "message_id", "received_at", "language")


@admin.register(PortalSetting)
class PortalSettingAdmin(admin.ModelAdmin):
    """How each provider decides portal requests (R9.10); changes go through the service
    (audited)."""

    list_display = ("provider", "decision", "changed_at")
    list_filter = ("decision",)
    list_select_related = ("provider",)
    autocomplete_fields = ("provider",)
    readonly_fields = ("changed_at",)

    def save_model(self, request: HttpRequest, obj: PortalSetting, form: Any, change: bool) -> None:
        from bekitu.service.portal_requests import portal_setting_set

        with audit_context(actor=f"admin:{request.user.get_username()}", channel="admin"):
            saved = portal_setting_set(
                provider_id=obj.provider_id,
                decision=obj.decision,
                by=request.user.get_username(),
            )
        obj.pk = saved.pk

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # A deleted setting would turn the provider back to automatic decisions unaudited:
        # choosing "automatically" is the way back, through the service.
        return False


@admin.register(PolicyEdition)
class PolicyEditionAdmin(admin.ModelAdmin):
    """The editions of the attachment rules with their acts (docs/policy.md); every change is
    audited. An application keeps the edition it was received under."""

    list_display = ("edition", "in_force_from", "max_voluntary_changes", "act_number", "act_date")
    search_fields = ("edition", "act_number")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "edition",
                    "in_force_from",
                    "max_voluntary_changes",
                    ("campaign_opens", "campaign_closes"),
                    "voluntary_effect",
                    "eligible_statuses",
                    "insured_statuses",
                )
            },
        ),
        (
            _("The act"),
            {
                "fields": (
                    ("act_number", "act_date"),
                    "act_citation_kk",
                    "act_citation_ru",
                    "act_citation_en",
                    "act_source",
                    "act_paragraphs",
                    "legal_text",
                )
            },
        ),
    )

    def save_model(self, request: HttpRequest, obj: PolicyEdition, form: Any, change: bool) -> None:
        with audit_context(actor=f"admin:{request.user.get_username()}", channel="admin"):
            super().save_model(request, obj, form, change)
            audit_record(
                action="service.policy_edition.change" if change else "service.policy_edition.add",
                object_type="service.policy_edition",
                object_id=obj.pk,
                data={"edition": obj.edition, "fields": sorted(form.changed_data)},
            )

    def delete_model(self, request: HttpRequest, obj: PolicyEdition) -> None:
        with audit_context(actor=f"admin:{request.user.get_username()}", channel="admin"):
            audit_record(
                action="service.policy_edition.delete",
                object_type="service.policy_edition",
                object_id=obj.pk,
                data={"edition": obj.edition},
            )
            super().delete_model(request, obj)


@admin.register(Application)
class ApplicationAdmin(AuditedChangelistMixin, ReadOnlyMixin, admin.ModelAdmin):
    """Applications, read-only; opening one, and each list page, is an audited read."""

    list_audit_action = "service.application.list"
    list_display = (
        "number",
        "channel",
        "state",
        "provider",
        "submitted_at",
        "deadline",
        "sla",
        "refusal_code",
    )
    list_filter = ("state", "channel", "sla", "reason", "policy_edition")
    search_fields = ("number", "talon_number", "refusal_number")
    list_select_related = ("provider",)
    exclude = ("signed_request",)
    inlines = (StepInline, DocumentInline, CheckResultInline, PortalRequestInline)
    show_full_result_count = False

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        application = self.get_object(request, object_id)
        if application is not None:
            with audit_context(actor=f"admin:{request.user.get_username()}", channel="admin"):
                audit_application(application, "read", via="admin")
        return super().change_view(request, object_id, form_url, extra_context)
