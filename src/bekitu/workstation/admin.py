from __future__ import annotations

from django.contrib import admin

from bekitu.workstation.models import StaffProfile


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "provider", "kato_prefix")
    list_filter = ("role",)
    search_fields = ("user__username", "provider__bin")
    raw_id_fields = ("user", "provider")
