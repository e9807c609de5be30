"""Writes of the workstation: staff accounts."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from bekitu.core.audit import audit_record
from bekitu.core.errors import DomainError, NotFound
from bekitu.registry.selectors import provider_get_by_bin
from bekitu.workstation.models import StaffProfile

log = logging.getLogger("bekitu.workstation")


@transaction.atomic
def staff_create(
    *,
    username: str,
    password: str,
    provider_bin: str,
    role: str,
    kato_prefix: str = "",
    first_name: str = "",
    last_name: str = "",
) -> StaffProfile:
    """Create a staff login at a provider, or bring an existing one up to date (idempotent)."""
    if role not in StaffProfile.Role.values:
        raise DomainError(_("Unknown staff role."), code="invalid_role")
    provider = provider_get_by_bin(provider_bin)
    if provider is None:
        raise NotFound(_("No provider has this BIN."), code="provider_not_found")
    user, created = get_user_model().objects.get_or_create(username=username)
    user.set_password(password)
    user.first_name = first_name or user.first_name
    user.last_name = last_name or user.last_name
    user.save()
    profile, _created = StaffProfile.objects.update_or_create(
        user=user, defaults={"provider": provider, "role": role, "kato_prefix": kato_prefix}
    )
    audit_record(
        action="workstation.staff.create" if created else "workstation.staff.update",
        object_type="workstation.StaffProfile",
        object_id=profile.pk,
        data={"username": username, "provider_bin": provider_bin, "role": role},
    )
    log.info("staff.saved", extra={"fields": {"profile": profile.pk, "created": created}})
    return profile
