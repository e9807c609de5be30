from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from bekitu.core.models import AuditEntry, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("IIN", {"fields": ("iin",)}))
    list_display = ("username", "first_name", "last_name", "is_staff")


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit log is read-only, even for superusers: the hash chain would break anyway."""

    list_display = ("seq", "at", "actor", "channel", "action", "object_type", "object_id")
    list_filter = ("channel", "action")
    search_fields = ("subject_iin", "object_id", "actor")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
