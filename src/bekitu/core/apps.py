from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "bekitu.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # Registers the deployment checks at start-up; audits every change of users,
        # groups, permissions and staff profiles.
        from bekitu.core import audit, checks  # noqa: F401

        audit.connect()
