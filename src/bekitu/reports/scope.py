"""Who reads which reports: the head of a provider sees their provider, the regional
administrator every provider of the region (docs/reports.md). Other users read none."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from bekitu.core.errors import DomainError
from bekitu.registry.selectors import providers_of
from bekitu.workstation.staff import scope_for

READER_ROLES = frozenset({"head", "regional_admin"})


class NotAReader(DomainError):
    """The user is not a head of a provider nor a regional administrator."""

    code = "not_a_reader"


@dataclass(frozen=True)
class ReportScope:
    """The providers whose figures a reader may see, and how audit rows name the reader."""

    user_id: int
    actor: str
    regional: bool
    provider_ids: frozenset[int]
    label: str  # the provider's name, or the region's KATO prefix

    def narrow(self, provider_id: int | None) -> frozenset[int]:
        """The providers of a report: one of the scope's, or the whole scope. A provider
        outside the scope answers as if it did not exist."""
        if provider_id is None:
            return self.provider_ids
        if provider_id not in self.provider_ids:
            raise DomainError(_("No such provider in your scope."), code="not_found")
        return frozenset({provider_id})


def report_scope(user: Any) -> ReportScope:
    """The reader's scope; NotAReader for anyone but a head or a regional administrator."""
    staff = scope_for(user)
    if staff is None or staff.role not in READER_ROLES:
        raise NotAReader(
            _("Reports are for the head of a provider and the regional administrator.")
        )
    if staff.is_regional:
        ids = frozenset(providers_of(kato_prefix=staff.kato_prefix).values_list("pk", flat=True))
        label = staff.kato_prefix
    else:
        ids, label = frozenset({staff.provider.pk}), staff.provider.name
    return ReportScope(
        user_id=staff.user_id,
        actor=staff.actor,
        regional=staff.is_regional,
        provider_ids=ids,
        label=label,
    )
