from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from bekitu.core.admin_audit import AuditedChangelistMixin, ReadOnlyMixin, audit_admin_read
from bekitu.core.audit_labels import action_label, channel_label
from bekitu.core.iin import is_valid_iin
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


# A staff login: the admin's flags or the workstation's profile (by its relation's name:
# core imports neither the workstation nor the portal).
_STAFF = Q(is_staff=True) | Q(is_superuser=True) | Q(staff_profile__isnull=False)


class LoginKindFilter(admin.SimpleListFilter):
    """Citizens' portal logins and staff logins apart, and the staff logins a citizen's
    registration is refused for (`login_taken`, docs/decisions/0018): named by a valid IIN
    (made before such names were refused, or by hand in this admin) or recording an IIN.
    Support finds and renames them before the person is refused."""

    title = _("kind of login")
    parameter_name = "login_kind"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("citizen", _("citizen's portal login")),
            ("staff", _("staff login")),
            ("staff_iin", _("staff login named by an IIN or recording one")),
        ]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        value = self.value()
        if value == "citizen":
            return queryset.filter(citizen_account__isnull=False)
        if value == "staff":
            return queryset.filter(_STAFF).distinct()
        if value == "staff_iin":
            named = Q(username__regex=r"^[0-9]{12}$") | Q(iin__isnull=False)
            found = queryset.filter(_STAFF).filter(named).distinct()
            # Twelve digits that are no IIN stay an ordinary name (decision 0018).
            clash = [u.pk for u in found if u.iin or is_valid_iin(u.username)]
            return queryset.filter(pk__in=clash)
        return queryset


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("IIN", {"fields": ("iin",)}))
    list_display = ("username", "first_name", "last_name", "is_staff")
    list_filter = (LoginKindFilter, *BaseUserAdmin.list_filter)
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
