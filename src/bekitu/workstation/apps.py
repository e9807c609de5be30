from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkstationConfig(AppConfig):
    name = "bekitu.workstation"
    label = "workstation"
    verbose_name = _("Provider workstation")
