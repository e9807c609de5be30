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
        # The provider's answers and the gateway's receipts of the portal's requests.
        from bekitu.gateway.contracts import (
            attachment_notice,
            attachment_request,
            attachment_status,
        )
        from bekitu.gateway.handlers import (
            handler_register,
            receipt_register,
            undelivered_register,
        )
        from bekitu.portal.api import auth  # noqa: F401
        from bekitu.portal.reattached import notice_receive
        from bekitu.portal.requests import receipt_receive, status_receive, undelivered_receive

        handler_register(service_id=attachment_status.SERVICE_ID, handler=status_receive)
        receipt_register(service_id=attachment_request.SERVICE_ID, handler=receipt_receive)
        # The portal's outbox gave a request up: parked, or discarded by an operator.
        undelivered_register(service_id=attachment_request.SERVICE_ID, handler=undelivered_receive)
        # The register's notices of persons re-attached when a provider closed.
        handler_register(service_id=attachment_notice.SERVICE_ID, handler=notice_receive)
