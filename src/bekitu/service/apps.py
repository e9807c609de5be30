from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "bekitu.service"
    label = "service"
    verbose_name = _("State service")

    def ready(self) -> None:
        # The provider's side of the portal channel, through the gateway (R9.8-R9.12).
        from bekitu.gateway.handlers import handler_register
        from bekitu.service.portal_requests import SERVICE_ID, request_receive

        handler_register(service_id=SERVICE_ID, handler=request_receive)
