from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "bekitu.service"
    label = "service"
    verbose_name = _("State service")

    def ready(self) -> None:
        # The provider's side of the portal channel, through the gateway (R9.8-R9.12).
        from bekitu.gateway.handlers import handler_register, query_register
        from bekitu.service import portal_requests, register_answers

        handler_register(
            service_id=portal_requests.SERVICE_ID, handler=portal_requests.request_receive
        )
        query_register(
            service_id=register_answers.SERVICE_ID, handler=register_answers.attachments_answer
        )
        # The portal's queries: the providers to choose from, the documents to attach.
        from bekitu.service import portal_queries

        portal_queries.register()

        # A talon's PDF is made after the decision commits; the portal hears of the talon
        # (with its PDF) in the transaction that stores it.
        from bekitu.service.portal_status import talon_made_receive
        from bekitu.talons.signals import talon_pdf_made

        talon_pdf_made.connect(talon_made_receive, dispatch_uid="service.talon_to_portal")
