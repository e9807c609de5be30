from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TalonsConfig(AppConfig):
    name = "bekitu.talons"
    label = "talons"
    verbose_name = _("Talons")
