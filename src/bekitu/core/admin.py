from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from bekitu.core.admin_audit import AuditedChangelistMixin, ReadOnlyMixin, audit_admin_read
from bekitu.core.audit_labels import action_label, channel_label
from bekitu.core.models import AuditEntry, User


class _LabelledFilter(admin.SimpleListFilter):
    """A filter on a code field whose choices read in words, in the reader's language."""

    field = ""

    def label(self, code: str) -> str:
        return code

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        codes = AuditEntry.objects.order_by().values_list(self.field, flat=True).distinct()
        return sorted(((c, self.label(c)) for c in codes), key=lambda pair: pair[1])

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        value = self.value()
        return queryset.filter(**{self.field: value}) if value else queryset


class ActionFilter(_LabelledFilter):
    title = _("what was done")
    parameter_name = field = "action"

    def label(self, code: str) -> str:
        return action_label(code)


class ChannelFilter(_LabelledFilter):
    title = _("channel")
    parameter_name = field = "channel"

    def label(self, code: str) -> str:
        return channel_label(code)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("IIN", {"fields": ("iin",)}))
    list_display = ("username", "first_name", "last_name", "is_staff")
    # Kept by Django, not typed in (and the admin's split date-time inputs have no labels).
    readonly_fields = ("last_login", "date_joined")


@admin.register(AuditEntry)
class AuditEntryAdmin(AuditedChangelistMixin, ReadOnlyMixin, admin.ModelAdmin):
    """The audit log is read-only, even for superusers: the hash chain would break anyway.
    Reading it is audited too: it says who looked at whose data."""

    list_audit_action = "core.audit.list"

    list_display = (
        "seq",
        "at",
        "actor",
        "channel_named",
        "action_named",
        "object_type",
        "object_id",
    )
    list_filter = (ChannelFilter, ActionFilter)
    search_fields = ("subject_iin", "object_id", "actor")

    @admin.display(description=_("what was done"), ordering="action")
    def action_named(self, entry: AuditEntry) -> str:
        return action_label(entry.action)

    @admin.display(description=_("channel"), ordering="channel")
    def channel_named(self, entry: AuditEntry) -> str:
        return channel_label(entry.channel)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        entry = self.get_object(request, object_id)
        if entry is not None:
            audit_admin_read(request, action="core.audit.read", entry=entry.pk)
        return super().change_view(request, object_id, form_url, extra_context)
