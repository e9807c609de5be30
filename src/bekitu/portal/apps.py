from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "bekitu.portal"
    label = "portal"
    verbose_name = _("Citizen portal")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The API's bearer scheme, for the OpenAPI schema.
        from bekitu.portal.api import auth  # noqa: F401
