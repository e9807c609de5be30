"""Django admin of the register.

Reference data (localities, streets, providers, districts, doctors, service areas) is kept
here by the regional health department; every change writes an audit row. Persons and
attachments are read-only: they change only through the register's services, and opening
a person's page is an audited read.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from bekitu.core.admin_audit import AuditedChangelistMixin
from bekitu.core.audit import audit_context, audit_record
from bekitu.registry import selectors, services
from bekitu.registry.models import (
    Address,
    Attachment,
    District,
    Doctor,
    Locality,
    Person,
    PersonRelation,
    Provider,
    ServiceArea,
    Street,
)

admin.site.site_header = _("Bekitu administration")
admin.site.site_title = _("Bekitu")
admin.site.index_title = _("Register of attached population and reference data")


@contextmanager
def _as_admin(request: HttpRequest) -> Iterator[None]:
    with audit_context(actor=f"admin:{request.user.get_username()}", channel="admin"):
        yield


def _audit_change(request: HttpRequest, obj: Model, verb: str) -> None:
    meta = obj._meta
    with _as_admin(request):
        audit_record(
            action=f"registry.{meta.model_name}.{verb}",
            object_type=f"registry.{meta.model_name}",
            object_id=obj.pk or "",
            data={"repr": str(obj)[:200]},
        )


class AuditedAdmin(admin.ModelAdmin):
    """Reference-data admin whose saves and deletions (its inlines' too) are audited."""

    show_full_result_count = False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        _audit_change(request, obj, "update" if change else "create")

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        _audit_change(request, obj, "delete")
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            _audit_change(request, obj, "delete")
        super().delete_queryset(request, queryset)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        for obj in getattr(formset, "new_objects", []):
            _audit_change(request, obj, "create")
        for obj, _fields in getattr(formset, "changed_objects", []):
            _audit_change(request, obj, "update")
        for obj in getattr(formset, "deleted_objects", []):
            _audit_change(request, obj, "delete")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable, never edited here: the register's services are the only writers."""

    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


NAME_FIELDS = ("name_kk", "name_ru", "name_en")


@admin.register(Locality)
class LocalityAdmin(AuditedAdmin):
    list_display = ("kato", "name_kk", "name_ru", "kind", "atu_code", "atu_name_ru")
    list_filter = ("kind", "atu_name_ru")
    search_fields = ("kato", "atu_code", *NAME_FIELDS)
    ordering = ("kato",)


@admin.register(Street)
class StreetAdmin(AuditedAdmin):
    list_display = ("name_kk", "name_ru", "locality")
    list_filter = ("locality__atu_name_ru",)
    list_select_related = ("locality",)
    search_fields = (*NAME_FIELDS, "locality__name_ru", "locality__name_kk")
    autocomplete_fields = ("locality",)
    ordering = ("locality__name_ru", "name_ru")


@admin.register(Address)
class AddressAdmin(AuditedAdmin):
    list_display = ("__str__", "street", "house", "building", "apartment")
    list_select_related = ("street__locality",)
    search_fields = ("street__name_ru", "street__name_kk", "=house")
    autocomplete_fields = ("street",)


# Editable inlines are stacked: a tabular inline's inputs have a column heading but no label
# of their own (WCAG 1.3.1, 4.1.2); a stacked one labels each field.
class DistrictInline(admin.StackedInline):
    model = District
    fields = ("number", "kind", "doctor", "normative_size")
    autocomplete_fields = ("doctor",)
    extra = 0
    show_change_link = True


@admin.register(Provider)
class ProviderAdmin(AuditedAdmin):
    list_display = ("bin", "name_kk", "name_ru", "atu_code", "is_active", "closed_on")
    list_filter = ("is_active", "atu_code", "locality__atu_name_ru")
    list_select_related = ("locality",)
    search_fields = ("=bin", *NAME_FIELDS, "licence_number")
    autocomplete_fields = ("locality",)
    inlines = (DistrictInline,)
    actions = ("close_today",)
    fieldsets = (
        (None, {"fields": ("bin", *NAME_FIELDS)}),
        (_("Contacts and territory"), {"fields": ("address", "phone", "locality", "atu_code")}),
        (_("Licence"), {"fields": ("licence_number", "licence_date")}),
        (_("Working hours"), {"fields": ("opens", "closes")}),
        (_("Status"), {"fields": ("is_active", "closed_on")}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # Closing a provider ends its attachments: only the action below may do it.
        return ("is_active", "closed_on") if obj is not None else ()

    @admin.action(description=_("Close the selected providers today and end their attachments"))
    def close_today(self, request: HttpRequest, queryset: QuerySet[Provider]) -> None:
        """Close each open provider through the register's service."""
        day, ended = selectors.today(), 0
        with _as_admin(request):
            for provider in queryset.filter(is_active=True):
                ended += services.provider_close(provider=provider, on=day)
        self.message_user(
            request,
            _("Providers closed; attachments ended: %(count)d.") % {"count": ended},
            messages.SUCCESS,
        )


@admin.register(Doctor)
class DoctorAdmin(AuditedAdmin):
    list_display = ("full_name", "specialty", "provider")
    list_filter = ("specialty", "provider")
    list_select_related = ("provider",)
    search_fields = ("full_name", "=provider__bin")
    autocomplete_fields = ("provider",)


class ServiceAreaInline(admin.StackedInline):
    model = ServiceArea
    fields = ("street", "house_from", "house_to")
    autocomplete_fields = ("street",)
    extra = 0


@admin.register(District)
class DistrictAdmin(AuditedAdmin):
    list_display = ("__str__", "provider", "kind", "doctor", "normative_size")
    list_filter = ("kind", "provider")
    list_select_related = ("provider", "doctor")
    search_fields = ("=number", "=provider__bin", "provider__name_ru", "doctor__full_name")
    autocomplete_fields = ("provider", "doctor")
    inlines = (ServiceAreaInline,)


@admin.register(ServiceArea)
class ServiceAreaAdmin(AuditedAdmin):
    list_display = ("street", "house_from", "house_to", "district", "provider")
    list_filter = ("district__provider",)
    list_select_related = ("street__locality", "district__provider")
    search_fields = ("street__name_ru", "street__name_kk", "=district__provider__bin")
    autocomplete_fields = ("district", "street")

    @admin.display(description=_("provider"), ordering="district__provider__name_ru")
    def provider(self, obj: ServiceArea) -> Provider:
        return obj.district.provider


class AttachmentInline(admin.TabularInline):
    model = Attachment
    fields = ("provider", "district", "valid_from", "valid_to", "reason", "end_reason", "source")
    readonly_fields = fields
    ordering = ("-valid_from", "-pk")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RelationInline(admin.TabularInline):
    model = PersonRelation
    fk_name = "person"
    fields = ("relative", "kind", "valid_from", "valid_to", "document")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Person)
class PersonAdmin(AuditedChangelistMixin, ReadOnlyAdmin):
    """Persons mirror the population register; opening one, and each list page, is an
    audited read."""

    list_audit_action = "registry.person.list"

    list_display = ("iin", "surname", "given_name", "birth_date", "status", "death_date")
    list_filter = ("status", "sex", "insured")
    search_fields = ("=iin", "^surname")
    exclude = ("address",)
    readonly_fields = ("registered_address",)
    inlines = (RelationInline, AttachmentInline)

    @admin.display(description=_("registered address"))
    def registered_address(self, obj: Person) -> str:
        return str(obj.address) if obj.address else "—"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Person]:
        return super().get_queryset(request).select_related("address__street__locality")

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        person = self.get_object(request, object_id)
        if person is not None:
            with _as_admin(request):
                audit_record(
                    action="registry.person.read",
                    object_type="registry.person",
                    object_id=person.pk,
                    subject_iin=person.iin,
                    data={"via": "admin"},
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Person], search_term: str
    ) -> tuple[QuerySet[Person], bool]:
        if search_term:
            # Searching the register reveals who is in it: record what was asked.
            with _as_admin(request):
                audit_record(action="registry.person.search", data={"q": search_term[:100]})
        return super().get_search_results(request, queryset, search_term)


@admin.register(Attachment)
class AttachmentAdmin(AuditedChangelistMixin, ReadOnlyAdmin):
    """The attachment history, read-only; opening one is an audited read of its person, and
    each list page is audited."""

    list_audit_action = "registry.attachment.list"

    list_display = (
        "person",
        "provider",
        "district",
        "valid_from",
        "valid_to",
        "reason",
        "end_reason",
        "source",
    )
    list_filter = ("reason", "end_reason", "source", "provider")
    list_select_related = ("person", "provider", "district")
    search_fields = ("=person__iin", "=application_number")
    date_hierarchy = "valid_from"

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        attachment = self.get_object(request, object_id)
        if attachment is not None:
            with _as_admin(request):
                audit_record(
                    action="registry.attachment.read",
                    object_type="registry.attachment",
                    object_id=attachment.pk,
                    subject_iin=attachment.person.iin,
                    data={"via": "admin"},
                )
        return super().change_view(request, object_id, form_url, extra_context)
