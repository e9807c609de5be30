from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest, HttpResponse

from bekitu.core.admin_audit import AuditedChangelistMixin, audit_admin_read
from bekitu.core.models import AuditEntry, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("IIN", {"fields": ("iin",)}))
    list_display = ("username", "first_name", "last_name", "is_staff")
    # Kept by Django, not typed in (and the admin's split date-time inputs have no labels).
    readonly_fields = ("last_login", "date_joined")


@admin.register(AuditEntry)
class AuditEntryAdmin(AuditedChangelistMixin, admin.ModelAdmin):
    """The audit log is read-only, even for superusers: the hash chain would break anyway.
    Reading it is audited too: it says who looked at whose data."""

    list_audit_action = "core.audit.list"

    list_display = ("seq", "at", "actor", "channel", "action", "object_type", "object_id")
    list_filter = ("channel", "action")
    search_fields = ("subject_iin", "object_id", "actor")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        entry = self.get_object(request, object_id)
        if entry is not None:
            audit_admin_read(request, action="core.audit.read", entry=entry.pk)
        return super().change_view(request, object_id, form_url, extra_context)
