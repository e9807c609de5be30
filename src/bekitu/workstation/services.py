"""Writes of the workstation: staff accounts."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from bekitu.core.audit import audit_record
from bekitu.core.errors import Conflict, DomainError, NotFound
from bekitu.core.iin import is_valid_iin
from bekitu.registry.selectors import provider_get_by_bin
from bekitu.workstation.models import StaffProfile

if TYPE_CHECKING:
    from bekitu.core.models import User

log = logging.getLogger("bekitu.workstation")


@transaction.atomic
def staff_create(
    *,
    username: str,
    password: str | None,
    provider_bin: str,
    role: str,
    kato_prefix: str = "",
    first_name: str = "",
    last_name: str = "",
) -> StaffProfile:
    """Create a staff login at a provider, or bring an existing one up to date (idempotent).

    `password=None`: the login gets no usable password (an old one stops working); the staff
    member chooses one through a one-time link (`set_password_link`).
    """
    if role not in StaffProfile.Role.values:
        raise DomainError(_("Unknown staff role."), code="invalid_role")
    provider = provider_get_by_bin(provider_bin)
    if provider is None:
        raise NotFound(_("No provider has this BIN."), code="provider_not_found")
    user, created = get_user_model().objects.get_or_create(username=username)
    staff_before = not created and StaffProfile.objects.filter(user=user).exists()
    if not created and user.iin and not staff_before:
        # A citizen's portal login (its name is their IIN) is never made a staff login, nor
        # its password changed by one.
        raise Conflict(
            _("This login is a citizen's portal account; choose another name."),
            code="citizen_login",
        )
    if is_valid_iin(username) and not staff_before:
        # A citizen's portal login is named by their IIN: a new staff login of that name
        # would keep the person from registering (decision 0018). One made before stands.
        raise Conflict(
            _(
                "A staff login cannot be named by an IIN: an IIN is a citizen's portal login. "
                "Choose another name."
            ),
            code="iin_username",
        )
    if password is None:
        user.set_unusable_password()
    else:
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
        data={
            "username": username,
            "provider_bin": provider_bin,
            "role": role,
            "password": "link" if password is None else "set",
        },
    )
    log.info("staff.saved", extra={"fields": {"profile": profile.pk, "created": created}})
    return profile


class SetPasswordTokens(PasswordResetTokenGenerator):
    """One-time set-password links of staff logins.

    The token is an HMAC (SECRET_KEY) of the user's id, their password hash, last login and
    the time it was made: nothing is stored, so there is no token to steal from the database;
    it stops working once a password is set (the hash it covers changes) and after
    PASSWORD_RESET_TIMEOUT seconds.
    """

    key_salt = "bekitu.workstation.SetPasswordTokens"


set_password_tokens = SetPasswordTokens()


def set_password_link(user: User) -> str:
    """The path of a one-time link where `user` chooses a password."""
    return reverse(
        "workstation:set-password",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": set_password_tokens.make_token(user),
        },
    )


def set_password_user(uidb64: str, token: str) -> User | None:
    """The staff login a set-password link is for, or None (unknown, used or expired)."""
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, UnicodeDecodeError):
        return None
    user = get_user_model().objects.filter(pk=pk, is_active=True, staff_profile__isnull=False)
    found = user.first()
    if found is None or not set_password_tokens.check_token(found, token):
        return None
    return found


@transaction.atomic
def set_password_by_link(user: User, password: str) -> None:
    """Set the password chosen through a one-time link (validated by the caller's form)."""
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(
        action="workstation.staff.password_set",
        object_type="auth.User",
        object_id=user.pk,
        data={"username": user.get_username(), "through": "link"},
    )
    log.info("staff.password_set", extra={"fields": {"user": user.pk}})
