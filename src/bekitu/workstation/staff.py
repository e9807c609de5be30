"""Who is at the workstation: the staff member's scope and role, used by pages and API alike.

The scope (which providers' applications and persons the member reaches) is the service's
`Scope`; a staff member's adds who they are and their role (R7), which decides what they may
do. Everything outside the scope is answered as if it did not exist (404).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from bekitu.core.errors import DomainError
from bekitu.service.selectors import Scope
from bekitu.workstation.models import StaffProfile

Role = StaffProfile.Role


@dataclass(frozen=True, kw_only=True)
class StaffScope(Scope):
    """A logged-in staff member, their role, and the providers they reach."""

    user_id: int
    username: str
    role: str

    @property
    def can_act(self) -> bool:
        """Only the statistics-office specialist accepts documents and issues talons (R7)."""
        return self.role == Role.STATISTICS_SPECIALIST

    @property
    def is_head(self) -> bool:
        """The head of the provider: reads, and admits a district above its size."""
        return self.role == Role.HEAD

    @property
    def is_regional(self) -> bool:
        return self.role == Role.REGIONAL_ADMIN

    @property
    def actor(self) -> str:
        """How audit rows name this staff member."""
        return f"staff:{self.username}"


def scope_for(user: Any) -> StaffScope | None:
    """The scope of a user, or None when the user is not provider staff."""
    if not getattr(user, "is_authenticated", False):
        return None
    profile = StaffProfile.objects.select_related("provider").filter(user_id=user.pk).first()
    if profile is None:
        return None
    prefix = profile.kato_prefix or profile.provider.atu_code[:2]
    return StaffScope(
        user_id=user.pk,
        username=user.get_username(),
        role=profile.role,
        provider=profile.provider,
        kato_prefix=prefix if profile.role == Role.REGIONAL_ADMIN else "",
    )


class NotPermitted(DomainError):
    """The staff member's role does not allow the action (R7)."""

    code = "not_permitted"


def require_actor(scope: StaffScope) -> None:
    """Only the statistics-office specialist takes and decides applications (R7)."""
    if not scope.can_act:
        raise NotPermitted(_("Only a statistics-office specialist may do this."))
