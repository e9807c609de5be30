from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkstationConfig(AppConfig):
    name = "bekitu.workstation"
    label = "workstation"
    verbose_name = _("Provider workstation")

    def ready(self) -> None:
        from bekitu.talons.signals import talon_signature_pending
        from bekitu.workstation import checks  # noqa: F401  (registers the system checks)
        from bekitu.workstation.notices import tell_heads_signature_pending

        talon_signature_pending.connect(
            tell_heads_signature_pending, dispatch_uid="workstation.tell_heads_signature_pending"
        )
