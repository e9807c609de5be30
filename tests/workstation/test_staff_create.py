"""`bekitu staff-create`: a staff login at a provider, idempotent."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command

from bekitu.core.models import AuditEntry
from bekitu.workstation.models import StaffProfile
from tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    """The command with the password (given here as `--password P`) on standard input."""
    args_list = list(args)
    password = ""
    if "--password" in args_list:
        at = args_list.index("--password")
        password = args_list[at + 1]
        del args_list[at : at + 2]
    out = io.StringIO()
    stdin = io.StringIO(password + "\n")
    call_command("staff-create", *args_list, "--password-stdin", stdin=stdin, stdout=out)
    return out.getvalue()


def test_creates_a_login_with_its_role_and_provider() -> None:
    provider = ProviderFactory()
    out = _run(
        "--username",
        "aigul",
        "--password",
        "Aigul-s3cret-pw",
        "--provider-bin",
        provider.bin,
        "--role",
        "statistics_specialist",
    )
    profile = StaffProfile.objects.get(user__username="aigul")
    assert (profile.provider, profile.role) == (provider, "statistics_specialist")
    assert authenticate(username="aigul", password="Aigul-s3cret-pw") == profile.user
    assert provider.bin in out
    assert AuditEntry.objects.filter(action="workstation.staff.create").count() == 1


def test_running_it_again_updates_instead_of_duplicating() -> None:
    first, second = ProviderFactory(), ProviderFactory()
    common = ("--username", "aigul", "--password", "Polyclinic-pw-1")
    _run(*common, "--provider-bin", first.bin, "--role", "statistics_specialist")
    _run(
        "--username",
        "aigul",
        "--password",
        "Polyclinic-pw-2",
        "--provider-bin",
        second.bin,
        "--role",
        "head",
    )
    profile = StaffProfile.objects.get(user__username="aigul")
    assert StaffProfile.objects.count() == 1
    assert (profile.provider, profile.role) == (second, "head")
    assert authenticate(username="aigul", password="Polyclinic-pw-2") is not None


def test_an_unknown_bin_is_an_error_and_creates_nothing() -> None:
    with pytest.raises(CommandError):
        _run(
            "--username", "x", "--password", "y", "--provider-bin", "000000000000", "--role", "head"
        )
    assert not StaffProfile.objects.exists()
    assert not get_user_model().objects.filter(username="x").exists()


def test_an_unknown_role_is_refused_by_the_parser() -> None:
    provider = ProviderFactory()
    with pytest.raises(CommandError):
        _run(
            "--username",
            "x",
            "--password",
            "y",
            "--provider-bin",
            provider.bin,
            "--role",
            "janitor",
        )


def test_a_citizens_portal_login_is_never_made_a_staff_login() -> None:
    from bekitu.core.errors import Conflict
    from bekitu.workstation.services import staff_create

    provider = ProviderFactory()
    iin = "850314301011"
    citizen = get_user_model().objects.create_user(iin, iin=iin, password="Citizen-pw-2026")
    with pytest.raises(Conflict) as refused:
        staff_create(
            username=iin,
            password="x-Pass-42-x",
            provider_bin=provider.bin,
            role="statistics_specialist",
        )
    assert refused.value.code == "citizen_login"
    assert not StaffProfile.objects.exists()
    citizen.refresh_from_db()
    assert citizen.check_password("Citizen-pw-2026")


def test_a_new_staff_login_is_never_named_by_an_iin() -> None:
    """A citizen's portal login is their IIN: a staff login of that name would keep the
    person from registering (docs/decisions/0018)."""
    from bekitu.core.errors import Conflict
    from bekitu.workstation.services import staff_create

    provider = ProviderFactory()
    with pytest.raises(Conflict) as refused:
        staff_create(
            username="850314300013",
            password="x-Pass-42-x",
            provider_bin=provider.bin,
            role="statistics_specialist",
        )
    assert refused.value.code == "iin_username"
    assert not get_user_model().objects.filter(username="850314300013").exists()
    # Twelve digits that are no IIN (a wrong check digit) are a name like any other.
    staff_create(
        username="850314300010",
        password="x-Pass-42-x",
        provider_bin=provider.bin,
        role="statistics_specialist",
    )


def test_a_staff_login_named_by_an_iin_before_is_still_updated() -> None:
    from bekitu.workstation.services import staff_create

    provider = ProviderFactory()
    user = get_user_model().objects.create_user("850314300013", password="Old-pass-2026")
    StaffProfile.objects.create(user=user, provider=provider, role="statistics_specialist")
    profile = staff_create(
        username="850314300013", password=None, provider_bin=provider.bin, role="head"
    )
    assert profile.role == "head"


def test_the_command_refuses_an_iin_as_a_staff_name() -> None:
    provider = ProviderFactory()
    with pytest.raises(CommandError, match="IIN"):
        _run(
            "--username",
            "850314300013",
            "--password",
            "Aigul-s3cret-pw",
            "--provider-bin",
            provider.bin,
            "--role",
            "statistics_specialist",
        )
