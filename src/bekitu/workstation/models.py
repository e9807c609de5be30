"""Provider staff: who may use the workstation (АРМ), in which role, for which providers."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffProfile(models.Model):
    """A user's place at a provider. Every page and API call is scoped by it.

    A statistics-office specialist (R7) handles the applications of their provider; the head
    of the provider reads them; a regional administrator reads those of every provider whose
    administrative-territorial unit (KATO) starts with `kato_prefix` (the region's two digits,
    or a whole unit's code).
    """

    class Role(models.TextChoices):
        STATISTICS_SPECIALIST = "statistics_specialist", _("statistics-office specialist")
        HEAD = "head", _("head of the provider")
        REGIONAL_ADMIN = "regional_admin", _("regional administrator")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_profile",
        verbose_name=_("user"),
    )
    provider = models.ForeignKey(
        "registry.Provider",
        on_delete=models.PROTECT,
        related_name="staff",
        verbose_name=_("provider"),
    )
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    kato_prefix = models.CharField(
        _("region or unit (KATO prefix)"),
        max_length=9,
        blank=True,
        help_text=_(
            "For a regional administrator: the providers whose KATO code starts with this; "
            "empty means the region of their own provider."
        ),
    )

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"
