from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "bekitu.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # Registers the deployment checks at start-up.
        from bekitu.core import checks  # noqa: F401
