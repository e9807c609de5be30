"""Whose applications and persons a caller reaches: each channel passes its scope in.

The workstation builds one from the staff member's profile (their provider, or a region for
a regional administrator); the gateway's inbox builds one for the provider a request is
addressed to. Everything outside the scope is answered as if it did not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bekitu.registry.selectors import providers_in_scope

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from bekitu.registry.models import Provider


@dataclass(frozen=True, kw_only=True)
class Scope:
    """The provider a caller acts for, and the providers whose data it may read: its own,
    or every provider whose KATO code starts with `kato_prefix` (a region or a unit)."""

    provider: Provider
    kato_prefix: str = ""

    def providers(self) -> QuerySet[Provider]:
        """The providers whose applications and attached population the caller reads."""
        return providers_in_scope(provider_pk=self.provider.pk, kato_prefix=self.kato_prefix)

    def covers(self, provider_id: int | None) -> bool:
        """True when the provider is one the caller reads."""
        if provider_id is None:
            return False
        if not self.kato_prefix:
            return provider_id == self.provider.pk
        return self.providers().filter(pk=provider_id).exists()
