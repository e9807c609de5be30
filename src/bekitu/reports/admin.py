"""The editions of age bands are kept by the regional health department in the admin; every
change is audited. Exports are listed for support, read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from bekitu.core.audit import audit_context, audit_record
from bekitu.reports.models import AgeBandEdition, ReportRun


def _audit(request: HttpRequest, edition: AgeBandEdition, verb: str) -> None:
    with audit_context(actor=f"admin:{request.user.get_username()}", channel="admin"):
        audit_record(
            action=f"reports.band_edition.{verb}",
            object_type="reports.agebandedition",
            object_id=edition.pk or "",
            data={"valid_from": edition.valid_from.isoformat(), "bands": edition.bands},
        )


@admin.register(AgeBandEdition)
class AgeBandEditionAdmin(admin.ModelAdmin):
    list_display = ("valid_from", "bands", "note")
    ordering = ("-valid_from",)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        _audit(request, obj, "update" if change else "create")

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        _audit(request, obj, "delete")
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            _audit(request, obj, "delete")
        super().delete_queryset(request, queryset)


@admin.register(ReportRun)
class ReportRunAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "format", "status", "actor", "regional", "size")
    list_filter = ("kind", "status", "format")
    readonly_fields = [f.name for f in ReportRun._meta.fields]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
