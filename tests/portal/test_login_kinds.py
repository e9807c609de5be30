"""A citizen's portal login and a staff login kept apart (docs/decisions/0018): a staff login
named by an IIN, or recording one, is never taken over by the citizen's registration, which
says why it cannot go on instead of `already_registered`."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model

from bekitu.core.models import AuditEntry
from bekitu.devtools.testpki import TestPki
from bekitu.portal.errors import MESSAGES
from bekitu.portal.models import Account
from bekitu.registry.models import Person
from bekitu.workstation.models import StaffProfile
from tests.portal.test_accounts_api import register_by_eds

pytestmark = pytest.mark.django_db

STAFF_PASSWORD = "Emhana-staff-2026"


def _legacy_staff_login(provider: Any, username: str, iin: str | None = None) -> Any:
    """A staff login made before staff names were checked (existing data)."""
    user = get_user_model().objects.create_user(username, iin=iin, password=STAFF_PASSWORD)
    StaffProfile.objects.create(user=user, provider=provider, role="statistics_specialist")
    return user


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_a_staff_login_named_by_the_iin_is_a_clear_refusal_not_already_registered(
    client: Any, citizen: Person, provider: Any, test_pki: TestPki, language: str
) -> None:
    staff = _legacy_staff_login(provider, citizen.iin)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    answer = register_by_eds(client, test_pki, citizen.iin)
    assert answer.status_code == 409
    assert answer.json()["code"] == "login_taken"
    assert answer.json()["message"] != str(MESSAGES["already_registered"])
    assert not Account.objects.exists()
    staff.refresh_from_db()
    assert staff.check_password(STAFF_PASSWORD) and staff.iin is None
    (refused,) = AuditEntry.objects.filter(action="portal.account.register_refused")
    assert (refused.subject_iin, refused.data) == (citizen.iin, {"code": "login_taken"})


def test_a_staff_login_recording_the_iin_is_not_taken_over(
    client: Any, citizen: Person, provider: Any, test_pki: TestPki
) -> None:
    staff = _legacy_staff_login(provider, "aigul", iin=citizen.iin)
    answer = register_by_eds(client, test_pki, citizen.iin)
    assert answer.status_code == 409 and answer.json()["code"] == "login_taken"
    staff.refresh_from_db()
    assert staff.check_password(STAFF_PASSWORD)
    assert not Account.objects.exists()


def test_the_admin_finds_the_staff_logins_a_registration_would_be_refused_for(
    citizen: Person, provider: Any
) -> None:
    from django.test import Client

    from tests.factories import PersonFactory
    from tests.portal.test_requests_api import account_of

    named = _legacy_staff_login(provider, citizen.iin)
    recording = _legacy_staff_login(provider, "aigul", iin=PersonFactory().iin)
    _legacy_staff_login(provider, "aibek")  # an ordinary staff login
    _legacy_staff_login(provider, "123456789012")  # twelve digits, no IIN: an ordinary name
    portal = account_of(PersonFactory()).user
    user_model = get_user_model()
    site_admin = user_model.objects.create_superuser("site-admin", password="Adm1n-Pa55word!")
    admin = Client(HTTP_ACCEPT_LANGUAGE="ru")
    admin.force_login(site_admin)

    def listed(kind: str) -> set[str]:
        page = admin.get("/admin/core/user/", {"login_kind": kind})
        assert page.status_code == 200
        return {u.username for u in page.context["cl"].result_list}

    assert listed("staff_iin") == {named.username, recording.username}
    assert listed("citizen") == {portal.username}
    assert {named.username, "aibek", "site-admin"} <= listed("staff")
    assert portal.username not in listed("staff")
    assert "вид логина" in admin.get("/admin/core/user/").content.decode()
