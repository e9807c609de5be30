from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HandbookConfig(AppConfig):
    name = "bekitu.handbook"
    label = "handbook"
    verbose_name = _("Business-process handbook")
