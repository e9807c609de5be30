from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EdsConfig(AppConfig):
    name = "bekitu.eds"
    label = "eds"
    verbose_name = _("Electronic digital signature")
