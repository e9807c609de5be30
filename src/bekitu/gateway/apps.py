from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GatewayConfig(AppConfig):
    name = "bekitu.gateway"
    label = "gateway"
    verbose_name = _("E-government gateway")

    def ready(self) -> None:
        from bekitu.gateway import checks  # noqa: F401  (registers the system checks)
