"""The portal's admin pages, read-mostly: citizens' accounts (locked and unlocked by an
action, audited) and their requests (status and timeline). No password hash, challenge or
token is shown, nor any document's content: the signed request, the e-copies and the talon
stay out of the admin. Every list page and every record opened is an audited read."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from bekitu.core.admin_audit import AuditedChangelistMixin, ReadOnlyMixin
from bekitu.core.audit import audit_context, audit_record
from bekitu.portal.accounts import account_lock
from bekitu.portal.models import Account, CitizenRequest, RequestEvent


def _actor(request: HttpRequest) -> str:
    return f"admin:{request.user.get_username()}"


class _ReadOnly(AuditedChangelistMixin, ReadOnlyMixin, admin.ModelAdmin):
    show_full_result_count = False
    read_action = ""

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        row = self.get_object(request, object_id)
        if row is not None and request.method == "GET":
            with audit_context(actor=_actor(request), channel="admin"):
                audit_record(
                    action=self.read_action,
                    object_type=self.read_action.rsplit(".", 1)[0],
                    object_id=getattr(row, "number", row.pk),
                    subject_iin=self.subject(row),
                    data={"via": "admin"},
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def subject(self, row: Any) -> str:
        """The IIN of the person whose data the page shows."""
        return ""


@admin.register(Account)
class AccountAdmin(_ReadOnly):
    """Citizens' accounts: who, how they proved it, since when, whether they may log in."""

    list_audit_action = "portal.account.list"
    read_action = "portal.account.read"
    list_display = ("iin", "proof", "registered_at", "active", "last_login", "requests")
    list_filter = ("proof", "user__is_active")
    search_fields = ("=iin",)
    fields = ("iin", "proof", "registered_at", "active", "last_login", "requests")
    readonly_fields = fields
    actions = ("lock", "unlock")

    def subject(self, row: Any) -> str:
        return str(row.iin)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Account]:
        return (
            super()
            .get_queryset(request)
            .select_related("user")
            .annotate(request_count=Count("requests"))
        )

    @admin.display(description=_("may log in"), boolean=True, ordering="user__is_active")
    def active(self, obj: Account) -> bool:
        return bool(obj.user.is_active)

    @admin.display(description=_("last login"), ordering="user__last_login")
    def last_login(self, obj: Account) -> Any:
        return obj.user.last_login

    @admin.display(description=_("requests"), ordering="request_count")
    def requests(self, obj: Account) -> int:
        return int(getattr(obj, "request_count", 0))

    def has_lock_permission(self, request: HttpRequest) -> bool:
        """Locking or unlocking an account needs `portal.change_account`."""
        return bool(request.user.has_perm("portal.change_account"))

    def _lock(self, request: HttpRequest, queryset: QuerySet[Account], locked: bool) -> None:
        done = sum(
            account_lock(account_id=a.pk, locked=locked, by=_actor(request)) for a in queryset
        )
        text = (
            ngettext("%(count)d account locked.", "%(count)d accounts locked.", done)
            if locked
            else ngettext("%(count)d account unlocked.", "%(count)d accounts unlocked.", done)
        )
        self.message_user(request, text % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("Lock the selected accounts"), permissions=["lock"])
    def lock(self, request: HttpRequest, queryset: QuerySet[Account]) -> None:
        """The citizen can no longer log in; the API tokens are revoked."""
        self._lock(request, queryset, True)

    @admin.action(description=_("Unlock the selected accounts"), permissions=["lock"])
    def unlock(self, request: HttpRequest, queryset: QuerySet[Account]) -> None:
        """The citizen can log in again."""
        self._lock(request, queryset, False)


class RequestEventInline(ReadOnlyMixin, admin.TabularInline):
    model = RequestEvent
    fields = ("at", "status")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(CitizenRequest)
class CitizenRequestAdmin(_ReadOnly):
    """Requests sent through the portal: status, the provider, the deadline, the talon's
    number or the refusal's reason, and the timeline."""

    list_audit_action = "portal.request.list"
    read_action = "portal.request.read"
    list_display = (
        "number",
        "status",
        "provider_name",
        "submitted_at",
        "deadline",
        "talon_number",
        "refusal_code",
    )
    list_filter = ("status",)
    search_fields = ("=number", "=registration_number", "=talon_number")
    date_hierarchy = "submitted_at"
    fields = (
        "number",
        "status",
        "account",
        "recipient_iin",
        "provider_bin",
        "provider_name",
        "submitted_at",
        "registration_number",
        "deadline",
        "talon_number",
        "talon_verify_url",
        "refusal_code",
        "message_id",
    )
    readonly_fields = fields
    inlines = (RequestEventInline,)

    def subject(self, row: Any) -> str:
        return str(row.recipient_iin)
